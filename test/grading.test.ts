// The autograder: the reference solution scores full marks, and broken or hostile submissions get
// the expected partial scores without crashing or fooling the grader. (The student kit's own tests, its
// zero score and the round trip to full marks, are in release.test.ts.)
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gradeBatch } from "../grading/cli";
import { buildGradescopeBundle } from "../grading/gradescope";
import { gradeSubmission, type GradeResult } from "../grading/grade";
import { stripSolutions } from "../grading/markers";
import { gradedCases, randomSeed } from "../grading/reference";
import { gradebookCsv, gradescopeResults, markdownReport } from "../grading/report";

const ROOT = resolve(__dirname, "..");
// Every case on fresh inputs, as a grading run draws them (the seed is in the failure messages).
const seed = randomSeed();
const fixtures = gradedCases(seed);
const maxScore = fixtures.flatMap((f) => f.cases).reduce((s, c) => s + c.points, 0);

function byName(r: GradeResult): Map<string, GradeResult["cases"][number]> {
  return new Map(r.cases.map((c) => [c.name, c]));
}

/** A copy of the reference lib/ with one file edited. */
function variant(root: string, name: string, file: string, edit: (src: string) => string): string {
  const dir = join(root, name);
  cpSync(join(ROOT, "lib"), join(dir, "lib"), { recursive: true });
  const path = join(dir, "lib", file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`variant ${name}: the edit changed nothing in ${file}`);
  writeFileSync(path, after);
  return dir;
}

describe("solution markers", () => {
  it("replace each region by a stub at its indentation and refuse unbalanced markers", () => {
    const src =
      "function f(): number {\n  const a = 1;\n  // BEGIN SOLUTION f's body\n  return a + 1;\n  // END SOLUTION\n}\n";
    const r = stripSolutions(src, "x.ts");
    expect(r.source).to.equal(
      "function f(): number {\n  const a = 1;\n  // TODO: f's body\n  throw new Error(\"not implemented: f's body\");\n}\n",
    );
    expect(r.regions).to.deep.equal([{ begin: 3, end: 5, what: "f's body" }]);
    expect(() => stripSolutions("// BEGIN SOLUTION\n", "y.ts")).to.throw(/y\.ts:1: BEGIN SOLUTION is never closed/);
    expect(() => stripSolutions("// END SOLUTION\n", "z.ts")).to.throw(
      /z\.ts:1: END SOLUTION without a BEGIN SOLUTION/,
    );
  });
});

describe("autograder", function () {
  this.timeout(240000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-grading-"));

  it("gives the reference solution full marks", async () => {
    const r = await gradeSubmission(ROOT, fixtures);
    expect(
      r.cases.filter((c) => c.status !== "passed").map((c) => `${c.name}: ${c.output}`),
      `seed ${seed}`,
    ).to.deep.equal([]);
    expect(r.score).to.equal(maxScore);
    expect(maxScore).to.be.above(30);
  });

  describe("broken and hostile submissions", () => {
    const dir = join(tmp, "submissions");
    let results: Map<string, GradeResult>;
    before(async () => {
      mkdirSync(dir, { recursive: true });
      variant(dir, "syntax-error", "layers/linear.ts", (s) =>
        s.replace("const out = x.matmul(this.weight.value);", "const out = x.matmul(this.weight.value); const = ;"),
      );
      variant(dir, "type-error", "layers/conv2d.ts", (s) =>
        s.replace("const F = this.outChannels;", 'const F: number = "many";'),
      );
      // replaceAll: l2Loss is declared twice (its typed overload, then the implementation).
      variant(dir, "missing-export", "losses/regression.ts", (s) =>
        s.replaceAll("export function l2Loss", "export function l2LossRenamed"),
      );
      variant(dir, "throws", "autodiff/value.ts", (s) =>
        s.replace("this.grad += (1 - out.data * out.data) * out.grad;", 'throw new Error("tanh backward is broken");'),
      );
      variant(dir, "nan", "losses/regression.ts", (s) =>
        s.replace("return { losses, grad: diff };", "return { losses, grad: diff.mulInPlace(NaN) };"),
      );
      variant(dir, "wrong-shape", "layers/linear.ts", (s) =>
        s.replace("return dout.matmul(this.weight.value.T);", "return dout.matmul(this.weight.value.T).T;"),
      );
      variant(dir, "relu-mask", "layers/activations.ts", (s) =>
        s.replace(/(BEGIN SOLUTION ReLU backward.*\n)[^]*?(\s*\/\/ END SOLUTION)/, "$1    dx.set(dout);$2"),
      );
      variant(dir, "infinite-loop", "layers/conv2d.ts", (s) =>
        s.replace("const F = this.outChannels;", "const F = this.outChannels;\n    while (F >= 0) { /* spin */ }"),
      );
      variant(dir, "memory-bomb", "losses/softmax-cross-entropy.ts", (s) =>
        s.replace(
          "const { probs, lse } = softmaxRows(logits);",
          "const hog: Float64Array[] = [];\n  for (;;) hog.push(new Float64Array(1 << 24).fill(1));\n  const { probs, lse } = softmaxRows(logits);",
        ),
      );
      variant(dir, "early-exit", "losses/regression.ts", (s) =>
        s.replace(
          "const diff = pred.sub(target);\n  const perExample",
          "if (pred.size > 0) process.exit(0);\n  const diff = pred.sub(target);\n  const perExample",
        ),
      );
      variant(dir, "reads-answers", "losses/softmax-cross-entropy.ts", (s) =>
        s.replace(
          "const { probs, lse } = softmaxRows(logits);",
          `require("fs").readFileSync(${JSON.stringify(join(ROOT, "grading", "fixtures", "a-linear-classifier.json"))});\n  const { probs, lse } = softmaxRows(logits);`,
        ),
      );
      variant(dir, "forges-results", "layers/linear.ts", (s) =>
        s.replace(
          "const out = x.matmul(this.weight.value);",
          `require("fs").writeFileSync(${JSON.stringify(join(dir, "forged-results.json"))}, '{"score": 100}');\n    const out = x.matmul(this.weight.value);`,
        ),
      );
      variant(dir, "spawns", "layers/conv2d.ts", (s) =>
        s.replace(
          "const F = this.outChannels;",
          'require("child_process").execSync("echo hi");\n    const F = this.outChannels;',
        ),
      );
      variant(dir, "starts-worker", "losses/regression.ts", (s) =>
        s.replace(
          "const diff = pred.sub(target);\n  const perExample",
          'new (require("worker_threads").Worker)("while (true) {}", { eval: true });\n  const diff = pred.sub(target);\n  const perExample',
        ),
      );
      variant(dir, "network", "autodiff/value.ts", (s) =>
        s.replace(
          "this.grad += Math.cos(this.data) * out.grad;",
          'require("https").get("https://127.0.0.1:9/");\n      this.grad += Math.cos(this.data) * out.grad;',
        ),
      );
      variant(dir, "floods-output", "layers/activations.ts", (s) =>
        s.replace(
          /(BEGIN SOLUTION ReLU forward.*\n)/,
          '$1    for (let i = 0; i < 100000; i++) console.log("spam spam spam spam spam");\n',
        ),
      );
      mkdirSync(join(dir, "empty"));
      const rows = await gradeBatch(dir, { jobs: 2 });
      results = new Map(rows.map((r) => [r.name, r.result]));
    });

    const expectations: [string, Record<string, RegExp>, number][] = [
      // [submission, { case name: expected feedback }, points lost]
      [
        "syntax-error",
        {
          "linear layer: forward and backward":
            /not gradable|does not compile: lib\/layers\/linear\.ts:\d+:\d+ - error TS/,
          "Linear: a wider layer": /does not compile/,
          "training: a 2-64-3 MLP learns the spirals": /does not compile/,
        },
        3 + 3 + 5,
      ],
      [
        "type-error",
        {
          "Conv2d forward: 3x3, stride 1, padding 1":
            /does not compile: lib\/layers\/conv2d\.ts:\d+:\d+ - error TS2322/,
          "Conv2d backward: dx, dW, db": /does not compile/,
        },
        3 + 3 + 5,
      ],
      ["missing-export", { "L2 loss and its gradient": /does not compile: grading\/probes\/losses-l2\.ts.*l2Loss/ }, 2],
      [
        "throws",
        { "expression at two random points": /Error: tanh backward is broken \(at lib\/autodiff\/value\.ts:\d+:\d+\)/ },
        4 + 6,
      ],
      [
        "nan",
        { "L2 loss and its gradient": /grad contains NaN at flat index 0: dL\/dpred = \(pred - target\) \/ N/ },
        2,
      ],
      [
        "wrong-shape",
        { "linear layer: forward and backward": /dx has shape \[5, 3\], expected \[3, 5\]: dx = dout W\^T/ },
        3 + 3 + 5,
      ],
      [
        "relu-mask",
        {
          "ReLU: forward and backward":
            /dx max relative error .* > 1e-7: dx = dout where x > 0, else 0: check the ReLU mask/,
        },
        2 + 5,
      ],
      ["infinite-loop", { "Conv2d forward: 3x3, stride 1, padding 1": /timed out after 10 s/ }, 3 + 3 + 5],
      [
        "memory-bomb",
        { "softmax cross-entropy: loss and gradient (small batch)": /memory|heap|allocation|killed/i },
        3 + 2 + 2 + 5,
      ],
      ["early-exit", { "L2 loss and its gradient": /the process exited early \(process\.exit\?\)/ }, 2],
      [
        "reads-answers",
        {
          "softmax cross-entropy: loss and gradient (small batch)":
            /ERR_ACCESS_DENIED|Access to this API has been restricted/,
        },
        3 + 2 + 2 + 5,
      ],
      [
        "forges-results",
        { "linear layer: forward and backward": /ERR_ACCESS_DENIED|Access to this API has been restricted/ },
        3 + 3 + 5,
      ],
      [
        "spawns",
        { "Conv2d forward: 3x3, stride 1, padding 1": /ERR_ACCESS_DENIED|Access to this API has been restricted/ },
        3 + 3 + 5,
      ],
      ["starts-worker", { "L2 loss and its gradient": /ERR_ACCESS_DENIED|Access to this API has been restricted/ }, 2],
      ["network", { "expression at two random points": /network access \(.*\) is not allowed while grading/ }, 4 + 6],
    ];

    for (const [name, feedback, lost] of expectations) {
      it(`${name}: loses ${lost} points, with clear feedback`, () => {
        const r = results.get(name)!;
        expect(r.notGradable).to.equal(null);
        const cases = byName(r);
        for (const [caseName, pattern] of Object.entries(feedback)) {
          const c = cases.get(caseName)!;
          expect(c, caseName).to.not.equal(undefined);
          expect(c.score, `${caseName}: ${c.output}`).to.equal(0);
          expect(c.output, caseName).to.match(pattern);
        }
        const failures = r.cases
          .filter((c) => c.status !== "passed")
          .map((c) => `${c.name}: ${c.output.split("\n")[0]}`);
        expect(r.score, failures.join("\n")).to.equal(maxScore - lost);
      });
    }

    it("output past the cap is counted and ignored, never an error: printing correct code loses nothing", () => {
      const r = results.get("floods-output")!;
      expect(r.score).to.equal(maxScore);
      const relu = byName(r).get("ReLU: forward and backward")!;
      expect(relu.printedBytes).to.be.above(1 << 20);
      expect(relu.output).to.match(/printed \d+\.\d MB of console output; the grader reads none of it/);
    });

    it("compile errors are 'not gradable', apart from wrong answers", () => {
      const syntax = byName(results.get("syntax-error")!).get("linear layer: forward and backward")!;
      expect(syntax.status).to.equal("not gradable");
      const wrong = byName(results.get("relu-mask")!).get("ReLU: forward and backward")!;
      expect(wrong.status).to.equal("failed");
      const gs = gradescopeResults(results.get("syntax-error")!);
      expect(gs.tests.find((t) => t.name.endsWith("linear layer: forward and backward"))!.output).to.match(
        /^Not gradable: does not compile/,
      );
    });

    it("a folder without lib/ is not gradable as a whole", () => {
      const r = results.get("empty")!;
      expect(r.score).to.equal(0);
      expect(r.notGradable).to.match(/has no lib\/ folder/);
      expect(markdownReport(r)).to.contain("**Not gradable:**");
    });

    it("nothing the submissions did escaped the sandbox", () => {
      expect(existsSync(join(dir, "forged-results.json"))).to.equal(false);
    });

    it("writes a gradebook with one row per submission", () => {
      const rows = [...results.entries()]
        .map(([name, result]) => ({ name, result }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const csv = gradebookCsv(rows).trim().split("\n");
      expect(csv.length).to.equal(rows.length + 1);
      expect(csv[0]).to.match(
        /^submission,score,max_score,status,a-linear-classifier: softmax cross-entropy: loss and gradient \(small batch\),/,
      );
      expect(csv.find((l) => l.startsWith("empty,"))).to.match(/^empty,0,\d+,not gradable,/);
      expect(csv.find((l) => l.startsWith("syntax-error,"))).to.contain("partly not gradable");
    });
  });

  it("Gradescope results carry score, max_score and per-test status, output and visibility", async () => {
    const r = await gradeSubmission(ROOT, gradedCases(seed, ["b-scalar-backprop"]));
    const gs = gradescopeResults(r);
    expect(gs.score).to.equal(gs.max_score);
    expect(gs.tests.map((t) => [t.status, t.visibility])).to.deep.equal([
      ["passed", "visible"],
      ["passed", "after_published"],
    ]);
    expect(gs.tests[0]).to.have.keys(["name", "score", "max_score", "status", "output", "visibility"]);
  });
});

describe("Gradescope bundle", function () {
  this.timeout(120000);

  it("has setup.sh and run_autograder, the case generators and the reference solution, and grades a submission into results.json", () => {
    const tmp = mkdtempSync(join(tmpdir(), "tsdl-gradescope-"));
    const source = join(tmp, "autograder", "source");
    const files = buildGradescopeBundle(source);
    expect(files).to.include.members(["grading/cli.ts", "grading/specs/index.ts", "lib/layers/linear.ts"]);
    expect(readFileSync(join(source, "lib", "layers", "linear.ts"), "utf8")).to.contain("BEGIN SOLUTION");
    for (const script of ["setup.sh", "run_autograder"]) {
      expect(statSync(join(source, script)).mode & 0o111, script).to.not.equal(0);
    }
    const setup = readFileSync(join(source, "setup.sh"), "utf8");
    expect(setup).to.match(/apt-get install -y -qq util-linux/);
    expect(setup).to.match(/npm ci --ignore-scripts/);
    // Run it as Gradescope would, on a copy of the reference solution.
    symlinkSync(join(ROOT, "node_modules"), join(source, "node_modules"));
    cpSync(join(ROOT, "lib"), join(tmp, "autograder", "submission", "lib"), { recursive: true });
    execFileSync("bash", [join(source, "run_autograder")], {
      env: { ...process.env, AUTOGRADER_ROOT: join(tmp, "autograder") },
    });
    const results = JSON.parse(readFileSync(join(tmp, "autograder", "results", "results.json"), "utf8"));
    const log = readFileSync(join(tmp, "autograder", "results", "grader.log"), "utf8");
    expect(results.score, log).to.equal(maxScore);
    expect(results.max_score).to.equal(maxScore);
    expect(results.tests.length).to.equal(fixtures.flatMap((f) => f.cases).length);
  });
});
