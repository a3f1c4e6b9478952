// The autograder's command line.
//   npm run grade -- SUBMISSION_DIR [--out results.json] [--report report.md] [--assignment a-linear-classifier ...]
//   npm run grade -- --batch SUBMISSIONS_DIR --csv gradebook.csv [--jobs N] [--out-dir DIR]
// A submission is a copy of the student kit (its lib/ folder is what gets graded).
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { progressBar } from "../lib/training/progress";
import { gradeSubmission, loadFixtures, type GradeResult } from "./grade";
import { gradebookCsv, gradescopeResults, markdownReport } from "./report";

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function flags(args: string[], name: string): string[] {
  return args.flatMap((a, i) => (a === `--${name}` && args[i + 1] ? [args[i + 1]!] : []));
}

export async function gradeBatch(
  folder: string,
  opts: {
    jobs: number;
    only?: string[];
    fixturesDir?: string;
    onDone?: (done: number, total: number, name: string, r: GradeResult) => void;
  },
): Promise<{ name: string; result: GradeResult }[]> {
  const fixtures = loadFixtures(opts.fixturesDir, opts.only);
  const names = readdirSync(folder)
    .filter((n) => statSync(join(folder, n)).isDirectory())
    .sort();
  const out: { name: string; result: GradeResult }[] = new Array(names.length);
  let next = 0;
  let done = 0;
  // Each job grades one submission at a time in its own sandbox process.
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const i = next++;
      const result = await gradeSubmission(join(folder, names[i]!), fixtures);
      out[i] = { name: names[i]!, result };
      opts.onDone?.(++done, names.length, names[i]!, result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, names.length)) }, worker));
  return out;
}

async function main(args: string[]): Promise<number> {
  const only = flags(args, "assignment");
  const batch = flag(args, "batch");
  if (batch) {
    const jobs = Number(flag(args, "jobs") ?? availableParallelism());
    const started = Date.now();
    const rows = await gradeBatch(resolve(batch), {
      jobs,
      ...(only.length ? { only } : {}),
      onDone: (done, total, name, r) => {
        const line = `${progressBar(done, total)} ${done}/${total} ${name}: ${r.score}/${r.maxScore}${r.notGradable ? " (not gradable)" : ""}`;
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
        else console.error(line);
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const csv = resolve(flag(args, "csv") ?? "gradebook.csv");
    writeFileSync(csv, gradebookCsv(rows));
    const outDir = flag(args, "out-dir");
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      for (const { name, result } of rows) {
        writeFileSync(join(outDir, `${name}.results.json`), JSON.stringify(gradescopeResults(result), null, 2));
        writeFileSync(join(outDir, `${name}.md`), markdownReport(result));
      }
    }
    const secs = (Date.now() - started) / 1000;
    console.log(
      `graded ${rows.length} submissions in ${secs.toFixed(1)} s (${(secs / Math.max(1, rows.length)).toFixed(2)} s per submission, ${jobs} jobs); gradebook: ${csv}`,
    );
    return 0;
  }
  const submission = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  if (!submission) {
    console.error(
      "usage: npm run grade -- SUBMISSION_DIR [--out results.json] [--report report.md] | --batch DIR --csv FILE [--jobs N]",
    );
    return 2;
  }
  const result = await gradeSubmission(submission, loadFixtures(undefined, only.length ? only : undefined));
  const out = flag(args, "out");
  if (out) writeFileSync(out, JSON.stringify(gradescopeResults(result), null, 2) + "\n");
  const report = markdownReport(result);
  const reportPath = flag(args, "report");
  if (reportPath) writeFileSync(reportPath, report);
  console.log(report);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`grader error: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
