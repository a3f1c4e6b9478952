// The library's shape: no file in lib/ over 400 lines (one idea per file), and the kernels that answer
// assignments (ReLU, the bias gradients, the whole-batch convolution) reached only from code the student
// kit leaves out (instructor-only files and blocks, grading/markers.ts), so that a release can drop them
// file by file and everything else still compiles.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { isInstructorOnlyFile, releaseSource } from "../grading/markers";
import { importGraph, sourceFiles } from "../scripts/check-cycles";

const ROOT = join(__dirname, "..");
const MAX_LINES = 400;

/** The answer kernels' files (TypeScript side; their AssemblyScript sources are in wasm/assembly). */
const ANSWERS: { what: string; files: string[] }[] = [
  { what: "ReLU", files: ["lib/kernels/relu.ts", "lib/kernels/wasm/relu.ts"] },
  {
    what: "bias gradients and the whole-batch convolution",
    files: [
      "lib/kernels/bias-grad.ts",
      "lib/kernels/wasm/bias-grad.ts",
      "lib/kernels/conv.ts",
      "lib/kernels/wasm/conv.ts",
    ],
  },
];

describe("the library's structure", () => {
  const files = sourceFiles(ROOT, ["lib"]);
  const rel = (f: string): string => relative(ROOT, f).split(sep).join("/");

  it(`has no file in lib/ over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: rel(f), lines: readFileSync(f, "utf8").split("\n").length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file} (${f.lines} lines)`);
    expect(long, `split these by idea: ${long.join(", ")}`).to.deep.equal([]);
  });

  it("reaches the answer kernels only from code a student kit leaves out", () => {
    const answers = ANSWERS.flatMap((a) => a.files);
    for (const f of answers) expect(files.map(rel), `${f} exists`).to.include(f);
    // Each file as the kit would have it: instructor-only files gone, instructor-only blocks cut out.
    const kept = new Set(
      files.filter((f) => !answers.includes(rel(f)) && !isInstructorOnlyFile(readFileSync(f, "utf8"))),
    );
    const asReleased = (f: string): string =>
      kept.has(f) ? releaseSource(readFileSync(f, "utf8"), rel(f)).source : "";
    const graph = importGraph(ROOT, files, asReleased);
    for (const [file, deps] of graph) {
      if (!kept.has(file)) continue;
      for (const { what, files: answer } of ANSWERS) {
        const used = deps.map(rel).filter((d) => answer.includes(d));
        expect(used, `${rel(file)} imports the ${what} kernels outside an INSTRUCTOR ONLY block`).to.deep.equal([]);
      }
    }
  });

  it("has a row in the README's module table for each folder and module of lib/, and none for what is gone", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("## What is in `lib/`"), readme.indexOf("### The layer API"));
    const rows = [...table.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]!).sort();
    const entries = readdirSync(join(ROOT, "lib"), { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.name.endsWith(".ts") && e.name !== "index.ts"))
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
      .sort();
    expect(rows).to.deep.equal(entries);
  });
});
