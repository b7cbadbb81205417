// Planning a batch: rows from a grid, inline rows and a rows file; every problem at once, with its row and path.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIssues } from "../../../shared/config/config-issue";
import { DEFAULT_VALIDATION } from "../../../shared/validation/validate-config";
import { rowCount, rowAt, runAt, runCount } from "../../../shared/batch/expand-rows";
import { planBatch, type BatchPlan } from "../../../shared/batch/plan-batch";
import { csvRows, jsonlRows } from "../../../local/batch/read-rows-file";
import { loadBatchFile } from "../../../local/batch/load-batch-file";
import { DEFAULT_LIMITS } from "../../../shared/limits";
import { batchTemplate, gridBatch } from "../../support/batch-configs";

const plan = (raw: unknown, file?: ReturnType<typeof csvRows>, label = "rows.csv"): BatchPlan => {
  const result = planBatch({ raw, ...(file ? { file, fileLabel: label } : {}) }, DEFAULT_VALIDATION);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.plan;
};
const problems = (raw: unknown, file?: ReturnType<typeof csvRows>, label = "rows.csv"): string[] => {
  const result = planBatch({ raw, ...(file ? { file, fileLabel: label } : {}) }, DEFAULT_VALIDATION);
  if (result.ok) throw new Error("expected the batch to be refused");
  return result.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
};

describe("rows of a batch", () => {
  it("a grid is the cartesian product of its variables, the last varying fastest", () => {
    const p = plan(gridBatch("g", { a: ["1", "2"], b: ["x", "y", "z"] }));
    expect(p.rowsTotal).toBe(6);
    expect(Array.from({ length: 6 }, (_, i) => rowAt(p.space, i))).toEqual([
      { a: "1", b: "x" },
      { a: "1", b: "y" },
      { a: "1", b: "z" },
      { a: "2", b: "x" },
      { a: "2", b: "y" },
      { a: "2", b: "z" },
    ]);
  });

  it("rows (inline, then the rows file) are each combined with every grid point; repeats and models multiply the runs", () => {
    const file = csvRows('topic,tone\nowls,dry\n"cats, mostly","warm ""ish"""\n', "rows.csv");
    const raw = {
      batch_id: "b",
      job: batchTemplate("%topic% %tone% %lang%", ["topic", "tone", "lang"]),
      rows: [{ topic: "bees", tone: "odd" }],
      rows_file: "rows.csv",
      grid: { lang: ["en", "fr"] },
      repeats: 2,
      models: ["GEMINI_FLASH", "GEMINI_PRO"],
    };
    const p = plan(raw, file);
    expect(rowCount(p.space)).toBe(6);
    expect(runCount(p.space)).toBe(24);
    expect(p.variables).toEqual(["topic", "tone", "lang"]);
    expect(rowAt(p.space, 5)).toEqual({ topic: "cats, mostly", tone: 'warm "ish"', lang: "fr" });
    // Runs go row by row, then repeat, then model.
    expect(runAt(p.space, 0)).toMatchObject({ rowIndex: 0, repeat: 0, model: "GEMINI_FLASH" });
    expect(runAt(p.space, 1)).toMatchObject({ rowIndex: 0, repeat: 0, model: "GEMINI_PRO" });
    expect(runAt(p.space, 2)).toMatchObject({ rowIndex: 0, repeat: 1, model: "GEMINI_FLASH" });
    expect(runAt(p.space, 23)).toMatchObject({
      rowIndex: 5,
      repeat: 1,
      model: "GEMINI_PRO",
      inputs: { topic: "cats, mostly", lang: "fr" },
    });
    expect(p.outputVariables).toEqual(["answer"]);
  });

  it("the same file plans the same definition hash; any change to a row changes it", () => {
    const a = plan(gridBatch("h", { a: ["1", "2"] }));
    expect(plan(gridBatch("h", { a: ["1", "2"] })).definitionHash).toBe(a.definitionHash);
    expect(plan(gridBatch("h", { a: ["1", "3"] })).definitionHash).not.toBe(a.definitionHash);
  });
});

describe("a batch is refused with every problem, each with its row and path", () => {
  it("lists what the entry task declares for a variable it does not", () => {
    const raw = {
      batch_id: "v",
      job: batchTemplate("%topic%", ["topic", "tone"]),
      rows: [{ topic: "owls" }, { topc: "cats", tone: "dry" }],
      grid: { langauge: ["en"] },
    };
    expect(problems(raw)).toEqual([
      'grid.langauge: the entry task "t" declares no input "langauge"; it declares "topic", "tone"',
      'rows[1].topc: the entry task "t" declares no input "topc"; it declares "topic", "tone"',
    ]);
  });

  it("names the file and line of a rows file's problems: a misspelt header once, a short row, a number in JSONL", () => {
    const csv = csvRows("topic,tnoe\nowls,dry\ncats\n", "data/rows.csv");
    expect(
      problems({ batch_id: "f", job: batchTemplate("%topic%", ["topic", "tone"]), rows_file: "data/rows.csv" }, csv, "data/rows.csv"),
    ).toEqual([
      'data/rows.csv:1.tnoe: the entry task "t" declares no input "tnoe"; it declares "topic", "tone"',
      "data/rows.csv:3: row 2 has 1 field, the header 2; a value with a comma needs quotes",
    ]);
    const jsonl = jsonlRows('{"topic":"owls"}\n{"topic": 3}\nnot json\n', "rows.jsonl");
    const refused = problems({ batch_id: "j", job: batchTemplate("%topic%", ["topic"]), rows_file: "rows.jsonl" }, jsonl, "rows.jsonl");
    expect(refused[0]).toBe('rows.jsonl:2.topic: expected a string, got the number 3: row values are text (quote it: "3")');
    expect(refused[1]).toMatch(/^rows\.jsonl:3: not valid JSON/);
  });

  it("checks the template as a job, the options and the inputs all at once", () => {
    const job = { task_config: { ...batchTemplate("%a%", ["a"]).task_config, next_task: "nowhere" }, status: "queued" };
    const raw = { batch_id: "a/b", job, grid: { a: [] }, repeats: 0, models: ["GEMINI_FLAHS"], extra: 1 };
    const refused = problems(raw);
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^batch_id: "a\/b" cannot be a batch_id: it holds "\/"/),
        "grid.a: a grid variable needs at least one value",
        expect.stringMatching(/^repeats: /),
        "extra: unknown field (check its spelling)",
        "job.status: each row's job gets its id and status from the batch; leave it out",
        expect.stringMatching(/^job\.task_config\.next_task: next_task "nowhere" names no task/),
      ]),
    );
  });

  it("lists the template's problems and the rows' at once: the rows are checked against the inputs an invalid template declares", () => {
    const template = batchTemplate("%topic%", ["topic", "tone"]);
    const job = { task_config: { ...template.task_config, next_task: "nowhere", steps: [{ id: "s", step_type: 7 }] } };
    const refused = problems({
      batch_id: "both",
      job,
      rows: [{ topic: "owls" }, { topc: "cats" }, { topic: "y".repeat(600_000) }],
      models: ["GEMINI_FLAHS"],
    });
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^job\.task_config\.next_task: next_task "nowhere" names no task/),
        expect.stringMatching(/^job\.task_config\.steps\[0\]/),
        'rows[1].topc: the entry task "t" declares no input "topc"; it declares "topic", "tone"',
        expect.stringMatching(/^rows\[2\]: this row's job would be larger than Firestore's 1 MiB document limit/),
        expect.stringMatching(/^models\[0\]: unknown model key "GEMINI_FLAHS"/),
      ]),
    );
    // A template whose inputs cannot be read still reports the rest, and nothing about the rows' variables.
    const unreadable = problems({ batch_id: "u", job: { task_config: "not a task" }, rows: [{ anything: "x" }] });
    expect(unreadable.some((line) => line.startsWith("job.task_config"))).toBe(true);
    expect(unreadable.some((line) => line.startsWith("rows[0]"))).toBe(false);
  });

  it("refuses a batch with no inputs, a variable from both the grid and the rows, `repeat` as a variable, and unknown models", () => {
    expect(problems({ batch_id: "n", job: batchTemplate("x", ["a"]) })).toEqual([expect.stringMatching(/^a batch needs inputs: grid/)]);
    const both = problems({
      batch_id: "b",
      job: batchTemplate("%a%", ["a", "repeat"]),
      grid: { a: ["1"] },
      rows: [{ a: "2", repeat: "1" }],
      models: ["GEMINI_FLAHS", "GEMINI_PRO", "GEMINI_PRO"],
    });
    expect(both).toEqual(
      expect.arrayContaining([
        'grid.a: "a" is also a column of the rows; a variable comes from the grid or from the rows, not both',
        'rows[0].repeat: "repeat" is the run\'s repeat index, set by the batch (%repeat%); rename this variable',
        expect.stringMatching(/^models\[0\]: unknown model key "GEMINI_FLAHS"; known: GEMINI_FLASH/),
        'models[2]: "GEMINI_PRO" is listed twice',
      ]),
    );
  });

  it("refuses a batch over the run limit, and a row whose job would not fit in a Firestore document", () => {
    const big = Array.from({ length: 400 }, (_, i) => String(i));
    expect(problems(gridBatch("many", { a: big, b: big }))).toEqual([
      expect.stringMatching(/^the batch has 160000 runs .* over the limit of 100000/),
    ]);
    const long = problems({ batch_id: "long", job: batchTemplate("%a%", ["a"]), rows: [{ a: "x" }, { a: "y".repeat(400_000) }] });
    expect(long).toEqual([expect.stringMatching(/^rows\[1\]: this row's job would be larger than Firestore's 1 MiB document limit/)]);
  });
});

describe("a batch's size (MAX_BATCH_BYTES)", () => {
  const small = { ...DEFAULT_VALIDATION, limits: { ...DEFAULT_LIMITS, batchRequestBytes: 2000 } };
  const big = gridBatch("big", { a: Array.from({ length: 500 }, (_, i) => `value ${i}`) });

  it("planning refuses a batch over the limit before checking it, naming the setting", () => {
    const result = planBatch({ raw: big }, small);
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: "",
        message:
          "the batch is larger than 2000 bytes as JSON, over MAX_BATCH_BYTES (2000); split it into several batches, or put long rows in a rows_file (`npm run batch -- submit`)",
      },
    ]);
  });

  it("the CLI refuses a batch file over the limit from its size on disk, before reading it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "batch-size-"));
    const file = join(dir, "big.jsonc");
    await writeFile(file, JSON.stringify(big));
    const result = await loadBatchFile(file, small);
    expect(result.ok ? "" : result.issues[0]?.message).toMatch(
      /^the batch file .*big\.jsonc is larger than 2000 bytes as JSON, over MAX_BATCH_BYTES \(2000\)/,
    );
    expect((await loadBatchFile(file, DEFAULT_VALIDATION)).ok).toBe(true);
  });
});
