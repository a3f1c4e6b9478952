/**
 * The grader's handle on a type-checker child (grading/typecheck/worker.js): one per grading job, kept
 * warm across submissions, each check under a time limit. A check that overruns kills the child (the
 * submission's cases are then not gradable); the next check starts a fresh one, whose first, cold check
 * gets `COLD_FACTOR` times the limit.
 *
 * `warmUp` checks the reference program at the job's own paths before the first submission arrives, so
 * a submission's check re-checks only the files it changed (a few hundred milliseconds).
 */
import { fork, type ChildProcess } from "node:child_process";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { track } from "./cleanup";
import { outermost } from "./isolation";

export interface CheckResult {
  /** First error per file under src/ ("lib/layers/linear.ts" -> "lib/layers/linear.ts:3:5 - error TS2322: ..."). */
  errors: Record<string, string>;
  /** Errors that belong to no file (a broken compiler set-up: the grader's fault, not the student's). */
  global: string[];
  /** Per probe file, the files under src/ it reaches. */
  closures: Record<string, string[]>;
  /** Per file, a relative import the copy step skipped ("lib/x.ts is a symbolic link ..."). */
  unresolved: Record<string, string>;
}

type Message = { type: "ready" } | ({ id: number; ok: true } & CheckResult) | { id: number; ok: false; error: string };

/** A fresh child's first check (parsing every library and checking every file) gets this many times the limit. */
export const COLD_FACTOR = 4;
const WARM_UP_MS = 300000;

export class TypeChecker {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private cold = true;
  private next = 0;
  private waiting = new Map<number, (m: Message) => void>();
  private untrack: (() => void) | null = null;
  private stderr = "";

  constructor(
    private readonly srcRoot: string,
    private readonly nodeModules: string,
    private readonly memoryMB = 2048,
  ) {}

  private start(): void {
    if (this.child) return;
    const typescript = require.resolve("@tslab/typescript-for-tslab");
    // Reads only what it checks (its compiler host refuses other paths as well): defence in depth. The
    // folders must be distinct and none inside another (Node 20 aborts on overlapping ones).
    const reads = outermost([
      this.srcRoot,
      this.nodeModules,
      realpathSync(this.nodeModules),
      join(__dirname, "typecheck"),
    ]);
    const child = fork(join(__dirname, "typecheck", "worker.js"), [this.srcRoot, this.nodeModules, typescript], {
      execArgv: [
        "--experimental-permission",
        ...reads.map((d) => `--allow-fs-read=${d}/`),
        "--no-warnings",
        `--max-old-space-size=${this.memoryMB}`,
      ],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    this.child = child;
    this.cold = true;
    this.stderr = "";
    this.untrack = track(
      () => child.kill("SIGKILL"),
      () => [child.pid ?? null],
    );
    child.stderr!.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString("utf8")).slice(-4000)));
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the type checker did not start")), WARM_UP_MS);
      child.on("message", (m: Message) => {
        if ("type" in m) {
          clearTimeout(timer);
          resolve();
        } else this.waiting.get(m.id)?.(m);
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        const last = this.stderr.trim().split("\n").slice(-2).join(" / ");
        const why = `the type checker stopped (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ""}`;
        reject(new Error(why));
        for (const done of this.waiting.values()) done({ id: -1, ok: false, error: why });
        this.waiting.clear();
        if (this.child === child) this.stop();
      });
    });
    this.ready.catch(() => undefined);
  }

  private send(probes: string[], skipped: Record<string, string>, timeoutMs: number): Promise<CheckResult | string> {
    const child = this.child!;
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.stop();
        resolve(`type checking took longer than ${timeoutMs / 1000} s (a type that takes too long to check?)`);
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if ("type" in m) return;
        resolve(m.ok ? m : `the type checker failed: ${m.error.split("\n")[0]}`);
      });
      child.send({ type: "check", id, probes, skipped });
    });
  }

  /** Starts the child and checks what src/ holds now (the reference program), with no limit but a generous one. */
  async warmUp(probes: string[]): Promise<void> {
    this.start();
    try {
      await this.ready;
    } catch {
      return; // the next check starts a fresh child and says why if it fails again
    }
    await this.send(probes, {}, WARM_UP_MS);
    this.cold = false;
  }

  /**
   * Checks the probe files (relative to src/) and what they import. Resolves to the result, or to a
   * string that says why there is none (time limit, crash).
   */
  async check(probes: string[], skipped: Record<string, string>, timeoutMs: number): Promise<CheckResult | string> {
    this.start();
    try {
      await this.ready;
    } catch (e) {
      this.stop();
      return (e as Error).message;
    }
    const limit = this.cold ? timeoutMs * COLD_FACTOR : timeoutMs;
    const r = await this.send(probes, skipped, limit);
    if (typeof r !== "string") this.cold = false;
    return r;
  }

  stop(): void {
    this.child?.kill("SIGKILL");
    this.child = null;
    this.ready = null;
    this.untrack?.();
    this.untrack = null;
  }
}
