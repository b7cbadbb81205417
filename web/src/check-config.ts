// Checks a pasted or uploaded config in the browser with the engine's own parser and validation, so the page shows
// the same `path: message` lines the submitJob callable would (the callable checks again with the deployment's
// model table; its refusal is shown the same way).
import type { ConfigIssue } from "../../shared/config/config-issue";
import type { TaskConfig } from "../../shared/config/config-schemas";
import { parseJsonc } from "../../shared/config/jsonc";
import { DEFAULT_VALIDATION, parseConfig } from "../../shared/validation/validate-config";
import { JOB_ENVELOPE_FIELDS } from "../../shared/pipeline/job-document";

export type ConfigKind = "job" | "batch";

export interface ConfigCheck {
  kind: ConfigKind;
  /** The parsed config to send, when the text parsed at all. */
  value?: Record<string, unknown>;
  issues: ConfigIssue[];
}

/**
 * A batch config ({ batch_id, job, rows | grid | rows_file, repeats?, models? }) is told from a job config by its
 * `job` template (or rows, grid): the batch engine (issue 11) owns its shape and checks it in the submitBatch
 * callable; here its JSONC and its job template are checked with the engine's job validation.
 */
export function checkConfigText(text: string, libraryTasks: ReadonlyMap<string, TaskConfig> = new Map()): ConfigCheck {
  let raw: unknown;
  try {
    raw = parseJsonc(text);
  } catch (error) {
    return { kind: "job", issues: [{ path: "", message: error instanceof Error ? error.message : String(error) }] };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      kind: "job",
      issues: [
        {
          path: "",
          message: "expected a JSON object: a job config ({ task_config, ... }) or a batch config ({ batch_id, job, rows, ... })",
        },
      ],
    };
  }
  const value = raw as Record<string, unknown>;
  const ctx = { ...DEFAULT_VALIDATION, libraryTasks };
  if ("job" in value || "rows" in value || "grid" in value) {
    const issues: ConfigIssue[] = [];
    if (value.job === undefined) issues.push({ path: "job", message: "a batch needs a job template: { task_config, task_configs }" });
    else {
      const job = parseConfig("job", value.job, ctx);
      if (!job.ok) issues.push(...job.issues.map((i) => ({ path: i.path ? `job.${i.path}` : "job", message: i.message })));
    }
    return { kind: "batch", value, issues };
  }
  // Run state belongs to the pipeline, as the callable says (shared/pipeline/validate-submitted-job.ts).
  const issues: ConfigIssue[] = Object.keys(value)
    .filter((field) => (JOB_ENVELOPE_FIELDS as readonly string[]).includes(field))
    .map((field) => ({
      path: field,
      message: field === "owner_uid" ? "set from the caller's sign-in; leave it out" : "run state is written by the pipeline; leave it out",
    }));
  const rest = Object.fromEntries(Object.entries(value).filter(([field]) => !(JOB_ENVELOPE_FIELDS as readonly string[]).includes(field)));
  const job = parseConfig("job", rest, ctx);
  if (!job.ok) issues.push(...job.issues);
  return { kind: "job", value, issues };
}
