// What the sweep makes of a job left running, decided from its current task alone (no Firestore).
import { describe, expect, it } from "vitest";
import type { JobEnvelope } from "../../../shared/pipeline/job-document";
import { decideReconcile } from "../../../shared/pipeline/reconcile-job";

const NOW = Date.UTC(2026, 11, 1);
const job = { status: "running", run_id: "run1", current_task_doc_id: "j~run1~1~a" };

describe("decideReconcile", () => {
  it("leaves a job whose current task is queued, running or waiting on a vendor batch (never read as ended) alone", () => {
    for (const status of ["queued", "running", "waiting"])
      expect(decideReconcile(job, "j~run1~1~a", { status }, undefined, NOW)).toEqual({ outcome: "in progress" });
  });

  it("fails the job with its current task's error when the task failed", () => {
    const error = { code: "model_error", message: "no", retryable: false };
    const decision = decideReconcile(job, "j~run1~1~a", { status: "failed", error }, undefined, NOW);
    expect(decision).toMatchObject({ outcome: "failed", update: { status: "failed", error: { ...error, task_doc_id: "j~run1~1~a" } } });
  });

  it("fails the job, saying how to start it again, when its current task is gone", () => {
    const decision = decideReconcile(job, "j~run1~1~a", undefined, undefined, NOW);
    expect(decision.outcome).toBe("failed");
    const error = decision.update?.error as JobEnvelope["error"];
    expect(String(error?.message)).toContain("npm run start-job");
  });

  it("points the job at the successor a succeeded task committed, or ends it with the last task's output", () => {
    expect(decideReconcile(job, "j~run1~1~a", { status: "success", next_task_doc_id: "j~run1~2~b" }, undefined, NOW)).toMatchObject({
      outcome: "moved on",
      update: { current_task_doc_id: "j~run1~2~b" },
    });
    expect(decideReconcile(job, "j~run1~1~a", { status: "success" }, { output_payload: { answer: "42" } }, NOW)).toMatchObject({
      outcome: "success",
      update: { status: "success", output_payload: { answer: "42" } },
    });
  });
});
