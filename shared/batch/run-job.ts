// One run's job document, built from the batch's template and the run's row: pure, so the dispatch only writes it.
import { FieldValue, type DocumentData } from "firebase-admin/firestore";
import { STEP_TYPE_MODEL_QUERY, type TaskConfig } from "../config/config-schemas";
import type { AdmitDispatch, BatchDocument } from "./batch-schema";
import { rowId, runJobId } from "./batch-ids";
import { REPEAT_VARIABLE } from "./check-rows";

/**
 * The row's variables bind to the entry task's declared inputs (its input_config.payload), with `repeat` beside
 * them for %repeat%; with a model, every model step of the chain runs that model. The job carries the run's
 * place in the batch (batch_id, row_id, row_index, repeat, model, inputs): envelope fields, not config.
 */
export function buildRunJob(
  batch: Pick<BatchDocument, "batch_id" | "job" | "owner_uid" | "budget_usd">,
  run: AdmitDispatch,
): { jobId: string; doc: DocumentData } {
  const jobId = runJobId(batch.batch_id, run.row_index, run.repeat, run.model);
  const withModel = (task: TaskConfig) => (run.model ? replaceModel(task, run.model) : task);
  const entry = withModel(batch.job.task_config);
  const doc: DocumentData = {
    job_id: jobId,
    status: "queued",
    task_config: {
      ...entry,
      input_config: { payload: { ...entry.input_config.payload, ...run.inputs, [REPEAT_VARIABLE]: String(run.repeat) } },
    },
    task_configs: batch.job.task_configs.map(withModel),
    ...(batch.job.max_hops ? { max_hops: batch.job.max_hops } : {}),
    ...(batch.job.budget_usd ? { budget_usd: batch.job.budget_usd } : {}),
    cache: batch.job.cache ?? true,
    ...(batch.job.execution ? { execution: batch.job.execution } : {}),
    batch_id: batch.batch_id,
    row_id: rowId(batch.batch_id, run.row_index),
    row_index: run.row_index,
    repeat: run.repeat,
    ...(run.model ? { model: run.model } : {}),
    inputs: run.inputs,
    ...(batch.owner_uid ? { owner_uid: batch.owner_uid } : {}),
    // The batch's budget, where the runs' tasks check it without reading the batch.
    ...(batch.budget_usd ? { batch_budget_usd: batch.budget_usd } : {}),
    created_at: FieldValue.serverTimestamp(),
  };
  return { jobId, doc };
}

function replaceModel(task: TaskConfig, modelKey: string): TaskConfig {
  return {
    ...task,
    steps: task.steps.map((step) =>
      step.step_type === STEP_TYPE_MODEL_QUERY && step.model_query_config
        ? { ...step, model_query_config: { ...step.model_query_config, model_key: modelKey } }
        : step,
    ),
  };
}
