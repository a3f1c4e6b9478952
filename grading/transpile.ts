/**
 * Transpiles a submission for running: each .ts and .js file under src/ to CommonJS under run/, with an
 * inline source map (stack traces then name the student's .ts lines), by esbuild, which strips types
 * without checking them (grading/typecheck.ts checks, in parallel). esbuild runs in its own process
 * (its service), never resolves an import (no bundling) and reads only the files it is given; a build
 * that overruns its time limit restarts the service. A file with a syntax error is reported and left
 * out; the rest still build.
 */
import { build, stop, type BuildFailure, type Message } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** How the kit's tsconfig asks TypeScript to emit (class fields as defined properties, as tsx runs them). */
const TSCONFIG = JSON.stringify({ compilerOptions: { target: "ES2022", useDefineForClassFields: true, strict: true } });

/** Syntax errors per file ("lib/x.ts" -> "lib/x.ts:3:5 - error: Expected ..."). */
export type TranspileErrors = Record<string, string>;

function describe(m: Message, src: string): [string, string] | null {
  if (!m.location) return null;
  const file = relative(src, join(src, m.location.file)).split(sep).join("/");
  return [file, `${file}:${m.location.line}:${m.location.column + 1} - error: ${m.text}`];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(); // the next build starts a fresh service
      reject(new Error(`transpiling took longer than ${ms / 1000} s`));
    }, ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** Transpiles `files` (relative to src, "/"-separated) into run/; resolves to the files it could not. */
export async function transpile(
  src: string,
  run: string,
  files: string[],
  timeoutMs: number,
): Promise<TranspileErrors> {
  const errors: TranspileErrors = {};
  let todo = files.filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"));
  // A failed build names the files at fault; the others are built again without them (a few rounds).
  for (let round = 0; round < 4 && todo.length > 0; round++) {
    try {
      const result = await withTimeout(
        build({
          absWorkingDir: src,
          entryPoints: todo,
          outdir: run,
          outbase: src,
          bundle: false,
          write: false,
          format: "cjs",
          platform: "node",
          target: "node20",
          sourcemap: "inline",
          sourcesContent: false,
          tsconfigRaw: TSCONFIG,
          logLevel: "silent",
          charset: "utf8",
        }),
        timeoutMs,
      );
      for (const out of result.outputFiles) {
        if (!out.path.startsWith(run + sep)) throw new Error(`grader error: esbuild wrote outside run/: ${out.path}`);
        mkdirSync(dirname(out.path), { recursive: true });
        writeFileSync(out.path, out.contents);
      }
      return errors;
    } catch (e) {
      const failure = e as Partial<BuildFailure>;
      if (!Array.isArray(failure.errors)) {
        for (const f of todo) errors[f] = `${f}: ${(e as Error).message}`;
        return errors;
      }
      const bad = new Set<string>();
      for (const m of failure.errors) {
        const d = describe(m, src);
        if (!d) continue;
        bad.add(d[0]);
        errors[d[0]] ??= d[1];
      }
      if (bad.size === 0) {
        for (const f of todo) errors[f] = `${f}: ${failure.errors[0]?.text ?? "esbuild failed"}`;
        return errors;
      }
      todo = todo.filter((f) => !bad.has(f));
    }
  }
  return errors;
}
