/**
 * A submission's program on its way to the sandbox, in a job's folder: src/ holds the student's code
 * (copy.ts) beside the grader's probes, for the type-checker; run/ holds it transpiled (transpile.ts),
 * with the sandbox's entry point, readable by the sandbox's user and by nothing the student controls.
 */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { copyProgram, type Copied } from "./copy";
import { transpile, type TranspileErrors } from "./transpile";

export const GRADER_ROOT = resolve(__dirname, "..");
export const NODE_MODULES = join(GRADER_ROOT, "node_modules");

/** The grader's own files a submission is compiled with: the probes and the case types they import. */
export function graderFiles(): string[] {
  return [
    "grading/fixtures.ts",
    ...readdirSync(join(GRADER_ROOT, "grading", "probes"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `grading/probes/${f}`),
  ];
}

/** Makes `dir` a fresh empty folder with the given mode. */
export function fresh(dir: string, mode = 0o755): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, mode);
}

/** Files and folders readable by the sandbox's user (the grader's umask may say otherwise). */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) openUp(p);
    else chmodSync(p, 0o644);
  }
}

/** Copies `from`'s lib/ program and the grader's probes into a fresh src/ (throws NotGradable without a lib/). */
export function stageSource(from: string, src: string): Copied {
  fresh(src, 0o700);
  const copied = copyProgram(from, src);
  for (const f of graderFiles()) {
    mkdirSync(dirname(join(src, f)), { recursive: true });
    copyFileSync(join(GRADER_ROOT, f), join(src, f));
  }
  return copied;
}

/** Builds run/ from src/: the transpiled code, the data files, the sandbox's worker. Resolves to syntax errors per file. */
export async function buildRunnable(
  src: string,
  run: string,
  copied: Copied,
  timeoutMs: number,
): Promise<TranspileErrors> {
  fresh(run);
  const syntax = await transpile(src, run, [...copied.files, ...graderFiles()], timeoutMs);
  for (const f of copied.files) if (/\.(json|wasm|cjs)$/.test(f)) copyFileSync(join(src, f), join(run, f));
  copyFileSync(join(GRADER_ROOT, "grading", "sandbox", "worker.js"), join(run, "worker.js"));
  openUp(run);
  return syntax;
}
