// Seconds per submission for the autograder: grades copies of the reference solution with one job
// and with one job per core.   node node_modules/tsx/dist/cli.mjs grading/bench.ts [--submissions 8]
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gradeBatch } from "./cli";

export interface GradingBench {
  submissions: number;
  cases: number;
  rows: { jobs: number; seconds: number; perSubmission: number }[];
}

export async function benchGrading(submissions = 8): Promise<GradingBench> {
  const root = resolve(__dirname, "..");
  const dir = mkdtempSync(join(tmpdir(), "tsdl-grade-bench-"));
  try {
    for (let i = 0; i < submissions; i++)
      cpSync(join(root, "lib"), join(dir, `student-${String(i).padStart(3, "0")}`, "lib"), { recursive: true });
    const rows: GradingBench["rows"] = [];
    let cases = 0;
    for (const jobs of [...new Set([1, availableParallelism()])]) {
      const t0 = Date.now();
      const results = await gradeBatch(dir, { jobs });
      const seconds = (Date.now() - t0) / 1000;
      cases = results[0]?.result.cases.length ?? 0;
      const wrong = results.filter((r) => r.result.score !== r.result.maxScore);
      if (wrong.length > 0) throw new Error(`the reference solution lost points in ${wrong[0]!.name}`);
      rows.push({ jobs, seconds, perSubmission: seconds / submissions });
    }
    return { submissions, cases, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const at = process.argv.indexOf("--submissions");
  benchGrading(at >= 0 ? Number(process.argv[at + 1]) : 8).then((b) => {
    console.log(`autograder: ${b.submissions} submissions of ${b.cases} cases each`);
    for (const r of b.rows)
      console.log(`  ${r.jobs} job(s): ${r.seconds.toFixed(1)} s, ${r.perSubmission.toFixed(2)} s per submission`);
  });
}
