// Strings that become Firestore document ids are checked up front, so a task never fails inside a transaction.
import { describe, expect, it } from "vitest";
import { formatIssues } from "../../../shared/config/config-issue";
import { documentIdProblem, parseConfig } from "../../../shared/validation/validate-config";
import { splitTaskDocument } from "../../../shared/pipeline/task-document";

const task = (next_task: string) => ({ task_id: "t", steps: [], next_task });

describe("document ids", () => {
  it.each([
    ["drafts/v2", 'it contains "/"'],
    ["..", 'it is "." or ".."'],
    ["__meta__", "ids of the form __name__ are reserved by Firestore"],
    ["x".repeat(1501), "it is longer than 1,500 bytes"],
  ])("refuses next_task %j: %s", (next, why) => {
    const result = parseConfig("task", task(next));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatIssues(result.issues)).toBe(`next_task: ${JSON.stringify(next)} cannot name a task: ${why}`);
  });

  it("accepts ordinary ids, dots and dashes included", () => {
    expect(documentIdProblem("draft.v2-final")).toBeUndefined();
    expect(parseConfig("task", task("draft.v2-final")).ok).toBe(true);
  });

  it("refuses a job_id that cannot be a jobs/ document id", () => {
    const result = parseConfig("job", { job_id: "a/b", task_config: { task_id: "t" } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatIssues(result.issues)).toBe('job_id: "a/b" cannot be a jobs/ document id: it contains "/"');
  });

  it("reports a task document's job_id that cannot be a document id as an envelope problem", () => {
    const { issues } = splitTaskDocument({ job_id: "jobs/x", task_id: "t" });
    expect(issues).toEqual([{ path: "job_id", message: '"jobs/x" cannot be a jobs/ document id: it contains "/"' }]);
  });
});
