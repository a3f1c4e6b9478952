/**
 * The notebooks' check cells, cs231n style: run one part of your code on a worked example and print the
 * relative error of each output against the expected one, with a hint when it is off. Scored exactly as
 * the autograder scores a case (grading/score.ts), on the worked examples shipped with the kit (never a
 * graded case's inputs).
 *
 *     import { check } from "./grading/notebook-check";
 *     check("Linear");           // PASSED  Linear on a worked example / out: relative error 2.2e-16 <= 1e-7 ...
 */
import { loadExamples, type Examples } from "./examples";
import { numbersOf, type FixtureCase, type Json } from "./fixtures";
import { part } from "./parts";
import { loadProbe } from "./probe-functions";
import { scoreCase } from "./score";
import { relError } from "../lib/gradcheck";

let cached: Examples | null = null;

export interface CheckResult {
  part: string;
  passed: boolean;
  /** One line per output, or the reason nothing could be compared (a stub, an exception). */
  lines: string[];
}

/** Runs the part's worked example and scores it; never throws for what the student's code does. */
export function runCheck(name: string, examples: Examples = (cached ??= loadExamples())): CheckResult {
  const p = part(name);
  const example = examples[p.name];
  if (!example) throw new Error(`check("${name}"): grading/examples.json has no worked example for it`);
  let output: Record<string, Json>;
  try {
    output = loadProbe(example.probe)(example.inputs);
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    const stub = /not implemented: (.*)/.exec(message);
    const line = stub
      ? `not implemented yet: ${stub[1]} (${p.file})`
      : `threw ${(e as Error).name ?? "an error"}: ${message.split("\n")[0]}`;
    return { part: p.name, passed: false, lines: [line] };
  }
  const verdict = scoreCase(example, output);
  const lines = verdict.passed ? outputLines(example, output) : verdict.message.split("\n");
  return { part: p.name, passed: verdict.passed, lines };
}

/** Per output: "out: relative error 2.2e-16 <= 1e-7". */
function outputLines(c: FixtureCase, output: Record<string, Json>): string[] {
  return Object.entries(c.expected).map(([key, want]) => {
    const got = numbersOf(output[key]);
    const w = numbersOf(want);
    const err = got && w ? relError(got, w) : 0;
    return `${key}: relative error ${err.toExponential(1)} <= ${c.threshold.toExponential(0)}`;
  });
}

/** Prints the check of one part (runCheck has the result as data). */
export function check(name: string): void {
  const r = runCheck(name);
  console.log(`${r.passed ? "PASSED" : "NOT YET"}  ${r.part} on a worked example`);
  for (const line of r.lines) console.log(`  ${line}`);
}
