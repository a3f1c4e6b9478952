/** An experiment of the report: what it reproduces, its target, and how to run it. */
import type { Figure } from "../lib/plot/figure";
import type { Cell } from "../lib/notebook/table";

export interface Target {
  /** Name of the metric in the result. */
  metric: string;
  /** The bar to reach or beat. */
  value: number;
  /** Higher is better (accuracy) or lower is better (an error). */
  better: "higher" | "lower";
  /** How to print the metric. */
  format: "percent" | "exp";
}

export interface ExperimentResult {
  metrics: Record<string, number>;
  tables?: { title: string; rows: Record<string, Cell>[] }[];
  figures?: { name: string; title: string; figure: Figure }[];
  notes?: string[];
  seconds: number;
  seed: number;
  setting: string;
}

export interface Experiment {
  name: string;
  title: string;
  /** The published figure(s) this reproduces, from ../shared/ASSIGNMENTS.md. */
  published: string;
  target?: Target;
  /** Expected time on the 2-core reference machine, full setting. */
  estimate: string;
  /** Why the target can be missed, printed beside a miss. */
  whenMissed?: string;
  run(opts: { quick: boolean; log: (line: string) => void }): Promise<ExperimentResult> | ExperimentResult;
}

export function formatMetric(v: number, format: Target["format"]): string {
  return format === "percent" ? `${(100 * v).toFixed(2)}%` : v.toExponential(2);
}

export function meets(t: Target, v: number): boolean {
  return t.better === "higher" ? v >= t.value : v <= t.value;
}
