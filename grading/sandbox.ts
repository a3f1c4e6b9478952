/**
 * One sandboxed Node process for one submission: Node's permission model (read its own folder and
 * node_modules, write only scratch/, no child processes or workers), an empty network namespace
 * where the machine allows one (and blocked network modules inside), a heap limit plus a resident
 * memory watchdog, an output cap, and a time limit per request. Whatever the student's code does,
 * the grader only ever loses the request in flight.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Json } from "./fixtures";
import { GRADER_ROOT } from "./compile";

export interface SandboxLimits {
  memoryMB: number;
  outputBytes: number;
}

export type SandboxReply = { ok: true; output: Record<string, Json> } | { ok: false; error: string; fatal: boolean };

let namespaceCheck: boolean | null = null;

/** Whether `unshare -n` works here (root, or user namespaces allowed). */
export function networkNamespaceAvailable(): boolean {
  if (namespaceCheck === null) {
    const r = spawnSync("unshare", ["-n", "true"], { stdio: "ignore" });
    namespaceCheck = r.status === 0;
  }
  return namespaceCheck;
}

export class Sandbox {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private output = 0;
  private pending: { id: string; resolve: (r: SandboxReply) => void; timer: NodeJS.Timeout } | null = null;
  private death: string | null = null;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    private readonly dir: string,
    private readonly limits: SandboxLimits,
  ) {}

  private start(): Promise<void> {
    const nodeArgs = [
      "--experimental-permission",
      `--allow-fs-read=${this.dir}/`,
      `--allow-fs-read=${join(GRADER_ROOT, "node_modules")}/`,
      `--allow-fs-write=${join(this.dir, "scratch")}/`,
      `--max-old-space-size=${this.limits.memoryMB}`,
      "--no-warnings",
      join(this.dir, "worker.js"),
    ];
    const [cmd, args] = networkNamespaceAvailable()
      ? ["unshare", ["-n", process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const child = spawn(cmd, args, {
      cwd: join(this.dir, "scratch"),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_PATH: join(GRADER_ROOT, "node_modules"),
        HOME: join(this.dir, "scratch"),
        TSDL_OUTPUT_CAP: String(this.limits.outputBytes),
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Structured clone keeps NaN and Infinity (JSON would turn them into null).
      serialization: "advanced",
    });
    this.child = child;
    this.output = 0;
    this.death = null;
    const count = (d: Buffer): void => {
      this.output += d.length;
      if (this.output > this.limits.outputBytes)
        this.kill(`printed more than ${this.limits.outputBytes} bytes of output`);
    };
    child.stdout!.on("data", count);
    child.stderr!.on("data", count);
    this.watchdog = setInterval(() => {
      const rss = residentMB(child.pid);
      if (rss !== null && rss > this.limits.memoryMB * 1.5)
        this.kill(`used ${rss.toFixed(0)} MB of memory (limit ${this.limits.memoryMB} MB)`);
    }, 50);
    return new Promise((resolve, reject) => {
      child.on(
        "message",
        (m: { ready?: boolean; id?: string; ok?: boolean; output?: Record<string, Json>; error?: string }) => {
          if (m.ready) return resolve();
          const p = this.pending;
          if (!p || m.id !== p.id) return; // not an answer to the request in flight: ignored
          clearTimeout(p.timer);
          this.pending = null;
          p.resolve(m.ok ? { ok: true, output: m.output ?? {} } : { ok: false, error: String(m.error), fatal: false });
        },
      );
      child.on("exit", (code, signal) => {
        if (this.watchdog) clearInterval(this.watchdog);
        const why =
          this.death ??
          (signal === "SIGABRT"
            ? `the process crashed (out of memory? the heap limit is ${this.limits.memoryMB} MB)`
            : signal
              ? `the process was killed by ${signal}`
              : `the process exited early with code ${code} (process.exit?)`);
        this.child = null;
        this.ready = null;
        reject(new Error(why));
        const p = this.pending;
        if (p) {
          clearTimeout(p.timer);
          this.pending = null;
          p.resolve({ ok: false, error: why, fatal: true });
        }
      });
    });
  }

  private kill(why: string): void {
    if (this.death === null) this.death = why;
    this.child?.kill("SIGKILL");
  }

  /** Runs one probe; any failure of the process is reported as this request's error. */
  async call(file: string, fn: string, inputs: Record<string, Json>, timeoutMs: number): Promise<SandboxReply> {
    if (this.child === null) this.ready = this.start();
    try {
      await this.ready;
    } catch (e) {
      return { ok: false, error: `the sandbox could not start: ${(e as Error).message}`, fatal: true };
    }
    const id = randomBytes(8).toString("hex");
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.kill(`timed out after ${timeoutMs / 1000} s (an infinite loop?)`), timeoutMs);
      this.pending = { id, resolve, timer };
      try {
        this.child!.send({ id, file, fn, inputs });
      } catch (e) {
        clearTimeout(timer);
        this.pending = null;
        resolve({ ok: false, error: `could not reach the sandbox: ${(e as Error).message}`, fatal: true });
      }
    });
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.child?.kill("SIGKILL");
    this.child = null;
  }
}

function residentMB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // With unshare the direct child is unshare itself until it execs node; the pid is the same after exec.
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
