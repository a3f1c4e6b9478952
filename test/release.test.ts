// The student kit as a student gets it: released into a temp folder and installed there (node_modules
// symlinked: no network), it ships no answer, type-checks, its `npm test` is green with every stub listed
// as work left, `npm start` says what is left, and a student who fills an assignment sees its check cells,
// its notebook and its public cases pass. Parts that depend on other work in progress are separate `it`s
// with the reason in their title.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as v8 from "node:v8";
import { join, relative, resolve } from "node:path";
import { loadExamples } from "../grading/examples";
import type { FixtureFile } from "../grading/fixtures";
import { gradeSubmission, loadFixtures } from "../grading/grade";
import { findMarkers } from "../grading/markers";
import { runCheck } from "../grading/notebook-check";
import { NOTEBOOKS, PARTS, partOfStub } from "../grading/parts";
import { buildStudentKit, KIT_SCRIPTS, trackedFiles, type StubRecord } from "../grading/release";
import { findStubs } from "../grading/stubs";
import { kitKernel } from "../lib/notebook/kit";
import { solvedSource } from "./grading-submissions";

const ROOT = resolve(__dirname, "..");

/**
 * What must never ship, per solution: the region's own code and the fast path or kernel that computes the
 * same thing. `kernels` entries live in lib/kernels/**, which the lead fences with INSTRUCTOR ONLY markers
 * after the kernels are restructured (see the next test).
 */
interface WasmModuleClass {
  new (bytes: Uint8Array): object;
  exports(module: object): { name: string }[];
}

const ANSWERS: { solution: string; kit: string[]; kernels?: string[] }[] = [
  {
    solution: "Linear.forward",
    kit: ["x.matmul(this.weight.value)", "linearForwardFast", "out.data.set(b.data, i * m)"],
  },
  {
    solution: "Linear.backward",
    kit: ["x.T.matmul(dout)", "dout.sum(0)", "dout.matmul(this.weight.value.T)", "linearBackwardFast"],
  },
  {
    solution: "ReLU",
    kit: ["return relu(x, out);", "return reluBackward(x, dout, dx);"],
    kernels: ["out[i] = x[i]! > 0 ? x[i]! : 0;", "dx[i] = dout[i]! * (x[i]! > 0 ? 1 : 0);", "reluReference"],
  },
  {
    solution: "Conv2d.forward",
    kit: ["im2col(batchItem(x, n), this.window)", "W.matmul(cols)", "convForwardFast", "conv2dForward({"],
    kernels: ["conv2dForwardWith", "conv2dForward("],
  },
  {
    solution: "Conv2d.backward",
    kit: ["matmul(cols.T)", "dout.sum([0, 2, 3])", "col2im(dcols, x.shape.slice(1), this.window)", "convBackwardFast"],
    kernels: ["conv2dBackwardWith", "conv2dBackward(", "planeSums("],
  },
  {
    solution: "softmaxCrossEntropy",
    kit: ["lse[i]! - logits.data[i * c + y[i]!]!", "grad.data[i * c + y[i]!]! -= 1"],
  },
  { solution: "l2Loss", kit: ["(diff.data[j]! * diff.data[j]!) / 2"] },
  {
    solution: "Value backward closures",
    kit: [
      "this.grad += o.data * out.grad;",
      "o.grad -= (out.data / o.data) * out.grad;",
      "p * Math.pow(this.data, p - 1) * out.grad",
      "this.grad += out.data * out.grad;",
      "this.grad += out.grad / this.data;",
      "this.grad += Math.cos(this.data) * out.grad;",
      "(1 - out.data * out.data) * out.grad",
    ],
  },
];

/** Files and folders that stay with the instructor. */
const INSTRUCTOR_ONLY = [
  "lib/layers/fast",
  "grading/specs",
  "grading/make-fixtures.ts",
  "grading/make-examples.ts",
  "grading/release.ts",
  "grading/markers.ts",
  "grading/gradescope.ts",
  "grading/student-readme.md",
  "test",
  "bench",
  "report",
  "RESULTS.md",
  "wasm",
  ".ci",
];

function textFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === "node_modules") return [];
    if (statSync(p).isDirectory()) return textFiles(p);
    return /\.(wasm|png)$/.test(name) ? [] : [p];
  });
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 600000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A copy of the kit (node_modules linked) with the solutions of the given stubs put back. */
function filledKit(kit: string, dest: string, keep: (what: string) => boolean): string {
  cpSync(kit, dest, { recursive: true, filter: (p) => !p.endsWith("node_modules") });
  symlinkSync(join(ROOT, "node_modules"), join(dest, "node_modules"));
  for (const file of new Set(findStubs(kit).map((s) => s.file)))
    writeFileSync(join(dest, file), solvedSource(file, keep));
  return dest;
}

interface Cell {
  cell_type: string;
  id?: string;
  source: string[];
  outputs?: { text?: string }[];
}

describe("the student kit", function () {
  this.timeout(600000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-kit-"));
  const kit = join(tmp, "kit");
  let stubs: StubRecord[] = [];
  let files: string[] = [];

  before(() => {
    stubs = buildStudentKit(kit);
    symlinkSync(join(ROOT, "node_modules"), join(kit, "node_modules"));
    files = textFiles(kit);
  });

  it("ships no solution: neither a region's code nor the fast path that computes the same", () => {
    const instructor = trackedFiles().map((f) => readFileSync(join(ROOT, f), "utf8"));
    for (const { solution, kit: strings } of ANSWERS) {
      for (const s of strings) {
        expect(
          instructor.some((t) => t.includes(s)),
          `${solution}: "${s}" is in the instructor's repository`,
        ).to.equal(true);
        const leaks = files.filter((f) => readFileSync(f, "utf8").includes(s)).map((f) => relative(kit, f));
        expect(leaks, `${solution}: "${s}" ships`).to.deep.equal([]);
      }
    }
    for (const p of INSTRUCTOR_ONLY) expect(existsSync(join(kit, p)), p).to.equal(false);
    // Every line of every region and instructor-only block is gone, unless the file has it elsewhere too.
    const kitLines = new Map(
      files.map((f) => [
        relative(kit, f),
        new Set(
          readFileSync(f, "utf8")
            .split("\n")
            .map((l) => l.trim()),
        ),
      ]),
    );
    for (const file of trackedFiles().filter((f) => /\.(ts|js)$/.test(f) && kitLines.has(f))) {
      const source = readFileSync(join(ROOT, file), "utf8");
      const lines = source.split("\n");
      const { regions, blocks } = findMarkers(source, file);
      const inside = new Set<number>();
      for (const r of [...regions, ...blocks]) for (let i = r.begin; i <= r.end; i++) inside.add(i);
      const outside = new Set(lines.filter((_, i) => !inside.has(i + 1)).map((l) => l.trim()));
      for (const i of inside) {
        const line = lines[i - 1]!.trim();
        if (line.length < 12 || line.startsWith("//") || outside.has(line)) continue;
        expect(kitLines.get(file)!.has(line), `${file}:${i} ships: ${line}`).to.equal(false);
      }
    }
  });

  it("ships no answer kernel (ReLU, bias sums, whole-batch convolution, in TypeScript or wasm glue)", () => {
    for (const f of ["conv.ts", "relu.ts", "bias-grad.ts", "wasm/conv.ts", "wasm/relu.ts", "wasm/bias-grad.ts"]) {
      expect(existsSync(join(kit, "lib", "kernels", f)), `lib/kernels/${f} ships`).to.equal(false);
    }
    for (const { solution, kernels } of ANSWERS) {
      for (const s of kernels ?? []) {
        const leaks = files.filter((f) => readFileSync(f, "utf8").includes(s)).map((f) => relative(kit, f));
        expect(leaks, `${solution}: "${s}" ships`).to.deep.equal([]);
      }
    }
  });

  it("ships WebAssembly kernels compiled without the answer kernels, and they run", () => {
    // The compile options leave out the DOM's (and so WebAssembly's) types: the slice used here.
    const wasmModule = (globalThis as unknown as { WebAssembly: { Module: WasmModuleClass } }).WebAssembly.Module;
    const exportsOf = (file: string): string[] =>
      wasmModule.exports(new wasmModule(readFileSync(file))).map((e) => e.name);
    for (const wasm of ["kernels.wasm", "kernels-fma.wasm"]) {
      if (wasm === "kernels-fma.wasm") v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
      const full = exportsOf(join(ROOT, "lib", "kernels", wasm));
      const shipped = exportsOf(join(kit, "lib", "kernels", wasm));
      const answers = full.filter((name) =>
        /^(relu|convForward|convBackward|addParts|columnSums|planeSums)/.test(name),
      );
      expect(answers.length, `the instructor's ${wasm} has the answer kernels`).to.equal(14);
      expect(
        shipped.filter((name) => answers.includes(name)),
        wasm,
      ).to.deep.equal([]);
      expect(shipped.sort(), wasm).to.deep.equal(full.filter((name) => !answers.includes(name)).sort());
    }
    // The kit's products and pooling run on them (its ReLU, Linear and Conv2d are stubs).
    const script = [
      'const { useWasmKernels, Tensor, MaxPool2d, kernels } = require("./lib/index");',
      "useWasmKernels();",
      "const a = Tensor.from([1, 2, 3, 4], [2, 2]);",
      "const p = new MaxPool2d(2).forward(Tensor.from([1, 5, 3, 2, 0, 1, 7, 4], [1, 2, 2, 2]));",
      "console.log(kernels().name, JSON.stringify(Array.from(a.matmul(a).data)), JSON.stringify(Array.from(p.data)));",
    ].join("\n");
    const r = run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "-e", script], kit);
    expect(r.code, r.out).to.equal(0);
    expect(r.out.trim()).to.match(/^wasm.* \[7,10,15,22\] \[5,7\]$/);
  });

  it("stubs every region, each part of a notebook with a worked example, listed in the README by notebook", () => {
    const regions = trackedFiles()
      .filter((f) => f.startsWith("lib/") && f.endsWith(".ts"))
      .flatMap((f) => findMarkers(readFileSync(join(ROOT, f), "utf8"), f).regions);
    expect(stubs.length).to.equal(regions.length);
    expect(findStubs(kit).map((s) => s.what)).to.deep.equal(stubs.map((s) => s.what));
    const examples = loadExamples(join(kit, "grading", "examples.json"));
    for (const s of stubs) expect(partOfStub(s.what), s.what).to.not.equal(null);
    for (const p of PARTS) {
      expect(
        stubs.some((s) => partOfStub(s.what) === p),
        `part ${p.name} has stubs`,
      ).to.equal(true);
      expect(examples[p.name]?.probe, `worked example of ${p.name}`).to.equal(p.probe);
      expect(
        NOTEBOOKS.some((n) => n.parts.includes(p.name)),
        `a notebook needs ${p.name}`,
      ).to.equal(true);
    }
    // The worked examples are never a graded case's inputs (public or hidden).
    const graded = loadFixtures().flatMap((f) => f.cases.map((c) => JSON.stringify(c.inputs)));
    for (const [name, e] of Object.entries(examples)) expect(graded, name).to.not.include(JSON.stringify(e.inputs));

    const readme = readFileSync(join(kit, "README.md"), "utf8");
    expect(readme).to.not.match(/npm run (release|bench|report|grade:gradescope)|\{\{/);
    for (const must of [
      "npm ci",
      "npm run kernel:install",
      "npm run check",
      "npm test",
      "restart the kernel",
      "zip -r",
    ])
      expect(readme, must).to.contain(must);
    expect(readme).to.contain(`${stubs.length} places in \`lib/\``);
    // Notebook sections in notebook order, each naming its parts' files with the kit's line numbers.
    const sections = NOTEBOOKS.map((n) => readme.indexOf(`### \`${n.notebook.replace("notebooks/", "")}\``));
    expect(sections.every((at, i) => at > 0 && (i === 0 || at > sections[i - 1]!))).to.equal(true);
    const linear = findStubs(kit).filter((s) => s.part === "Linear");
    expect(readme).to.contain(`**Linear** (\`lib/layers/linear.ts\`, lines ${linear.map((s) => s.line).join(", ")})`);
  });

  it("keeps only the scripts that work in the kit, and ships every file they run", () => {
    const pkg = JSON.parse(readFileSync(join(kit, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of Object.keys(pkg.scripts)) expect(KIT_SCRIPTS, name).to.include(name);
    expect(pkg.scripts).to.not.have.any.keys("release", "bench", "report", "grade:gradescope", "lint");
    for (const [name, command] of Object.entries(pkg.scripts)) {
      for (const m of command.matchAll(/(?:tsx|node|-p) ((?:node_modules\/)?[\w./@-]+\.(?:json|ts|js))\b/g))
        expect(existsSync(join(kit, m[1]!)), `${name} runs ${m[1]}`).to.equal(true);
    }
    // The lock file still matches package.json (npm ci refuses otherwise).
    const lock = JSON.parse(readFileSync(join(kit, "package-lock.json"), "utf8")) as {
      packages: Record<string, unknown>;
    };
    expect(Object.keys(lock.packages)).to.include("node_modules/tslab");
  });

  it("has a name of its own, and its Jupyter kernel and the notebooks' kernelspec are named after it", () => {
    const instructor = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string }).name;
    const pkg = JSON.parse(readFileSync(join(kit, "package.json"), "utf8")) as { name: string };
    expect(pkg.name).to.equal(`${instructor}-student`);
    const lock = JSON.parse(readFileSync(join(kit, "package-lock.json"), "utf8")) as {
      name: string;
      packages: Record<string, { name?: string }>;
    };
    expect([lock.name, lock.packages[""]!.name]).to.deep.equal([pkg.name, pkg.name]);
    const kernel = kitKernel(kit);
    expect(kernel.name).to.not.equal(kitKernel(ROOT).name);
    expect(readdirSync(join(kit, "jupyter", "kernels"))).to.deep.equal([kernel.name]);
    const spec = JSON.parse(readFileSync(join(kit, "jupyter", "kernels", kernel.name, "kernel.json"), "utf8")) as {
      display_name: string;
    };
    expect(spec.display_name).to.equal(`TypeScript (${pkg.name})`);
    expect(readFileSync(join(kit, "README.md"), "utf8")).to.contain(`pick the kernel "${spec.display_name}"`);
    for (const plan of NOTEBOOKS) {
      const nb = JSON.parse(readFileSync(join(kit, plan.notebook), "utf8")) as {
        metadata: { kernelspec: { name: string } };
      };
      expect(nb.metadata.kernelspec.name, plan.notebook).to.equal(kernel.name);
    }
    // The instructor's name, or one npm would refuse, is a bad command line.
    for (const bad of [instructor, "Has Spaces"]) {
      const r = run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "grading/release.ts", "--name", bad], ROOT);
      expect(r.code, bad).to.equal(2);
      expect(r.out).to.match(/release: .*(not a package name|a name of its own)/);
    }
  });

  it("clears notebook outputs; each notebook has a 'Your task' cell naming its parts and a check cell per part", () => {
    for (const plan of NOTEBOOKS) {
      const cells = (JSON.parse(readFileSync(join(kit, plan.notebook), "utf8")) as { cells: Cell[] }).cells;
      expect(
        cells.flatMap((c) => c.outputs ?? []),
        plan.notebook,
      ).to.deep.equal([]);
      const task = cells.find((c) => c.cell_type === "markdown" && c.source.join("").startsWith("## Your task"));
      expect(task, `${plan.notebook}: Your task`).to.not.equal(undefined);
      const checks = cells.filter((c) => c.cell_type === "code" && /check\("/.test(c.source.join("")));
      expect(checks.map((c) => /check\("([^"]+)"\)/.exec(c.source.join(""))![1])).to.deep.equal(plan.parts);
      for (const name of plan.parts) {
        const p = PARTS.find((x) => x.name === name)!;
        expect(task!.source.join(""), `${plan.notebook}: ${name}`).to.contain(`**${name}** in \`${p.file}\``);
      }
      // The checks come after the cell that imports the library.
      const firstImport = cells.findIndex((c) => c.source.join("").includes('from "./lib/index"'));
      expect(cells.indexOf(checks[0]!)).to.be.above(firstImport);
    }
  });

  it("keeps only the public cases of the fixtures", () => {
    for (const f of readdirSync(join(kit, "grading", "fixtures"))) {
      const fixture = JSON.parse(readFileSync(join(kit, "grading", "fixtures", f), "utf8")) as FixtureFile;
      expect(fixture.cases.length, f).to.be.above(0);
      expect(fixture.cases.every((c) => c.visibility === "visible")).to.equal(true);
    }
  });

  it("type-checks with TypeScript 7 strict, with no import left that only a solution used", () => {
    // (npm test below type-checks with both compilers; this run adds noUnusedLocals for the imports.)
    // Any unused import left by a stub shows up here (TS6133 / TS6192); other unused names are the student's.
    writeFileSync(
      join(kit, "tsconfig.unused.json"),
      JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noUnusedLocals: true } }),
    );
    const u = run(
      process.execPath,
      [join(kit, "node_modules", "typescript-7", "bin", "tsc"), "-p", "tsconfig.unused.json"],
      kit,
    );
    const unusedImports = u.out
      .split("\n")
      .filter((l) => /error TS6(133|192)/.test(l))
      .filter((l) => {
        const m = /^(.+?)\((\d+),\d+\)/.exec(l);
        return m !== null && /^\s*import\b/.test(readFileSync(join(kit, m[1]!), "utf8").split("\n")[Number(m[2]) - 1]!);
      });
    expect(unusedImports).to.deep.equal([]);
  });

  it("npm test is green with every stub left, and says how many remain", () => {
    const r = run("npm", ["test"], kit);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.contain(`${stubs.length} stubs left to implement:`);
    expect(r.out).to.match(/0 passed, 0 failed, \d+ waiting on stubs/);
    expect(r.out).to.not.match(/^FAIL/m);
  });

  it("npm start says what is left to implement instead of crashing", () => {
    const r = run("npm", ["start"], kit);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/still to implement:\n {2}lib\/layers\/activations\.ts:\d+ {2}ReLU forward/);
    expect(r.out).to.not.match(/Error|at .*\.ts:\d+/);
  });

  describe("a student who fills assignment B (the Value backward closures)", () => {
    let filled = "";
    before(() => {
      filled = filledKit(kit, join(tmp, "kit-b"), (what) => what.startsWith("Value."));
    });

    it("sees its check cell pass and its notebook run in the kernel", () => {
      const out = join(tmp, "executed-b");
      const r = run(
        process.execPath,
        ["scripts/run-notebooks.js", "--quick", "--out", out, "notebooks/02-scalar-backprop.ipynb"],
        filled,
      );
      expect(r.code, r.out).to.equal(0);
      const cells = (JSON.parse(readFileSync(join(out, "02-scalar-backprop.ipynb"), "utf8")) as { cells: Cell[] })
        .cells;
      const check = cells.find((c) => c.id === "check-value")!;
      expect(check.outputs!.map((o) => o.text).join("")).to.match(
        /^PASSED {2}Value on a worked example\n {2}values: relative error/,
      );
      expect(runCheck("Linear").lines.join("\n")).to.match(/^out: relative error/); // the instructor's own, for contrast
    });

    it("sees the public checks of npm test pass its case and list the other stubs as work left", () => {
      const r = run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "grading/student-test.ts"], filled);
      expect(r.code, r.out).to.equal(0);
      expect(r.out).to.match(/^ok {2,}b-scalar-backprop: expression at two random points/m);
      expect(r.out).to.contain(`${stubs.filter((s) => !s.what.startsWith("Value.")).length} stubs left to implement:`);
      expect(r.out).to.match(/1 passed, 0 failed, \d+ waiting on stubs/);
    });

    it("sees npm run check pass for the assignment", () => {
      const r = run("npm", ["run", "check", "--", "b-scalar-backprop"], filled);
      expect(r.code, r.out).to.equal(0);
      expect(r.out).to.match(/^PASS b-scalar-backprop: expression at two random points$/m);
    });

    it("sees a wrong closure fail the public checks with the grader's hint, and the check cell say why", () => {
      const wrong = filledKit(kit, join(tmp, "kit-b-wrong"), (what) => what.startsWith("Value."));
      const file = join(wrong, "lib", "autodiff", "value.ts");
      const text = readFileSync(file, "utf8");
      writeFileSync(
        file,
        text.replace("this.grad += Math.cos(this.data) * out.grad;", "this.grad += Math.sin(this.data) * out.grad;"),
      );
      const r = run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "grading/student-test.ts"], wrong);
      expect(r.code, r.out).to.equal(1);
      expect(r.out).to.match(
        /^FAIL {2}b-scalar-backprop: expression at .*: grads max relative error .* a local derivative is wrong/m,
      );
      expect(r.out).to.match(/0 passed, 1 failed/);
      const cell = run(
        process.execPath,
        ["node_modules/tsx/dist/cli.mjs", "-e", 'require("./grading/notebook-check").check("Value")'],
        wrong,
      );
      expect(cell.out).to.match(
        /^NOT YET {2}Value on a worked example\n {2}grads max relative error .* > 1e-7: a local derivative is wrong/,
      );
    });
  });

  it("scores zero on every case, public and hidden; with every solution put back, full marks and npm start trains", async () => {
    const fixtures = loadFixtures();
    const stubbed = await gradeSubmission(kit, fixtures);
    expect(stubbed.score).to.equal(0);
    expect(stubbed.cases.filter((c) => !/not implemented: /.test(c.output)).map((c) => c.name)).to.deep.equal([]);
    const solved = filledKit(kit, join(tmp, "kit-solved"), () => true);
    expect(findStubs(solved)).to.deep.equal([]);
    const r = await gradeSubmission(solved, fixtures);
    expect(r.cases.filter((c) => c.status !== "passed").map((c) => `${c.name}: ${c.output}`)).to.deep.equal([]);
    expect(r.score).to.equal(fixtures.flatMap((f) => f.cases).reduce((s, c) => s + c.points, 0));
    const start = run("npm", ["start", "--", "--epochs", "1", "--limit", "2000"], solved);
    expect(start.code, start.out).to.equal(0);
    expect(start.out).to.match(/test accuracy \d+\.\d+%/);
  });
});

// The same checks run in this repository's kernel against the reference solution.
describe("check cells on the reference solution", () => {
  it("every part passes its worked example, and a broken part reports the relative error and the hint", () => {
    for (const p of PARTS) expect(runCheck(p.name).passed, p.name).to.equal(true);
    const examples = loadExamples();
    const linear = { ...examples.Linear!, expected: { ...examples.Linear!.expected } };
    const dx = linear.expected.dx as { shape: number[]; data: number[] };
    linear.expected.dx = { ...dx, data: dx.data.map((v) => -v) };
    const r = runCheck("Linear", { ...examples, Linear: linear });
    expect(r.passed).to.equal(false);
    expect(r.lines).to.deep.equal([`dx max relative error 1.0e+0 > 1e-7: dx = dout W^T`]);
    expect(() => runCheck("Linnear")).to.throw(/unknown part "Linnear": the parts are "softmaxCrossEntropy", "Linear"/);
  });
});
