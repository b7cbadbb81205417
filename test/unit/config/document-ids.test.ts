// Strings that become Firestore document ids are checked up front, so a task never fails inside a transaction; ids a
// user chooses are used as they are, never rewritten, so two that differ never name one document (promise 15).
import { describe, expect, it } from "vitest";
import { formatIssues } from "../../../shared/config/config-issue";
import { parseConfig } from "../../../shared/validation/validate-config";
import { documentIdProblem, ID_CHARACTERS, idProblem, MAX_ID_CHARS } from "../../../shared/ids";
import { chainedTaskDocId, jobTaskDocId } from "../../../shared/pipeline/doc-ids";
import { runnableConfig } from "../../../shared/pipeline/start-job-run";
import { splitTaskDocument } from "../../../shared/pipeline/task-document";

const task = (next_task: string) => ({ task_id: "t", steps: [], next_task });
const issuesOf = (result: ReturnType<typeof parseConfig>) => (result.ok ? "" : formatIssues(result.issues));

describe("Firestore document ids", () => {
  it.each([
    ["", "it is empty"],
    ["drafts/v2", 'it contains "/"'],
    ["..", 'it is "." or ".."'],
    ["__meta__", "ids of the form __name__ are reserved by Firestore"],
    ["x".repeat(1501), "it is longer than 1,500 bytes"],
  ])("refuses %j: %s", (id, why) => {
    expect(documentIdProblem(id)).toBe(why);
  });

  it("reports a task document's job_id that cannot be a document id as an envelope problem", () => {
    const { issues } = splitTaskDocument({ job_id: "jobs/x", task_id: "t" });
    expect(issues).toEqual([{ path: "job_id", message: '"jobs/x" cannot be a jobs/ document id: it contains "/"' }]);
  });
});

describe("the id rule: job_id, task_id, step ids, next_task and batch_id", () => {
  it("accepts the ids people write: dots, dashes, underscores, colons, @ and +, letters of any script", () => {
    for (const id of ["draft.v2-final", "sample_job", "a:b@c+d", "Tromsø", "résumé", "कार्य", "日本語", "x".repeat(MAX_ID_CHARS)])
      expect(idProblem(id), id).toBeUndefined();
  });

  it.each([
    ["a b", 'it holds " " (U+0020)'],
    ["a\tb", 'it holds "\\t" (U+0009)'],
    ["a/b", 'it holds "/" (U+002F)'],
    ["a#b", 'it holds "#" (U+0023)'],
    ["a\u200bb", 'it holds "\u200b" (U+200B)'],
  ])("refuses %j, naming the character and saying which are allowed", (id, held) => {
    expect(idProblem(id)).toBe(`${held}; an id may hold only ${ID_CHARACTERS}`);
  });

  it('reserves "~", the separator of the pipeline\'s composed ids, and says so', () => {
    expect(idProblem("b~000000~000")).toBe('"~" is reserved: it separates the parts of the pipeline\'s own ids');
  });

  it("refuses what Firestore refuses and ids over the length limit", () => {
    expect(idProblem("..")).toBe('it is "." or ".."');
    expect(idProblem("__x__")).toBe("ids of the form __name__ are reserved by Firestore");
    expect(idProblem("x".repeat(MAX_ID_CHARS + 1))).toBe(`it is longer than ${MAX_ID_CHARS} characters`);
  });

  it("validation names the field and the id: job_id, task_id, a step's id, next_task", () => {
    const job = {
      job_id: "a b",
      task_config: { task_id: "x~y", steps: [{ id: "s/1", step_type: 1, function_call_config: { function_name: "firestore_log" } }] },
      task_configs: [task("n x")],
    };
    const text = issuesOf(parseConfig("job", job));
    expect(text).toContain('job_id: "a b" cannot be a job_id: it holds " " (U+0020)');
    expect(text).toContain('task_config.task_id: "x~y" cannot be a task_id: "~" is reserved');
    expect(text).toContain('task_config.steps[0].id: "s/1" cannot be a step id: it holds "/" (U+002F)');
    expect(text).toContain('task_configs[0].next_task: "n x" cannot name a task: it holds " " (U+0020)');
  });

  it("refuses next_task naming what cannot be a task id", () => {
    expect(issuesOf(parseConfig("task", task("drafts/v2")))).toBe(
      `next_task: "drafts/v2" cannot name a task: it holds "/" (U+002F); an id may hold only ${ID_CHARACTERS}`,
    );
    expect(issuesOf(parseConfig("task", task("..")))).toBe('next_task: ".." cannot name a task: it is "." or ".."');
  });
});

describe("a job's document id at start", () => {
  it("is checked by the id rule when the job_id field does not stand for it; a batch run's is its batch's", () => {
    expect(runnableConfig("a b", {}, { job_id: "a_b" }).issues).toEqual([
      { path: "job_id", message: `the document id "a b" cannot be a job_id: it holds " " (U+0020); an id may hold only ${ID_CHARACTERS}` },
    ]);
    expect(runnableConfig("a_b", {}, {}).issues).toEqual([]);
    expect(runnableConfig("b~000000~000", { batch_id: "b" }, { job_id: "b~000000~000" })).toEqual({
      config: { job_id: undefined },
      issues: [],
    });
  });
});

describe("the pipeline's document ids use user ids as they are", () => {
  it("two job ids or task ids that differ name two task documents (a b and a_b no longer meet)", () => {
    expect(jobTaskDocId("a b", "run1", 1, "t")).not.toBe(jobTaskDocId("a_b", "run1", 1, "t"));
    expect(jobTaskDocId("j", "run1", 1, "a b")).not.toBe(jobTaskDocId("j", "run1", 1, "a_b"));
    expect(jobTaskDocId("j", "run1", 2, "second")).toBe("j~run1~2~second");
    const long = "x".repeat(300);
    expect(jobTaskDocId(`${long}a`, "run1", 1, "t")).not.toBe(jobTaskDocId(`${long}b`, "run1", 1, "t"));
  });

  it("a long chain of bare tasks keeps a digest of its whole predecessor id, not a cut of it", () => {
    const a = `${"p".repeat(900)}a`;
    const b = `${"p".repeat(900)}b`;
    expect(chainedTaskDocId(a, "next")).not.toBe(chainedTaskDocId(b, "next"));
    expect(Buffer.byteLength(chainedTaskDocId("é".repeat(1000), "t".repeat(MAX_ID_CHARS)))).toBeLessThanOrEqual(1500);
    expect(chainedTaskDocId("short", "t")).toBe("short~next~t");
  });
});
