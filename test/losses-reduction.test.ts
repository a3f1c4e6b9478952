// The losses' `reduction` option ("mean" | "sum" | "none", as PyTorch): what "mean" divides by,
// float64 gradient checks (centred differences, max relative error <= 1e-8) for every reduction,
// float32, and the errors.
import { expect } from "chai";
import { numericalGradient, relError } from "../lib/gradcheck";
import { hingeLoss } from "../lib/losses/hinge";
import type { LossResult, Reduction } from "../lib/losses/reduction";
import { l2Loss, mseLoss } from "../lib/losses/regression";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";

const REDUCTIONS: Reduction[] = ["mean", "sum", "none"];

/** The loss as one number: "none" returns per-sample losses, whose sum the grad belongs to. */
function total(r: LossResult<Reduction>): number {
  return r.loss instanceof Tensor ? r.loss.sumAll() : r.loss;
}

/** d = pred - target kept at least `gap` away from every value in `kinks`, so no difference straddles one. */
function awayFrom(kinks: number[], shape: number[], rng: Rng, gap = 0.05): { pred: Tensor; target: Tensor } {
  const target = Tensor.randn(shape, rng);
  const d = Tensor.randn(shape, rng, { std: 1.5 });
  for (let i = 0; i < d.size; i++)
    for (const k of kinks)
      if (Math.abs(Math.abs(d.data[i]!) - k) < gap) d.data[i] = Math.sign(d.data[i]! || 1) * (k + 2 * gap);
  return { pred: target.add(d), target };
}

describe("losses: the reduction option", () => {
  const rng = new Rng(404);
  const labels = [2, 0, 1, 1, 2];
  const scores = Tensor.randn([5, 3], rng);
  // Hinge kinks (documented exception): keep every margin s_ij - s_iy + 0.5 at least 0.05 from 0.
  for (let i = 0; i < 5; i++)
    for (let j = 0; j < 3; j++) {
      const m = scores.get(i, j) - scores.get(i, labels[i]!) + 0.5;
      if (j !== labels[i] && Math.abs(m) < 0.05) scores.set(scores.get(i, j) + 0.1, i, j);
    }
  const pair = awayFrom([0, 0.7, 1], [4, 3], rng);
  // Every loss with the reduction option: the input it differentiates, the loss, what "mean" divides by, "none"'s shape.
  const losses: [string, Tensor, (r: Reduction) => LossResult<Reduction>, number, number[]][] = [
    ["softmaxCrossEntropy", scores, (reduction) => softmaxCrossEntropy(scores, labels, { reduction }), 5, [5]],
    ["hingeLoss", scores, (reduction) => hingeLoss(scores, labels, { reduction, margin: 0.5 }), 5, [5]],
    ["mseLoss", pair.pred, (reduction) => mseLoss(pair.pred, pair.target, { reduction }), 12, [4, 3]],
    ["l2Loss", pair.pred, (reduction) => l2Loss(pair.pred, pair.target, { reduction }), 4, [4]],
  ];

  for (const [name, input, loss, divisor, noneShape] of losses) {
    it(`${name}: "none" gives the per-sample losses, "sum" their sum, "mean" the sum / ${divisor}; grads alike`, () => {
      const none = loss("none");
      const sum = loss("sum");
      const mean = loss("mean");
      expect(none.loss).to.be.instanceOf(Tensor);
      const per = none.loss as Tensor;
      expect(per.shape).to.deep.equal(noneShape);
      expect(per.toFlatArray().every((v) => v >= 0)).to.equal(true);
      expect(sum.loss).to.be.closeTo(per.sumAll(), 1e-14 * Math.max(1, Math.abs(per.sumAll())));
      expect(mean.loss).to.be.closeTo((sum.loss as number) / divisor, 1e-15 * Math.max(1, sum.loss as number));
      // The gradients: "none" and "sum" are the same, "mean" is that over the divisor.
      expect(none.grad.toFlatArray()).to.deep.equal(sum.grad.toFlatArray());
      expect(relError(mean.grad, sum.grad.mul(1 / divisor))).to.be.at.most(1e-15);
      expect(mean.grad.shape).to.deep.equal(input.shape);
      // The default is "mean".
      expect(loss(undefined as unknown as Reduction).loss).to.equal(mean.loss);
    });

    it(`${name}: gradient matches the numerical gradient for every reduction (float64, <= 1e-8)`, () => {
      for (const reduction of REDUCTIONS) {
        const analytic = loss(reduction).grad;
        const numeric = numericalGradient(() => total(loss(reduction)), input, 1e-3, 4);
        expect(relError(analytic, numeric), `${name} ${reduction}`).to.be.at.most(1e-8);
      }
    });
  }

  it("l2Loss and softmaxCrossEntropy keep the assignment's mean (the region) and agree with their per-sample form", () => {
    const pred = Tensor.randn([6, 2], rng);
    const target = Tensor.randn([6, 2], rng);
    const perExample = l2Loss(pred, target, { reduction: "none" }).loss;
    for (let i = 0; i < 6; i++) {
      const d0 = pred.get(i, 0) - target.get(i, 0);
      const d1 = pred.get(i, 1) - target.get(i, 1);
      expect(perExample.get(i)).to.be.closeTo((d0 * d0 + d1 * d1) / 2, 1e-15);
    }
    expect(l2Loss(pred, target).loss).to.be.closeTo(perExample.sumAll() / 6, 1e-15);
    // Cross-entropy "none" is -log p[i, y_i], with the probabilities returned alongside.
    const ce = softmaxCrossEntropy(scores, labels, { reduction: "none" });
    labels.forEach((y, i) => expect(ce.loss.get(i)).to.be.closeTo(-Math.log(ce.probs.get(i, y)), 1e-14));
  });

  it("a float32 input gives a float32 per-sample tensor and grad, summed in float64", () => {
    const p32 = pair.pred.astype("float32");
    const t32 = pair.target.astype("float32");
    const none = mseLoss(p32, t32, { reduction: "none" });
    expect([none.loss.dtype, none.grad.dtype]).to.deep.equal(["float32", "float32"]);
    let exact = 0;
    // The difference is a float32 (pred.sub(target)); its square and the sum are float64.
    for (let i = 0; i < p32.size; i++) exact += Math.fround(p32.data[i]! - t32.data[i]!) ** 2;
    expect(mseLoss(p32, t32, { reduction: "sum" }).loss).to.be.closeTo(exact, 1e-12 * exact);
    expect(hingeLoss(scores.astype("float32"), labels, { reduction: "none" }).loss.dtype).to.equal("float32");
  });

  it("refuses a reduction that is not one of the three names", () => {
    const bad = { reduction: "avg" } as unknown as { reduction: Reduction };
    expect(() => mseLoss(pair.pred, pair.target, bad)).to.throw(
      /mseLoss: reduction must be "mean", "sum" or "none", got "avg"/,
    );
    expect(() => softmaxCrossEntropy(scores, labels, bad)).to.throw(/softmaxCrossEntropy: reduction must be/);
    expect(() => hingeLoss(scores, labels, bad)).to.throw(/hingeLoss: reduction must be/);
    expect(() => l2Loss(pair.pred, pair.target, bad)).to.throw(/l2Loss: reduction must be/);
  });

  it("hingeLoss still takes the margin as a number", () => {
    const s = tensor([[3, 1, 2.5]]);
    expect(hingeLoss(s, [0], 2).loss).to.equal(1.5);
    expect(hingeLoss(s, [0], { margin: 2 }).loss).to.equal(1.5);
    expect(() => hingeLoss(s, [0], { margin: -1 })).to.throw(/margin must be a finite number >= 0, got -1/);
  });
});
