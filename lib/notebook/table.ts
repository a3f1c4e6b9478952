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

/** A plain-text table with aligned columns. */
export function formatTable(rows: readonly Record<string, Cell>[], columns?: readonly string[]): string {
  if (rows.length === 0) return "(no rows)";
  const cols = columns ?? Object.keys(rows[0]!);
  const body = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((s, i) => s.padEnd(widths[i]!))
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

/** Shows rows as an HTML table in a notebook (text elsewhere). */
export function showTable(
  rows: readonly Record<string, Cell>[],
  opts: { columns?: readonly string[]; title?: string } = {},
): void {
  const text = (opts.title ? `${opts.title}\n` : "") + formatTable(rows, opts.columns);
  const cols = opts.columns ?? (rows.length > 0 ? Object.keys(rows[0]!) : []);
  const esc = (s: string): string => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
  const html = `<table>${opts.title ? `<caption>${esc(opts.title)}</caption>` : ""}<thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td style="text-align:right">${esc(fmt(r[c]))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
  if (!displayBundle({ "text/plain": text, "text/html": html })) console.log(text);
}
