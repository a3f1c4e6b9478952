/**
 * Grades submissions against cases: copies each submission's program, transpiles it, type-checks it in
 * parallel (a warm child per job), runs its visible cases in one sandbox and its hidden cases in
 * another, and scores every reply here, from raw numbers. A Grader holds its jobs' folders and
 * type-checkers across submissions; `gradeSubmission` grades one submission with a Grader of its own.
 * Nothing a submission does throws out of here: each case's failure is that case's result.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { trackFolder } from "./cleanup";
import { NotGradable } from "./copy";
import type { FixtureCase, FixtureFile } from "./fixtures";
import { describeIsolation, detectIsolation, type Isolation } from "./isolation";
import { probes } from "./probes/registry";
import { buildRunnable, fresh, GRADER_ROOT, NODE_MODULES, stageSource } from "./program";
import { Sandbox, type CallResult } from "./sandbox";
import { scoreCase } from "./score";
import { TypeChecker, type CheckResult } from "./typecheck";

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
  /** Characters the case's code printed (counted, never kept). */
  printedBytes: number;
  /** One line per output checked ("grad: max relative error 1.1e-16 <= 1e-7"), when the case was scored. */
  details?: string[];
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
  /** The run's seed (graded inputs are drawn from it), or null for fixed cases (worked examples). */
  seed: number | null;
  /** Things the student should know that belong to no case (files the grader did not read). */
  notes: string[];
}

export interface Limits {
  /** V8 heap of a sandbox (MB). */
  memoryMB: number;
  /** Console output counted past this many characters, and dropped. */
  outputChars: number;
  /** Scratch folder quota per sandbox (MB). */
  scratchMB: number;
  /** Time limit for transpiling and for type-checking one submission (s). */
  compileSeconds: number;
}

export const DEFAULT_LIMITS: Limits = { memoryMB: 512, outputChars: 1 << 20, scratchMB: 64, compileSeconds: 30 };

export function loadFixtures(dir = join(GRADER_ROOT, "grading", "fixtures"), only?: readonly string[]): FixtureFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as FixtureFile)
    .filter((f) => !only || only.length === 0 || only.includes(f.assignment));
}

interface Job {
  dir: string;
  checker: TypeChecker;
  /** The type-checker's warm-up, which reads src/: nothing else touches src/ before it is done. */
  warm: Promise<void>;
}

interface Planned {
  assignment: string;
  c: FixtureCase;
}

export interface GraderOptions {
  jobs?: number;
  limits?: Partial<Limits>;
  isolation?: Isolation;
}

export class Grader {
  readonly limits: Limits;
  readonly isolation: Isolation;
  private readonly root: string;
  private readonly removeRoot: () => void;
  private readonly jobs: Job[];

  constructor(opts: GraderOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.isolation = opts.isolation ?? detectIsolation();
    this.root = mkdtempSync(join(tmpdir(), "tsdl-grade-"));
    this.removeRoot = trackFolder(this.root);
    chmodSync(this.root, 0o711);
    this.jobs = Array.from({ length: Math.max(1, opts.jobs ?? 1) }, (_, i) => {
      const dir = join(this.root, `job-${i}`);
      const src = join(dir, "src");
      // Warm the type-checker on this repository's own program at the job's paths: a submission's
      // check then re-checks only the files it changed.
      stageSource(GRADER_ROOT, src);
      chmodSync(dir, 0o711);
      const checker = new TypeChecker(src, NODE_MODULES);
      const warm = checker.warmUp(Object.values(probes).map((p) => `grading/probes/${p.file}.ts`));
      return { dir, checker, warm };
    });
  }

  /** Grades one submission on job `job` (one submission at a time per job). */
  async grade(submission: string, fixtures: FixtureFile[], job = 0, seed: number | null = null): Promise<GradeResult> {
    const j = this.jobs[job]!;
    await j.warm;
    const started = Date.now();
    const dir = resolve(submission);
    const all: Planned[] = fixtures.flatMap((f) => f.cases.map((c) => ({ assignment: f.assignment, c })));
    const result: GradeResult = {
      submission: dir,
      score: 0,
      maxScore: all.reduce((s, x) => s + x.c.points, 0),
      cases: [],
      notGradable: null,
      seconds: 0,
      isolation: describeIsolation(this.isolation),
      seed,
      notes: [],
    };
    const cases = new Map<Planned, CaseResult>();
    const record = (
      p: Planned,
      status: CaseStatus,
      output: string,
      seconds = 0,
      printedBytes = 0,
      details?: string[],
    ): void => {
      cases.set(p, {
        ...(details ? { details } : {}),
        assignment: p.assignment,
        name: p.c.name,
        score: status === "passed" ? p.c.points : 0,
        maxScore: p.c.points,
        status,
        output: scrub(output, j.dir),
        visibility: p.c.visibility,
        seconds,
        printedBytes,
      });
    };
    try {
      await this.run(dir, all, j, result, record);
    } catch (e) {
      // The grader's own failure: every case it had not finished says so, and is not the student's fault.
      const why = `the grader failed (not your submission): ${(e as Error).message}`;
      for (const p of all) if (!cases.has(p)) record(p, "not gradable", why);
    } finally {
      for (const sub of ["src", "run", "scratch-visible", "scratch-hidden"])
        rmSync(join(j.dir, sub), { recursive: true, force: true });
      mkdirSync(join(j.dir, "src"), { recursive: true, mode: 0o700 });
    }
    result.cases = all.map((p) => cases.get(p)!);
    result.score = result.cases.reduce((s, c) => s + c.score, 0);
    result.seconds = (Date.now() - started) / 1000;
    return result;
  }

  private async run(
    submission: string,
    all: Planned[],
    job: Job,
    result: GradeResult,
    record: (
      p: Planned,
      status: CaseStatus,
      output: string,
      seconds?: number,
      printed?: number,
      details?: string[],
    ) => void,
  ): Promise<void> {
    const src = join(job.dir, "src");
    const run = join(job.dir, "run");
    let copied;
    try {
      copied = stageSource(submission, src);
    } catch (e) {
      if (!(e instanceof NotGradable)) throw e;
      result.notGradable = e.message;
      for (const p of all) record(p, "not gradable", e.message);
      return;
    }
    for (const [path, why] of copied.skipped) result.notes.push(`${path} ${why}`);
    const compileMs = this.limits.compileSeconds * 1000;
    const probeFile = (p: Planned): string => `grading/probes/${probes[p.c.probe]?.file ?? p.c.probe}.ts`;
    // The type check runs while the cases do; it decides afterwards which cases are gradable at all.
    const skipped = Object.fromEntries(copied.skipped);
    let check: CheckResult | string | null = null;
    const checking = job.checker.check([...new Set(all.map(probeFile))], skipped, compileMs).then((r) => (check = r));
    const syntax = await buildRunnable(src, run, copied, compileMs);
    const compileError = (p: Planned): string | null => {
      if (check === null || typeof check === "string") return null;
      for (const f of check.closures[probeFile(p)] ?? [probeFile(p)]) {
        const problem = check.unresolved[f] ?? check.errors[f] ?? syntax[f];
        if (problem) return check.unresolved[f] ?? `does not compile: ${problem}`;
      }
      return null;
    };
    const replies = new Map<Planned, { reply: CallResult; seconds: number }>();
    // Visible cases first, then hidden ones in a sandbox of their own: nothing a hidden case's code sees
    // can reach a visible case's feedback.
    // Both sandboxes start now (the hidden one boots while the visible cases run); each then runs its
    // cases in turn.
    const sandboxes = (["visible", "hidden"] as const).flatMap((visibility) => {
      const planned = all.filter((p) => p.c.visibility === visibility);
      if (planned.length === 0) return [];
      const scratch = join(job.dir, `scratch-${visibility}`);
      fresh(scratch, 0o700);
      if (this.isolation.user) chownSync(scratch, this.isolation.user.uid, this.isolation.user.gid);
      const sandbox = new Sandbox({
        runDir: run,
        scratch,
        isolation: this.isolation,
        memoryMB: this.limits.memoryMB,
        scratchMB: this.limits.scratchMB,
        outputChars: this.limits.outputChars,
        nodeModules: NODE_MODULES,
      });
      sandbox.boot();
      return [{ planned, sandbox }];
    });
    try {
      for (const { planned, sandbox } of sandboxes) {
        for (const p of planned) {
          if (compileError(p)) continue;
          const t0 = Date.now();
          const reply = await sandbox.call(p.c.probe, p.c.inputs, p.c.timeoutMs);
          replies.set(p, { reply, seconds: (Date.now() - t0) / 1000 });
        }
        await sandbox.close();
      }
    } finally {
      for (const { sandbox } of sandboxes) await sandbox.close();
    }
    await checking;
    const checked = check as CheckResult | string | null;
    if (typeof checked === "string") {
      for (const p of all) record(p, "not gradable", checked);
      return;
    }
    if (checked && checked.global.length > 0)
      throw new Error(`the type checker is misconfigured: ${checked.global[0]}`);
    for (const p of all) {
      const problem = compileError(p);
      if (problem) {
        record(p, "not gradable", problem);
        continue;
      }
      const got = replies.get(p);
      if (!got) {
        record(p, "not gradable", "grader error: the case was never run");
        continue;
      }
      const { reply, seconds } = got;
      const printed =
        reply.printed > this.limits.outputChars
          ? `\n(printed ${megabytes(reply.printed)} of console output; the grader reads none of it)`
          : "";
      if (!reply.ok) {
        record(p, "failed", reply.error + printed, seconds, reply.printed);
        continue;
      }
      try {
        const verdict = scoreCase(p.c, reply.output);
        const details = verdict.outputs.map((o) => o.message);
        record(p, verdict.passed ? "passed" : "failed", verdict.message + printed, seconds, reply.printed, details);
      } catch (e) {
        record(p, "not gradable", `the grader failed on this case (not your code): ${(e as Error).message}`, seconds);
      }
    }
  }

  /** Stops the type-checkers and removes the grader's folders. */
  close(): void {
    for (const j of this.jobs) j.checker.stop();
    this.removeRoot();
  }
}

function megabytes(chars: number): string {
  return `${(chars / (1 << 20)).toFixed(1)} MB`;
}

/** Feedback never shows the grader's folders: paths inside the job become relative, the rest "<grader>". */
function scrub(text: string, jobDir: string): string {
  return [`${jobDir}/src/`, `${jobDir}/run/`, jobDir, GRADER_ROOT].reduce(
    (t, path, i) => t.split(path).join(i < 2 ? "" : "<grader>"),
    text,
  );
}

/** Grades one submission with a grader of its own (batches share one: see cli.ts). */
export async function gradeSubmission(
  submission: string,
  fixtures: FixtureFile[],
  opts: { limits?: Partial<Limits>; isolation?: Isolation; seed?: number | null } = {},
): Promise<GradeResult> {
  const grader = new Grader({ jobs: 1, ...opts });
  try {
    return await grader.grade(submission, fixtures, 0, opts.seed ?? null);
  } finally {
    grader.close();
  }
}
