/**
 * Compiles a submission for grading: the student's lib/ plus the grader's own probes, type-checked
 * together with TypeScript 5.0 (the compiler the notebooks' kernel uses) and emitted as CommonJS
 * into the sandbox folder. Diagnostics are kept per file, so a case is "not gradable" only when a
 * file it imports does not compile.
 */
import * as ts from "@tslab/typescript-for-tslab";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export const GRADER_ROOT = resolve(__dirname, "..");

export interface Compiled {
  /** Sandbox folder: run/ holds the JS, worker.js the sandbox entry point, scratch/ is writable. */
  dir: string;
  /** First diagnostic per source file (relative "/"-separated path), if any. */
  errors: Map<string, string>;
  /** Relative imports of each source file, resolved to source files. */
  imports: Map<string, string[]>;
}

function tsFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : tsFiles(p, base);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [relative(base, p).split(sep).join("/")] : [];
  });
}

export function compileSubmission(submission: string, work: string): Compiled {
  const src = join(work, "src");
  const run = join(work, "run");
  mkdirSync(join(work, "scratch"), { recursive: true });
  // The student's library, and the grader's probes (never the student's copy of them).
  const studentFiles = tsFiles(join(submission, "lib")).map((f) => `lib/${f}`);
  for (const f of studentFiles) copyInto(join(submission, f), join(src, f));
  const graderFiles = [
    "grading/fixtures.ts",
    ...tsFiles(join(GRADER_ROOT, "grading", "probes")).map((f) => `grading/probes/${f}`),
  ];
  for (const f of graderFiles) copyInto(join(GRADER_ROOT, f), join(src, f));
  const files = [...studentFiles, ...graderFiles];
  const nodeModules = join(GRADER_ROOT, "node_modules");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    outDir: run,
    rootDir: src,
    noEmitOnError: false,
    types: ["node"],
    typeRoots: [join(nodeModules, "@types")],
    baseUrl: src,
    paths: { "*": [`${nodeModules}/*`, `${nodeModules}/@types/*`] },
  };
  const program = ts.createProgram(
    files.map((f) => join(src, f)),
    options,
  );
  program.emit();
  const errors = new Map<string, string>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error || !d.file) continue;
    const file = relative(src, d.file.fileName).split(sep).join("/");
    if (errors.has(file)) continue;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    errors.set(
      file,
      `${file}:${line + 1}:${character + 1} - error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
  }
  const imports = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(src, f), "utf8");
    const deps: string[] = [];
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"|^\s*import\s+"(\.[^"]+)"/gm)) {
      const spec = m[1] ?? m[2]!;
      const target = relative(src, resolve(dirname(join(src, f)), `${spec}.ts`))
        .split(sep)
        .join("/");
      deps.push(target);
    }
    imports.set(f, deps);
  }
  cpSync(join(GRADER_ROOT, "grading", "sandbox", "worker.js"), join(work, "worker.js"));
  return { dir: work, errors, imports };
}

function copyInto(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, readFileSync(from));
}

/** The first compile error among the files a probe file imports (transitively), or null. */
export function closureError(c: Compiled, entry: string): string | null {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (!c.imports.has(f)) {
      if (f.startsWith("lib/")) return `${f} is missing from the submission (imported by the code under test)`;
      continue;
    }
    const e = c.errors.get(f);
    if (e) return e;
    stack.push(...c.imports.get(f)!);
  }
  return null;
}
