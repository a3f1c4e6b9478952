// The autograder's command line (npm run grade -- --help). A submission is a copy of the student kit: its
// lib/ folder is what gets graded, on inputs drawn afresh for this run.
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { progressBar } from "../lib/training/progress";
import { cleanUpNow, cleanUpOnSignals } from "./cleanup";
import type { FixtureFile } from "./fixtures";
import { Grader, gradeSubmission, loadFixtures, type GradeResult, type Limits } from "./grade";
import { detectIsolation, tempFolderProblem } from "./isolation";
import { gradedCases, loadSpecs, randomSeed } from "./reference";
import { failureReport, gradebookCsv, graderFailure, gradescopeResults, markdownReport } from "./report";

const MAX_JOBS = 64;

const HELP = `Grades submissions (copies of the student kit; their lib/ is graded) on inputs drawn afresh for each
run, expected outputs from this repository's reference solution.

  npm run grade -- SUBMISSION [--out results.json] [--report report.md]
  npm run grade -- --batch FOLDER [--csv gradebook.csv] [--out-dir DIR] [--jobs N]

  SUBMISSION              one submission folder; prints its Markdown report
  --batch FOLDER          every subfolder of FOLDER is a submission
  --out FILE              Gradescope's results.json for SUBMISSION (written even if the grader fails)
  --report FILE           the Markdown report for SUBMISSION
  --csv FILE              the batch's gradebook (default gradebook.csv)
  --out-dir DIR           a batch's results.json and report per submission (NAME.results.json, NAME.md)
  --jobs N                submissions graded at once (default: one per core, at most ${MAX_JOBS})
  --assignment NAME       grade only this assignment (repeat for several)
  --seed N                draw the inputs from this seed (0 to 4294967295; default: a random one,
                          printed in the report, so a run can be repeated)
  --compile-timeout S     time limit for transpiling and for type-checking one submission (default 30)
  --allow-no-namespace    grade even where this machine cannot make namespaces (containers that forbid
                          unshare): the sandbox then relies on its own blocks (README, "Isolation")
  --help                  this text

Exit codes: 0 graded (whatever the scores), 1 the grader failed, 2 bad arguments, 3 refused: no namespaces.`;

class Usage extends Error {}

function wholeNumber(v: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new Usage(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

interface Args {
  submission: string | null;
  batch: string | null;
  out: string | null;
  report: string | null;
  csv: string;
  outDir: string | null;
  jobs: number;
  only: string[];
  seed: number;
  limits: Partial<Limits>;
  allowNoNamespace: boolean;
}

function parse(argv: string[]): Args | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        batch: { type: "string" },
        out: { type: "string" },
        report: { type: "string" },
        csv: { type: "string" },
        "out-dir": { type: "string" },
        jobs: { type: "string" },
        assignment: { type: "string", multiple: true },
        seed: { type: "string" },
        "compile-timeout": { type: "string" },
        "allow-no-namespace": { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (e) {
    throw new Usage((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return "help";
  if (positionals.length > 1) throw new Usage(`one SUBMISSION folder at a time, got ${positionals.length}`);
  const submission = positionals[0] ?? null;
  if ((submission === null) === (v.batch === undefined))
    throw new Usage(
      submission === null
        ? "give a SUBMISSION folder or --batch FOLDER"
        : "give a SUBMISSION folder or --batch FOLDER, not both",
    );
  const jobs = wholeNumber(v.jobs, "--jobs", 1, MAX_JOBS) ?? Math.min(availableParallelism(), MAX_JOBS);
  const seed = wholeNumber(v.seed, "--seed", 0, 2 ** 32 - 1) ?? randomSeed();
  let compileSeconds: number | undefined;
  if (v["compile-timeout"] !== undefined) {
    compileSeconds = Number(v["compile-timeout"]);
    if (!(compileSeconds > 0 && compileSeconds <= 3600))
      throw new Usage(
        `--compile-timeout must be a number of seconds from 0 to 3600, got ${JSON.stringify(v["compile-timeout"])}`,
      );
  }
  const only = v.assignment ?? [];
  if (only.length > 0) {
    const known = loadSpecs().map((s) => s.assignment);
    for (const a of only)
      if (!known.includes(a)) throw new Usage(`unknown assignment "${a}" (known: ${known.join(", ")})`);
  }
  return {
    submission,
    batch: v.batch ?? null,
    out: v.out ?? null,
    report: v.report ?? null,
    csv: v.csv ?? "gradebook.csv",
    outDir: v["out-dir"] ?? null,
    jobs,
    only,
    seed,
    limits: compileSeconds !== undefined ? { compileSeconds } : {},
    allowNoNamespace: v["allow-no-namespace"] ?? false,
  };
}

export interface BatchOptions {
  jobs: number;
  only?: string[];
  /** Grade these fixed cases (worked examples, say) instead of drawing fresh ones. */
  fixturesDir?: string;
  seed?: number;
  limits?: Partial<Limits>;
  onDone?: (done: number, total: number, name: string, r: GradeResult) => void;
}

/** Grades every subfolder of `folder`, `jobs` at a time, all on the same cases. */
export async function gradeBatch(folder: string, opts: BatchOptions): Promise<{ name: string; result: GradeResult }[]> {
  const seed = opts.fixturesDir ? null : (opts.seed ?? randomSeed());
  const fixtures: FixtureFile[] = opts.fixturesDir
    ? loadFixtures(opts.fixturesDir, opts.only)
    : gradedCases(seed!, opts.only);
  const names = readdirSync(folder)
    .filter((n) => statSync(join(folder, n)).isDirectory())
    .sort();
  const jobs = Math.max(1, Math.min(opts.jobs, names.length));
  const grader = new Grader({ jobs, ...(opts.limits ? { limits: opts.limits } : {}) });
  const out: { name: string; result: GradeResult }[] = new Array(names.length);
  let next = 0;
  let done = 0;
  try {
    // Each job grades one submission at a time with its own folders, sandboxes and type-checker.
    const worker = async (job: number): Promise<void> => {
      while (next < names.length) {
        const i = next++;
        const result = await grader.grade(join(folder, names[i]!), fixtures, job, seed);
        out[i] = { name: names[i]!, result };
        opts.onDone?.(++done, names.length, names[i]!, result);
      }
    };
    await Promise.all(Array.from({ length: jobs }, (_, j) => worker(j)));
  } finally {
    grader.close();
  }
  return out;
}

async function grade(a: Args): Promise<number> {
  const iso = detectIsolation();
  if (!iso.namespaces && !a.allowNoNamespace) {
    const why =
      `this machine cannot isolate submissions in namespaces (${iso.reason ?? "unshare failed"}). ` +
      "Grading would rely on the sandbox's own blocks only; pass --allow-no-namespace to grade anyway.";
    writeFailure(a, `Not graded: ${why}`);
    console.error(`grade: ${why}`);
    return 3;
  }
  const temp = tempFolderProblem(iso);
  if (temp) throw new Error(temp);
  if (a.batch) {
    const started = Date.now();
    const rows = await gradeBatch(resolve(a.batch), {
      jobs: a.jobs,
      only: a.only,
      seed: a.seed,
      limits: a.limits,
      onDone: (done, total, name, r) => {
        const line = `${progressBar(done, total)} ${done}/${total} ${name}: ${r.score}/${r.maxScore}${r.notGradable ? " (not gradable)" : ""}`;
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
        else console.error(line);
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const csv = resolve(a.csv);
    writeFileSync(csv, gradebookCsv(rows));
    if (a.outDir) {
      mkdirSync(a.outDir, { recursive: true });
      for (const { name, result } of rows) {
        writeFileSync(
          join(a.outDir, `${name}.results.json`),
          JSON.stringify(gradescopeResults(result), null, 2) + "\n",
        );
        writeFileSync(join(a.outDir, `${name}.md`), markdownReport(result));
      }
    }
    const secs = (Date.now() - started) / 1000;
    console.log(
      `graded ${rows.length} submissions in ${secs.toFixed(1)} s (${(secs / Math.max(1, rows.length)).toFixed(2)} s per submission, ${a.jobs} jobs, seed ${a.seed}); gradebook: ${csv}`,
    );
    return 0;
  }
  const result = await gradeSubmission(a.submission!, gradedCases(a.seed, a.only), { seed: a.seed, limits: a.limits });
  if (a.out) writeFileSync(a.out, JSON.stringify(gradescopeResults(result), null, 2) + "\n");
  const report = markdownReport(result);
  if (a.report) writeFileSync(a.report, report);
  console.log(report);
  return 0;
}

/** results.json and report.md (where asked for) when there is no grade to give. */
function writeFailure(a: Args, message: string): void {
  for (const [file, text] of [
    [a.out, JSON.stringify(graderFailure(message), null, 2) + "\n"],
    [a.report, failureReport(message)],
  ] as const) {
    if (!file) continue;
    try {
      writeFileSync(file, text);
    } catch (e) {
      console.error(`grade: could not write ${file} either: ${(e as Error).message}`);
    }
  }
}

export async function main(argv: string[]): Promise<number> {
  let a: Args | "help";
  try {
    a = parse(argv);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    console.error(`grade: ${e.message}\n\n${HELP}`);
    return 2;
  }
  if (a === "help") {
    console.log(HELP);
    return 0;
  }
  cleanUpOnSignals();
  try {
    return await grade(a);
  } catch (e) {
    const message = `The grader failed (not your submission): ${(e as Error).message}`;
    console.error(`grade: ${(e as Error).stack ?? message}`);
    writeFailure(a, message);
    return 1;
  } finally {
    cleanUpNow();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
