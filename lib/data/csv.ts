import Papa from "papaparse";
import { readMaybeGzip } from "./files";
import type { FeatureDataset } from "./types";

export interface CsvDataset extends FeatureDataset {
  /** Names of the feature columns, in order (from the header, else col1, col2, ... by 1-based position). */
  columnNames: string[];
  labelName: string;
}

export interface CsvOptions {
  /** Label column: a header name, or a 0-based index (negative counts from the end). Default 0, the "MNIST as CSV" layout. */
  labelColumn?: string | number;
  /** Whether the first row is a header. Default: it is when any of its cells is not a number. */
  header?: boolean;
  /** Field delimiter. Default: whichever of , tab ; | occurs most in the first non-blank line (comma if none). */
  delimiter?: string;
}

// Stricter than Number(): no hex, no "Infinity", no empty string.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(cell: string): number {
  // Fast path for short unsigned integers, the bulk of an MNIST-as-CSV file.
  const n = cell.length;
  if (n > 0 && n < 10) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const d = cell.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === n) return v;
  }
  const s = cell.trim();
  return NUMBER.test(s) ? Number(s) : NaN;
}

/** Papaparse's own guess gives up when blank lines lower the average field count, so guess here. */
function guessDelimiter(text: string): string {
  const first = /[^\r\n]*\S[^\r\n]*/.exec(text)?.[0] ?? "";
  let best = ",";
  let bestCount = 0;
  for (const d of [",", "\t", ";", "|"]) {
    const n = first.split(d).length - 1;
    if (n > bestCount) [best, bestCount] = [d, n];
  }
  return best;
}

/** A Float64Array that doubles when full; `reserve` sizes it up front when the row count is known. */
class Growable {
  data = new Float64Array(1024);
  length = 0;
  reserve(n: number): void {
    if (n > this.data.length) {
      const bigger = new Float64Array(n);
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.data.length * 2);
    this.data[this.length++] = v;
  }
  /** The filled part; a view when little space is wasted, else a compact copy. */
  take(): Float64Array {
    return this.length >= 0.9 * this.data.length ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
  }
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Reads a CSV dataset file (gzipped or not): one label column, every other column a numeric feature. */
export function readCsvDataset(path: string, opts: CsvOptions = {}): CsvDataset {
  const bytes = readMaybeGzip(path);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"); // a view, not a copy
  return parseCsvDataset(text, path, opts);
}

/**
 * Parses CSV text: MNIST as CSV (`label,1x1,1x2,...`) or feature CSVs (floats, label anywhere).
 * Errors name `name`, the 1-based line and column. Blank lines are skipped.
 */
export function parseCsvDataset(text: string, name: string, opts: CsvOptions = {}): CsvDataset {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // UTF-8 byte order mark
  // No more data rows than lines: reserving that much avoids growing (and copying) a 400 MB array.
  const rows = new RowCollector(name, opts, countLines(body));
  // Line numbers come from papaparse's cursor (end of each row), so quoted newlines and blank lines count.
  let scanned = 0;
  let line = 1;
  let rowStart = 0;
  let failure: Error | undefined;
  Papa.parse<string[]>(body, {
    skipEmptyLines: false,
    delimiter: opts.delimiter ?? guessDelimiter(body),
    step: (result, parser) => {
      const newline = result.meta.linebreak === "\r" ? 13 : 10;
      for (; scanned < rowStart; scanned++) if (body.charCodeAt(scanned) === newline) line++;
      const lineNo = line;
      rowStart = result.meta.cursor + result.meta.linebreak.length;
      const bad = result.errors[0];
      try {
        if (bad) throw new Error(`${name}: line ${lineNo}: ${bad.message}`);
        rows.add(result.data, lineNo);
      } catch (e) {
        failure = e as Error;
        parser.abort();
      }
    },
  });
  if (failure) throw failure;
  return rows.finish();
}

/** Turns parsed rows into a dataset, checking each cell as it comes. */
class RowCollector {
  private columnNames: string[] | null = null;
  private width = 0;
  private labelIndex = -1;
  private firstDataLine = 0;
  private readonly features = new Growable();
  private readonly labels: number[] = [];

  constructor(
    private readonly name: string,
    private readonly opts: CsvOptions,
    private readonly maxRows: number,
  ) {}

  add(row: string[], lineNo: number): void {
    if (row.length === 1 && row[0]!.trim() === "") return;
    if (this.columnNames === null) {
      const header = this.opts.header ?? row.some((cell) => Number.isNaN(parseNumber(cell)));
      this.setColumns(header ? row.map((c) => c.trim()) : row.map((_, i) => `col${i + 1}`), lineNo, header);
      if (header) return;
    }
    const names = this.columnNames!;
    if (this.firstDataLine === 0) this.firstDataLine = lineNo;
    if (row.length !== this.width)
      throw new Error(
        `${this.name}: line ${lineNo} has ${row.length} columns, expected ${this.width} (as in line ${this.firstDataLine})`,
      );
    for (let c = 0; c < this.width; c++) {
      const cell = row[c]!;
      const v = parseNumber(cell);
      if (Number.isNaN(v))
        throw new Error(
          `${this.name}: line ${lineNo}, column ${c + 1} (${names[c]}): "${cell.trim()}" is not a number`,
        );
      if (c !== this.labelIndex) {
        this.features.push(v);
      } else if (Number.isInteger(v) && v >= 0 && v <= 0x7fffffff) {
        this.labels.push(v);
      } else {
        throw new Error(
          `${this.name}: line ${lineNo}, column ${c + 1} (${names[c]}): label "${cell.trim()}" is not a class index (a non-negative integer)`,
        );
      }
    }
  }

  finish(): CsvDataset {
    if (this.columnNames === null || this.labels.length === 0) throw new Error(`${this.name}: no data rows`);
    const names = this.columnNames;
    return {
      features: this.features.take(),
      labels: Int32Array.from(this.labels),
      count: this.labels.length,
      dim: this.width - 1,
      columnNames: names.filter((_, i) => i !== this.labelIndex),
      labelName: names[this.labelIndex]!,
    };
  }

  private setColumns(names: string[], lineNo: number, header: boolean): void {
    const want = this.opts.labelColumn ?? 0;
    if (typeof want === "string" && !header)
      throw new Error(`${this.name}: label column "${want}" is given by name, but line ${lineNo} is not a header`);
    if (names.length < 2)
      throw new Error(
        `${this.name}: line ${lineNo}: need a label column and at least one feature column, found ${names.length} column`,
      );
    let index: number;
    if (typeof want === "string") {
      index = names.indexOf(want);
      if (index < 0) {
        const shown = names.slice(0, 10).join(", ") + (names.length > 10 ? ", ..." : "");
        throw new Error(`${this.name}: line ${lineNo}: no column named "${want}" (columns: ${shown})`);
      }
    } else {
      index = want < 0 ? names.length + want : want;
      if (!Number.isInteger(want) || index < 0 || index >= names.length)
        throw new Error(`${this.name}: label column ${want} is outside the ${names.length} columns`);
    }
    this.columnNames = names;
    this.width = names.length;
    this.labelIndex = index;
    this.features.reserve(this.maxRows * (names.length - 1));
  }
}
