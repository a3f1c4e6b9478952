import { readFileSync } from "node:fs";
import Papa from "papaparse";

export interface CsvDataset {
  features: Float64Array;
  labels: Int32Array;
  count: number;
  dim: number;
  columnNames: string[];
}

export interface CsvOptions {
  /** Label column, by header name or 0-based index (default 0, the "MNIST as CSV" layout). */
  labelColumn?: string | number;
  /** Whether the first row is a header (default: detected: a non-numeric first row is a header). */
  header?: boolean;
}

/**
 * Reads a CSV dataset: one label column, every other column a numeric feature (pixels or
 * pre-extracted CNN features). Errors name the file, the 1-based line and the column.
 */
export function readCsvDataset(path: string, opts: CsvOptions = {}): CsvDataset {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  return parseCsvDataset(text, path, opts);
}

export function parseCsvDataset(text: string, name: string, opts: CsvOptions = {}): CsvDataset {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true });
  const quoteError = parsed.errors.find((e) => e.type === "Quotes");
  if (quoteError) throw new Error(`${name}: line ${(quoteError.row ?? 0) + 1}: ${quoteError.message}`);
  const rows = parsed.data;
  if (rows.length === 0) throw new Error(`${name}: no rows`);
  const first = rows[0]!;
  const header = opts.header ?? first.some((cell) => cell.trim() !== "" && !Number.isFinite(Number(cell)));
  const columnNames = header ? first.map((c) => c.trim()) : first.map((_, i) => `col${i}`);
  const width = first.length;
  let labelIndex: number;
  if (typeof opts.labelColumn === "string") {
    labelIndex = columnNames.indexOf(opts.labelColumn);
    if (labelIndex < 0) throw new Error(`${name}: no column named "${opts.labelColumn}" (columns: ${columnNames.slice(0, 8).join(", ")}${width > 8 ? ", ..." : ""})`);
  } else {
    labelIndex = opts.labelColumn ?? 0;
    if (!(labelIndex >= 0 && labelIndex < width)) throw new Error(`${name}: label column ${labelIndex} is outside the ${width} columns`);
  }
  const body = header ? rows.slice(1) : rows;
  const dim = width - 1;
  const features = new Float64Array(body.length * dim);
  const labels = new Int32Array(body.length);
  const lineOffset = header ? 2 : 1;
  body.forEach((row, r) => {
    const line = r + lineOffset;
    if (row.length !== width) throw new Error(`${name}: line ${line} has ${row.length} columns, expected ${width}`);
    let k = 0;
    for (let c = 0; c < width; c++) {
      const cell = row[c]!.trim();
      const v = cell === "" ? NaN : Number(cell);
      if (!Number.isFinite(v)) throw new Error(`${name}: line ${line}, column ${c + 1} (${columnNames[c]}): "${cell}" is not a number`);
      if (c === labelIndex) {
        if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: line ${line}: label "${cell}" is not a non-negative integer`);
        labels[r] = v;
      } else {
        features[r * dim + k++] = v;
      }
    }
  });
  return { features, labels, count: body.length, dim, columnNames: columnNames.filter((_, i) => i !== labelIndex) };
}
