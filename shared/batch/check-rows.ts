// The checks a batch's inputs must pass before anything is created: every variable bound to a declared input of the
// entry task, no variable from two sources, every run's job inside Firestore's document limit.
import type { ConfigIssue } from "../config/config-issue";
import { MAX_DOCUMENT_BYTES } from "../pipeline/output-document";
import type { Row } from "./batch-schema";
import type { FileRows } from "../../local/batch/read-rows-file";

/** `repeat` is the run's repeat index, set by the batch for %repeat%; a row may not set it. */
export const REPEAT_VARIABLE = "repeat";

export interface RowSources {
  grid?: Readonly<Record<string, readonly string[]>>;
  inline?: readonly Row[];
  file?: FileRows;
  /** How the file is named in messages. */
  fileLabel?: string;
}

/** Where a variable was given, as a path a user can find: `grid.language`, `rows[3].langauge`, `rows.csv:1.langauge`. */
type Place = { path: string; name: string };

/** Every variable of every source must be one the entry task declares (a misspelling would silently keep a default). */
export function checkVariables(sources: RowSources, entryTaskId: string, declared: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const known = new Set(declared);
  const list = declared.length ? declared.map((d) => JSON.stringify(d)).join(", ") : "nothing (its input_config.payload is empty)";
  const unknown = (p: Place) => ({
    path: p.path,
    message: `the entry task ${JSON.stringify(entryTaskId)} declares no input ${JSON.stringify(p.name)}; it declares ${list}`,
  });
  const reserved = (p: Place) => ({
    path: p.path,
    message: `${JSON.stringify(REPEAT_VARIABLE)} is the run's repeat index, set by the batch (%repeat%); rename this variable`,
  });
  for (const place of placesOf(sources)) {
    if (place.name === REPEAT_VARIABLE) issues.push(reserved(place));
    else if (!known.has(place.name)) issues.push(unknown(place));
  }
  const gridNames = Object.keys(sources.grid ?? {});
  const rowNames = new Set([
    ...(sources.inline ?? []).flatMap((r) => Object.keys(r)),
    ...(sources.file?.rows ?? []).flatMap((r) => Object.keys(r)),
  ]);
  for (const name of gridNames.filter((n) => rowNames.has(n))) {
    issues.push({
      path: `grid.${name}`,
      message: `${JSON.stringify(name)} is also a column of the rows; a variable comes from the grid or from the rows, not both`,
    });
  }
  return issues;
}

function placesOf(sources: RowSources): Place[] {
  const places: Place[] = Object.keys(sources.grid ?? {}).map((name) => ({ path: `grid.${name}`, name }));
  (sources.inline ?? []).forEach((row, i) => places.push(...Object.keys(row).map((name) => ({ path: `rows[${i}].${name}`, name }))));
  const file = sources.file;
  if (file?.columns) {
    // A CSV's variables are its header's: one problem per misspelt column, not one per row.
    places.push(...file.columns.filter(Boolean).map((name) => ({ path: `${sources.fileLabel}:1.${name}`, name })));
  } else if (file) {
    file.rows.forEach((row, i) =>
      places.push(...Object.keys(row).map((name) => ({ path: `${sources.fileLabel}:${file.lines[i]}.${name}`, name }))),
    );
  }
  return places;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/**
 * A run's job holds the template with the row bound into its entry task, and once started also its resolved chain
 * (the template again) and the row's inputs: about twice the template and three times the row. A grid row's values
 * are at most the longest value of each grid variable.
 */
export function checkJobSizes(sources: RowSources, template: unknown): ConfigIssue[] {
  const templateBytes = bytes(template);
  const gridBytes = Object.entries(sources.grid ?? {}).reduce(
    (sum, [name, values]) => sum + name.length + Math.max(...values.map((v) => bytes(v))),
    0,
  );
  const fits = (row: Row) => 2 * templateBytes + 3 * (bytes(row) + gridBytes) + 4096 <= MAX_DOCUMENT_BYTES;
  const message = `this row's job would be larger than Firestore's 1 MiB document limit (the job template is ${templateBytes} bytes and holds the row's values twice); shorten the values or the template`;
  const issues: ConfigIssue[] = [];
  (sources.inline ?? []).forEach((row, i) => fits(row) || issues.push({ path: `rows[${i}]`, message }));
  (sources.file?.rows ?? []).forEach(
    (row, i) => fits(row) || issues.push({ path: `${sources.fileLabel}:${sources.file!.lines[i]}`, message }),
  );
  if (!sources.inline?.length && !sources.file?.rows.length && !fits({})) issues.push({ path: "grid", message });
  return issues;
}
