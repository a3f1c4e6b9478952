/** RESULTS.md from the stored experiment results. */
import { markdownTable } from "../lib/notebook/table";
import { formatMetric, meets, type Experiment, type Target } from "./experiment";
import type { Cell } from "../lib/notebook/table";

export interface StoredResult {
  name: string;
  whenMissed?: string;
  title: string;
  published: string;
  target?: Target;
  metrics: Record<string, number>;
  tables: { title: string; rows: Record<string, Cell>[] }[];
  notes: string[];
  figures: { name: string; title: string; png: string | null }[];
  seconds: number;
  seed: number;
  setting: string;
  quick: boolean;
  date: string;
  /** The kernels that ran (results stored before this field existed used the reference kernels). */
  kernels?: string;
  /** The machine it ran on (results stored before this field existed do not say). */
  machine?: string;
}

const kernelsOf = (r: StoredResult): string => r.kernels ?? "reference (TypeScript)";

function metricText(r: StoredResult): string {
  if (r.target) return formatMetric(r.metrics[r.target.metric] ?? NaN, r.target.format);
  return Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`)
    .join("; ");
}

function verdict(r: StoredResult): string {
  if (!r.target) return "shown";
  const v = r.metrics[r.target.metric] ?? NaN;
  if (meets(r.target, v)) return "met";
  const gap =
    r.target.format === "percent"
      ? `${(100 * Math.abs(r.target.value - v)).toFixed(2)} points short`
      : `${(v / r.target.value).toFixed(1)}x over`;
  return `missed (${gap})`;
}

export function renderResults(
  results: StoredResult[],
  opts: { machine: string; figuresBase: string; missing: Experiment[]; planned?: { title: string; target: string }[] },
): string {
  const total = results.reduce((s, r) => s + r.seconds, 0);
  const summary = results.map((r) => ({
    experiment: r.title,
    ours: metricText(r),
    target: r.target
      ? `${r.target.better === "higher" ? ">=" : "<="} ${formatMetric(r.target.value, r.target.format)}`
      : "",
    published: r.published,
    result: verdict(r),
    time: `${r.seconds.toFixed(0)} s`,
  }));
  const lines = [
    "# Results",
    "",
    `Reproduced by \`npm run report\` on ${opts.machine}${results.every((r) => r.machine === opts.machine) ? "" : " (the latest run; experiments ran on different machines, as each section states where recorded)"}. ` +
      `Experiments ran for ${(total / 60).toFixed(1)} minutes in all` +
      ` (kernels: ${[...new Set(results.map(kernelsOf))].map((k) => `${k} for ${results.filter((r) => kernelsOf(r) === k).length}`).join(", ")} of the ${results.length} experiments);`,
    "each section states its setting, seed, kernels and time. `npm run report -- --only NAME` reruns one experiment.",
    "",
    markdownTable(summary),
    "",
  ];
  if (opts.planned && opts.planned.length > 0) {
    lines.push(`Not in the report yet: ${opts.planned.map((p) => `${p.title} (${p.target})`).join("; ")}.`, "");
  }
  if (opts.missing.length > 0) {
    lines.push(
      `Not run yet: ${opts.missing.map((e) => `${e.title} (\`${e.name}\`, expected ${e.estimate})`).join("; ")}.`,
      "",
    );
  }
  for (const r of results) {
    lines.push(
      `## ${r.title}`,
      "",
      `Published: ${r.published}.`,
      "",
      `Setting: ${r.setting}. Seed ${r.seed}. ${r.seconds.toFixed(1)} s with the ${kernelsOf(r)} kernels on ${r.date.slice(0, 10)} ` +
        `(${r.machine ?? "machine not recorded"})${r.quick ? " (quick setting)" : ""}.`,
      "",
    );
    lines.push(
      markdownTable([
        Object.fromEntries(
          Object.entries(r.metrics).map(([k, v]) => [k, Number.isInteger(v) ? v : Number(v.toPrecision(6))]),
        ),
      ]),
      "",
    );
    for (const t of r.tables) lines.push(`**${t.title}**`, "", markdownTable(t.rows), "");
    if (r.target && !meets(r.target, r.metrics[r.target.metric] ?? NaN)) {
      lines.push(
        `**Target missed** (${verdict(r).replace(/^missed \((.*)\)$/, "$1")}).${r.whenMissed ? ` ${r.whenMissed}` : ""}`,
        "",
      );
    }
    for (const n of r.notes) lines.push(`- ${n}`);
    if (r.notes.length > 0) lines.push("");
    for (const f of r.figures) if (f.png) lines.push(`![${f.title}](${opts.figuresBase}/${f.name}.png)`, "");
  }
  return lines.join("\n");
}
