import { escapeMarkup } from "./markup";
import { displayBundle } from "./tslab";

export type Cell = string | number | boolean | null | undefined;

function fmt(v: Cell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : v.toPrecision(6).replace(/\.?0+$/, "");
  }
  return String(v);
}

/** A number, or text that reads as one ("87.92%", "1.2e-5"). */
function isNumberLike(v: Cell): boolean {
  return typeof v === "number" || (typeof v === "string" && /^[-+]?\d[\d,]*(\.\d+)?(e[-+]?\d+)?\s*%?$/i.test(v.trim()));
}

/** Columns whose filled cells all read as numbers: right-aligned, as numbers read best. */
function numericColumns(rows: readonly Record<string, Cell>[], cols: readonly string[]): boolean[] {
  return cols.map((c) => {
    const filled = rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined && v !== "");
    return filled.length > 0 && filled.every(isNumberLike);
  });
}

/** A plain-text table with aligned columns (numbers to the right). */
export function formatTable(rows: readonly Record<string, Cell>[], columns?: readonly string[]): string {
  if (rows.length === 0) return "(no rows)";
  const cols = columns ?? Object.keys(rows[0]!);
  const numeric = numericColumns(rows, cols);
  const body = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((s, i) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(cols), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** A Markdown table (for reports). */
export function markdownTable(rows: readonly Record<string, Cell>[], columns?: readonly string[]): string {
  if (rows.length === 0) return "(no rows)";
  const cols = columns ?? Object.keys(rows[0]!);
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  return [
    `| ${cols.map(esc).join(" | ")} |`,
    `| ${cols.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${cols.map((c) => esc(fmt(r[c]))).join(" | ")} |`),
  ].join("\n");
}

/**
 * An HTML table that keeps its shape in every front end: each cell on one line (classic Notebook 6
 * lays tables out at a fixed 12 px and wraps cells otherwise), numbers right and text left, the
 * caption above on the left.
 */
export function htmlTable(
  rows: readonly Record<string, Cell>[],
  opts: { columns?: readonly string[]; title?: string } = {},
): string {
  const cols = opts.columns ?? (rows.length > 0 ? Object.keys(rows[0]!) : []);
  const numeric = numericColumns(rows, cols);
  const align = (i: number): string => `text-align:${numeric[i] ? "right" : "left"};white-space:nowrap`;
  const head = cols.map((c, i) => `<th style="${align(i)}">${escapeMarkup(c)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${cols.map((c, i) => `<td style="${align(i)}">${escapeMarkup(fmt(r[c]))}</td>`).join("")}</tr>`)
    .join("");
  const caption = opts.title
    ? `<caption style="text-align:left;caption-side:top">${escapeMarkup(opts.title)}</caption>`
    : "";
  return `<table style="margin-left:0">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Shows rows as a table in a notebook: HTML, and aligned text for plain-text front ends (text elsewhere). */
export function showTable(
  rows: readonly Record<string, Cell>[],
  opts: { columns?: readonly string[]; title?: string } = {},
): void {
  const text = (opts.title ? `${opts.title}\n` : "") + formatTable(rows, opts.columns);
  if (!displayBundle({ "text/plain": text, "text/html": htmlTable(rows, opts) })) console.log(text);
}
