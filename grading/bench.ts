// Seconds per submission for the autograder, warm: copies of the reference solution graded with one
// job, then with two (and one per core where there are more), each grader first grading one submission
// per job untimed (its type-checkers' first check, esbuild's service, the first sandboxes).
//   node node_modules/tsx/dist/cli.mjs grading/bench.ts [--submissions 8] [--help]
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { commandLine, usageError } from "./args";
import { Grader } from "./grade";
import { gradedCases, randomSeed } from "./reference";

export interface GradingBench {
  submissions: number;
  cases: number;
  /**
   * Warm seconds: after each job has graded one submission. `cpuPerSubmission` is the machine's busy
   * CPU time over the timed part divided by the submissions, `coresBusy` that time over the wall time:
   * one job already keeps more than one core busy (the type check runs beside the sandboxes), so jobs
   * speed grading up until the cores are busy, and the CPU time a submission costs says how it scales.
   */
  rows: { jobs: number; seconds: number; perSubmission: number; cpuPerSubmission: number; coresBusy: number }[];
}

/** Milliseconds of CPU time every core has spent busy since boot (user, nice, sys, irq). */
function busyMs(): number {
  return cpus().reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

export async function benchGrading(submissions = 8): Promise<GradingBench> {
  const root = resolve(__dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "tsdl-grade-bench-"));
  try {
    const jobCounts = [...new Set([1, 2, availableParallelism()])];
    const copies = submissions + Math.max(...jobCounts);
    const names = Array.from({ length: copies }, (_, i) => join(dir, `student-${String(i).padStart(3, "0")}`));
    for (const n of names) cpSync(join(root, "lib"), join(n, "lib"), { recursive: true });
    const seed = randomSeed();
    const cases = gradedCases(seed);
    const rows: GradingBench["rows"] = [];
    for (const jobs of jobCounts) {
      const grader = new Grader({ jobs });
      try {
        const check = (r: Awaited<ReturnType<Grader["grade"]>>, name: string): void => {
          if (r.score !== r.maxScore) {
            const bad = r.cases.find((c) => c.status !== "passed");
            throw new Error(
              `the reference solution lost points in ${name} (seed ${seed}): ${bad?.name}: ${bad?.output}`,
            );
          }
        };
        await Promise.all(
          Array.from({ length: jobs }, (_, j) =>
            grader.grade(names[j]!, cases, j, seed).then((r) => check(r, names[j]!)),
          ),
        );
        const timed = names.slice(jobs, jobs + submissions);
        let next = 0;
        const busy0 = busyMs();
        const t0 = Date.now();
        await Promise.all(
          Array.from({ length: jobs }, async (_, j) => {
            while (next < timed.length) {
              const name = timed[next++]!;
              check(await grader.grade(name, cases, j, seed), name);
            }
          }),
        );
        const seconds = (Date.now() - t0) / 1000;
        const cpu = (busyMs() - busy0) / 1000;
        rows.push({
          jobs,
          seconds,
          perSubmission: seconds / submissions,
          cpuPerSubmission: cpu / submissions,
          coresBusy: cpu / seconds,
        });
      } finally {
        grader.close();
      }
    }
    return { submissions, cases: cases.flatMap((f) => f.cases).length, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HELP = `Seconds per submission for the autograder, warm, with 1 and 2 jobs (and one per core).

  node node_modules/tsx/dist/cli.mjs grading/bench.ts [--submissions N]

  --submissions N   timed submissions per job count (default 8)
  --help            this text`;

function main(argv: string[]): number | Promise<number> {
  const args = commandLine("bench", HELP, {
    args: argv,
    options: { submissions: { type: "string" }, help: { type: "boolean" } },
  });
  if (typeof args === "number") return args;
  const n = Number(args.values.submissions ?? 8);
  if (!Number.isInteger(n) || n < 1)
    return usageError("bench", HELP, `--submissions must be a whole number >= 1, got "${args.values.submissions}"`);
  return benchGrading(n).then((b) => {
    console.log(`autograder: ${b.submissions} submissions of ${b.cases} cases each, warm`);
    for (const r of b.rows)
      console.log(
        `  ${r.jobs} job(s): ${r.seconds.toFixed(1)} s, ${r.perSubmission.toFixed(2)} s per submission, ` +
          `${r.cpuPerSubmission.toFixed(2)} CPU s per submission, ${r.coresBusy.toFixed(2)} cores busy`,
      );
    return 0;
  });
}

if (require.main === module)
  void Promise.resolve(main(process.argv.slice(2))).then((code) => (process.exitCode = code));
