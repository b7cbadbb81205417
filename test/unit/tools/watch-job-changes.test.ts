// What a job's watcher reports for each task snapshot, including the stale one that arrives late.
import { describe, expect, it } from "vitest";
import { taskChanges, type TaskProgress } from "../../../local/client/watch-job";
import { formatCost, formatTaskProgress } from "../../../tools/job-report";

describe("taskChanges", () => {
  it("reports a start and an end once each, however the snapshots in between fall", () => {
    expect(taskChanges(undefined, "queued")).toEqual([]);
    expect(taskChanges("queued", "queued")).toBeUndefined();
    expect(taskChanges("queued", "running")).toEqual(["started"]);
    expect(taskChanges("running", "running")).toBeUndefined();
    expect(taskChanges("running", "success")).toEqual(["ended"]);
    expect(taskChanges(undefined, "failed")).toEqual(["started", "ended"]);
  });

  it("takes a step back for a stale snapshot: the final read saw success, then the listener's older running arrives", () => {
    let seen: Parameters<typeof taskChanges>[0];
    const reported: string[] = [];
    for (const status of ["success", "running", "success"] as const) {
      const changes = taskChanges(seen, status);
      if (!changes) continue;
      seen = status;
      reported.push(...changes);
    }
    expect(reported).toEqual(["started", "ended"]);
  });

  it("issue 19: a task that waits for a vendor batch (running, waiting, running, success) is reported waiting once, not ended", () => {
    let seen: Parameters<typeof taskChanges>[0];
    const reported: string[] = [];
    // Two parks (two model steps), with a stale running arriving after the second wait.
    for (const status of ["queued", "running", "waiting", "running", "waiting", "running", "success", "running"] as const) {
      const changes = taskChanges(seen, status);
      if (!changes) continue;
      seen = status;
      reported.push(...changes);
    }
    expect(reported).toEqual(["started", "waiting", "ended"]);
    expect(taskChanges(undefined, "waiting")).toEqual(["started", "waiting"]);
  });

  it("issue 19: prints a wait with its since-when and request, and a cost with what it would have cost synchronously", () => {
    const task: TaskProgress = {
      taskDocId: "j~run1~1~t",
      taskId: "t",
      hop: 1,
      status: "waiting",
      waitingFor: "abc123",
      waitingSince: Date.UTC(2026, 11, 8, 12, 0, 0),
    };
    expect(formatTaskProgress("j", task, "waiting", Date.UTC(2026, 11, 8, 12, 3, 5))).toBe(
      "[j] hop 1 t: waiting for a vendor batch since 12:00:00 UTC (3m05s), batch_requests/abc123 (j~run1~1~t)",
    );
    expect(formatCost({ usd: 0.62, unpriced_tokens: 0, standard_usd: 1.24 })).toBe("$0.62 (synchronously $1.24)");
    expect(formatCost({ usd: 1.24, unpriced_tokens: 0 })).toBe("$1.24");
    const ended = { ...task, status: "success" as const, totalTokens: 10, cost: { usd: 0.5, unpriced_tokens: 0, standard_usd: 1 } };
    expect(formatTaskProgress("j", ended, "ended")).toBe("[j] hop 1 t: success, 10 tokens, $0.5 (synchronously $1.00)");
  });
});
