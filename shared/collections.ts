// The pipeline's own Firestore collections, named in one place (at the root of shared/: the pipeline, the batches,
// the built-in functions, the tools and the page all name them): every module that reads or writes them, and
// every guard that keeps user-controlled writes out of them (firestore_log), takes the names from here.

export const COLLECTIONS = {
  tasks: "tasks",
  jobs: "jobs",
  outputs: "outputs",
  taskConfigs: "task_configs",
  batches: "batches",
  /** What each task attempt's model calls cost, for the budgets (pipeline/spend-guard.ts). */
  spend: "spend",
  /** Model answers by the key of what was asked, for `cache` reruns (pipeline/response-store.ts). */
  responses: "responses",
  /** Model calls waiting for, or sent in, a vendor batch job (execution "provider_batch", shared/provider-batch/). */
  batchRequests: "batch_requests",
  /** Vendor batch jobs: the intent before the vendor's create call, then its name, until it ended. */
  vendorJobs: "vendor_jobs",
} as const;

/** Every collection the pipeline owns: a collection added to COLLECTIONS is protected by that alone. */
export const PIPELINE_COLLECTIONS: readonly string[] = Object.values(COLLECTIONS);
