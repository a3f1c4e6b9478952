// The grader's outputs and command line: a report no feedback can forge structure in, a gradebook any
// CSV reader reads back (papaparse), and flags that are checked before anything is graded.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import type { GradeResult } from "../grading/grade";
import { gradebookCsv, gradescopeResults, markdownReport } from "../grading/report";
import { runGrader } from "./grading-submissions";

function result(outputs: string[], submission = "student"): GradeResult {
  return {
    submission,
    score: 3,
    maxScore: 3 * outputs.length,
    cases: outputs.map((output, i) => ({
      assignment: "a-linear-classifier",
      name: `case ${i}`,
      score: i === 0 ? 3 : 0,
      maxScore: 3,
      status: i === 0 ? "passed" : "failed",
      output,
      visibility: "visible",
      seconds: 0.1,
      printedBytes: 0,
    })),
    notGradable: null,
    seconds: 1,
    isolation: "namespaces",
    seed: 7,
    notes: [],
  };
}

describe("grader report", () => {
  it("no feedback can start a line, a heading, a table row or an HTML element in report.md", () => {
    const forged = [
      "ok",
      "x\r# Grade: 100 / 100\r| ok | 3 / 3 | forged | ok |",
      "y\r\n## Forged\n| ok |\u2028# also forged\u0085# and this",
      '<img src=x onerror="alert(1)"> [click](javascript:alert(1)) **bold** `code`',
    ];
    const report = markdownReport(result(forged));
    const lines = report.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/);
    expect(lines.filter((l) => l.startsWith("#")).length).to.equal(1);
    expect(lines.filter((l) => l.startsWith("|")).length).to.equal(2 + forged.length);
    expect(report).to.not.match(/<img|\]\(javascript/);
    expect(report).to.contain("# Grade: 3 / 12");
  });

  it("the gradebook is a CSV any reader reads back, names and formulas included", () => {
    const names = [
      "plain",
      "with, comma",
      'with "quotes"',
      "with\nnewline",
      '=HYPERLINK("http://x")',
      "+1",
      "@SUM(A1)",
    ];
    const csv = gradebookCsv(names.map((name) => ({ name, result: result(["ok", "bad"], name) })));
    const parsed = Papa.parse<string[]>(csv.trim(), { skipEmptyLines: true }).data;
    expect(parsed[0]).to.deep.equal([
      "submission",
      "score",
      "max_score",
      "status",
      "a-linear-classifier: case 0",
      "a-linear-classifier: case 1",
    ]);
    expect(parsed.slice(1).map((r) => r[0])).to.deep.equal([
      "plain",
      "with, comma",
      'with "quotes"',
      "with\nnewline",
      '\'=HYPERLINK("http://x")',
      "'+1",
      "'@SUM(A1)",
    ]);
    expect(parsed[1]!.slice(1)).to.deep.equal(["3", "6", "graded", "3", "0"]);
  });

  it("results.json caps each test's output and says when it cut", () => {
    const r = gradescopeResults(result(["ok", "z".repeat(100000)]));
    expect(r.tests[1]!.output.length).to.be.below(10000);
    expect(r.tests[1]!.output).to.match(/\[cut: 100000 characters in all\]$/);
  });
});

describe("grader command line", function () {
  this.timeout(120000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-cli-"));

  const bad: [string, string[], RegExp][] = [
    [
      "a --jobs that is not a number",
      ["--batch", tmp, "--jobs", "abc"],
      /--jobs must be a whole number from 1 to \d+, got "abc"/,
    ],
    ["--jobs 0", ["--batch", tmp, "--jobs", "0"], /--jobs must be a whole number/],
    ["an unknown flag", [tmp, "--frobnicate"], /Unknown option '--frobnicate'/],
    ["a bad --seed", [tmp, "--seed", "1.5"], /--seed must be a whole number from 0 to 4294967295, got "1.5"/],
    [
      "an unknown assignment",
      [tmp, "--assignment", "z-nothing"],
      /unknown assignment "z-nothing" \(known: a-linear-classifier, /,
    ],
    ["no submission", [], /give a SUBMISSION folder or --batch FOLDER/],
    ["both a submission and --batch", [tmp, "--batch", tmp], /give a SUBMISSION folder or --batch FOLDER, not both/],
    ["a bad --compile-timeout", [tmp, "--compile-timeout", "0"], /--compile-timeout must be a number of seconds/],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what} with exit code 2 and a clear message`, async () => {
      const run = await runGrader(args);
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr).to.match(message);
    });
  }

  it("--help prints the usage and exits 0", async () => {
    const run = await runGrader(["--help"]);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/--batch/);
    expect(run.stdout).to.match(/--allow-no-namespace/);
  });
});
