// Runs a task: its steps in order over one running payload, then selects the declared outputs.
import type { Payload, TaskConfig } from "../config/config-schemas";
import { DEFAULT_LIMITS } from "../limits";
import { selectTaskOutput } from "./extract-outputs";
import type { RunError, StepRecord, TaskRecord } from "./run-record";
import type { EngineOptions } from "./engine-options";
import { runStep, sumUsage } from "./run-step";
import { sumCost } from "./step-cost";

/**
 * Never throws for a failure of the task itself: the record says `failed` with the error, and the steps
 * that ran before it. `executionId` names this run of the task (idempotent writes key on it). What the run holds
 * (its records' texts and the running payload) is counted as it goes, for each step's MAX_RUN_CHARS check.
 */
export async function runTaskSteps(task: TaskConfig, executionId: string, options: EngineOptions): Promise<TaskRecord> {
  const startedAt = new Date();
  const started = performance.now();
  const steps: StepRecord[] = [];
  const tooMany = stepCountError(task, options);
  if (tooMany) return finish("failed", {}, tooMany);
  let running = task.input_config.payload;
  let recordChars = 0;
  const asked = new Map<string, number>();
  for (let index = 0; index < task.steps.length; index++) {
    const context = { executionId, index, taskId: task.task_id, heldChars: recordChars + payloadChars(running), asked };
    const { record, outputs, waiting } = await runStep(task.steps[index]!, running, context, options);
    if (waiting) return { ...finish("waiting", {}), waiting };
    steps.push(record);
    if (!outputs) return finish("failed", {}, record.error);
    recordChars += stepRecordChars(record);
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

/** MAX_STEPS_PER_TASK, checked again here for a task that reached the engine without the validation that refuses it. */
function stepCountError(task: TaskConfig, options: EngineOptions): RunError | undefined {
  const limit = (options.limits ?? DEFAULT_LIMITS).stepsPerTask;
  if (task.steps.length <= limit) return undefined;
  const first = task.steps[limit]!;
  return {
    code: "limit_exceeded",
    message: `task ${JSON.stringify(task.task_id)} has ${task.steps.length} steps, over MAX_STEPS_PER_TASK (${limit}); nothing ran; split it into chained tasks (next_task)`,
    step_id: first.id || String(limit),
    path: `steps[${limit}]`,
    retryable: false,
  };
}

const payloadChars = (payload: Readonly<Payload>) => Object.values(payload).reduce((sum, value) => sum + value.length, 0);

const stepRecordChars = (record: StepRecord) =>
  (record.system_prompt?.length ?? 0) + (record.user_prompt?.length ?? 0) + (record.request?.length ?? 0) + (record.response?.length ?? 0);
