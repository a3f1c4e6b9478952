/**
 * What the grader must undo however it stops: the processes it started (sandboxes, compilers) and its
 * temp folders. Normal paths undo their own in `finally`; on SIGINT or SIGTERM the handlers installed
 * by `cleanUpOnSignals` undo whatever is still registered, processes first, then exit with 128 + the
 * signal's number (130, 143).
 */
import { rmSync } from "node:fs";

const processes = new Set<() => void>();
const folders = new Set<string>();

/** Registers a way to stop a process; the returned function unregisters it. */
export function track(stop: () => void): () => void {
  processes.add(stop);
  return () => processes.delete(stop);
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
  for (const stop of [...processes]) {
    try {
      stop();
    } catch {
      // already gone
    }
  }
  processes.clear();
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
