// LayerNorm: gradient checks (float64, <= 1e-8), statistics by hand, agreement with BatchNorm on the
// transpose, float32, parameters and saving, errors. PyTorch's numbers: pytorch-reference.test.ts.
import { expect } from "chai";
import { checkLayer, relError } from "../lib/gradcheck";
import { BatchNorm1d } from "../lib/layers/batchnorm";
import { LayerNorm } from "../lib/layers/layernorm";
import { loadStateDict, stateDict } from "../lib/layers/serialize";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";

function randomizeAffine(ln: LayerNorm, rng: Rng): void {
  ln.gamma.value.copyFrom(Tensor.randn(ln.gamma.value.shape, rng, { mean: 1, std: 0.5 }));
  ln.beta.value.copyFrom(Tensor.randn(ln.beta.value.shape, rng));
}

describe("LayerNorm", () => {
  const rng = new Rng(1805);

  it("backward matches centred differences in float64 (max rel error <= 1e-8): input, gamma, beta", () => {
    const cases: [LayerNorm<boolean>, number[]][] = [
      [new LayerNorm(6), [5, 6]],
      [new LayerNorm([3, 2, 2]), [2, 3, 2, 2]],
      [new LayerNorm([4]), [2, 3, 4]],
      [new LayerNorm(5, { elementwiseAffine: false }), [3, 5]],
      [new LayerNorm([2, 3], { eps: 1e-2 }), [4, 2, 3]],
    ];
    for (const [ln, shape] of cases) {
      if (ln.gamma !== null) randomizeAffine(ln as LayerNorm, rng);
      const report = checkLayer(ln, Tensor.randn(shape, rng, { mean: 1, std: 2 }), { seed: shape.length });
      expect(report.ok, `${ln.describe()} on [${shape.join(", ")}]\n${report.toString()}`).to.equal(true);
      expect(report.rows.map((r) => r.name)).to.deep.equal(ln.gamma === null ? ["input"] : ["input", "gamma", "beta"]);
    }
  });

  it("by hand: the row [1, 3, 5, 7] has mean 4 and biased variance 5; gamma and beta act elementwise", () => {
    const ln = new LayerNorm(4);
    ln.gamma.value.copyFrom(tensor([1, 2, 1, -1]));
    ln.beta.value.copyFrom(tensor([0, 0, 0.5, 0]));
    const y = ln.forward(
      tensor([
        [1, 3, 5, 7],
        [2, 2, 2, 2],
      ]),
    );
    const s = Math.sqrt(5 + 1e-5);
    [-3 / s, (2 * -1) / s, 1 / s + 0.5, -3 / s].forEach((v, j) => expect(y.get(0, j)).to.be.closeTo(v, 1e-15));
    // A constant row normalises to 0, so its output is beta.
    expect(y.toFlatArray().slice(4)).to.deep.equal([0, 0, 0.5, 0]);
  });

  it("each sample's output has mean 0 and variance var / (var + eps), the same in training and eval", () => {
    const ln = new LayerNorm([3, 4], { eps: 1e-3 });
    const x = Tensor.randn([5, 3, 4], rng, { mean: 2, std: 3 });
    const y = ln.forward(x);
    for (let i = 0; i < 5; i++) {
      const row = x.slice(0, i, i + 1).toFlatArray();
      const out = y.slice(0, i, i + 1).toFlatArray();
      const mean = row.reduce((a, b) => a + b, 0) / 12;
      const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 12;
      expect(out.reduce((a, b) => a + b, 0) / 12).to.be.closeTo(0, 1e-15);
      expect(out.reduce((a, b) => a + b * b, 0) / 12).to.be.closeTo(v / (v + 1e-3), 1e-14);
    }
    expect(ln.eval().forward(x).toFlatArray()).to.deep.equal(y.toFlatArray());
  });

  it("without affine it is BatchNorm1d (affine: false) on the transpose: statistics per sample instead of per feature", () => {
    const x = Tensor.randn([4, 7], rng, { std: 2 });
    const dout = Tensor.randn([4, 7], rng);
    const ln = new LayerNorm(7, { elementwiseAffine: false });
    const bn = new BatchNorm1d(4, { affine: false });
    const y = ln.forward(x);
    const dx = ln.backward(dout);
    expect(relError(y, bn.forward(x.T).T)).to.be.at.most(1e-14);
    expect(relError(dx, bn.backward(dout.T).T)).to.be.at.most(1e-12);
  });

  it("parameter gradients: dbeta = sum of dout over samples, dgamma = sum of dout xhat", () => {
    const ln = new LayerNorm(3);
    randomizeAffine(ln, rng);
    const x = Tensor.randn([6, 3], rng);
    const dout = Tensor.randn([6, 3], rng);
    ln.forward(x);
    ln.backward(dout);
    const xhat = new LayerNorm(3, { elementwiseAffine: false }).forward(x);
    expect(relError(ln.beta.grad, dout.sum(0))).to.be.at.most(1e-15);
    expect(relError(ln.gamma.grad, dout.mul(xhat).sum(0))).to.be.at.most(1e-14);
    // backward sets (does not add): a second pass gives the same gradients.
    ln.backward(dout);
    expect(relError(ln.beta.grad, dout.sum(0))).to.be.at.most(1e-15);
  });

  it("float32 in and out, matching float64 to float32 precision", () => {
    const x = Tensor.randn([4, 2, 5], rng, { mean: 1 });
    const dout = Tensor.randn([4, 2, 5], rng);
    const l64 = new LayerNorm([2, 5]);
    const l32 = new LayerNorm([2, 5], { dtype: "float32" });
    randomizeAffine(l64, rng);
    l32.gamma.value.copyFrom(l64.gamma.value.astype("float32"));
    l32.beta.value.copyFrom(l64.beta.value.astype("float32"));
    const y32 = l32.forward(x.astype("float32"));
    const dx32 = l32.backward(dout.astype("float32"));
    expect([y32.dtype, dx32.dtype, l32.gamma.grad.dtype]).to.deep.equal(["float32", "float32", "float32"]);
    const y64 = l64.forward(x);
    const dx64 = l64.backward(dout);
    y32.data.forEach((v, i) => expect(v).to.be.closeTo(y64.data[i]!, 1e-5));
    dx32.data.forEach((v, i) => expect(v).to.be.closeTo(dx64.data[i]!, 1e-5));
    l32.gamma.grad.data.forEach((v, i) => expect(v).to.be.closeTo(l64.gamma.grad.data[i]!, 1e-5));
    // Without affine there is no dtype to match: it follows the input.
    expect(new LayerNorm(5, { elementwiseAffine: false }).forward(Tensor.zeros([2, 5], "float32")).dtype).to.equal(
      "float32",
    );
  });

  it("gamma and beta are parameters without weight decay, saved and loaded; none without affine", () => {
    const ln = new LayerNorm([2, 3]);
    expect(ln.parameters().map((p) => [p.name, [...p.value.shape], p.decay])).to.deep.equal([
      ["gamma", [2, 3], false],
      ["beta", [2, 3], false],
    ]);
    expect(ln.gamma.value.toFlatArray()).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(ln.beta.value.toFlatArray()).to.deep.equal([0, 0, 0, 0, 0, 0]);
    randomizeAffine(ln, rng);
    const copy = new LayerNorm([2, 3]);
    loadStateDict(copy, stateDict(ln));
    expect(copy.gamma.value.toFlatArray()).to.deep.equal(ln.gamma.value.toFlatArray());
    const plain = new LayerNorm(4, { elementwiseAffine: false });
    expect([plain.gamma, plain.beta, plain.parameters().length]).to.deep.equal([null, null, 0]);
    expect(Object.keys(stateDict(plain).tensors)).to.deep.equal([]);
    expect(ln.describe()).to.equal("LayerNorm([2, 3], eps=0.00001)");
    expect(plain.describe()).to.equal("LayerNorm([4], eps=0.00001, elementwiseAffine=false)");
  });

  it("errors name the normalised shape, the input's shape, dtypes and bad options", () => {
    expect(() => new LayerNorm([3, 4]).forward(Tensor.zeros([2, 4, 3]))).to.throw(
      /LayerNorm\.forward: expected input of shape \[\.\.\., 3, 4\] \(the normalised shape last\), got \[2, 4, 3\]/,
    );
    expect(() => new LayerNorm([3, 4]).forward(Tensor.zeros([4]))).to.throw(/expected input of shape \[\.\.\., 3, 4\]/);
    expect(() => new LayerNorm(3).forward(Tensor.zeros([2, 3], "float32"))).to.throw(
      /LayerNorm\.forward: dtype mismatch: input float32 \[2, 3\] vs parameters float64/,
    );
    const nan = Tensor.zeros([2, 3]);
    nan.set(NaN, 1, 0);
    expect(() => new LayerNorm(3).forward(nan)).to.throw(/LayerNorm\.forward input: NaN at index \[1, 0\]/);
    const ln = new LayerNorm(3);
    expect(() => ln.backward(Tensor.zeros([2, 3]))).to.throw(/LayerNorm\.backward: called before forward/);
    ln.forward(Tensor.randn([2, 3], rng));
    expect(() => ln.backward(Tensor.zeros([3, 3]))).to.throw(
      /upstream gradient has shape \[3, 3\], expected the forward output's shape \[2, 3\]/,
    );
    expect(() => ln.backward(Tensor.zeros([2, 3], "float32"))).to.throw(/LayerNorm\.backward: dtype mismatch/);
    expect(() => new LayerNorm([])).to.throw(/normalizedShape must be one or more positive integers, got \[\]/);
    expect(() => new LayerNorm([3, 0])).to.throw(/got \[3,0\]/);
    expect(() => new LayerNorm(2.5)).to.throw(/got 2\.5/);
    expect(() => new LayerNorm(3, { eps: 0 })).to.throw(/LayerNorm: eps must be a positive number, got 0/);
  });
});
