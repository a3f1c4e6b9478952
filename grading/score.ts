/**
 * Scoring: compares what the sandbox returned with the fixture, output by output, by max relative
 * error, and writes feedback that names the output, the error, the threshold and a hint.
 */
import { relError } from "../lib/gradcheck";
import type { FixtureCase, Json } from "./fixtures";
import { numbersOf, shapeOf, isWireTensor } from "./fixtures";

export interface Verdict {
  passed: boolean;
  message: string;
}

function sameShape(a: Json | undefined, b: Json | undefined): boolean {
  if (isWireTensor(a) && isWireTensor(b))
    return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  return numbersOf(a)?.length === numbersOf(b)?.length;
}

/** Checks one output against its expected value. */
function checkOutput(c: FixtureCase, name: string, got: Json | undefined, want: Json): string | null {
  const hint = c.hints?.[name] ? `: ${c.hints[name]}` : "";
  const g = numbersOf(got);
  const w = numbersOf(want);
  if (w === null)
    return got === want ? null : `${name} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}${hint}`;
  if (g === null) return `${name} is missing or not numeric (got ${shapeOf(got)})${hint}`;
  if (!sameShape(got, want)) return `${name} has shape ${shapeOf(got)}, expected ${shapeOf(want)}${hint}`;
  const bad = g.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return `${name} contains ${g[bad]} at flat index ${bad}${hint}`;
  const err = relError(g, w);
  if (!(err <= c.threshold))
    return `${name} max relative error ${err.toExponential(1)} > ${c.threshold.toExponential(0)}${hint}`;
  return null;
}

export function scoreCase(c: FixtureCase, output: Record<string, Json>): Verdict {
  if (c.kind === "training") {
    const acc = output.accuracy;
    if (typeof acc !== "number" || !Number.isFinite(acc))
      return { passed: false, message: `accuracy is ${JSON.stringify(acc)}, not a number` };
    const need = c.minAccuracy ?? 0;
    return acc >= need
      ? { passed: true, message: `accuracy ${(100 * acc).toFixed(1)}% >= ${(100 * need).toFixed(1)}%` }
      : {
          passed: false,
          message: `accuracy ${(100 * acc).toFixed(1)}% < ${(100 * need).toFixed(1)}%${c.hints?.accuracy ? `: ${c.hints.accuracy}` : ""}`,
        };
  }
  const problems: string[] = [];
  for (const [name, want] of Object.entries(c.expected)) {
    const p = checkOutput(c, name, output[name], want);
    if (p) problems.push(p);
  }
  if (c.kind === "gradient" && problems.length === 0) {
    // The student's backward against a numerical gradient of the student's own forward.
    const self = output.selfCheck as Record<string, Json> | undefined;
    for (const [name, numeric] of Object.entries(self ?? {})) {
      const g = numbersOf(output[name]);
      const n = numbersOf(numeric);
      if (g && n && g.length === n.length) {
        const err = relError(g, n);
        const limit = Math.max(c.threshold, 1e-6);
        if (!(err <= limit))
          problems.push(
            `${name} disagrees with a numerical gradient of your forward: max relative error ${err.toExponential(1)} > ${limit.toExponential(0)}`,
          );
      }
    }
  }
  if (problems.length > 0) return { passed: false, message: problems.join("\n") };
  const worst = Object.entries(c.expected).map(([name, want]) => {
    const g = numbersOf(output[name]);
    const w = numbersOf(want);
    return g && w ? relError(g, w) : 0;
  });
  return {
    passed: true,
    message: `max relative error ${Math.max(0, ...worst).toExponential(1)} <= ${c.threshold.toExponential(0)}`,
  };
}
