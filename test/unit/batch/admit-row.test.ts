// Admission takes an existing job for a run's own (a duplicate delivery) only when it is that run: same batch, same owner.
import { describe, expect, it } from "vitest";
import { whyNotThisRun } from "../../../shared/batch/admit-row";
import { refusedRunJobId, runJobId } from "../../../shared/batch/batch-ids";

describe("whyNotThisRun", () => {
  const batch = { batch_id: "b", owner_uid: "alice" };

  it("takes the batch's own run, owner and all, for a duplicate delivery", () => {
    expect(whyNotThisRun({ batch_id: "b", owner_uid: "alice", status: "running" }, batch)).toBeUndefined();
    expect(whyNotThisRun({ batch_id: "b" }, { batch_id: "b" })).toBeUndefined();
  });

  it("says why any other job is not the run", () => {
    expect(whyNotThisRun({ owner_uid: "mallory" }, batch)).toBe("it belongs to no batch");
    expect(whyNotThisRun({ batch_id: "other", owner_uid: "alice" }, batch)).toBe('it is a run of batch "other"');
    expect(whyNotThisRun({ batch_id: "b", owner_uid: "mallory" }, batch)).toBe("it belongs to another user");
    expect(whyNotThisRun({ batch_id: "b" }, batch)).toBe("it has no owner");
    expect(whyNotThisRun({ batch_id: "b", owner_uid: "alice" }, { batch_id: "b" })).toBe("it belongs to another user");
  });

  it("a refused run's id can be no other run's: model keys are upper case", () => {
    expect(refusedRunJobId(runJobId("b", 0, 0))).toBe("b~000000~000~refused");
    expect(refusedRunJobId(runJobId("b", 0, 0))).not.toBe(runJobId("b", 0, 0, "REFUSED"));
  });
});
