// The losses' `reduction` option ("mean" | "sum" | "none", as PyTorch) and the losses added with it
// (nllLoss, bceWithLogitsLoss, l1Loss, huberLoss, smoothL1Loss): hand-computed values, what "mean"
// divides by, float64 gradient checks (centred differences, max relative error <= 1e-8) for every
// reduction, float32, and the errors. PyTorch's own numbers are compared in pytorch-reference.test.ts.
import { expect } from "chai";
import { numericalGradient, relError } from "../lib/gradcheck";
import { bceWithLogitsLoss } from "../lib/losses/bce";
import { hingeLoss } from "../lib/losses/hinge";
import { nllLoss } from "../lib/losses/nll";
import type { LossResult, Reduction } from "../lib/losses/reduction";
import { l2Loss, mseLoss } from "../lib/losses/regression";
import { huberLoss, l1Loss, smoothL1Loss } from "../lib/losses/robust";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { logSoftmax } from "../lib/layers/softmax";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";

const REDUCTIONS: Reduction[] = ["mean", "sum", "none"];

/** The loss as one number: "none" returns per-sample losses, whose sum the grad belongs to. */
function total(r: LossResult<Reduction>): number {
  return r.loss instanceof Tensor ? r.loss.sumAll() : r.loss;
}

/**
 * Analytic gradient vs the centred difference of the loss itself, float64, with checkLayer's default
 * fourth-order stencil (h = 1e-3): inputs stay 2h away from kinks.
 */
function gradError(loss: (x: Tensor) => LossResult<Reduction>, x: Tensor): number {
  const analytic = loss(x).grad;
  return relError(
    analytic,
    numericalGradient(() => total(loss(x)), x, 1e-3, 4),
  );
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
  const logProbs = logSoftmax(Tensor.randn([5, 3], rng));
  const pair = awayFrom([0, 0.7, 1], [4, 3], rng);
  const soft = Tensor.uniform([4, 3], rng);
  // Every loss with the reduction option: the input it differentiates, the loss, what "mean" divides by, "none"'s shape.
  const losses: [string, Tensor, (r: Reduction) => LossResult<Reduction>, number, number[]][] = [
    ["softmaxCrossEntropy", scores, (reduction) => softmaxCrossEntropy(scores, labels, { reduction }), 5, [5]],
    ["nllLoss", logProbs, (reduction) => nllLoss(logProbs, labels, { reduction }), 5, [5]],
    ["hingeLoss", scores, (reduction) => hingeLoss(scores, labels, { reduction, margin: 0.5 }), 5, [5]],
    ["mseLoss", pair.pred, (reduction) => mseLoss(pair.pred, pair.target, { reduction }), 12, [4, 3]],
    ["l2Loss", pair.pred, (reduction) => l2Loss(pair.pred, pair.target, { reduction }), 4, [4]],
    ["l1Loss", pair.pred, (reduction) => l1Loss(pair.pred, pair.target, { reduction }), 12, [4, 3]],
    ["huberLoss", pair.pred, (reduction) => huberLoss(pair.pred, pair.target, { reduction, delta: 0.7 }), 12, [4, 3]],
    ["smoothL1Loss", pair.pred, (reduction) => smoothL1Loss(pair.pred, pair.target, { reduction }), 12, [4, 3]],
    ["bceWithLogitsLoss", pair.pred, (reduction) => bceWithLogitsLoss(pair.pred, soft, { reduction }), 12, [4, 3]],
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
    expect(() => nllLoss(scores, labels, bad)).to.throw(/nllLoss: reduction must be/);
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

describe("nllLoss", () => {
  it("picks -z[i, y_i] and averages by hand, with class weights and an ignored label", () => {
    const z = tensor([
      [-0.5, -1.5, -2],
      [-3, -0.25, -1],
      [-1, -2, -0.125],
    ]);
    expect(nllLoss(z, [0, 1, 2]).loss).to.equal((0.5 + 0.25 + 0.125) / 3);
    expect(nllLoss(z, [0, 1, 2]).grad.toFlatArray()).to.deep.equal([-1 / 3, 0, 0, 0, -1 / 3, 0, 0, 0, -1 / 3]);
    // Weights (2, 1, 4): the mean divides by the weights of the labels, 2 + 1 + 4 = 7 (PyTorch's weighted mean).
    const w = nllLoss(z, [0, 1, 2], { weight: [2, 1, 4] });
    expect(w.loss).to.equal((2 * 0.5 + 1 * 0.25 + 4 * 0.125) / 7);
    expect(w.grad.toFlatArray()).to.deep.equal([-2 / 7, 0, 0, 0, -1 / 7, 0, 0, 0, -4 / 7]);
    // Sample 1 ignored: it adds nothing, and the mean divides by the other two weights (2 + 4).
    const ig = nllLoss(z, [0, -100, 2], { weight: tensor([2, 1, 4]), ignoreIndex: -100 });
    expect(ig.loss).to.equal((2 * 0.5 + 4 * 0.125) / 6);
    expect(ig.grad.toFlatArray()).to.deep.equal([-2 / 6, 0, 0, 0, 0, 0, 0, 0, -4 / 6]);
    expect(nllLoss(z, [0, -100, 2], { ignoreIndex: -100, reduction: "none" }).loss.toFlatArray()).to.deep.equal([
      0.5, 0, 0.125,
    ]);
    // ignoreIndex may be a real class too (e.g. a background class).
    expect(nllLoss(z, [0, 1, 2], { ignoreIndex: 1 }).loss).to.equal((0.5 + 0.125) / 2);
  });

  it("of logSoftmax is softmaxCrossEntropy, value and gradient (chained through logSoftmax's Jacobian)", () => {
    const rng = new Rng(5);
    const s = Tensor.randn([6, 4], rng, { std: 2 });
    const y = [3, 0, 0, 1, 2, 3];
    const z = logSoftmax(s);
    const nll = nllLoss(z, y);
    const ce = softmaxCrossEntropy(s, y);
    expect(nll.loss).to.be.closeTo(ce.loss, 1e-15);
    // dL/ds = dL/dz - p sum_j dL/dz_j per row.
    const p = ce.probs;
    const ds = nll.grad.clone();
    for (let i = 0; i < 6; i++) {
      let sum = 0;
      for (let j = 0; j < 4; j++) sum += nll.grad.get(i, j);
      for (let j = 0; j < 4; j++) ds.set(ds.get(i, j) - p.get(i, j) * sum, i, j);
    }
    expect(relError(ds, ce.grad)).to.be.at.most(1e-14);
  });

  it("errors name bad labels, weights, ignoreIndex and an empty mean", () => {
    const z = Tensor.zeros([2, 3]);
    expect(() => nllLoss(z, [0, -100])).to.throw(/nllLoss: label -100 at index 1 is outside the 3 classes 0..2/);
    expect(() => nllLoss(z, [0, 1], { weight: [1, 2] })).to.throw(
      /weight must hold one value per class \(\[3\]\), got 2 numbers/,
    );
    expect(() => nllLoss(z, [0, 1], { weight: Tensor.ones([1, 3]) })).to.throw(/got \[1, 3\]/);
    expect(() => nllLoss(z, [0, 1], { weight: [1, -1, 1] })).to.throw(
      /class weights must be finite and >= 0, got -1 for class 1/,
    );
    expect(() => nllLoss(z, [0, 1], { ignoreIndex: 0.5 })).to.throw(/ignoreIndex must be an integer, got 0.5/);
    expect(() => nllLoss(z, [-1, -1], { ignoreIndex: -1 })).to.throw(
      /"mean" reduction divides by the total weight of the labelled samples, which is 0 \(every sample is ignored \(ignoreIndex -1\)/,
    );
    expect(nllLoss(z, [-1, -1], { ignoreIndex: -1, reduction: "sum" }).loss).to.equal(0);
    expect(() => nllLoss(Tensor.zeros([3]), [0])).to.throw(/nllLoss: expected scores of shape \[N, C\], got \[3\]/);
  });
});

describe("bceWithLogitsLoss", () => {
  it("matches -[y log sigma(x) + (1 - y) log(1 - sigma(x))] by hand, and sigma(x) - y", () => {
    const x = tensor([[0, 2, -1]]);
    const y = tensor([[1, 0, 0.25]]);
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const expected = [0, 2, -1].map((v, i) => {
      const t = [1, 0, 0.25][i]!;
      return -(t * Math.log(sig(v)) + (1 - t) * Math.log(1 - sig(v)));
    });
    const none = bceWithLogitsLoss(x, y, { reduction: "none" });
    none.loss.toFlatArray().forEach((v, i) => expect(v).to.be.closeTo(expected[i]!, 1e-14));
    none.grad.toFlatArray().forEach((g, i) => expect(g).to.be.closeTo(sig([0, 2, -1][i]!) - [1, 0, 0.25][i]!, 1e-15));
    expect(bceWithLogitsLoss(x, y).loss).to.be.closeTo((expected[0]! + expected[1]! + expected[2]!) / 3, 1e-14);
  });

  it("is exact for huge logits, where log(sigmoid) gives log(0) and 40 + log1p(e^-40) - 40 gives 0", () => {
    const x = tensor([[800, -800, 40, -40]]);
    const y = tensor([[0, 1, 1, 0]]);
    const { loss, grad } = bceWithLogitsLoss(x, y, { reduction: "none" });
    // A wrong confident answer costs |x|; a right one costs log(1 + e^-40) = e^-40 to double precision,
    // with slope -+sigma(-40) = e^-40 / (1 + e^-40), not a 1 - sigma(40) that rounds to 0.
    const tiny = Math.exp(-40);
    expect(loss.toFlatArray()).to.deep.equal([800, 800, tiny, tiny]);
    expect(grad.toFlatArray()).to.deep.equal([1, -1, -tiny / (1 + tiny), tiny / (1 + tiny)]);
  });

  it("posWeight p scales the positive term: l = -[p y log sigma(x) + (1 - y) log(1 - sigma(x))]", () => {
    const rng = new Rng(8);
    const x = Tensor.randn([3, 2], rng, { std: 2 });
    const y = Tensor.uniform([3, 2], rng);
    const p = tensor([3, 0.5]);
    const none = bceWithLogitsLoss(x, y, { posWeight: p, reduction: "none" });
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++) {
        const s = 1 / (1 + Math.exp(-x.get(i, j)));
        const t = y.get(i, j);
        const pj = p.get(j);
        expect(none.loss.get(i, j)).to.be.closeTo(-(pj * t * Math.log(s) + (1 - t) * Math.log(1 - s)), 1e-14);
        expect(none.grad.get(i, j)).to.be.closeTo(-pj * t * (1 - s) + (1 - t) * s, 1e-15);
      }
    // A number broadcasts to every element; p = 1 is the plain loss.
    expect(bceWithLogitsLoss(x, y, { posWeight: 1 }).loss).to.equal(bceWithLogitsLoss(x, y).loss);
    for (const reduction of REDUCTIONS)
      expect(gradError((v) => bceWithLogitsLoss(v, y, { posWeight: p, reduction }), x.clone())).to.be.at.most(1e-8);
  });

  it("errors name targets outside [0, 1], a posWeight that does not broadcast, and shapes", () => {
    const x = Tensor.zeros([2, 3]);
    expect(() =>
      bceWithLogitsLoss(
        x,
        tensor([
          [0, 1, 2],
          [0, 0, 0],
        ]),
      ),
    ).to.throw(/targets must lie in \[0, 1\], got 2 at flat index 2/);
    expect(() => bceWithLogitsLoss(x, Tensor.zeros([2, 3]), { posWeight: tensor([1, 2]) })).to.throw(
      /posWeight \[2\] does not broadcast to the logits' shape \[2, 3\]/,
    );
    expect(() => bceWithLogitsLoss(x, Tensor.zeros([2, 3]), { posWeight: Tensor.ones([4, 2, 3]) })).to.throw(
      /posWeight \[4, 2, 3\] does not broadcast/,
    );
    expect(() => bceWithLogitsLoss(x, Tensor.zeros([2, 3]), { posWeight: -1 })).to.throw(
      /posWeight must be finite and >= 0, got -1/,
    );
    expect(() => bceWithLogitsLoss(x, Tensor.zeros([3, 2]))).to.throw(/prediction \[2, 3\] and target \[3, 2\]/);
  });
});

describe("l1Loss, huberLoss, smoothL1Loss", () => {
  const pred = tensor([0.5, -2, 3, 0]);
  const target = tensor([0, 0, 0, 0]);

  it("by hand on both pieces, at the joins, and at d = 0 (slope 0 as PyTorch)", () => {
    const l1 = l1Loss(pred, target, { reduction: "none" });
    expect(l1.loss.toFlatArray()).to.deep.equal([0.5, 2, 3, 0]);
    expect(l1.grad.toFlatArray()).to.deep.equal([1, -1, 1, 0]);
    expect(l1Loss(pred, target).loss).to.equal(5.5 / 4);
    // delta 2: quadratic below (0.5 -> 0.125), linear from |d| = 2 on: 2 (2 - 1) = 2, 2 (3 - 1) = 4. At the join
    // d = -2 both pieces give the loss 2 and the slope -2: the loss is continuous with a continuous slope.
    const hub = huberLoss(pred, target, { delta: 2, reduction: "none" });
    expect(hub.loss.toFlatArray()).to.deep.equal([0.125, 2, 4, 0]);
    expect(hub.grad.toFlatArray()).to.deep.equal([0.5, -2, 2, 0]);
    // smooth L1 with beta 2 is huber / 2; beta 0 is L1.
    const sm = smoothL1Loss(pred, target, { beta: 2, reduction: "none" });
    expect(sm.loss.toFlatArray()).to.deep.equal([0.0625, 1, 2, 0]);
    expect(sm.grad.toFlatArray()).to.deep.equal([0.25, -1, 1, 0]);
    expect(smoothL1Loss(pred, target, { beta: 0 }).loss).to.equal(l1Loss(pred, target).loss);
    // Default delta = beta = 1, where the two coincide.
    expect(huberLoss(pred, target).loss).to.equal(smoothL1Loss(pred, target).loss);
  });

  it("refuses a bad delta or beta", () => {
    expect(() => huberLoss(pred, target, { delta: 0 })).to.throw(/huberLoss: delta must be a finite number > 0, got 0/);
    expect(() => smoothL1Loss(pred, target, { beta: -1 })).to.throw(
      /smoothL1Loss: beta must be a finite number >= 0, got -1/,
    );
    expect(() => l1Loss(pred, tensor([0, 0, 0, NaN]))).to.throw(/l1Loss target: NaN at \[3\]/);
  });
});
