/**
 * Grades one submission against fixture files: compiles it, runs every case in a sandbox, scores
 * it, and returns per-case results. Never throws for anything the submission does.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { closureError, compileSubmission, GRADER_ROOT } from "./compile";
import type { FixtureCase, FixtureFile } from "./fixtures";
import { probes } from "./probes/registry";
import { Sandbox, networkNamespaceAvailable, type SandboxLimits } from "./sandbox";
import { scoreCase } from "./score";

export type CaseStatus = "passed" | "failed" | "not gradable";

export interface CaseResult {
  assignment: string;
  name: string;
  score: number;
  maxScore: number;
  status: CaseStatus;
  output: string;
  visibility: "visible" | "hidden";
  seconds: number;
}

export interface GradeResult {
  submission: string;
  score: number;
  maxScore: number;
  cases: CaseResult[];
  /** Set when nothing could be graded (no lib/ folder, say). */
  notGradable: string | null;
  seconds: number;
  isolation: string;
}

export function loadFixtures(dir = join(GRADER_ROOT, "grading", "fixtures"), only?: readonly string[]): FixtureFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as FixtureFile)
    .filter((f) => !only || only.includes(f.assignment));
}

export async function gradeSubmission(
  submission: string,
  fixtures: FixtureFile[],
  limits: SandboxLimits = { memoryMB: 512, outputBytes: 1 << 20 },
): Promise<GradeResult> {
  const started = Date.now();
  const dir = resolve(submission);
  const isolation = networkNamespaceAvailable()
    ? "permission model + network namespace"
    : "permission model + blocked network modules";
  const all = fixtures.flatMap((f) => f.cases.map((c) => ({ assignment: f.assignment, c })));
  const maxScore = all.reduce((s, x) => s + x.c.points, 0);
  const work = mkdtempSync(join(tmpdir(), "tsdl-grade-"));
  const results: CaseResult[] = [];
  let notGradable: string | null = null;
  try {
    let compiled;
    try {
      if (readdirSync(dir).indexOf("lib") < 0)
        throw new Error(`${dir} has no lib/ folder: is this a copy of the student kit?`);
      compiled = compileSubmission(dir, work);
    } catch (e) {
      notGradable = (e as Error).message;
    }
    const sandbox = compiled ? new Sandbox(work, limits) : null;
    try {
      for (const { assignment, c } of all) {
        const t0 = Date.now();
        const result = (status: CaseStatus, output: string): CaseResult => ({
          assignment,
          name: c.name,
          score: status === "passed" ? c.points : 0,
          maxScore: c.points,
          status,
          output,
          visibility: c.visibility,
          seconds: (Date.now() - t0) / 1000,
        });
        if (!compiled || !sandbox) {
          results.push(result("not gradable", notGradable ?? "not gradable"));
          continue;
        }
        const ref = probes[c.probe];
        if (!ref) {
          results.push(result("not gradable", `grader error: unknown probe "${c.probe}"`));
          continue;
        }
        const compileError = closureError(compiled, `grading/probes/${ref.file}.ts`);
        if (compileError) {
          results.push(result("not gradable", `does not compile: ${compileError}`));
          continue;
        }
        const reply = await sandbox.call(ref.file, ref.fn, c.inputs, c.timeoutMs);
        if (!reply.ok) {
          results.push(result("failed", reply.error));
          continue;
        }
        const verdict = scoreCase(c as FixtureCase, reply.output);
        results.push(result(verdict.passed ? "passed" : "failed", verdict.message));
      }
    } finally {
      sandbox?.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    submission: dir,
    score: results.reduce((s, r) => s + r.score, 0),
    maxScore,
    cases: results,
    notGradable,
    seconds: (Date.now() - started) / 1000,
    isolation,
  };
}
