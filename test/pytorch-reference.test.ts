// The kit against PyTorch's numbers: the losses (every reduction), LayerNorm, Softmax and LogSoftmax
// over several axes, BatchNorm with affine: false, and Value.sqrt/abs. The reference data,
// test/reference/pytorch.json, was printed by test/reference/pytorch_reference.py (PyTorch 1.13, float64,
// fixed seed; the file holds the inputs as well as the results, and says how to regenerate it). PyTorch
// is never a dependency of the kit: only that script imports it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { Value } from "../lib/autodiff/value";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import type { Layer } from "../lib/layers/layer";
import { LayerNorm } from "../lib/layers/layernorm";
import { LogSoftmax, Softmax } from "../lib/layers/softmax";
import { bceWithLogitsLoss } from "../lib/losses/bce";
import { hingeLoss } from "../lib/losses/hinge";
import { nllLoss } from "../lib/losses/nll";
import type { LossResult, Reduction } from "../lib/losses/reduction";
import { mseLoss } from "../lib/losses/regression";
import { huberLoss, l1Loss, smoothL1Loss } from "../lib/losses/robust";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";

interface Saved {
  shape: number[];
  values: number[];
}
interface LossCase {
  loss: string;
  reduction: Reduction;
  options: Record<string, number | Saved>;
  inputs: Record<string, Saved>;
  output: number | Saved;
  grads: Record<string, Saved>;
}
interface LayerCase {
  layer: string;
  options: { axis?: number; normalizedShape?: number[]; eps?: number; momentum?: number; elementwiseAffine?: boolean };
  x: Saved;
  params: Record<string, Saved>;
  dout: Saved;
  y: Saved;
  dx: Saved;
  dparams: Record<string, Saved>;
  runningMean?: number[];
  runningVarUnbiased?: number[];
  batchVarBiased?: number[];
}
interface Reference {
  torch: string;
  losses: LossCase[];
  layers: LayerCase[];
  scalars: { op: "sqrt" | "abs"; x: number[]; y: number[]; grad: number[] }[];
}

const reference = JSON.parse(readFileSync(join(__dirname, "reference", "pytorch.json"), "utf8")) as Reference;

const toTensor = (s: Saved, dtype: DType = "float64"): Tensor => Tensor.from(s.values, s.shape, dtype);

/**
 * |ours - theirs| <= tol * max(1, max |theirs|) entry by entry: float64 agrees to ~1e-15 (summation order
 * differs), float32 to its own precision on the tensor's scale.
 */
function expectClose(
  ours: Tensor | number[] | number,
  theirs: Saved | number[] | number,
  tol: number,
  what: string,
): void {
  const a = typeof ours === "number" ? [ours] : ours instanceof Tensor ? Array.from(ours.data) : ours;
  const b = typeof theirs === "number" ? [theirs] : Array.isArray(theirs) ? theirs : theirs.values;
  if (ours instanceof Tensor && !(typeof theirs === "number" || Array.isArray(theirs)))
    expect([...ours.shape], `${what}: shape`).to.deep.equal(theirs.shape);
  expect(a.length, `${what}: size`).to.equal(b.length);
  const scale = Math.max(1, ...b.map(Math.abs));
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= tol * scale))
      expect.fail(`${what}[${i}]: ours ${a[i]}, PyTorch ${b[i]} (|diff| ${Math.abs(a[i]! - b[i]!).toExponential(2)})`);
  }
}

const num = (c: LossCase, key: string): number => c.options[key] as number;

/** The kit's loss for a PyTorch case; hinge is scaled by C, the factor MultiMarginLoss divides by. */
function kitLoss(c: LossCase, dtype: DType): { result: LossResult<Reduction>; scale: number } {
  const x = toTensor(c.inputs.input!, dtype);
  const t = c.inputs.target!;
  const labels = t.values;
  const reduction = c.reduction;
  switch (c.loss) {
    case "cross_entropy":
      return { result: softmaxCrossEntropy(x, labels, { reduction }), scale: 1 };
    case "nll_loss": {
      const weight = c.options.weight as Saved | undefined;
      return {
        result: nllLoss(x, labels, {
          reduction,
          ...(weight === undefined ? {} : { weight: toTensor(weight), ignoreIndex: num(c, "ignore_index") }),
        }),
        scale: 1,
      };
    }
    case "binary_cross_entropy_with_logits": {
      const pw = c.options.pos_weight as Saved | undefined;
      const posWeight = pw === undefined ? undefined : toTensor(pw);
      return { result: bceWithLogitsLoss(x, toTensor(t, dtype), { reduction, posWeight }), scale: 1 };
    }
    case "l1_loss":
      return { result: l1Loss(x, toTensor(t, dtype), { reduction }), scale: 1 };
    case "mse_loss":
      return { result: mseLoss(x, toTensor(t, dtype), { reduction }), scale: 1 };
    case "huber_loss":
      return { result: huberLoss(x, toTensor(t, dtype), { reduction, delta: num(c, "delta") }), scale: 1 };
    case "smooth_l1_loss":
      return { result: smoothL1Loss(x, toTensor(t, dtype), { reduction, beta: num(c, "beta") }), scale: 1 };
    case "multi_margin_loss":
      return { result: hingeLoss(x, labels, { reduction, margin: num(c, "margin") }), scale: x.shape[1]! };
    default:
      throw new Error(`no kit loss for PyTorch's ${c.loss}`);
  }
}

describe(`PyTorch reference (torch ${reference.torch}, test/reference/pytorch_reference.py)`, () => {
  describe("losses: value and gradient, every reduction, float64 and float32", () => {
    for (const c of reference.losses) {
      // Numbers are shown; tensor options by name only.
      const shown = Object.entries(c.options).map(([k, v]) => (typeof v === "number" ? `${k} ${v}` : k));
      const opts = shown.length === 0 ? "" : ` with ${shown.join(", ")}`;
      it(`${c.loss} (${c.reduction})${opts}`, () => {
        for (const [dtype, tol] of [
          ["float64", 1e-13],
          ["float32", 2e-6],
        ] as const) {
          const { result, scale } = kitLoss(c, dtype);
          const loss = result.loss instanceof Tensor ? result.loss.mul(1 / scale) : result.loss / scale;
          expectClose(loss, c.output, tol, `${c.loss} ${c.reduction} ${dtype}: loss`);
          expectClose(result.grad.mul(1 / scale), c.grads.input!, tol, `${c.loss} ${c.reduction} ${dtype}: grad`);
          expect(result.grad.dtype).to.equal(dtype);
        }
      });
    }
  });

  describe("layers: output, dx and parameter gradients for PyTorch's upstream gradient", () => {
    const make = (c: LayerCase, dtype: DType): Layer => {
      const o = c.options;
      switch (c.layer) {
        case "LayerNorm": {
          const ln = new LayerNorm(o.normalizedShape!, { eps: o.eps, elementwiseAffine: o.elementwiseAffine, dtype });
          ln.gamma?.value.copyFrom(toTensor(c.params.gamma!, dtype));
          ln.beta?.value.copyFrom(toTensor(c.params.beta!, dtype));
          return ln;
        }
        case "Softmax":
          return new Softmax({ axis: o.axis });
        case "LogSoftmax":
          return new LogSoftmax({ axis: o.axis });
        case "BatchNorm1d":
          return new BatchNorm1d(c.x.shape[1]!, { affine: false, eps: o.eps, momentum: o.momentum, dtype });
        case "BatchNorm2d":
          return new BatchNorm2d(c.x.shape[1]!, { affine: false, eps: o.eps, momentum: o.momentum, dtype });
        default:
          throw new Error(`no kit layer for PyTorch's ${c.layer}`);
      }
    };

    for (const c of reference.layers) {
      it(`${c.layer} ${JSON.stringify(c.options)} on [${c.x.shape.join(", ")}]`, () => {
        for (const [dtype, tol] of [
          ["float64", 1e-13],
          ["float32", 1e-5],
        ] as const) {
          const layer = make(c, dtype);
          const what = `${c.layer} ${dtype}`;
          const y = layer.forward(toTensor(c.x, dtype));
          expectClose(y, c.y, tol, `${what}: y`);
          expectClose(layer.backward(toTensor(c.dout, dtype)), c.dx, tol, `${what}: dx`);
          const params = layer.parameters();
          expect(params.map((p) => p.name)).to.deep.equal(Object.keys(c.dparams));
          for (const p of params) expectClose(p.grad, c.dparams[p.name]!, tol, `${what}: d${p.name}`);
          if (c.runningMean !== undefined) {
            const bn = layer as BatchNorm1d<false>;
            expectClose(bn.runningMean, c.runningMean, tol, `${what}: runningMean`);
            // The kit keeps the biased batch variance (cs231n); PyTorch the unbiased one, M / (M - 1) larger.
            const m = c.x.values.length / c.x.shape[1]!;
            const expected = c.runningVarUnbiased!.map((v) => 0.9 + ((v - 0.9) * (m - 1)) / m);
            expectClose(bn.runningVar, expected, tol, `${what}: runningVar`);
            expectClose(
              expected,
              c.batchVarBiased!.map((v) => 0.9 + 0.1 * v),
              1e-14,
              `${what}: the conversion`,
            );
          }
        }
      });
    }
  });

  it("Value.sqrt and Value.abs: values and derivatives (abs' subgradient 0 at 0, as PyTorch)", () => {
    for (const { op, x, y, grad } of reference.scalars) {
      x.forEach((p, i) => {
        const v = new Value(p);
        const out = op === "sqrt" ? v.sqrt() : v.abs();
        out.backward();
        expect(out.data, `${op}(${p})`).to.equal(y[i]);
        expect(v.grad, `d${op}(${p})`).to.be.closeTo(grad[i]!, 1e-15 * Math.abs(grad[i]!));
      });
    }
  });
});
