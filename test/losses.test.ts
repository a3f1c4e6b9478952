import { expect } from "chai";
import { numericalGradient, relError } from "../lib/gradcheck";
import { parameter } from "../lib/layers/layer";
import { hingeLoss } from "../lib/losses/hinge";
import { l2Distance, l2Loss, mseLoss } from "../lib/losses/regression";
import { l2Regularization } from "../lib/losses/regularization";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";

const rng = new Rng(31);

function expectGrad(loss: (x: Tensor) => { loss: number; grad: Tensor }, x: Tensor): void {
  const analytic = loss(x).grad;
  const numeric = numericalGradient(() => loss(x).loss, x, 1e-3, 4);
  expect(relError(analytic, numeric)).to.be.at.most(1e-8);
}

describe("losses", () => {
  it("softmax cross-entropy matches a hand computation", () => {
    // Row 0: logits (0, ln 3): p = (1/4, 3/4), label 1 -> -ln(3/4). Row 1: equal logits, label 0 -> ln 2.
    const { loss, grad, probs } = softmaxCrossEntropy(tensor([[0, Math.log(3)], [5, 5]]), [1, 0]);
    expect(loss).to.be.closeTo((-Math.log(0.75) + Math.log(2)) / 2, 1e-15);
    probs.toFlatArray().forEach((p, i) => expect(p).to.be.closeTo([0.25, 0.75, 0.5, 0.5][i]!, 1e-15));
    grad.toFlatArray().forEach((g, i) => expect(g).to.be.closeTo([0.125, -0.125, -0.25, 0.25][i]!, 1e-15));
  });

  it("softmax cross-entropy is finite for huge logits and accepts one-hot labels", () => {
    const { loss, grad } = softmaxCrossEntropy(tensor([[1e4, 0, -1e4]]), [2]);
    expect(loss).to.equal(2e4);
    expect(grad.toFlatArray()).to.deep.equal([1, 0, -1]);
    const onehot = softmaxCrossEntropy(tensor([[1, 2, 3]]), tensor([[0, 0, 1]]));
    expect(onehot.loss).to.be.closeTo(softmaxCrossEntropy(tensor([[1, 2, 3]]), [2]).loss, 1e-15);
  });

  it("softmax cross-entropy, MSE and L2 gradients match numerical gradients", () => {
    const labels = Int32Array.from({ length: 6 }, () => rng.int(5));
    expectGrad((x) => softmaxCrossEntropy(x, labels), Tensor.randn([6, 5], rng, { std: 2 }));
    const target = Tensor.randn([4, 3], rng);
    expectGrad((x) => mseLoss(x, target), Tensor.randn([4, 3], rng));
    expectGrad((x) => l2Loss(x, target), Tensor.randn([4, 3], rng));
  });

  it("hinge loss matches a direct loop and a hand example, and its gradient away from the margin", () => {
    // Scores (3, 1, 2.5), label 0, margin 1: margins 1-3+1 = -1 (0), 2.5-3+1 = 0.5 -> loss 0.5.
    const small = hingeLoss(tensor([[3, 1, 2.5]]), [0]);
    expect(small.loss).to.equal(0.5);
    expect(small.grad.toFlatArray()).to.deep.equal([-1, 0, 1]);
    const scores = Tensor.randn([7, 4], rng);
    const labels = Int32Array.from({ length: 7 }, () => rng.int(4));
    let ref = 0;
    for (let i = 0; i < 7; i++) for (let j = 0; j < 4; j++) if (j !== labels[i]) ref += Math.max(0, scores.get(i, j) - scores.get(i, labels[i]!) + 1);
    expect(hingeLoss(scores, labels).loss).to.be.closeTo(ref / 7, 1e-14);
    // Kink exception: keep every margin at least 0.05 away from 0 (2h = 2e-3 with the stencil used).
    for (let i = 0; i < 7; i++) for (let j = 0; j < 4; j++) {
      if (j === labels[i]) continue;
      const m = scores.get(i, j) - scores.get(i, labels[i]!) + 1;
      if (Math.abs(m) < 0.05) scores.set(scores.get(i, j) + 0.1, i, j);
    }
    expectGrad((x) => hingeLoss(x, labels), scores);
  });

  it("L2 distance and the batch convention of l2Loss", () => {
    expect(l2Distance(tensor([[1, 2], [3, 4]]), tensor([[1, 2], [0, 0]]))).to.equal(5);
    const { loss, grad } = l2Loss(tensor([[1, 2], [3, 4]]), tensor([[1, 2], [0, 0]]));
    expect(loss).to.equal(25 / 4); // sum of squares / (2 N), N = 2
    expect(grad.toFlatArray()).to.deep.equal([0, 0, 1.5, 2]);
    expect(mseLoss(tensor([1, 3]), tensor([0, 0])).loss).to.equal(5);
  });

  it("L2 regularisation adds reg*W to decaying parameters only, in both conventions", () => {
    const w = parameter("W", tensor([[1, -2], [3, 0]]));
    const b = parameter("b", tensor([5, 5]), false);
    w.grad.fill(1);
    expect(l2Regularization([w, b], 0.1)).to.be.closeTo(0.5 * 0.1 * 14, 1e-15);
    expect(w.grad.toFlatArray().map((v) => Math.round(v * 1e12) / 1e12)).to.deep.equal([1.1, 0.8, 1.3, 1]);
    expect(b.grad.toFlatArray()).to.deep.equal([0, 0]);
    w.grad.fill(0);
    expect(l2Regularization([w], 0.1, "full")).to.be.closeTo(1.4, 1e-15);
    expect(w.grad.toFlatArray().map((v) => Math.round(v * 1e12) / 1e12)).to.deep.equal([0.2, -0.4, 0.6, 0]);
    // The penalty's gradient is its numerical derivative.
    const x = parameter("x", Tensor.randn([3, 2], rng));
    const num = numericalGradient(() => { const p = parameter("p", x.value); return l2Regularization([p], 0.3); }, x.value, 1e-3, 4);
    l2Regularization([x], 0.3);
    expect(relError(x.grad, num)).to.be.at.most(1e-8);
  });

  it("bad labels and shapes name the problem", () => {
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0, 3])).to.throw(/label 3 at index 1 is outside the 3 classes/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), [0])).to.throw(/1 labels for 2 rows/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([6]), [0])).to.throw(/expected scores of shape \[N, C\], got \[6\]/);
    expect(() => mseLoss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2]))).to.throw(/prediction \[2, 3\] and target \[3, 2\]/);
  });
});
