// Builds the student kit from the full (instructor) repository:
//   npm run release -- [--out dist/student-kit]
// Solution regions become "not implemented" stubs, instructor-only blocks and files are left out (with
// the imports only they used), notebook outputs are cleared, hidden cases stay here, and the kit gets
// its own README, package scripts and `npm test` (grading/student-test.ts).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import ts from "typescript";
import { commandLine, usageError } from "./args";
import { publicFixture, type FixtureFile } from "./fixtures";
import { isInstructorOnlyFile, releaseSource, type Region } from "./markers";
import { NOTEBOOKS, partOfStub, PARTS } from "./parts";
import { findStubs } from "./stubs";
import { kitKernel } from "../lib/notebook/kit";
import { syncKitKernel } from "../scripts/install-kernel";
import { pruneUnusedImports } from "./unused-imports";

export const ROOT = resolve(__dirname, "..");

/**
 * Paths (relative, "/"-separated) that never go to students, besides files marked INSTRUCTOR ONLY:
 * what needs the solutions (the instructor's tests, the bench, the report and its results, the changelog), what
 * generates or holds hidden cases, and the AssemblyScript sources of the kernels (the answer kernels
 * among them; the kit ships the built .wasm, see KIT_BUILDS).
 */
const INSTRUCTOR_PATHS = [
  ".ci/",
  "bench/",
  "report/",
  "RESULTS.md",
  "CHANGELOG.md",
  "test/",
  ".mocharc.json",
  "eslint.config.mjs",
  "wasm/",
  "grading/specs/",
  "grading/release.ts",
  "grading/markers.ts",
  "grading/make-fixtures.ts",
  "grading/gradescope.ts",
  "grading/bench.ts",
  "grading/student-readme.md",
];

/**
 * Files the kit takes from another build: the WebAssembly kernels compiled without the kernels that
 * answer assignments (wasm/assembly/kit.ts; wasm/build.js builds and the tests check both).
 */
const KIT_BUILDS: Readonly<Record<string, string>> = {
  "lib/kernels/kernels.wasm": "wasm/kit/kernels.wasm",
  "lib/kernels/kernels-fma.wasm": "wasm/kit/kernels-fma.wasm",
};

/** The package scripts the kit keeps (the others need what the kit does not have). */
export const KIT_SCRIPTS = ["start", "test", "typecheck", "check", "download", "kernel:install", "notebooks"];

/** The kit's `npm test`: type-checks, then the public checks with stubs counted as work left. */
const KIT_TEST = "npm run typecheck && tsx grading/student-test.ts";

export function isInstructorOnly(path: string): boolean {
  return INSTRUCTOR_PATHS.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
}

export interface StubRecord {
  file: string;
  line: number;
  what: string;
}

interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] } & Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
}
interface NotebookJson {
  cells: NotebookCell[];
}

function releaseNotebook(text: string, file: string, stubs: StubRecord[]): string {
  const nb = JSON.parse(text) as NotebookJson;
  nb.cells = nb.cells
    .filter((cell) => !cell.metadata.tags?.includes("instructor"))
    .map((cell, i) => {
      if (cell.cell_type !== "code") return cell;
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      let released = source;
      if (cell.metadata.tags?.includes("solution")) {
        const what = `cell ${i + 1} of ${file}`;
        released = `// YOUR CODE HERE\nthrow new Error(${JSON.stringify(`not implemented: ${what}`)});`;
        stubs.push({ file, line: i + 1, what });
      } else {
        const r = releaseSource(source, `${file} cell ${i + 1}`);
        released = r.source;
        stubs.push(...r.regions.map((g: Region) => ({ file, line: i + 1, what: g.what })));
      }
      const lines = released.split("\n");
      return {
        ...cell,
        source: lines.map((l, k) => (k < lines.length - 1 ? `${l}\n` : l)),
        outputs: [],
        execution_count: null,
      };
    });
  return JSON.stringify(nb, null, 1) + "\n";
}

export function trackedFiles(root = ROOT): string[] {
  return execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((f) => f !== "" && existsSync(join(root, f)));
}

/** A source file as the kit has it: stubs, no instructor-only blocks, no imports only they used. */
export function releaseCode(source: string, file: string): { source: string; regions: Region[] } {
  const r = releaseSource(source, file);
  if (r.regions.length === 0 && r.blocks.length === 0) return { source, regions: [] };
  return { source: pruneUnusedImports(r.source, file).source, regions: r.regions };
}

/** The kit's package.json: its own test, no script whose files stay here, no instructor-only type-check. */
function kitPackage(text: string, name: string): string {
  const pkg = JSON.parse(text) as { name: string; scripts: Record<string, string> };
  pkg.name = name;
  const scripts: Record<string, string> = {};
  for (const name of KIT_SCRIPTS) if (pkg.scripts[name] !== undefined) scripts[name] = pkg.scripts[name]!;
  scripts.typecheck = scripts
    .typecheck!.split(" && ")
    .filter((c) => !c.includes(".ci/"))
    .join(" && ");
  scripts.test = KIT_TEST;
  pkg.scripts = scripts;
  return JSON.stringify(pkg, null, 2) + "\n";
}

/** The lock file under the kit's name (npm keeps the root package's name in two places). */
function kitLock(text: string, name: string): string {
  const lock = JSON.parse(text) as { name?: string; packages?: Record<string, { name?: string }> };
  lock.name = name;
  if (lock.packages?.[""] !== undefined) lock.packages[""].name = name;
  return JSON.stringify(lock, null, 2) + "\n";
}

/** npm's rule for a package name (lower case, URL-safe, at most 214 characters). */
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * The kit's package name: its own, so that its Jupyter kernel (named after it) is not the instructor's
 * (a shared kernel ran the student's lib/ in the instructor's notebooks). Default: the instructor's
 * name with "-student".
 */
export function kitName(root = ROOT, name?: string): string {
  const instructor = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string }).name;
  const chosen = name ?? `${instructor}-student`;
  if (!PACKAGE_NAME.test(chosen) || chosen.length > 214)
    throw new Error(`kit name: "${chosen}" is not a package name (lower-case letters, digits, "-", ".", "_", "~")`);
  if (chosen === instructor)
    throw new Error(
      `kit name: the kit needs a name of its own, not the instructor's "${instructor}" (its kernel is named after it)`,
    );
  return chosen;
}

/** The kit's tsconfig: only its folders, and unused names allowed (a stub leaves parameters unused). */
function kitTsconfig(text: string, shipped: readonly string[]): string {
  const cfg = JSON.parse(text) as { compilerOptions: Record<string, unknown>; include: string[] };
  cfg.compilerOptions.noUnusedLocals = false;
  cfg.compilerOptions.noUnusedParameters = false;
  cfg.compilerOptions.types = ["node"];
  cfg.include = cfg.include.filter((pattern) => shipped.some((f) => f.startsWith(pattern.split("/")[0]! + "/")));
  return JSON.stringify(cfg, null, 2) + "\n";
}

/** Every relative import of a shipped file must resolve to a shipped file: names the first that does not. */
function checkImports(out: string, shipped: readonly string[]): void {
  const set = new Set(shipped);
  for (const file of shipped) {
    if (!/\.(ts|js|mjs|cjs)$/.test(file)) continue;
    // The compiler's own scan: imports, exports and require() calls, never comments or strings.
    const imported = ts.preProcessFile(readFileSync(join(out, file), "utf8"), true, true).importedFiles;
    for (const { fileName: spec } of imported.filter((f) => f.fileName.startsWith("."))) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const candidates = [target, `${target}.ts`, `${target}.js`, `${target}/index.ts`, `${target}/index.js`];
      if (!candidates.some((c) => set.has(c))) {
        throw new Error(
          `release: ${file} imports "${spec}", which is not in the kit (instructor-only, or missing): ` +
            `fence the import and its users with BEGIN/END INSTRUCTOR ONLY, or ship the file`,
        );
      }
    }
  }
}

/** Groups the stubs by notebook, in notebook order, for the README. */
function stubsByNotebook(stubs: readonly StubRecord[]): string {
  const unassigned = stubs.filter((s) => !s.file.endsWith(".ipynb") && partOfStub(s.what) === null);
  if (unassigned.length > 0) {
    throw new Error(
      `release: no part in grading/parts.ts covers ${unassigned.map((s) => `"${s.what}" (${s.file}:${s.line})`).join(", ")}`,
    );
  }
  const seen = new Set<string>();
  return NOTEBOOKS.map((nb) => {
    const title = nb.notebook.replace(/^notebooks\//, "");
    const lines = nb.parts.map((name) => {
      const p = PARTS.find((x) => x.name === name)!;
      const where = stubs.filter((s) => partOfStub(s.what)?.name === name).map((s) => s.line);
      const again = seen.has(name) ? " Done already for an earlier notebook." : "";
      seen.add(name);
      const at = `\`${p.file}\`, line${where.length === 1 ? "" : "s"} ${where.join(", ")}`;
      return `- **${p.name}** (${at}): ${p.task}. Check cell: \`check("${name}")\`.${again}`;
    });
    lines.push(...stubs.filter((s) => s.file === nb.notebook).map((s) => `- ${s.what}`));
    return `### \`${title}\`\n\n${lines.join("\n")}`;
  }).join("\n\n");
}

function studentReadme(root: string, stubs: readonly StubRecord[], kernelDisplayName: string): string {
  const template = readFileSync(join(root, "grading", "student-readme.md"), "utf8");
  return template
    .replace("{{stubCount}}", String(stubs.length))
    .replace("{{stubsByNotebook}}", stubsByNotebook(stubs))
    .replaceAll("{{kernelDisplayName}}", kernelDisplayName);
}

/**
 * Builds the kit into `out` (replaced if present), named `name` (see kitName), with its Jupyter kernel
 * and the notebooks' kernelspec named after it; returns the stubs it made.
 */
export function buildStudentKit(out: string, root = ROOT, chosenName?: string): StubRecord[] {
  const name = kitName(root, chosenName);
  rmSync(out, { recursive: true, force: true });
  const stubs: StubRecord[] = [];
  const files = trackedFiles(root).filter((file) => {
    if (isInstructorOnly(file) || file === "README.md") return false;
    return !(/\.(ts|js|mjs|cjs)$/.test(file) && isInstructorOnlyFile(readFileSync(join(root, file), "utf8")));
  });
  for (const file of files) {
    const src = join(root, file);
    const dst = join(out, file);
    mkdirSync(dirname(dst), { recursive: true });
    if (/\.(ts|js|mjs|cjs)$/.test(file)) {
      const r = releaseCode(readFileSync(src, "utf8"), file);
      writeFileSync(dst, r.source);
      stubs.push(...r.regions.map((g) => ({ file, line: g.begin, what: g.what })));
    } else if (file.endsWith(".ipynb")) {
      writeFileSync(dst, releaseNotebook(readFileSync(src, "utf8"), file, stubs));
    } else if (file.startsWith("grading/fixtures/") && file.endsWith(".json")) {
      writeFileSync(dst, JSON.stringify(publicFixture(JSON.parse(readFileSync(src, "utf8")) as FixtureFile)) + "\n");
    } else if (file === "package.json") {
      writeFileSync(dst, kitPackage(readFileSync(src, "utf8"), name));
    } else if (file === "package-lock.json") {
      writeFileSync(dst, kitLock(readFileSync(src, "utf8"), name));
    } else if (file === "tsconfig.json") {
      writeFileSync(dst, kitTsconfig(readFileSync(src, "utf8"), files));
    } else {
      copyFileSync(KIT_BUILDS[file] === undefined ? src : join(root, KIT_BUILDS[file]), dst);
    }
  }
  checkImports(out, files);
  syncKitKernel(out);
  // Where the student finds each stub: its throw, at the kit's line numbers (pruned imports move them).
  const inKit = findStubs(out);
  const inCode = stubs.filter((s) => !s.file.endsWith(".ipynb"));
  const outsideLib = inCode.filter((s) => !inKit.some((k) => k.file === s.file && k.what === s.what));
  if (outsideLib.length > 0) {
    throw new Error(
      `release: solution regions must be in lib/ (.ts): ${outsideLib.map((s) => `${s.file}:${s.line}`).join(", ")}`,
    );
  }
  const located = [
    ...inKit.map(({ file, line, what }) => ({ file, line, what })),
    ...stubs.filter((s) => s.file.endsWith(".ipynb")),
  ];
  writeFileSync(join(out, "README.md"), studentReadme(root, located, kitKernel(out).displayName));
  return located;
}

const HELP = `Builds the student kit from this (instructor) repository.

  npm run release -- [--out DIR] [--name NAME]

  --out DIR    where to write the kit (replaced if present; default dist/student-kit)
  --name NAME  the kit's package name, which names its Jupyter kernel (default: this
               package's name with "-student"; it must differ from this package's)
  --help       this text`;

function main(argv: string[]): number {
  const args = commandLine("release", HELP, {
    args: argv,
    options: { out: { type: "string" }, name: { type: "string" }, help: { type: "boolean" } },
  });
  if (typeof args === "number") return args;
  let name: string;
  try {
    name = kitName(ROOT, args.values.name);
  } catch (e) {
    return usageError("release", HELP, (e as Error).message);
  }
  const out = resolve(args.values.out ?? join(ROOT, "dist", "student-kit"));
  const stubs = buildStudentKit(out, ROOT, name);
  console.log(`student kit "${name}" written to ${out}: ${stubs.length} stubs`);
  for (const s of stubs) console.log(`  ${s.file}:${s.line}  ${s.what}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
