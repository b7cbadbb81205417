import { describe, expect, it } from "vitest";
import { policyFromEnv, policyWarnings } from "../../../shared/pipeline/create-pipeline-deps";
import { DEFAULT_POLICY } from "../../../shared/pipeline/pipeline-deps";

describe("the pipeline's policy from the environment", () => {
  it("logs every task only with TASK_LOG=all", () => {
    expect(policyFromEnv({}).logEveryTask).toBe(false);
    expect(policyFromEnv({ TASK_LOG: "problems" }).logEveryTask).toBe(false);
    expect(policyFromEnv({ TASK_LOG: "all" }).logEveryTask).toBe(true);
  });

  it("has no warning for the defaults, and one for each setting that would misbehave", () => {
    expect(policyWarnings({}, DEFAULT_POLICY)).toEqual([]);
    expect(policyWarnings({ TASK_LOG: "every" }, DEFAULT_POLICY)).toEqual([
      'warning: TASK_LOG is "every"; use all (a line per task) or problems (the default)',
    ]);
    const risky = policyFromEnv({ TASK_LEASE_MS: "500000", TASK_RUN_BUDGET_MS: "500000" });
    const warnings = policyWarnings({}, risky);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("TASK_LEASE_MS (500000) is not longer than TASK_RUN_BUDGET_MS (500000)");
    expect(warnings[1]).toContain("TASK_RUN_BUDGET_MS (500000) leaves less than 60 s");
  });
});
