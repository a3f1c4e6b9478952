/** Exhaustive grid search: runs every combination and returns the rows sorted by score. */
export type Grid = Record<string, readonly (number | string | boolean)[]>;
export type Combination<G extends Grid> = { [K in keyof G]: G[K][number] };

export interface GridRow<G extends Grid, R> {
  params: Combination<G>;
  result: R;
  score: number;
}

export function combinations<G extends Grid>(grid: G): Combination<G>[] {
  let out: Record<string, number | string | boolean>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (values.length === 0) throw new Error(`gridSearch: no values given for "${key}"`);
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  return out as Combination<G>[];
}

/**
 * `run` trains and evaluates one combination; `score` picks the number to rank by (higher is better
 * unless `ascending`). `onRow` sees each row as it finishes (for progress output).
 */
export function gridSearch<G extends Grid, R>(
  grid: G,
  run: (params: Combination<G>, index: number, total: number) => R,
  score: (result: R) => number,
  opts: { ascending?: boolean; onRow?: (row: GridRow<G, R>, index: number, total: number) => void } = {},
): GridRow<G, R>[] {
  const combos = combinations(grid);
  const rows = combos.map((params, i) => {
    const result = run(params, i, combos.length);
    const row = { params, result, score: score(result) };
    opts.onRow?.(row, i, combos.length);
    return row;
  });
  const sign = opts.ascending ? 1 : -1;
  // NaN scores (diverged runs) sort last.
  return rows.sort((a, b) => (Number.isNaN(a.score) ? 1 : Number.isNaN(b.score) ? -1 : sign * (a.score - b.score)));
}

/** A plain-text table of grid rows (columns: the grid's keys, then the chosen result fields). */
export function formatGridTable<G extends Grid, R>(
  rows: GridRow<G, R>[],
  fields: Record<string, (r: R) => string>,
): string {
  if (rows.length === 0) return "(no rows)";
  const keys = Object.keys(rows[0]!.params);
  const header = [...keys, ...Object.keys(fields)];
  const body = rows.map((r) => [
    ...keys.map((k) => String((r.params as Record<string, unknown>)[k])),
    ...Object.values(fields).map((f) => f(r.result)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
