// Reads seeds/: job configs (*.json) and library task configs (task_configs/*.json), each validated.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConfigIssue } from "../../shared/config/config-issue";
import type { JobConfig, TaskConfig } from "../../shared/config/config-schemas";
import { parseConfigText, type ValidationContext } from "../../shared/validation/validate-config";

export interface Seeds {
  jobs: { file: string; config: JobConfig }[];
  library: Map<string, TaskConfig>;
  /** Files refused, with every problem. */
  invalid: { file: string; issues: ConfigIssue[] }[];
}

const jsonFiles = async (dir: string) => {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
};

export async function loadSeeds(dir: string, validation: ValidationContext): Promise<Seeds> {
  const seeds: Seeds = { jobs: [], library: new Map(), invalid: [] };
  const libraryDir = join(dir, "task_configs");
  for (const name of await jsonFiles(libraryDir)) {
    const file = join(libraryDir, name);
    const parsed = parseConfigText("task", await readFile(file, "utf8"), validation);
    if (!parsed.ok) seeds.invalid.push({ file, issues: parsed.issues });
    else if (!parsed.value.task_id) seeds.invalid.push({ file, issues: [{ path: "task_id", message: "a library task needs a task_id" }] });
    else seeds.library.set(parsed.value.task_id, parsed.value);
  }
  for (const name of await jsonFiles(dir)) {
    const file = join(dir, name);
    const parsed = parseConfigText("job", await readFile(file, "utf8"), { ...validation, libraryTasks: seeds.library });
    if (!parsed.ok) seeds.invalid.push({ file, issues: parsed.issues });
    else if (!parsed.value.job_id)
      seeds.invalid.push({ file, issues: [{ path: "job_id", message: "a seeded job needs a job_id (its document id)" }] });
    else seeds.jobs.push({ file, config: parsed.value });
  }
  return seeds;
}
