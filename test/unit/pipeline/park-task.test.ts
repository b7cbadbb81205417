// What an existing batch_requests/ document means for a run that parks on it (decidePark): pure.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { decidePark } from "../../../shared/pipeline/park-task";

const runStartedAt = 10_000;
const at = (ms: number) => Timestamp.fromMillis(ms);

describe("decidePark", () => {
  it("creates a request nobody asked yet", () => {
    expect(decidePark(undefined, { runStartedAt, cache: false })).toEqual({ kind: "park", requeue: false, resumeNow: false });
  });

  it("joins a request still queued or submitted", () => {
    for (const state of ["queued", "submitted"])
      expect(decidePark({ state, updated_at: at(1) }, { runStartedAt, cache: false })).toEqual({
        kind: "park",
        requeue: false,
        resumeNow: false,
      });
  });

  it("resumes at once when the answer came after the run started (it landed between the engine's read and the park)", () => {
    expect(decidePark({ state: "answered", updated_at: at(runStartedAt + 1) }, { runStartedAt, cache: false })).toEqual({
      kind: "park",
      requeue: false,
      resumeNow: true,
    });
  });

  it("asks again when the answer predates the run and its job does not take stored answers: never a loop of resumes", () => {
    expect(decidePark({ state: "answered", updated_at: at(runStartedAt - 1) }, { runStartedAt, cache: false })).toEqual({
      kind: "park",
      requeue: true,
      resumeNow: false,
    });
    expect(
      decidePark({ state: "failed", updated_at: at(runStartedAt - 1), error: { message: "x" } }, { runStartedAt, cache: false }),
    ).toEqual({
      kind: "park",
      requeue: true,
      resumeNow: false,
    });
  });

  it("with cache, takes an older answer (resumes at once)", () => {
    expect(decidePark({ state: "answered", updated_at: at(1) }, { runStartedAt, cache: true })).toMatchObject({ resumeNow: true });
  });

  it("fails the task with the vendor's reason when the request failed for this run", () => {
    const failed = decidePark(
      { state: "failed", updated_at: at(runStartedAt + 5), error: { code: "model_blocked", message: "SAFETY", status: 200 } },
      { runStartedAt, cache: false },
    );
    expect(failed).toEqual({
      kind: "failed",
      error: { code: "model_blocked", message: "the vendor's batch API did not answer this call: SAFETY", status: 200, retryable: false },
    });
  });
});
