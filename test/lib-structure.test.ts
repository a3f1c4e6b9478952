// The library's shape: no file in lib/ over 400 lines (one idea per file), and the kernels that answer
// assignments (ReLU, the bias gradients, the whole-batch convolution) reached only from the layers whose
// fast paths use them, so a student kit can drop them file by file and everything else still compiles.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { importGraph, sourceFiles } from "../scripts/check-cycles";

const ROOT = join(__dirname, "..");
const MAX_LINES = 400;

/** Each answer's files, and the layer files allowed to import them (their fast paths, which a release strips). */
const ANSWERS: { what: string; files: string[]; users: string[] }[] = [
  { what: "ReLU", files: ["lib/kernels/relu.ts", "lib/kernels/wasm/relu.ts"], users: ["lib/layers/activations.ts"] },
  {
    what: "bias gradients and the whole-batch convolution",
    files: [
      "lib/kernels/bias-grad.ts",
      "lib/kernels/wasm/bias-grad.ts",
      "lib/kernels/conv.ts",
      "lib/kernels/wasm/conv.ts",
    ],
    users: ["lib/layers/linear.ts", "lib/layers/conv2d.ts"],
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

  it("reaches the answer kernels only from the layers that use them", () => {
    const graph = importGraph(ROOT, files);
    for (const { what, files: answer, users } of ANSWERS) {
      for (const f of answer) expect(files.map(rel), `${what}: ${f} exists`).to.include(f);
      const importers = [...graph]
        .filter(([, deps]) => deps.some((d) => answer.includes(rel(d))))
        .map(([file]) => rel(file))
        .filter((file) => !answer.includes(file));
      for (const file of importers) expect(users, `${file} imports the ${what} kernels`).to.include(file);
    }
  });
});
