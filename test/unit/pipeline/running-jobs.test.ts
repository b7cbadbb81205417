import { describe, expect, it } from "vitest";
import { createRunningJobs } from "../../../shared/pipeline/running-jobs";

const job = (runId: string, size = 10, status = "running") => ({ status, run_id: runId, chain: ["x".repeat(size)] });

describe("running jobs known to an instance", () => {
  it("gives a job back for its run only", () => {
    const jobs = createRunningJobs();
    jobs.remember("a", job("run2"));
    expect(jobs.get("a", "run2")).toEqual(job("run2"));
    expect(jobs.get("a", "run1")).toBeUndefined();
    expect(jobs.get("b", "run2")).toBeUndefined();
  });

  it("forgets a job read once it no longer runs", () => {
    const jobs = createRunningJobs();
    jobs.remember("a", job("run1"));
    jobs.remember("a", job("run1", 10, "cancelled"));
    expect(jobs.get("a", "run1")).toBeUndefined();
  });

  it("holds at most its bytes, dropping the least recently used first", () => {
    const bytes = Buffer.byteLength(JSON.stringify(job("run1", 1000)));
    const jobs = createRunningJobs(bytes * 2);
    jobs.remember("a", job("run1", 1000));
    jobs.remember("b", job("run1", 1000));
    expect(jobs.get("a", "run1")).toBeDefined(); // a is now the most recently used
    jobs.remember("c", job("run1", 1000));
    expect(jobs.get("b", "run1")).toBeUndefined();
    expect(jobs.get("a", "run1")).toBeDefined();
    expect(jobs.get("c", "run1")).toBeDefined();
    jobs.remember("huge", job("run1", bytes * 3));
    expect(jobs.get("huge", "run1")).toBeUndefined();
    expect(jobs.get("c", "run1")).toBeDefined();
  });
});
