// Reads a batch file (JSONC) and its rows_file, and plans the batch: every problem of the file, its rows and its chain.
import { readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { parseJsonc } from "../../shared/config/jsonc";
import { requestSizeIssue } from "../../shared/config/json-size";
import { DEFAULT_LIMITS } from "../../shared/limits";
import type { ValidationContext } from "../../shared/validation/validate-config";
import type { PlanResult } from "../../shared/batch/plan-batch";
import { NO_LIBRARY, planWithLibrary, type ReadLibrary } from "../../shared/batch/plan-with-library";
import { readRowsFile } from "./read-rows-file";

export { NO_LIBRARY, type ReadLibrary } from "../../shared/batch/plan-with-library";

/**
 * A file that cannot be read is an issue at "" like any other, so that the caller reports it the same way. A file
 * over MAX_BATCH_BYTES is refused from its size on disk, before it is read or parsed (comments and layout count too).
 */
export async function loadBatchFile(
  file: string,
  validation: ValidationContext,
  readLibrary: ReadLibrary = NO_LIBRARY,
): Promise<PlanResult> {
  let raw: unknown;
  try {
    const limit = (validation.limits ?? DEFAULT_LIMITS).batchRequestBytes;
    if ((await stat(file)).size > limit) {
      const advice = "split it into several batches, or move its rows into a rows_file";
      return { ok: false, issues: [requestSizeIssue(`batch file ${file}`, "MAX_BATCH_BYTES", limit, advice)] };
    }
    raw = parseJsonc(await readFile(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (err as Error).message;
    return { ok: false, issues: [{ path: "", message: `cannot read the batch file ${file}: ${why}` }] };
  }
  const rowsFile = (raw as { rows_file?: unknown } | null)?.rows_file;
  const fileRows =
    typeof rowsFile === "string" && rowsFile
      ? await readRowsFile(isAbsolute(rowsFile) ? rowsFile : join(dirname(file), rowsFile), rowsFile)
      : undefined;
  return planWithLibrary({ raw, ...(fileRows ? { file: fileRows, fileLabel: rowsFile as string } : {}) }, validation, readLibrary);
}
