/** Grading results as Gradescope's results.json, a readable Markdown report, and a CSV gradebook. */
import type { CaseResult, GradeResult } from "./grade";

export interface GradescopeResults {
  score: number;
  max_score: number;
  output: string;
  visibility: "visible";
  stdout_visibility: "hidden";
  tests: {
    name: string;
    score: number;
    max_score: number;
    status: "passed" | "failed";
    output: string;
    visibility: "visible" | "after_published";
  }[];
}

export function gradescopeResults(r: GradeResult): GradescopeResults {
  return {
    score: r.score,
    max_score: r.maxScore,
    output: r.notGradable ? `Not gradable: ${r.notGradable}` : summaryLine(r),
    visibility: "visible",
    stdout_visibility: "hidden",
    tests: r.cases.map((c) => ({
      name: `${c.assignment}: ${c.name}`,
      score: c.score,
      max_score: c.maxScore,
      status: c.status === "passed" ? "passed" : "failed",
      output: c.status === "not gradable" ? `Not gradable: ${c.output}` : c.output,
      // Hidden cases are graded now and shown once the instructor publishes the grades.
      visibility: c.visibility === "visible" ? "visible" : "after_published",
    })),
  };
}

function summaryLine(r: GradeResult): string {
  const count = (s: CaseResult["status"]): number => r.cases.filter((c) => c.status === s).length;
  return `${r.score} / ${r.maxScore} points: ${count("passed")} passed, ${count("failed")} failed, ${count("not gradable")} not gradable`;
}

export function markdownReport(r: GradeResult): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
  const rows = r.cases.map(
    (c) =>
      `| ${c.status === "passed" ? "ok" : c.status === "failed" ? "FAIL" : "NOT GRADABLE"} | ${c.score} / ${c.maxScore} | ${esc(`${c.assignment}: ${c.name}`)}${c.visibility === "hidden" ? " (hidden)" : ""} | ${esc(c.output)} |`,
  );
  return [
    `# Grade: ${r.score} / ${r.maxScore}`,
    "",
    r.notGradable ? `**Not gradable:** ${r.notGradable}\n` : summaryLine(r),
    "",
    "| result | points | case | feedback |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    `Graded in ${r.seconds.toFixed(1)} s (${r.isolation}).`,
    "",
  ].join("\n");
}

/** One row per submission: name, total, then one column per case. */
export function gradebookCsv(rows: { name: string; result: GradeResult }[]): string {
  const cases = rows[0]?.result.cases.map((c) => `${c.assignment}: ${c.name}`) ?? [];
  const q = (s: string | number): string =>
    typeof s === "number" ? String(s) : /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  const header = ["submission", "score", "max_score", "status", ...cases].map(q).join(",");
  const lines = rows.map(({ name, result }) => {
    const status = result.notGradable
      ? "not gradable"
      : result.cases.some((c) => c.status === "not gradable")
        ? "partly not gradable"
        : "graded";
    return [q(name), result.score, result.maxScore, q(status), ...result.cases.map((c) => c.score)].join(",");
  });
  return [header, ...lines].join("\n") + "\n";
}
