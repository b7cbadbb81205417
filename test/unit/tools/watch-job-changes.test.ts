// What a job's watcher reports for each task snapshot, including the stale one that arrives late.
import { describe, expect, it } from "vitest";
import { taskChanges } from "../../../local/client/watch-job";

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
});
