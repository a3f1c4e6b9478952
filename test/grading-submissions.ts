// Submissions for the grader's tests, all built from the released student kit: the kit as released
// (every solution a stub), the kit with the reference solutions put back (what an honest student
// hands in), and variants of that with files edited or added (broken, unusual or hostile students).
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { releaseSource } from "../grading/markers";
import { buildStudentKit, releaseCode } from "../grading/release";
import type { GradescopeResults } from "../grading/report";

export const ROOT = resolve(__dirname, "..");

let kit: { dir: string; stubbed: string[] } | null = null;

/** The student kit as `npm run release` builds it (built once per test process). */
export function releasedKit(): { dir: string; stubbed: string[] } {
  if (kit === null) {
    const dir = join(mkdtempSync(join(tmpdir(), "tsdl-kit-")), "kit");
    const stubs = buildStudentKit(dir);
    kit = { dir, stubbed: [...new Set(stubs.map((s) => s.file))].filter((f) => f.startsWith("lib/")) };
    process.on("exit", () => rmSync(dirname(dir), { recursive: true, force: true }));
  }
  return kit;
}

/**
 * A copy of the released kit at `dir` with every solution region filled in, as a student who did all
 * the work hands it in: the reference's region code, without the instructor-only blocks (fast paths)
 * the kit never had.
 */
export function solvedKit(dir: string): string {
  const { dir: kitDir, stubbed } = releasedKit();
  cpSync(kitDir, dir, { recursive: true, filter: (p) => !p.includes("node_modules") });
  for (const f of stubbed)
    writeFileSync(
      join(dir, f),
      solvedSource(f, () => true),
    );
  return dir;
}

/**
 * The kit's text of `file` (a path in this repository) with the solutions `keep` accepts put back and
 * the others left as stubs, as a student who wrote those parts has it.
 */
export function solvedSource(file: string, keep: (what: string) => boolean): string {
  return releaseCode(releaseSource(readFileSync(join(ROOT, file), "utf8"), file, keep).source, file).source;
}

export type Edit = (src: string) => string;

/**
 * The solved kit with edits: `edits` maps a path inside the submission to a function of the file's
 * text (the file must exist and the edit must change it) or to the whole text of a new file.
 */
export function variant(parent: string, name: string, edits: Record<string, Edit | string>): string {
  const dir = solvedKit(join(parent, name));
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    if (typeof edit === "string") {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, edit);
      continue;
    }
    const before = readFileSync(path, "utf8");
    const after = edit(before);
    if (after === before) throw new Error(`variant ${name}: the edit changed nothing in ${file}`);
    writeFileSync(path, after);
  }
  return dir;
}

/**
 * Inserts `code` at the start of the body of the function or method whose signature matches
 * `signature`: after the first "{" that ends a line once the parentheses opened since the match close
 * (so multi-line parameter lists and return types on the signature's last line are fine).
 */
export function atStartOf(signature: RegExp, code: string): Edit {
  return (src) => {
    const m = signature.exec(src);
    if (!m) throw new Error(`no match for ${signature}`);
    let depth = 0;
    for (let i = m.index; i < src.length; i++) {
      const ch = src[i];
      if (ch === "(") depth++;
      else if (ch === ")") depth--;
      else if (ch === "{" && depth === 0 && src[i + 1] === "\n")
        return `${src.slice(0, i + 1)}\n${code}\n${src.slice(i + 1)}`;
    }
    throw new Error(`${signature}: no body found after the signature`);
  };
}

/** Appends `code` to a file (module-level code that runs when the file is loaded). */
export function append(code: string): Edit {
  return (src) => `${src}\n${code}\n`;
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

/** Runs `npm run grade -- ARGS` (the grader's command line) with a time limit; never throws. */
export function runGrader(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onStart?: (pid: number) => void } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "grading/cli.ts", ...args],
      {
        cwd: ROOT,
        env: opts.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole group, stopped or not: a grader a submission froze must not outlive the test.
      for (const sig of ["SIGCONT", "SIGKILL"] as const) {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          // already gone
        }
      }
    }, opts.timeoutMs ?? 120000);
    if (child.pid !== undefined) opts.onStart?.(child.pid);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The results.json a batch wrote for submission `name` into its --out-dir `out`. */
export function resultsOf(out: string, name: string): GradescopeResults {
  return JSON.parse(readFileSync(join(out, `${name}.results.json`), "utf8")) as GradescopeResults;
}

/** One test of a results.json by its full name ("assignment: case"); fails loudly when there is none. */
export function testOf(r: GradescopeResults, name: string): GradescopeResults["tests"][number] {
  const t = r.tests.find((x) => x.name === name);
  if (!t) throw new Error(`no test named "${name}" (there are: ${r.tests.map((x) => x.name).join("; ")})`);
  return t;
}
