/**
 * What the grader must undo however it stops: the processes it started (sandboxes, compilers) and its
 * temp folders. Normal paths undo their own in `finally`; on SIGINT or SIGTERM the handlers installed
 * by `cleanUpOnSignals` undo whatever is still registered, processes first, then exit with 128 + the
 * signal's number (130, 143).
 */
import { readFileSync, rmSync } from "node:fs";

const processes = new Set<() => void>();
const pids = new Map<() => void, () => (number | null)[]>();
const folders = new Set<string>();

/**
 * Registers a way to stop a process; `ids` says which pids to wait for after stopping it (they are
 * gone before the grader exits). The returned function unregisters it.
 */
export function track(stop: () => void, ids: () => (number | null)[] = () => []): () => void {
  processes.add(stop);
  pids.set(stop, ids);
  return () => {
    processes.delete(stop);
    pids.delete(stop);
  };
}

/** Whether a process still runs (a zombie does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false; // gone, or no /proc here
  }
}

/** Waits (synchronously: this runs in signal handlers) until the pids are gone, for at most `ms`. */
function waitGone(ids: number[], ms: number): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + ms; Date.now() < deadline && ids.some(running);) Atomics.wait(sleeper, 0, 0, 10);
}

/** Registers a temp folder; the returned function removes it now and unregisters it. */
export function trackFolder(dir: string): () => void {
  folders.add(dir);
  return () => {
    folders.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Stops every registered process and removes every registered folder. */
export function cleanUpNow(): void {
  const waitFor: number[] = [];
  for (const stop of [...processes]) {
    try {
      waitFor.push(...(pids.get(stop)?.() ?? []).filter((p): p is number => p !== null));
      stop();
    } catch {
      // already gone
    }
  }
  processes.clear();
  pids.clear();
  waitGone(waitFor, 3000);
  for (const dir of [...folders]) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

let installed = false;

/** Installs the SIGINT and SIGTERM handlers (once). */
export function cleanUpOnSignals(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      cleanUpNow();
      process.exit(code);
    });
  }
}
