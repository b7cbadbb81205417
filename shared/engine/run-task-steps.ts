// Runs a task: its steps in order over one running payload, then selects the declared outputs.
import type { TaskConfig } from "../config/config-schemas";
import { selectTaskOutput } from "./extract-outputs";
import type { StepRecord, TaskRecord } from "./run-record";
import type { EngineOptions } from "./engine-options";
import { runStep, sumUsage } from "./run-step";
import { sumCost } from "./step-cost";

/**
 * Never throws for a failure of the task itself: the record says `failed` with the error, and the steps
 * that ran before it. `executionId` names this run of the task (idempotent writes key on it).
 */
export async function runTaskSteps(task: TaskConfig, executionId: string, options: EngineOptions): Promise<TaskRecord> {
  const startedAt = new Date();
  const started = performance.now();
  const steps: StepRecord[] = [];
  let running = task.input_config.payload;
  for (let index = 0; index < task.steps.length; index++) {
    const { record, outputs } = await runStep(task.steps[index]!, running, { executionId, index }, options);
    steps.push(record);
    if (!outputs) return finish("failed", {}, record.error);
    running = outputs;
  }
  // With no steps the task's input is its output (the original crashed here).
  return finish("success", selectTaskOutput(task.output_config.payload, running));

  function finish(status: TaskRecord["status"], output_payload: TaskRecord["output_payload"], error?: TaskRecord["error"]): TaskRecord {
    const record: TaskRecord = {
      task_id: task.task_id,
      execution_id: executionId,
      status,
      output_payload,
      steps,
      usage: sumUsage(steps),
      cost: sumCost(steps),
      latency_ms: performance.now() - started,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
    };
    if (error) record.error = error;
    return record;
  }
}
