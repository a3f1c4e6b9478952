// BatchNorm1d / BatchNorm2d: gradient checks, statistics by hand, running averages, eval mode, tfjs agreement, errors.
import { expect } from "chai";
import type * as tfjs from "@tensorflow/tfjs";
import { checkLayer } from "../lib/gradcheck";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

type BN = BatchNorm1d | BatchNorm2d;

function randomizeAffine(bn: BN, rng: Rng): void {
  bn.gamma.value.copyFrom(Tensor.randn(bn.gamma.value.shape, rng, { mean: 1, std: 0.5 }));
  bn.beta.value.copyFrom(Tensor.randn(bn.beta.value.shape, rng));
}

function expectGradOk(bn: BN, x: Tensor, seed = 0): void {
  const report = checkLayer(bn, x, { seed, threshold: 1e-8 });
  expect(report.ok, `${bn.describe()} (${bn.training ? "train" : "eval"})\n${report.toString()}`).to.equal(true);
  expect(report.rows.map((r) => r.name)).to.deep.equal(["input", "gamma", "beta"]);
}

/** Per-channel values of an [N, C, ...] tensor. */
function channel(x: Tensor, c: number): number[] {
  const inner = x.size / (x.shape[0]! * x.shape[1]!);
  const out: number[] = [];
  for (let n = 0; n < x.shape[0]!; n++)
    for (let k = 0; k < inner; k++) out.push(x.data[(n * x.shape[1]! + c) * inner + k]!);
  return out;
}
const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const varOf = (v: number[]): number => {
  const m = meanOf(v);
  return meanOf(v.map((a) => (a - m) ** 2));
};

describe("BatchNorm: backward matches centred differences in float64 (max rel error <= 1e-8)", () => {
  const rng = new Rng(2718);

  it("BatchNorm1d in training mode: input, gamma, beta", () => {
    const bn = new BatchNorm1d(5);
    randomizeAffine(bn, rng);
    expectGradOk(bn, Tensor.randn([8, 5], rng, { mean: 1, std: 2 }));
    // (N = 2 is avoided: there y = +-gamma sqrt(var/(var+eps)) + beta, so dx is O(eps) and a relative error means nothing.)
    expectGradOk(bn, Tensor.randn([3, 5], rng), 1);
  });

  it("BatchNorm2d in training mode: input, gamma, beta", () => {
    const bn = new BatchNorm2d(3);
    randomizeAffine(bn, rng);
    expectGradOk(bn, Tensor.randn([4, 3, 3, 2], rng, { mean: -1, std: 1.5 }));
    expectGradOk(bn, Tensor.randn([1, 3, 2, 5], rng), 2); // N = 1 is fine: statistics run over H, W too
  });

  it("both in eval mode (running statistics, an affine map)", () => {
    const bn1 = new BatchNorm1d(4);
    randomizeAffine(bn1, rng);
    bn1.forward(Tensor.randn([6, 4], rng, { mean: 2, std: 3 }));
    expectGradOk(bn1.eval(), Tensor.randn([3, 4], rng));
    const bn2 = new BatchNorm2d(2);
    randomizeAffine(bn2, rng);
    bn2.forward(Tensor.randn([3, 2, 2, 2], rng, { std: 0.5 }));
    expectGradOk(bn2.eval(), Tensor.randn([2, 2, 3, 3], rng));
  });
});

describe("BatchNorm: forward values", () => {
  it("BatchNorm1d by hand: x = [1, 3, 5, 7] has mean 4 and (biased) variance 5", () => {
    const bn = new BatchNorm1d(2);
    bn.gamma.value.copyFrom(tensor([2, 1]));
    bn.beta.value.copyFrom(tensor([0.5, 0]));
    // Feature 1 is a constant column: xhat = 0, so y = beta exactly.
    const y = bn.forward(
      tensor([
        [1, 9],
        [3, 9],
        [5, 9],
        [7, 9],
      ]),
    );
    const s = Math.sqrt(5 + 1e-5);
    const expected = [-3, -1, 1, 3].map((d) => 2 * (d / s) + 0.5);
    channel(y, 0).forEach((v, i) => expect(v).to.be.closeTo(expected[i]!, 1e-15));
    expect(channel(y, 1)).to.deep.equal([0, 0, 0, 0]);
  });

  it("training output has per-feature mean 0 and variance var/(var+eps) before gamma/beta; mean beta, std |gamma| after", () => {
    const rng = new Rng(4);
    for (const [bn, shape] of [
      [new BatchNorm1d(3), [40, 3]],
      [new BatchNorm2d(3), [5, 3, 4, 6]],
    ] as [BN, number[]][]) {
      const x = Tensor.randn(shape, rng, { mean: 3, std: 2 });
      const y = bn.forward(x);
      for (let c = 0; c < 3; c++) {
        const v = varOf(channel(x, c));
        expect(meanOf(channel(y, c)), `${bn.name} mean ${c}`).to.be.closeTo(0, 1e-14);
        expect(varOf(channel(y, c)), `${bn.name} var ${c}`).to.be.closeTo(v / (v + 1e-5), 1e-13);
      }
      bn.gamma.value.copyFrom(tensor([2, -0.5, 1]));
      bn.beta.value.copyFrom(tensor([1, 0, -3]));
      const z = bn.forward(x);
      for (let c = 0; c < 3; c++) {
        const v = varOf(channel(x, c));
        const g = bn.gamma.value.get(c);
        expect(meanOf(channel(z, c))).to.be.closeTo(bn.beta.value.get(c), 1e-13);
        expect(varOf(channel(z, c))).to.be.closeTo((g * g * v) / (v + 1e-5), 1e-12);
      }
    }
  });

  it("BatchNorm2d takes statistics per channel over N, H and W: it equals BatchNorm1d on the [N*H*W, C] matrix", () => {
    const rng = new Rng(8);
    const x = Tensor.randn([3, 4, 2, 5], rng, { mean: 1, std: 2 });
    const dout = Tensor.randn(x.shape, rng);
    const bn2 = new BatchNorm2d(4, { momentum: 0.3 });
    const bn1 = new BatchNorm1d(4, { momentum: 0.3 });
    randomizeAffine(bn2, rng);
    bn1.gamma.value.copyFrom(bn2.gamma.value);
    bn1.beta.value.copyFrom(bn2.beta.value);
    const toRows = (t: Tensor): Tensor => t.transpose(0, 2, 3, 1).reshape([-1, 4]);
    const y2 = bn2.forward(x);
    const dx2 = bn2.backward(dout);
    const y1 = bn1.forward(toRows(x));
    const dx1 = bn1.backward(toRows(dout));
    const tol = 1e-13;
    toRows(y2)
      .toFlatArray()
      .forEach((v, i) => expect(v).to.be.closeTo(y1.data[i]!, tol));
    toRows(dx2)
      .toFlatArray()
      .forEach((v, i) => expect(v).to.be.closeTo(dx1.data[i]!, tol));
    for (let c = 0; c < 4; c++) {
      expect(bn2.gamma.grad.get(c)).to.be.closeTo(bn1.gamma.grad.get(c), tol);
      expect(bn2.beta.grad.get(c)).to.be.closeTo(bn1.beta.grad.get(c), tol);
      expect(bn2.runningMean.get(c)).to.be.closeTo(bn1.runningMean.get(c), tol);
      expect(bn2.runningVar.get(c)).to.be.closeTo(bn1.runningVar.get(c), tol);
    }
  });

  it("training backward: dbeta = sum dout, dgamma = sum dout xhat, and dx is orthogonal to 1 and to xhat per feature", () => {
    const rng = new Rng(9);
    const bn = new BatchNorm1d(3);
    randomizeAffine(bn, rng);
    const x = Tensor.randn([7, 3], rng, { std: 2 });
    bn.forward(x);
    const dout = Tensor.randn([7, 3], rng);
    const dx = bn.backward(dout);
    for (let c = 0; c < 3; c++) {
      const xs = channel(x, c);
      const m = meanOf(xs);
      const xhat = xs.map((v) => (v - m) / Math.sqrt(varOf(xs) + 1e-5));
      const d = channel(dout, c);
      const g = channel(dx, c);
      expect(bn.beta.grad.get(c)).to.be.closeTo(
        d.reduce((a, b) => a + b, 0),
        1e-14,
      );
      expect(bn.gamma.grad.get(c)).to.be.closeTo(
        d.reduce((a, b, i) => a + b * xhat[i]!, 0),
        1e-13,
      );
      // Shifting x leaves the training output unchanged, so sum dx = 0. Scaling (x - mu) would too but for
      // eps: sum xhat^2 = M var/(var+eps) turns the compact formula into sum dx xhat = gamma invstd dgamma eps/(var+eps).
      expect(g.reduce((a, b) => a + b, 0)).to.be.closeTo(0, 1e-13);
      const v = varOf(xs);
      const gc = bn.gamma.value.get(c);
      const expected = (gc / Math.sqrt(v + 1e-5)) * bn.gamma.grad.get(c) * (1e-5 / (v + 1e-5));
      expect(Math.abs(expected)).to.be.above(1e-8);
      expect(g.reduce((a, b, i) => a + b * xhat[i]!, 0)).to.be.closeTo(expected, 1e-13);
    }
  });

  it("running statistics after k steps equal the closed-form momentum average", () => {
    const m = 0.2;
    const k = 5;
    const rng = new Rng(10);
    const bn = new BatchNorm2d(2, { momentum: m });
    const batches = Array.from({ length: k }, (_, i) => Tensor.randn([3, 2, 2, 2], rng, { mean: i - 1, std: 1 + i }));
    for (const b of batches) bn.forward(b);
    for (let c = 0; c < 2; c++) {
      // run_k = (1-m)^k run_0 + sum_i m (1-m)^(k-1-i) stat_i, with run_0 = 0 for the mean and 1 for the variance.
      let mean = 0;
      let variance = (1 - m) ** k;
      batches.forEach((b, i) => {
        const w = m * (1 - m) ** (k - 1 - i);
        mean += w * meanOf(channel(b, c));
        variance += w * varOf(channel(b, c));
      });
      expect(bn.runningMean.get(c)).to.be.closeTo(mean, 1e-14);
      expect(bn.runningVar.get(c)).to.be.closeTo(variance, 1e-13);
    }
  });

  it("eval mode normalises with the running statistics, leaves them alone, and accepts a batch of one", () => {
    const rng = new Rng(11);
    const bn = new BatchNorm1d(3, { momentum: 0.5, eps: 1e-3 });
    randomizeAffine(bn, rng);
    for (let i = 0; i < 3; i++) bn.forward(Tensor.randn([10, 3], rng, { mean: 5, std: 2 }));
    bn.eval();
    const rm = bn.runningMean.toFlatArray();
    const rv = bn.runningVar.toFlatArray();
    const x = tensor([[1, -2, 7]]);
    const y = bn.forward(x);
    const g = bn.gamma.value.toFlatArray();
    const b = bn.beta.value.toFlatArray();
    for (let c = 0; c < 3; c++)
      expect(y.get(0, c)).to.be.closeTo((g[c]! * (x.get(0, c) - rm[c]!)) / Math.sqrt(rv[c]! + 1e-3) + b[c]!, 1e-14);
    expect(bn.runningMean.toFlatArray()).to.deep.equal(rm);
    expect(bn.runningVar.toFlatArray()).to.deep.equal(rv);
    const dx = bn.backward(tensor([[1, 2, 3]]));
    for (let c = 0; c < 3; c++) expect(dx.get(0, c)).to.be.closeTo(((c + 1) * g[c]!) / Math.sqrt(rv[c]! + 1e-3), 1e-14);
    expect(() => bn.train().forward(x)).to.throw(
      /BatchNorm1d\.forward: training needs more than one value per feature, got input \[1, 3\]/,
    );
  });

  it("backward differentiates the forward it follows, even if the mode changed in between", () => {
    const rng = new Rng(12);
    const x = Tensor.randn([6, 2], rng);
    const dout = Tensor.randn([6, 2], rng);
    const a = new BatchNorm1d(2);
    a.forward(x);
    const expected = a.backward(dout).toFlatArray();
    const b = new BatchNorm1d(2);
    b.forward(x);
    b.eval();
    expect(b.backward(dout).toFlatArray()).to.deep.equal(expected);
  });
});

describe("BatchNorm agrees with TensorFlow.js (float32): tf.moments + tf.batchNorm, gradients by tf.grads", function () {
  this.timeout(30000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });

  /** |a - b| <= rtol * max(1, max|b|): float32 sums over many terms lose relative precision on small entries. */
  function expectClose(ours: Tensor, theirs: tfjs.Tensor, what: string, rtol = 1e-4): void {
    const ref = theirs.dataSync();
    expect(ours.size, what).to.equal(ref.length);
    let scale = 1;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ref.length; i++) {
      const diff = Math.abs(ours.data[i]! - ref[i]!);
      if (!(diff <= rtol * scale))
        expect.fail(`${what}[${i}]: ours ${ours.data[i]}, tfjs ${ref[i]} (|diff| ${diff.toExponential(2)})`);
    }
  }
  const tfOf = (t: Tensor): tfjs.Tensor => tf.tensor(Array.from(t.data), [...t.shape], "float32");

  const cases: { make: () => BN; shape: number[] }[] = [
    { make: () => new BatchNorm1d(6), shape: [10, 6] },
    { make: () => new BatchNorm1d(3, { eps: 1e-3 }), shape: [4, 3] },
    { make: () => new BatchNorm2d(3), shape: [4, 3, 5, 5] },
    { make: () => new BatchNorm2d(2, { eps: 0.1 }), shape: [2, 2, 3, 4] },
  ];
  for (const { make, shape } of cases) {
    it(`${make().name} on ${JSON.stringify(shape)}: output, dx, dgamma, dbeta`, () => {
      const rng = new Rng(shape.reduce((a, b) => a * 7 + b, 0));
      const bn = make();
      randomizeAffine(bn, rng);
      const x = Tensor.randn(shape, rng, { mean: 2, std: 3 });
      const dout = Tensor.randn(shape, rng);
      const y = bn.forward(x);
      const dx = bn.backward(dout);
      // tfjs normalises the last axis: NCHW -> NHWC, so gamma [C] broadcasts; moments over every other axis.
      const is4d = shape.length === 4;
      const toTf = (t: tfjs.Tensor): tfjs.Tensor => (is4d ? tf.transpose(t, [0, 2, 3, 1]) : t);
      const fromTf = (t: tfjs.Tensor): tfjs.Tensor => (is4d ? tf.transpose(t, [0, 3, 1, 2]) : t);
      const axes = is4d ? [0, 1, 2] : [0];
      const forward = (a: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor => {
        const { mean, variance } = tf.moments(a, axes);
        return tf.batchNorm(a, mean, variance, b, g, bn.eps);
      };
      const td = toTf(tfOf(dout));
      const loss = (a: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor =>
        tf.sum(tf.mul(forward(a, g, b), td));
      const inputs = [toTf(tfOf(x)), tfOf(bn.gamma.value), tfOf(bn.beta.value)];
      const [gx, gg, gb] = tf.grads(loss as (...args: tfjs.Tensor[]) => tfjs.Tensor)(inputs);
      expectClose(y, fromTf(forward(inputs[0]!, inputs[1]!, inputs[2]!)), "y");
      expectClose(dx, fromTf(gx!), "dx");
      expectClose(bn.gamma.grad, gg!, "dgamma");
      expectClose(bn.beta.grad, gb!, "dbeta");
      // The running statistics follow tf.moments too (biased variance).
      const { mean, variance } = tf.moments(inputs[0]!, axes);
      expectClose(bn.runningMean, tf.mul(mean, bn.momentum), "runningMean");
      expectClose(bn.runningVar, tf.add(tf.mul(variance, bn.momentum), 1 - bn.momentum), "runningVar");
    });
  }
});

describe("BatchNorm: float32 and bad input", () => {
  it("a float32 layer on float32 input stays float32 and matches float64 to float32 precision", () => {
    const rng = new Rng(13);
    for (const [make, shape] of [
      [(d?: "float32") => new BatchNorm1d(4, { dtype: d }), [6, 4]],
      [(d?: "float32") => new BatchNorm2d(4, { dtype: d }), [2, 4, 3, 3]],
    ] as const) {
      const x = Tensor.randn(shape, rng, { mean: 1, std: 2 });
      const dout = Tensor.randn(shape, rng);
      const b64 = make();
      const b32 = make("float32");
      const y64 = b64.forward(x);
      const y32 = b32.forward(x.astype("float32"));
      const dx64 = b64.backward(dout);
      const dx32 = b32.backward(dout.astype("float32"));
      expect([y32.dtype, dx32.dtype, b32.gamma.grad.dtype, b32.runningMean.dtype]).to.deep.equal([
        "float32",
        "float32",
        "float32",
        "float32",
      ]);
      for (let i = 0; i < y64.size; i++) {
        expect(y32.data[i]).to.be.closeTo(y64.data[i]!, 1e-5);
        expect(dx32.data[i]).to.be.closeTo(dx64.data[i]!, 1e-5);
      }
      for (let c = 0; c < 4; c++) {
        expect(b32.gamma.grad.data[c]).to.be.closeTo(b64.gamma.grad.data[c]!, 1e-5);
        expect(b32.runningVar.data[c]).to.be.closeTo(b64.runningVar.data[c]!, 1e-5);
      }
    }
  });

  it("errors name the layer, the expected and actual shapes, dtypes and bad options", () => {
    expect(() => new BatchNorm1d(3).forward(Tensor.zeros([4, 5]))).to.throw(
      /BatchNorm1d\.forward: expected input \[N, 3\], got \[4, 5\]/,
    );
    expect(() => new BatchNorm1d(3).forward(Tensor.zeros([4, 3, 1, 1]))).to.throw(
      /BatchNorm1d\.forward: expected input \[N, 3\], got \[4, 3, 1, 1\]/,
    );
    expect(() => new BatchNorm2d(3).forward(Tensor.zeros([2, 4, 5, 5]))).to.throw(
      /BatchNorm2d\.forward: expected input \[N, 3, H, W\], got \[2, 4, 5, 5\]/,
    );
    expect(() => new BatchNorm2d(3).forward(Tensor.zeros([6, 3]))).to.throw(
      /expected input \[N, 3, H, W\], got \[6, 3\]/,
    );
    expect(() => new BatchNorm1d(2).forward(Tensor.zeros([3, 2], "float32"))).to.throw(
      /BatchNorm1d\.forward: dtype mismatch: input float32 \[3, 2\] vs parameters float64/,
    );
    const nan = Tensor.zeros([3, 2]);
    nan.set(NaN, 2, 1);
    expect(() => new BatchNorm1d(2).forward(nan)).to.throw(/BatchNorm1d\.forward input: NaN at index \[2, 1\]/);
    const bn = new BatchNorm2d(2);
    expect(() => bn.backward(Tensor.zeros([1, 2, 2, 2]))).to.throw(/BatchNorm2d\.backward: called before forward/);
    bn.forward(Tensor.randn([2, 2, 3, 3], new Rng(1)));
    expect(() => bn.backward(Tensor.zeros([2, 2, 3, 4]))).to.throw(
      /upstream gradient has shape \[2, 2, 3, 4\], expected the forward output's shape \[2, 2, 3, 3\]/,
    );
    expect(() => bn.backward(Tensor.zeros([2, 2, 3, 3], "float32"))).to.throw(
      /BatchNorm2d\.backward: dtype mismatch: upstream gradient float32/,
    );
    expect(() => new BatchNorm1d(0)).to.throw(/BatchNorm1d: features must be a positive integer, got 0/);
    expect(() => new BatchNorm1d(2, { eps: 0 })).to.throw(/eps must be a positive number, got 0/);
    expect(() => new BatchNorm2d(2, { momentum: 1.5 })).to.throw(/BatchNorm2d: momentum must be in \[0, 1\], got 1\.5/);
  });

  it("gamma and beta are exempt from weight decay; running statistics are buffers", () => {
    const bn = new BatchNorm2d(3);
    expect(bn.parameters().map((p) => [p.name, p.decay])).to.deep.equal([
      ["gamma", false],
      ["beta", false],
    ]);
    expect(bn.buffers().map((b) => b.name)).to.deep.equal(["runningMean", "runningVar"]);
    expect(bn.runningMean.toFlatArray()).to.deep.equal([0, 0, 0]);
    expect(bn.runningVar.toFlatArray()).to.deep.equal([1, 1, 1]);
  });
});
