// The student kit's `npm test` (after the type-check): the grader's public cases on this kit's lib/, run
// as the grader runs them. A case that stops at a stub is work left, not a failure: the run is green while
// stubs remain and fails only on a wrong answer, an exception or code that does not compile.
//   tsx grading/student-test.ts [--help]
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CaseResult } from "./grade";
import { gradeSubmission, loadFixtures } from "./grade";
import { findStubs, formatStubs } from "./stubs";

export type Outcome = "passed" | "stub" | "failed";

/** A case is waiting on a stub when it stopped at one ("not implemented: ..."), whatever else it said. */
export function outcome(c: CaseResult): Outcome {
  if (c.status === "passed") return "passed";
  return /not implemented: /.test(c.output) ? "stub" : "failed";
}

export interface StudentTestSummary {
  passed: number;
  failed: number;
  waiting: number;
  stubs: number;
}

export async function studentTest(
  root: string,
  log: (line: string) => void = console.log,
): Promise<StudentTestSummary> {
  const fixtures = loadFixtures(resolve(root, "grading", "fixtures")).map((f) => ({
    ...f,
    cases: f.cases.filter((c) => c.visibility === "visible"),
  }));
  const result = await gradeSubmission(root, fixtures);
  if (result.notGradable !== null) {
    log(`not gradable: ${result.notGradable}`);
    return { passed: 0, failed: 1, waiting: 0, stubs: findStubs(root).length };
  }
  const mark: Record<Outcome, string> = { passed: "ok  ", stub: "todo", failed: "FAIL" };
  for (const c of result.cases) {
    const o = outcome(c);
    const detail = o === "passed" ? "" : `: ${c.output.split("\n")[0]}`;
    log(`${mark[o]}  ${c.assignment}: ${c.name}${detail}`);
  }
  const stubs = findStubs(root);
  const count = (o: Outcome): number => result.cases.filter((c) => outcome(c) === o).length;
  const summary = { passed: count("passed"), failed: count("failed"), waiting: count("stub"), stubs: stubs.length };
  log("");
  if (stubs.length > 0)
    log(`${stubs.length} stub${stubs.length === 1 ? "" : "s"} left to implement:\n${formatStubs(stubs)}\n`);
  else log("no stubs left: every part is written\n");
  log(`${summary.passed} passed, ${summary.failed} failed, ${summary.waiting} waiting on stubs`);
  return summary;
}

const HELP = `Runs the grader's public cases on this kit; unwritten parts count as work left, not failures.

  tsx grading/student-test.ts      (npm test runs it after the type-check)

  --help   this text`;

async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: argv, options: { help: { type: "boolean" } } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
  } catch (e) {
    console.error(`student-test: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const s = await studentTest(resolve(__dirname, ".."));
  return s.failed > 0 ? 1 : 0;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
