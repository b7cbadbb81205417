// Reads a batch file (JSONC) and its rows_file, and plans the batch: every problem of the file, its rows and its chain.
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import type { ConfigIssue } from "../config/config-issue";
import type { TaskConfig } from "../config/config-schemas";
import { parseJsonc } from "../config/jsonc";
import type { ValidationContext } from "../config/validate-config";
import { planBatch, type PlanResult } from "./plan-batch";
import { readRowsFile } from "./read-rows-file";

/** The task_configs/ library tasks a job template links to, as readLibraryTasks finds them (and their problems). */
export type ReadLibrary = (rawJob: unknown) => Promise<{ tasks: Map<string, TaskConfig>; issues: ConfigIssue[] }>;

export const NO_LIBRARY: ReadLibrary = async () => ({ tasks: new Map(), issues: [] });

/** A file that cannot be read is an issue at "" like any other, so that the caller reports it the same way. */
export async function loadBatchFile(file: string, validation: ValidationContext, readLibrary: ReadLibrary = NO_LIBRARY): Promise<PlanResult> {
  let raw: unknown;
  try {
    raw = parseJsonc(await readFile(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (err as Error).message;
    return { ok: false, issues: [{ path: "", message: `cannot read the batch file ${file}: ${why}` }] };
  }
  const rowsFile = (raw as { rows_file?: unknown } | null)?.rows_file;
  const fileRows = typeof rowsFile === "string" && rowsFile ? await readRowsFile(isAbsolute(rowsFile) ? rowsFile : join(dirname(file), rowsFile), rowsFile) : undefined;
  const library = await readLibrary((raw as { job?: unknown } | null)?.job);
  const planned = planBatch({ raw, ...(fileRows ? { file: fileRows, fileLabel: rowsFile as string } : {}) }, { ...validation, libraryTasks: library.tasks });
  if (!library.issues.length) return planned;
  return { ok: false, issues: [...library.issues.map((i) => ({ path: `job.${i.path}`, message: i.message })), ...(planned.ok ? [] : planned.issues)] };
}
