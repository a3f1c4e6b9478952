// Nothing in the student kit answers a graded case, hidden cases leak nothing into visible feedback,
// and no score depends on an object the student's code can replace.
import { expect } from "chai";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GradescopeResults } from "../grading/report";
import { scoreCase } from "../grading/score";
import { append, atStartOf, releasedKit, resultsOf, type Run, runGrader, testOf, variant } from "./grading-submissions";

interface ShippedCase {
  name: string;
  probe: string;
  inputs: { logits: { data: number[] } };
  expected: { loss: number; grad: { shape: number[]; data: number[] } };
}

/** Every softmax cross-entropy case the kit ships with its expected outputs, wherever the kit keeps them. */
function shippedSoftmaxCases(kit: string): ShippedCase[] {
  const found: ShippedCase[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== "node_modules") walk(join(d, e.name));
      else if (e.name.endsWith(".json")) {
        try {
          const f = JSON.parse(readFileSync(join(d, e.name), "utf8")) as { cases?: ShippedCase[] };
          found.push(...(f.cases ?? []).filter((c) => c.probe === "loss.softmax_ce" && c.expected));
        } catch {
          // not JSON the kit ships as data
        }
      }
    }
  };
  walk(join(kit, "grading"));
  return found;
}

describe("grader: answers and trust", function () {
  this.timeout(420000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-answers-"));
  const dir = join(tmp, "submissions");
  const out = join(tmp, "out");
  let run: Run;
  const results = (name: string): GradescopeResults => resultsOf(out, name);
  const test = testOf;
  const brokenSgd = { "lib/optim/sgd.ts": append("SGD.prototype.step = function (this: SGD): void {};") };

  before(async () => {
    mkdirSync(dir, { recursive: true });
    // A lookup table of everything the kit ships, in an otherwise unsolved kit.
    const table: Record<string, ShippedCase["expected"]> = {};
    for (const c of shippedSoftmaxCases(releasedKit().dir)) table[c.inputs.logits.data.join(",")] = c.expected;
    expect(Object.keys(table).length, "the kit ships worked examples of softmax cross-entropy").to.be.above(0);
    const lookup = join(dir, "lookup-table");
    cpSync(releasedKit().dir, lookup, { recursive: true, filter: (p) => !p.includes("node_modules") });
    const file = join(lookup, "lib", "losses", "softmax-cross-entropy.ts");
    const lookupCode = `  const table: Record<string, { loss: number; grad: { shape: number[]; data: number[] } }> = ${JSON.stringify(table)};
  const hit = table[Array.from(logits.data).join(",")];
  if (!hit) throw new Error("not in the table");
  return { loss: hit.loss, grad: Tensor.from(hit.grad.data, hit.grad.shape), probs: logits } as any;`;
    writeFileSync(
      file,
      atStartOf(
        /export function softmaxCrossEntropy\(/,
        lookupCode,
      )(readFileSync(file, "utf8").replace(/import type \{ Tensor \}/, "import { Tensor }")),
    );
    // Remembers the shape of every batch it sees and tells it in the next Linear's error.
    variant(dir, "hidden-leak", {
      "lib/losses/softmax-cross-entropy.ts": atStartOf(
        /export function softmaxCrossEntropy\(/,
        '  ((globalThis as any).seen ??= []).push(logits.shape.join("x"));',
      ),
      "lib/layers/linear.ts": atStartOf(
        /^\s*forward\(x: Tensor\): Tensor \{/m,
        '    if (x.size > 0) throw new Error(`seen: ${((globalThis as any).seen ?? []).join(",")}`);',
      ),
    });
    // Does not train, but answers "correct" for rows in class order.
    variant(dir, "argmax-cheat", {
      ...brokenSgd,
      "lib/tensor/tensor.ts": append(`(Tensor.prototype as any).argmax = function (this: Tensor): Int32Array {
  const n = this.shape[0]!, k = this.shape[1]!;
  return Int32Array.from({ length: n }, (_, i) => Math.min(k - 1, Math.floor((k * i) / n)));
};`),
    });
    // Does not train, but rewrites the reply on its way out.
    variant(dir, "reply-forger", {
      ...brokenSgd,
      "lib/losses/regression.ts": append(`{
  const p = process as any;
  for (const key of ["_send", "send"]) {
    const original = p[key];
    if (typeof original !== "function") continue;
    p[key] = function (this: unknown, msg: any, ...rest: unknown[]) {
      if (msg && typeof msg === "object" && msg.output && "accuracy" in msg.output) msg.output.accuracy = 1;
      return original.call(this, msg, ...rest);
    };
  }
}`),
      "lib/optim/sgd.ts": (s) => `import "../losses/regression";\n${brokenSgd["lib/optim/sgd.ts"](s)}`,
    });
    run = await runGrader(["--batch", dir, "--csv", join(tmp, "gradebook.csv"), "--out-dir", out, "--jobs", "2"], {
      timeoutMs: 400000,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
  });

  it("a lookup table of the kit's worked examples earns nothing: graded inputs are drawn afresh", () => {
    const r = results("lookup-table");
    const visible = test(r, "a-linear-classifier: softmax cross-entropy: loss and gradient (small batch)");
    expect(visible.output).to.match(/not in the table/);
    expect(r.score).to.equal(0);
  });

  it("hidden cases run in their own sandbox: visible feedback never shows their inputs", () => {
    const r = results("hidden-leak");
    const visible = test(r, "a-linear-classifier: linear layer: forward and backward");
    expect(visible.output).to.match(/seen: 4x5/);
    expect(visible.output).to.not.match(/6x10|64x10/);
  });

  it("accuracy is computed by the grader from the raw outputs, not by the student's Tensor.argmax", () => {
    const r = results("argmax-cheat");
    expect(test(r, "c-mlp: training: a 2-64-3 MLP learns the spirals").score).to.equal(0);
  });

  it("replacing process.send or process._send cannot change what the grader sees", () => {
    const r = results("reply-forger");
    expect(test(r, "c-mlp: training: a 2-64-3 MLP learns the spirals").score).to.equal(0);
  });
});

describe("grader: scoring", () => {
  const gradientCase = {
    name: "a gradient case",
    points: 3,
    visibility: "visible" as const,
    timeoutMs: 10000,
    threshold: 1e-7,
    probe: "relu.forward_backward",
    kind: "gradient" as const,
    inputs: {},
    expected: { out: { shape: [2], data: [1, 0] }, dx: { shape: [2], data: [0.5, 0] } },
  };

  it("a gradient case without its numerical self-check fails", () => {
    const v = scoreCase(gradientCase, { out: { shape: [2], data: [1, 0] }, dx: { shape: [2], data: [0.5, 0] } });
    expect(v.passed).to.equal(false);
    expect(v.message).to.match(/no numerical gradient check/);
  });

  it("a gradient case whose backward disagrees with its own forward's numerical gradient fails", () => {
    const v = scoreCase(gradientCase, {
      out: { shape: [2], data: [1, 0] },
      dx: { shape: [2], data: [0.5, 0] },
      selfCheck: { dx: { shape: [2], data: [0.25, 0] } },
    });
    expect(v.passed).to.equal(false);
    expect(v.message).to.match(/dx disagrees with a numerical gradient of your forward/);
  });

  it("passes with matching outputs and self-check, and refuses malformed outputs without throwing", () => {
    const good = {
      out: { shape: [2], data: [1, 0] },
      dx: { shape: [2], data: [0.5, 0] },
      selfCheck: { dx: { shape: [2], data: [0.5, 0] } },
    };
    expect(scoreCase(gradientCase, good).passed).to.equal(true);
    const sparse: number[] = [];
    sparse.length = 2 ** 32 - 1;
    const malformed: [string, unknown][] = [
      ["3 values for shape [2]", { shape: [3], data: [0.5, 0] }],
      ["a sparse array of 2^32 - 1", { shape: [2 ** 32 - 1], data: sparse }],
      ["a negative dimension", { shape: [-2], data: [] }],
      ["a string among the values", { shape: [2], data: [0.5, "0"] }],
      ["null", null],
      ["a string", "0.5"],
    ];
    for (const [what, dx] of malformed) {
      const v = scoreCase(gradientCase, { ...good, dx } as never);
      expect(v.passed, what).to.equal(false);
    }
  });
});
