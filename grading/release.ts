// Builds the student kit from the full (instructor) repository:
//   npm run release -- [--out dist/student-kit]
// Solution regions become "not implemented" stubs, solution notebook cells are stubbed and every
// output is cleared, and hidden tests and answer fixtures are left out.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { stripSolutions, type Region } from "./markers";
import { publicFixture, type FixtureFile } from "./fixtures";

export const ROOT = resolve(__dirname, "..");

/** Paths (relative, "/"-separated) that never go to students. */
export function isInstructorOnly(path: string): boolean {
  return (
    path.startsWith("grading/specs/") || // case generators, hidden cases included
    path.startsWith(".ci/") ||
    path === "grading/release.ts" ||
    path === "grading/make-fixtures.ts" ||
    path === "grading/gradescope.ts" ||
    path.startsWith("test/grading") // the grader's own tests use the answers
  );
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
  nb.cells = nb.cells.map((cell, i) => {
    if (cell.cell_type !== "code") return cell;
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    let released = source;
    if (cell.metadata.tags?.includes("solution")) {
      const what = `cell ${i + 1} of ${file}`;
      released = `// YOUR CODE HERE\nthrow new Error(${JSON.stringify(`not implemented: ${what}`)});`;
      stubs.push({ file, line: i + 1, what });
    } else {
      const r = stripSolutions(source, `${file} cell ${i + 1}`);
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

/** Builds the kit into `out` (replaced if present); returns the stubs it made. */
export function buildStudentKit(out: string, root = ROOT): StubRecord[] {
  rmSync(out, { recursive: true, force: true });
  const stubs: StubRecord[] = [];
  for (const file of trackedFiles(root)) {
    if (isInstructorOnly(file)) continue;
    const src = join(root, file);
    const dst = join(out, file);
    mkdirSync(dirname(dst), { recursive: true });
    if (file.endsWith(".ts") || file.endsWith(".js")) {
      const r = stripSolutions(readFileSync(src, "utf8"), file);
      writeFileSync(dst, r.source);
      stubs.push(...r.regions.map((g) => ({ file, line: g.begin, what: g.what })));
    } else if (file.endsWith(".ipynb")) {
      writeFileSync(dst, releaseNotebook(readFileSync(src, "utf8"), file, stubs));
    } else if (file.startsWith("grading/fixtures/") && file.endsWith(".json")) {
      writeFileSync(dst, JSON.stringify(publicFixture(JSON.parse(readFileSync(src, "utf8")) as FixtureFile)) + "\n");
    } else if (file === "package.json") {
      // The instructor's CI type-check (.ci/) is not in the kit.
      const pkg = JSON.parse(readFileSync(src, "utf8")) as { scripts: Record<string, string> };
      pkg.scripts.typecheck = pkg.scripts.typecheck!.replace(
        / && node node_modules\/typescript-7\/bin\/tsc -p \.ci\/tsconfig\.json/,
        "",
      );
      for (const k of ["release", "grading:fixtures"]) delete pkg.scripts[k];
      writeFileSync(dst, JSON.stringify(pkg, null, 2) + "\n");
    } else if (file === "tsconfig.json") {
      // Stubs leave imports and parameters unused until the student fills them in.
      const cfg = JSON.parse(readFileSync(src, "utf8")) as { compilerOptions: Record<string, unknown> };
      cfg.compilerOptions.noUnusedLocals = false;
      cfg.compilerOptions.noUnusedParameters = false;
      writeFileSync(dst, JSON.stringify(cfg, null, 2) + "\n");
    } else {
      copyFileSync(src, dst);
    }
  }
  const list = stubs.map((s) => `- \`${s.file}\` (line ${s.line}): ${s.what}`).join("\n");
  writeFileSync(
    join(out, "ASSIGNMENT.md"),
    `# What to implement\n\nEach item below throws "not implemented" until you write it. Run \`npm run grade -- .\` for the public checks.\n\n${list}\n`,
  );
  return stubs;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const out = resolve(at >= 0 ? args[at + 1]! : join(ROOT, "dist", "student-kit"));
  const stubs = buildStudentKit(out);
  console.log(`student kit written to ${out}: ${stubs.length} stubs`);
  for (const s of stubs) console.log(`  ${s.file}:${s.line}  ${s.what}`);
}
