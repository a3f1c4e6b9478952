/**
 * One sandboxed Node process running one submission's probes (grading/sandbox/worker.js), isolated as
 * grading/isolation.ts decides, with a time limit per request, a heap limit, RLIMIT_DATA and a
 * resident-memory watchdog, a scratch quota, and strict checks of every reply (grading/channel.ts).
 * Whatever the student's code does, the grader loses at most the request in flight: the process is
 * killed and the next request starts a new one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { decodeReply, encodeFrame, FrameReader, type Reply } from "./channel";
import { track } from "./cleanup";
import type { Json } from "./fixtures";
import { outermost, sandboxCommand, type Isolation } from "./isolation";

export interface SandboxOptions {
  /** The compiled program: worker.js, lib/ and grading/probes/ (read-only to the sandbox). */
  runDir: string;
  /** The only folder the sandbox may write (its working directory and HOME). */
  scratch: string;
  isolation: Isolation;
  memoryMB: number;
  scratchMB: number;
  /** Console output is counted past this many characters, and dropped. */
  outputChars: number;
  /** Packages student code may require (papaparse...). */
  nodeModules: string;
}

export type CallResult = Reply | { ok: false; error: string; printed: number; crashed: true };

const STDERR_TAIL = 4096;

export class Sandbox {
  private child: ChildProcess | null = null;
  private pending: { id: string; resolve: (r: CallResult) => void; timer: NodeJS.Timeout } | null = null;
  private death: string | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private stderr = "";
  private sandboxPid: number | null = null;
  private untrack: (() => void) | null = null;

  constructor(private readonly opts: SandboxOptions) {}

  private start(): void {
    const o = this.opts;
    const nodeArgs = [
      "--experimental-permission",
      ...outermost([o.runDir, o.nodeModules]).map((d) => `--allow-fs-read=${d}/`),
      `--allow-fs-write=${o.scratch}/`,
      `--max-old-space-size=${o.memoryMB}`,
      "--enable-source-maps",
      "--no-warnings",
      join(o.runDir, "worker.js"),
    ];
    const [cmd, args] = sandboxCommand(
      o.isolation,
      o.scratch,
      { memoryMB: o.memoryMB, scratchMB: o.scratchMB },
      nodeArgs,
    );
    const child = spawn(cmd, args, {
      cwd: o.scratch,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_PATH: o.nodeModules,
        HOME: o.scratch,
        TSDL_OUTPUT_CAP: String(o.outputChars),
      },
      stdio: ["pipe", "ignore", "pipe", "pipe"],
      detached: true,
    });
    this.child = child;
    this.death = null;
    this.stderr = "";
    this.sandboxPid = o.isolation.namespaces ? null : (child.pid ?? null);
    this.untrack = track(
      () => this.kill("the grader was interrupted"),
      () => [child.pid ?? null, this.sandboxPid],
    );
    const replies = new FrameReader(
      (json) => this.onFrame(json),
      (why) => this.kill(`the sandbox sent a malformed reply (${why})`),
    );
    (child.stdio[3] as Readable).on("data", (d: Buffer) => replies.push(d));
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString("utf8")).slice(-STDERR_TAIL);
    });
    // A sandbox that closes its end of the request pipe makes writes fail: that is its death, not ours.
    (child.stdin as Writable).on("error", () => this.kill("the sandbox closed its request channel"));
    // A process that never started emits "error" and no "exit": it ends here either way, once.
    child.on("error", (e) => {
      if (child.pid === undefined) {
        this.death ??= `the sandbox could not start: ${e.message}`;
        this.onExit(child, null, null);
      }
    });
    child.on("exit", (code, signal) => this.onExit(child, code, signal));
    this.watchdog = setInterval(() => this.watch(), 100);
  }

  private onFrame(json: string): void {
    const p = this.pending;
    if (!p) return this.kill("the sandbox sent a reply nobody asked for");
    const reply = decodeReply(json, p.id);
    if (typeof reply === "string") return this.kill(`the sandbox sent a malformed reply (${reply})`);
    clearTimeout(p.timer);
    this.pending = null;
    p.resolve(reply);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.untrack?.();
    this.untrack = null;
    // V8 says so on stderr before it aborts; a bare SIGABRT is process.abort().
    const oom = /heap limit|out of memory|allocation failed/i.test(this.stderr);
    const why =
      this.death ??
      (oom
        ? `the process ran out of memory (the heap limit is ${this.opts.memoryMB} MB)`
        : signal
          ? `the process was killed by ${signal}`
          : code === 0 || code === null
            ? "the process exited early (process.exit?)"
            : `the process exited early with code ${code} (process.exit?)`);
    this.child = null;
    const p = this.pending;
    if (p) {
      clearTimeout(p.timer);
      this.pending = null;
      p.resolve({ ok: false, error: why, printed: 0, crashed: true });
    }
  }

  /** Memory and scratch watchdogs: RLIMIT_DATA and the tmpfs are the limits; these catch what they miss. */
  private watch(): void {
    const child = this.child;
    if (!child?.pid) return;
    if (this.sandboxPid === null) this.sandboxPid = onlyChildOf(child.pid);
    const rss = this.sandboxPid === null ? null : residentMB(this.sandboxPid);
    if (rss !== null && rss > this.opts.memoryMB * 2 + 512)
      this.kill(`the process used ${rss.toFixed(0)} MB of memory (the heap limit is ${this.opts.memoryMB} MB)`);
    if (!this.opts.isolation.tmpfs) {
      const used = folderBytes(this.opts.scratch, 10000);
      if (used === null) this.kill("the process created more than 10000 files in its scratch folder");
      else if (used > this.opts.scratchMB * 1024 * 1024)
        this.kill(`the process wrote more than ${this.opts.scratchMB} MB to its scratch folder`);
    }
  }

  private kill(why: string): void {
    if (this.death === null) this.death = why;
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL"); // its whole process group (detached: its own)
    } catch {
      this.child?.kill("SIGKILL");
    }
  }

  /** Starts the process ahead of the first request (its boot then overlaps other work). */
  boot(): void {
    if (this.child === null) this.start();
  }

  /** Runs one probe on one case's inputs; any failure of the process is this request's error. */
  call(probe: string, inputs: Record<string, Json>, timeoutMs: number): Promise<CallResult> {
    if (this.child === null) this.start();
    const child = this.child!;
    const id = randomBytes(12).toString("hex");
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.kill(`timed out after ${timeoutMs / 1000} s (an infinite loop?)`), timeoutMs);
      this.pending = { id, resolve, timer };
      (child.stdin as Writable).write(encodeFrame({ id, probe, inputs }));
    });
  }

  /** Stops the process and waits until it is gone. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((r) => {
      child.once("exit", () => r());
      child.once("error", () => r());
    });
    this.kill("closed");
    await gone;
  }
}

/** The pid of the only child of `pid` (the sandbox under `unshare --fork`), or null. */
function onlyChildOf(pid: number): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null; // no /proc: no watchdog, RLIMIT_DATA and the heap limit remain
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

function residentMB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Bytes in a folder tree (never following links), or null past `maxEntries` entries. */
function folderBytes(dir: string, maxEntries: number): number | null {
  let total = 0;
  let entries = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names) {
      if (++entries > maxEntries) return null;
      try {
        const st = lstatSync(join(d, name));
        if (st.isDirectory()) stack.push(join(d, name));
        else total += st.blocks * 512;
      } catch {
        // removed meanwhile
      }
    }
  }
  return total;
}
