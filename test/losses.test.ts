import type * as tfjs from "@tensorflow/tfjs";
import { expect } from "chai";
import { numericalGradient, relError } from "../lib/gradcheck";
import { parameter } from "../lib/layers/layer";
import { hingeLoss } from "../lib/losses/hinge";
import { l2Distance, l2Loss, mseLoss } from "../lib/losses/regression";
import { l2Regularization } from "../lib/losses/regularization";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

const rng = new Rng(31);
const H = 1e-5;

/** Analytic gradient vs the centred difference (h = 1e-5) of the loss itself, float64. */
function gradError(loss: (x: Tensor) => { loss: number; grad: Tensor }, x: Tensor): number {
  const analytic = loss(x).grad;
  const numeric = numericalGradient(() => loss(x).loss, x, H);
  return relError(analytic, numeric);
}

function oneHot(labels: Int32Array, c: number): Tensor {
  const t = Tensor.zeros([labels.length, c]);
  labels.forEach((y, i) => t.set(1, i, y));
  return t;
}

describe("softmax cross-entropy", function () {
  this.timeout(20000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });

  it("matches a hand computation", () => {
    // Row 0: logits (0, ln 3): p = (1/4, 3/4), label 1 -> -ln(3/4). Row 1: equal logits, label 0 -> ln 2.
    // dlogits = (p - onehot) / N with N = 2.
    const { loss, grad, probs } = softmaxCrossEntropy(
      tensor([
        [0, Math.log(3)],
        [5, 5],
      ]),
      [1, 0],
    );
    expect(loss).to.be.closeTo((-Math.log(0.75) + Math.log(2)) / 2, 1e-15);
    probs.toFlatArray().forEach((p, i) => expect(p).to.be.closeTo([0.25, 0.75, 0.5, 0.5][i]!, 1e-15));
    grad.toFlatArray().forEach((g, i) => expect(g).to.be.closeTo([0.125, -0.125, -0.25, 0.25][i]!, 1e-15));
  });

  it("is finite for huge logits (1e4) and gives the same answer for shifted logits", () => {
    const { loss, grad, probs } = softmaxCrossEntropy(tensor([[1e4, 0, -1e4]]), [2]);
    expect(loss).to.equal(2e4); // -log p_2 = lse - s_2 = 1e4 - (-1e4)
    expect(grad.toFlatArray()).to.deep.equal([1, 0, -1]);
    expect(probs.toFlatArray()).to.deep.equal([1, 0, 0]);
    // Softmax is shift-invariant: logits + 1e4 must give the same loss as the originals.
    const base = tensor([
      [0.3, -1.2, 2.0],
      [1.0, 1.5, -0.5],
    ]);
    const a = softmaxCrossEntropy(base, [2, 0]);
    const b = softmaxCrossEntropy(base.add(1e4), [2, 0]);
    expect(b.loss).to.be.closeTo(a.loss, 1e-11);
    expect(relError(a.grad, b.grad)).to.be.below(1e-9);
  });

  it("accepts Int32Array, number[] and one-hot labels alike", () => {
    const logits = Tensor.randn([5, 4], rng);
    const labels = Int32Array.from([3, 0, 1, 1, 2]);
    const a = softmaxCrossEntropy(logits, labels);
    const b = softmaxCrossEntropy(logits, Array.from(labels));
    const c = softmaxCrossEntropy(logits, oneHot(labels, 4));
    expect(b.loss).to.equal(a.loss);
    expect(c.loss).to.equal(a.loss);
    expect(c.grad.toFlatArray()).to.deep.equal(a.grad.toFlatArray());
  });

  it("gradient matches the numerical gradient (float64, <= 1e-8)", () => {
    // Unit-variance logits: with much larger ones some probabilities fall to ~1e-4 and the per-entry relative
    // error of a centred difference at h = 1e-5 is then dominated by round-off in the loss, not by the gradient.
    const labels = Int32Array.from({ length: 4 }, () => rng.int(5));
    expect(gradError((x) => softmaxCrossEntropy(x, labels), Tensor.randn([4, 5], rng))).to.be.at.most(1e-8);
  });

  it("agrees with tf.losses.softmaxCrossEntropy and its tf.grad, in float64 and float32", () => {
    const labels = Int32Array.from({ length: 8 }, () => rng.int(10));
    const logits = Tensor.randn([8, 10], rng, { std: 3 });
    const onehot = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
    const f = (z: tfjs.Tensor): tfjs.Scalar => tf.losses.softmaxCrossEntropy(onehot, z) as tfjs.Scalar;
    const z = tf.tensor(Array.from(logits.data), [8, 10], "float32");
    const refLoss = f(z).dataSync()[0]!;
    const refGrad = tf.grad(f)(z).dataSync();
    for (const x of [logits, logits.astype("float32")]) {
      const { loss, grad } = softmaxCrossEntropy(x, labels);
      expect(grad.dtype).to.equal(x.dtype);
      expect(loss).to.be.closeTo(refLoss, 1e-5 * Math.max(1, Math.abs(refLoss)));
      // Gradient entries are at most 1/N in size; float32 tolerance on that scale.
      grad.data.forEach((g, i) => expect(g, `dlogits[${i}] (${x.dtype})`).to.be.closeTo(refGrad[i]!, 1e-6));
    }
  });

  it("names the bad label, both counts, the shape, and NaN logits", () => {
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0, 3])).to.throw(
      /label 3 at index 1 is outside the 3 classes/,
    );
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0, -1])).to.throw(/label -1 at index 1/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0.5, 1])).to.throw(/label 0.5 at index 0/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0])).to.throw(/1 labels for 2 rows/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([6]), [0])).to.throw(/expected scores of shape \[N, C\], got \[6\]/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), Tensor.zeros([2, 4]))).to.throw(
      /one-hot labels must have shape \[2, 3\].*got \[2, 4\]/,
    );
    expect(() => softmaxCrossEntropy(Tensor.zeros([1, 3]), tensor([[0.2, 0.8, 0]]))).to.throw(/row 0 is not a one-hot/);
    const nan = Tensor.zeros([2, 3]);
    nan.set(NaN, 1, 2);
    expect(() => softmaxCrossEntropy(nan, [0, 1])).to.throw(/NaN at \[1, 2\]/);
  });
});

describe("hinge loss (multiclass SVM)", () => {
  /** Direct double loop, written independently of the library. */
  function reference(s: Tensor, y: Int32Array, margin: number): number {
    const [n, c] = s.shape as [number, number];
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < c; j++) if (j !== y[i]) total += Math.max(0, s.get(i, j) - s.get(i, y[i]!) + margin);
    return total / n;
  }

  it("matches a hand-computed example", () => {
    // Row 0: scores (3, 1, 2.5), label 0: margins 1-3+1 = -1 (0), 2.5-3+1 = 0.5 -> 0.5, grad (-1, 0, 1).
    // Row 1: scores (0, 2, 1), label 1: margins 0-2+1 = -1 (0), 1-2+1 = 0 (not > 0) -> 0, grad 0.
    // Mean over N = 2: loss 0.25, grad halved.
    const { loss, grad } = hingeLoss(
      tensor([
        [3, 1, 2.5],
        [0, 2, 1],
      ]),
      [0, 1],
    );
    expect(loss).to.equal(0.25);
    expect(grad.toFlatArray()).to.deep.equal([-0.5, 0, 0.5, 0, 0, 0]);
    // margin 2 on row 0: 1-3+2 = 0 (0), 2.5-3+2 = 1.5; two-sided count only for positive margins.
    const m2 = hingeLoss(tensor([[3, 1, 2.5]]), [0], 2);
    expect(m2.loss).to.equal(1.5);
    expect(m2.grad.toFlatArray()).to.deep.equal([-1, 0, 1]);
    // Both wrong classes violate: (0, 0.5, 0.2), label 0: 1.5 + 1.2 = 2.7, grad (-2, 1, 1).
    const both = hingeLoss(tensor([[0, 0.5, 0.2]]), [0]);
    expect(both.loss).to.be.closeTo(2.7, 1e-15);
    expect(both.grad.toFlatArray()).to.deep.equal([-2, 1, 1]);
  });

  it("matches a direct loop on random scores, with integer and one-hot labels", () => {
    const scores = Tensor.randn([9, 5], rng);
    const labels = Int32Array.from({ length: 9 }, () => rng.int(5));
    for (const margin of [1, 0.3]) {
      expect(hingeLoss(scores, labels, margin).loss).to.be.closeTo(reference(scores, labels, margin), 1e-14);
      expect(hingeLoss(scores, oneHot(labels, 5), margin).loss).to.be.closeTo(reference(scores, labels, margin), 1e-14);
    }
  });

  it("gradient matches the numerical gradient away from the margin kink", () => {
    const scores = Tensor.randn([7, 4], rng);
    const labels = Int32Array.from({ length: 7 }, () => rng.int(4));
    // Documented kink exception: push every margin at least 0.05 away from 0 (h = 1e-5), so the centred
    // difference never straddles the hinge. Moving a wrong-class score changes only its own margin.
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 4; j++) {
        if (j === labels[i]) continue;
        const m = scores.get(i, j) - scores.get(i, labels[i]!) + 1;
        if (Math.abs(m) < 0.05) scores.set(scores.get(i, j) + 0.1, i, j);
      }
    // The data must exercise both sides of the hinge for the check to mean anything.
    const g = hingeLoss(scores, labels).grad.toFlatArray();
    expect(g.some((v) => v > 0)).to.equal(true);
    expect(g.some((v, k) => v === 0 && k % 4 !== labels[Math.floor(k / 4)])).to.equal(true);
    expect(gradError((x) => hingeLoss(x, labels), scores)).to.be.at.most(1e-8);
  });

  it("refuses bad labels and a negative margin", () => {
    expect(() => hingeLoss(Tensor.zeros([2, 3]), [0, 5])).to.throw(/label 5 at index 1 is outside the 3 classes/);
    expect(() => hingeLoss(Tensor.zeros([2, 3]), [0, 1, 2])).to.throw(/3 labels for 2 rows/);
    expect(() => hingeLoss(Tensor.zeros([2, 3]), [0, 1], -1)).to.throw(/margin must be/);
  });
});

describe("regression losses", () => {
  it("MSE is 1/M over all elements, l2Loss is 1/(2N) over the batch, l2Distance is the Euclidean norm", () => {
    const pred = tensor([
      [1, 2],
      [3, 4],
    ]);
    const target = tensor([
      [1, 2],
      [0, 0],
    ]);
    // Squared errors 0, 0, 9, 16: sum 25, M = 4 elements, N = 2 rows.
    const mse = mseLoss(pred, target);
    expect(mse.loss).to.equal(25 / 4);
    expect(mse.grad.toFlatArray()).to.deep.equal([0, 0, 1.5, 2]); // 2 (pred - target) / 4
    const l2 = l2Loss(pred, target);
    expect(l2.loss).to.equal(25 / 4); // 25 / (2 * 2)
    expect(l2.grad.toFlatArray()).to.deep.equal([0, 0, 1.5, 2]); // (pred - target) / 2
    // The two differ once a row has more than 2 entries: 3 columns, 1 row, errors (1, 2, 2).
    expect(mseLoss(tensor([[1, 2, 2]]), Tensor.zeros([1, 3])).loss).to.equal(3); // 9 / 3
    expect(l2Loss(tensor([[1, 2, 2]]), Tensor.zeros([1, 3])).loss).to.equal(4.5); // 9 / 2
    expect(l2Distance(pred, target)).to.equal(5);
    expect(l2Distance(tensor([1, 2, 2]), Tensor.zeros([3]))).to.equal(3);
  });

  it("gradients match numerical gradients (float64, <= 1e-8)", () => {
    const target = Tensor.randn([4, 3], rng);
    expect(gradError((x) => mseLoss(x, target), Tensor.randn([4, 3], rng))).to.be.at.most(1e-8);
    expect(gradError((x) => l2Loss(x, target), Tensor.randn([4, 3], rng))).to.be.at.most(1e-8);
  });

  it("keeps float32 and refuses mismatched shapes, dtypes and NaN", () => {
    const p = tensor([1, 2], undefined, "float32");
    expect(mseLoss(p, Tensor.zeros([2], "float32")).grad.dtype).to.equal("float32");
    expect(() => mseLoss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2]))).to.throw(
      /prediction \[2, 3\] and target \[3, 2\]/,
    );
    expect(() => l2Loss(p, Tensor.zeros([2]))).to.throw(/dtype mismatch/);
    expect(() => l2Distance(tensor([1, NaN]), tensor([0, 0]))).to.throw(/NaN at \[1\]/);
  });
});

describe("L2 regularisation", () => {
  it("adds reg*W to decaying parameters only, in both conventions", () => {
    const w = parameter(
      "W",
      tensor([
        [1, -2],
        [3, 0],
      ]),
    );
    const b = parameter("b", tensor([5, 5]), false);
    w.grad.fill(1);
    // "half": 0.5 * 0.1 * (1 + 4 + 9) = 0.7; grad += 0.1 W.
    expect(l2Regularization([w, b], 0.1)).to.be.closeTo(0.7, 1e-15);
    w.grad.data.forEach((v, i) => expect(v).to.be.closeTo([1.1, 0.8, 1.3, 1][i]!, 1e-15));
    expect(b.grad.toFlatArray()).to.deep.equal([0, 0]);
    // "full" (cs231n): 0.1 * 14 = 1.4; grad += 0.2 W.
    w.grad.fill(0);
    expect(l2Regularization([w, b], 0.1, "full")).to.be.closeTo(1.4, 1e-15);
    w.grad.data.forEach((v, i) => expect(v).to.be.closeTo([0.2, -0.4, 0.6, 0][i]!, 1e-15));
    expect(() => l2Regularization([w], -1)).to.throw(/reg must be >= 0/);
  });

  it("the added gradient is the penalty's numerical derivative", () => {
    for (const convention of ["half", "full"] as const) {
      const x = parameter("x", Tensor.randn([3, 2], rng));
      const num = numericalGradient(() => l2Regularization([parameter("p", x.value)], 0.3, convention), x.value, H);
      l2Regularization([x], 0.3, convention);
      expect(relError(x.grad, num), convention).to.be.at.most(1e-8);
    }
  });
});
