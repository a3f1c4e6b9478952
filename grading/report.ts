/** Grading results as Gradescope's results.json, a readable Markdown report, and a CSV gradebook. */
import Papa from "papaparse";
import type { CaseResult, GradeResult } from "./grade";

/** Longest feedback one test shows in results.json (the whole message is in no file either). */
export const MAX_TEST_OUTPUT = 8000;

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

function cut(text: string, max = MAX_TEST_OUTPUT): string {
  return text.length <= max ? text : `${text.slice(0, max - 60)}\n[cut: ${text.length} characters in all]`;
}

export function gradescopeResults(r: GradeResult): GradescopeResults {
  return {
    score: r.score,
    max_score: r.maxScore,
    output: cut(r.notGradable ? `Not gradable: ${r.notGradable}` : [summaryLine(r, true), ...r.notes].join("\n")),
    visibility: "visible",
    stdout_visibility: "hidden",
    tests: r.cases.map((c) => ({
      name: `${c.assignment}: ${c.name}`,
      score: c.score,
      max_score: c.maxScore,
      status: c.status === "passed" ? "passed" : "failed",
      output: cut(c.status === "not gradable" ? `Not gradable: ${c.output}` : c.output),
      // Hidden cases are graded now and shown once the instructor publishes the grades.
      visibility: c.visibility === "visible" ? "visible" : "after_published",
    })),
  };
}

/** results.json when the grader itself could not grade (the student is told it is not their fault). */
export function graderFailure(message: string): Omit<GradescopeResults, "max_score"> {
  return { score: 0, output: cut(message), visibility: "visible", stdout_visibility: "hidden", tests: [] };
}

/** report.md when the grader could not grade. */
export function failureReport(message: string): string {
  return `# Not graded\n\n${markdownCell(message)}\n`;
}

/** "12 / 20 points: ...". For students (`visibleOnly`), hidden cases are not counted in the text. */
function summaryLine(r: GradeResult, visibleOnly = false): string {
  const shown = visibleOnly ? r.cases.filter((c) => c.visibility === "visible") : r.cases;
  const count = (s: CaseResult["status"]): number => shown.filter((c) => c.status === s).length;
  const counts = `${count("passed")} passed, ${count("failed")} failed, ${count("not gradable")} not gradable`;
  if (!visibleOnly) return `${r.score} / ${r.maxScore} points: ${counts}`;
  const hidden = r.cases.length - shown.length;
  return `Visible cases: ${counts}.${hidden > 0 ? ` ${hidden} hidden case${hidden === 1 ? "" : "s"} will show once grades are published.` : ""}`;
}

/**
 * Text for one table cell: nothing in it can end the cell, start a line, or be read as HTML or a link;
 * every kind of line break and control character becomes a visible break or a space.
 */
export function markdownCell(s: string): string {
  return (
    s
      .replace(/[\\`*_[\]()#!|<>&~]/g, (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[ch] ?? `\\${ch}`)
      .replace(/\r\n|[\r\n\u2028\u2029\u0085\v\f]/g, "<br>")
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
  );
}

export function markdownReport(r: GradeResult): string {
  const rows = r.cases.map(
    (c) =>
      `| ${c.status === "passed" ? "ok" : c.status === "failed" ? "FAIL" : "NOT GRADABLE"} | ${c.score} / ${c.maxScore} | ${markdownCell(`${c.assignment}: ${c.name}`)}${c.visibility === "hidden" ? " (hidden)" : ""} | ${markdownCell(c.output)} |`,
  );
  const how = `Graded in ${r.seconds.toFixed(1)} s${r.seed !== null ? ` with seed ${r.seed} (\`--seed ${r.seed}\` draws the same inputs)` : ""}. Isolation: ${markdownCell(r.isolation)}.`;
  return [
    `# Grade: ${r.score} / ${r.maxScore}`,
    "",
    r.notGradable ? `**Not gradable:** ${markdownCell(r.notGradable)}` : summaryLine(r),
    ...(r.notes.length > 0 ? ["", ...r.notes.map((n) => `- ${markdownCell(n)}`)] : []),
    "",
    "| result | points | case | feedback |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    how,
    "",
  ].join("\n");
}

/** One row per submission: name, total, status, then one column per case (its points). */
export function gradebookCsv(rows: { name: string; result: GradeResult }[]): string {
  const cases = rows[0]?.result.cases.map((c) => `${c.assignment}: ${c.name}`) ?? [];
  const status = (r: GradeResult): string =>
    r.notGradable
      ? "not gradable"
      : r.cases.some((c) => c.status === "not gradable")
        ? "partly not gradable"
        : "graded";
  return (
    Papa.unparse(
      {
        fields: ["submission", "score", "max_score", "status", ...cases],
        data: rows.map(({ name, result }) => [
          name,
          result.score,
          result.maxScore,
          status(result),
          ...result.cases.map((c) => c.score),
        ]),
      },
      { escapeFormulae: true, newline: "\n" },
    ) + "\n"
  );
}
