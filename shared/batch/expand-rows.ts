// A batch's rows and runs, computed by index: a 10,000-row grid is never held as 10,000 objects.
import type { Row } from "./batch-schema";

export interface RowSpace {
  /** Rows given one by one (inline, then rows_file); a batch with none has one empty row, which the grid fills. */
  baseRows: readonly Row[];
  grid?: Readonly<Record<string, readonly string[]>>;
}

export interface RunSpace extends RowSpace {
  repeats: number;
  /** Empty: one run per row and repeat, with the chain's own model keys. */
  models: readonly string[];
}

export interface RunRef {
  rowIndex: number;
  repeat: number;
  model?: string;
  inputs: Row;
}

export const gridPoints = (grid: RowSpace["grid"]): number => Object.values(grid ?? {}).reduce((n, values) => n * values.length, 1);
export const baseRowCount = (space: RowSpace): number => Math.max(1, space.baseRows.length);
export const rowCount = (space: RowSpace): number => baseRowCount(space) * gridPoints(space.grid);
export const runCount = (space: RunSpace): number => rowCount(space) * space.repeats * Math.max(1, space.models.length);

/**
 * Row `index`: every base row is combined with every point of the grid (the cartesian product of its variables,
 * the last variable varying fastest, as itertools.product and expand.grid's reverse do), base rows outermost.
 */
export function rowAt(space: RowSpace, index: number): Row {
  const points = gridPoints(space.grid);
  const row: Row = { ...(space.baseRows[Math.floor(index / points)] ?? {}) };
  let rest = index % points;
  const entries = Object.entries(space.grid ?? {});
  for (let k = entries.length - 1; k >= 0; k--) {
    const [name, values] = entries[k]!;
    row[name] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  return row;
}

/** Run `index`: rows outermost, then repeats, then models, so a row's runs are neighbours (as their job ids sort). */
export function runAt(space: RunSpace, index: number): RunRef {
  const models = Math.max(1, space.models.length);
  const modelIndex = index % models;
  const repeat = Math.floor(index / models) % space.repeats;
  const rowIndex = Math.floor(index / (models * space.repeats));
  const model = space.models[modelIndex];
  return { rowIndex, repeat, ...(model ? { model } : {}), inputs: rowAt(space, rowIndex) };
}

export function* runs(space: RunSpace): Generator<RunRef> {
  const total = runCount(space);
  for (let i = 0; i < total; i++) yield runAt(space, i);
}

/** The variables of the rows, in the order a user wrote them: the base rows' columns, then the grid's. */
export function rowVariables(space: RowSpace): string[] {
  const names = new Set<string>();
  for (const row of space.baseRows) for (const name of Object.keys(row)) names.add(name);
  for (const name of Object.keys(space.grid ?? {})) names.add(name);
  return [...names];
}
