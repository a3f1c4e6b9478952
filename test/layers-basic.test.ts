// Activations, Softmax, Flatten and Dropout: gradient checks, hand-computed values, tfjs agreement, errors, float32.
import { expect } from "chai";
import type * as tfjs from "@tensorflow/tfjs";
import { checkLayer } from "../lib/gradcheck";
import { LeakyReLU, ReLU, Sigmoid, Tanh } from "../lib/layers/activations";
import { Dropout } from "../lib/layers/dropout";
import { Flatten } from "../lib/layers/flatten";
import type { Layer } from "../lib/layers/layer";
import { Sequential } from "../lib/layers/sequential";
import { Softmax } from "../lib/layers/softmax";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

function expectGradOk(layer: Layer, x: Tensor, seed = 0): void {
  const report = checkLayer(layer, x, { seed, threshold: 1e-8 });
  expect(report.ok, `${layer.describe()}\n${report.toString()}`).to.equal(true);
  expect(report.rows.map((r) => r.name)).to.deep.equal(["input", ...layer.parameters().map((p) => p.name)]);
}

/**
 * Normal samples pushed to |x| >= 0.1. Kink exception: ReLU and LeakyReLU are not differentiable
 * at 0; checkLayer's stencil reaches 2h = 2e-3 from x (h = 1e-5 would reach 1e-5), so |x| >= 0.1
 * keeps every difference on one side of the kink.
 */
function awayFromZero(shape: number[], rng: Rng): Tensor {
  return Tensor.randn(shape, rng).map((v) => (v >= 0 ? v + 0.1 : v - 0.1));
}

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ""): void => {
  expect(actual.length, `${what} length`).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]!, `${what}[${i}]`).to.be.closeTo(expected[i]!, tol);
};

describe("basic layers: backward matches centred differences in float64 (max rel error <= 1e-8)", () => {
  const rng = new Rng(31);

  it("ReLU and LeakyReLU (inputs kept at |x| >= 0.1, away from the kink at 0)", () => {
    expectGradOk(new ReLU(), awayFromZero([5, 7], rng));
    expectGradOk(new LeakyReLU(0.2), awayFromZero([3, 4, 5], rng));
    expectGradOk(new LeakyReLU(), awayFromZero([6], rng));
  });

  it("Sigmoid and Tanh, including saturating inputs", () => {
    expectGradOk(new Sigmoid(), Tensor.randn([4, 6], rng, { std: 3 }));
    expectGradOk(new Tanh(), Tensor.randn([2, 3, 5], rng, { std: 1.5 }));
  });

  it("Softmax over the last axis of 2-D, 3-D and 1-D inputs", () => {
    expectGradOk(new Softmax(), Tensor.randn([4, 7], rng, { std: 2 }));
    expectGradOk(new Softmax(), Tensor.randn([2, 3, 5], rng, { std: 2 }));
    expectGradOk(new Softmax(), Tensor.randn([6], rng));
  });

  it("Flatten", () => {
    expectGradOk(new Flatten(), Tensor.randn([3, 2, 4, 2], rng));
  });

  it("Dropout in training with a fixed mask, and in eval mode", () => {
    const d = new Dropout(0.5, { seed: 3, fixedMask: true });
    const x = Tensor.randn([6, 8], rng);
    expectGradOk(d, x);
    const mask = d.mask!;
    expect(mask.toFlatArray().some((v) => v === 0)).to.equal(true); // the check really covered dropped units
    expectGradOk(new Dropout(0.3, new Rng(4)).fixMask(), Tensor.randn([2, 3, 4], rng));
    d.eval();
    expectGradOk(d, x);
  });
});

describe("basic layers: forward and backward values", () => {
  it("activations against hand-computed values", () => {
    const x = tensor([-2, -0.5, 0, 0.5, 3]);
    expect(new ReLU().forward(x).toFlatArray()).to.deep.equal([0, 0, 0, 0.5, 3]);
    close(new LeakyReLU(0.2).forward(x).data, [-0.4, -0.1, 0, 0.5, 3], 1e-15);
    // sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4; tanh(ln 2) = (2 - 1/2)/(2 + 1/2) = 0.6
    close(new Sigmoid().forward(tensor([0, Math.log(3), -Math.log(3)])).data, [0.5, 0.75, 0.25], 1e-15);
    close(new Tanh().forward(tensor([Math.log(2), -Math.log(2), 0])).data, [0.6, -0.6, 0], 1e-15);
    // Saturation gives exact limits, never NaN.
    expect(new Sigmoid().forward(tensor([-800, 800])).toFlatArray()).to.deep.equal([0, 1]);
    expect(new Tanh().forward(tensor([-800, 800])).toFlatArray()).to.deep.equal([-1, 1]);
  });

  it("activation backward: local derivatives times dout", () => {
    const dout = tensor([1, 2, 3, 4]);
    const relu = new ReLU();
    relu.forward(tensor([-1, 2, -3, 4]));
    expect(relu.backward(dout).toFlatArray()).to.deep.equal([0, 2, 0, 4]);
    const leaky = new LeakyReLU(0.1);
    leaky.forward(tensor([-1, 2, -3, 4]));
    close(leaky.backward(dout).data, [0.1, 2, 0.3, 4], 1e-15);
    const sig = new Sigmoid();
    sig.forward(tensor([Math.log(3), 0, -Math.log(3), 0]));
    close(sig.backward(dout).data, [0.1875, 0.5, 0.5625, 1], 1e-15); // y(1-y) = 3/16, 1/4, 3/16, 1/4
    const tanh = new Tanh();
    tanh.forward(tensor([Math.log(2), 0, -Math.log(2), 0]));
    close(tanh.backward(dout).data, [0.64, 2, 1.92, 4], 1e-15); // 1 - 0.36 = 0.64
  });

  it("Softmax: known values, rows sum to one, shift invariance, huge logits stay finite", () => {
    const sm = new Softmax();
    const y = sm.forward(
      tensor([
        [0, Math.log(3)],
        [Math.log(1), Math.log(2)],
        [1000, 1000],
        [-1000, 0],
      ]),
    );
    close(y.data, [0.25, 0.75, 1 / 3, 2 / 3, 0.5, 0.5, 0, 1], 1e-15);
    close(sm.forward(tensor([Math.log(1), Math.log(2), Math.log(3), Math.log(4)])).data, [0.1, 0.2, 0.3, 0.4], 1e-15);
    const x = Tensor.randn([3, 4, 6], new Rng(5), { std: 4 });
    const p = sm.forward(x);
    const rowSums = p.sum(-1).toFlatArray();
    for (const s of rowSums) expect(s).to.be.closeTo(1, 1e-15);
    close(sm.forward(x.add(123.5)).data, p.data, 1e-14);
    // A -Infinity logit (masking) is allowed: it gets probability 0.
    close(sm.forward(tensor([[-Infinity, 0, 0]])).data, [0, 0.5, 0.5], 1e-15);
  });

  it("Softmax backward: dx = y (dout - sum(dout y)) by hand; constant dout gives 0", () => {
    const sm = new Softmax();
    sm.forward(tensor([[0, Math.log(3)]])); // y = [1/4, 3/4]
    // dout = [1, 0]: sum(dout y) = 1/4, dx = [1/4 * 3/4, 3/4 * (-1/4)]
    close(sm.backward(tensor([[1, 0]])).data, [0.1875, -0.1875], 1e-15);
    sm.forward(Tensor.randn([3, 5], new Rng(6)));
    const dx = sm.backward(Tensor.full([3, 5], 2.5));
    for (const v of dx.toFlatArray()) expect(Math.abs(v)).to.be.below(1e-15);
  });

  it("Flatten: [N, ...] -> [N, prod] in row-major order, backward restores the shape", () => {
    const f = new Flatten();
    const x = Tensor.arange(24).reshape([2, 3, 2, 2]);
    const y = f.forward(x);
    expect(y.shape).to.deep.equal([2, 12]);
    expect(y.get(1, 5)).to.equal(x.get(1, 1, 0, 1)); // 12 + 5 = 17
    expect(y.get(1, 5)).to.equal(17);
    const dx = f.backward(Tensor.arange(24).reshape([2, 12]).mul(2));
    expect(dx.shape).to.deep.equal([2, 3, 2, 2]);
    expect(dx.get(0, 2, 1, 0)).to.equal(2 * (2 * 4 + 1 * 2 + 0));
    expect(new Flatten().forward(Tensor.zeros([4, 3])).shape).to.deep.equal([4, 3]);
    expect(new Flatten().forward(Tensor.zeros([0, 3, 2])).shape).to.deep.equal([0, 6]);
  });

  it("Dropout: drops a fraction near p, survivors scaled by 1/(1-p), eval and p = 0 are the identity", () => {
    const p = 0.3;
    const d = new Dropout(p, new Rng(1));
    const x = Tensor.randn([200, 500], new Rng(2));
    const y = d.forward(x);
    const mask = d.mask!;
    let dropped = 0;
    let wrong = 0; // entries that are neither 0 (dropped) nor x / (1 - p) (kept), to one ulp or so
    for (let i = 0; i < y.size; i++) {
      if (mask.data[i] === 0) {
        dropped++;
        if (y.data[i] !== 0) wrong++;
      } else if (!(Math.abs(y.data[i]! - x.data[i]! / (1 - p)) <= 1e-15 * Math.abs(x.data[i]!))) {
        wrong++;
      }
    }
    expect(wrong).to.equal(0);
    // 1e5 Bernoulli(0.3) draws: std of the fraction is sqrt(0.21 / 1e5) = 0.00145; 0.006 is ~4 std.
    expect(dropped / y.size).to.be.closeTo(p, 0.006);
    const dout = Tensor.randn(y.shape, new Rng(3));
    const dx = d.backward(dout);
    expect(dx.toFlatArray().every((v, i) => v === dout.data[i]! * mask.data[i]!)).to.equal(true);
    expect(dx.toFlatArray().filter((v) => v === 0).length).to.equal(dropped);
    d.eval();
    expect(d.forward(x).toFlatArray()).to.deep.equal(x.toFlatArray());
    expect(d.mask).to.equal(null);
    expect(d.backward(dout).toFlatArray()).to.deep.equal(dout.toFlatArray());
    const d0 = new Dropout(0);
    expect(d0.forward(x).toFlatArray()).to.deep.equal(x.toFlatArray());
  });

  it("Dropout keeps the expectation: the mean of 4000 samples is within 5 standard errors of the input", () => {
    const p = 0.5;
    const d = new Dropout(p, new Rng(11));
    const x = Tensor.randn([10, 20], new Rng(12));
    const K = 4000;
    const acc = Tensor.zerosLike(x);
    for (let k = 0; k < K; k++) acc.addInPlace(d.forward(x));
    const mean = acc.div(K);
    // Each sample is x_i * B / (1-p) with B ~ Bernoulli(1-p): variance x_i^2 p / (1-p), so the
    // standard error of the mean is |x_i| sqrt(p / ((1-p) K)) = 0.0158 |x_i| here.
    const se = Math.sqrt(p / ((1 - p) * K));
    let worst = 0;
    for (let i = 0; i < x.size; i++) {
      const z = Math.abs(mean.data[i]! - x.data[i]!) / (se * Math.abs(x.data[i]!));
      worst = Math.max(worst, z);
    }
    expect(worst).to.be.below(5);
    expect(worst).to.be.above(0.5); // a real random average, not a copy of x
  });

  it("Dropout masks: fixMask re-uses one mask, reseed reproduces a mask, different seeds differ", () => {
    const x = Tensor.randn([4, 6], new Rng(7));
    const d = new Dropout(0.5, { seed: 9 }).fixMask();
    const a = d.forward(x).toFlatArray();
    expect(d.forward(x).toFlatArray()).to.deep.equal(a);
    d.fixMask(false);
    const draws = Array.from({ length: 5 }, () => d.forward(x).toFlatArray());
    expect(draws.some((b) => b.some((v, i) => v !== a[i]))).to.equal(true);
    d.reseed(9);
    expect(d.forward(x).toFlatArray()).to.deep.equal(a); // the first mask seeded with 9, drawn again
    expect(new Dropout(0.5, { seed: 9 }).forward(x).toFlatArray()).to.deep.equal(a);
    expect(new Dropout(0.5, { seed: 10 }).forward(x).toFlatArray()).to.not.deep.equal(a);
    // A frozen mask survives an eval forward in between.
    const f = new Dropout(0.5, { seed: 1, fixedMask: true });
    const before = f.forward(x).toFlatArray();
    f.eval().forward(x);
    expect(f.train().forward(x).toFlatArray()).to.deep.equal(before);
  });
});

describe("basic layers: Softmax agrees with TensorFlow.js (float32)", function () {
  this.timeout(30000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });

  for (const shape of [
    [5, 7],
    [2, 3, 4],
    [1, 10],
  ]) {
    it(`forward and backward on ${JSON.stringify(shape)}`, () => {
      const rng = new Rng(shape.length * 10 + shape[0]!);
      const x = Tensor.randn(shape, rng, { std: 3 });
      const dout = Tensor.randn(shape, rng);
      const sm = new Softmax();
      const y = sm.forward(x);
      const dx = sm.backward(dout);
      const tx = tf.tensor(Array.from(x.data), shape, "float32");
      const td = tf.tensor(Array.from(dout.data), shape, "float32");
      const ty = tf.softmax(tx);
      const tdx = tf.grad((a: tfjs.Tensor) => tf.sum(tf.mul(tf.softmax(a), td)))(tx);
      // Probabilities are in [0, 1]; dx entries are O(|dout|): float32 agreement to a few ulps of 1.
      close(y.data, ty.dataSync(), 1e-6, "softmax y");
      close(dx.data, tdx.dataSync(), 1e-5, "softmax dx");
    });
  }
});

describe("basic layers: float32 and bad input", () => {
  it("Sequential names an argument that is not a layer (an array of layers, say)", () => {
    const asArray = [new ReLU(), new Tanh()] as unknown as Layer;
    expect(() => new Sequential(asArray)).to.throw(
      /argument 0 is not a Layer: got an array \(pass the layers as separate arguments/,
    );
    expect(() => new Sequential(new ReLU(), undefined as unknown as Layer)).to.throw(
      "argument 1 is not a Layer: got undefined",
    );
    expect(new Sequential(new ReLU(), new Tanh()).layers.length).to.equal(2);
  });

  it("float32 in gives float32 out and float32 gradients, matching float64 to float32 precision", () => {
    const rng = new Rng(21);
    const layers: [() => Layer, number[]][] = [
      [() => new ReLU(), [3, 4]],
      [() => new LeakyReLU(0.1), [3, 4]],
      [() => new Sigmoid(), [3, 4]],
      [() => new Tanh(), [3, 4]],
      [() => new Softmax(), [3, 4]],
      [() => new Flatten(), [2, 3, 2]],
      [() => new Dropout(0.4, { seed: 2 }), [3, 4]],
    ];
    for (const [make, shape] of layers) {
      const x64 = Tensor.randn(shape, rng);
      const x32 = x64.astype("float32");
      const l64 = make();
      const l32 = make();
      const y64 = l64.forward(x64);
      const y32 = l32.forward(x32);
      expect(y32.dtype, l32.name).to.equal("float32");
      const dout = Tensor.randn(y64.shape, rng);
      const dx32 = l32.backward(dout.astype("float32"));
      expect(dx32.dtype, l32.name).to.equal("float32");
      close(y32.data, y64.data, 1e-6, `${l32.name} y`);
      close(dx32.data, l64.backward(dout).data, 1e-5, `${l32.name} dx`);
    }
  });

  it("errors name the layer and the shapes (or dtypes, or the NaN's position)", () => {
    const relu = new ReLU();
    expect(() => relu.backward(Tensor.zeros([2]))).to.throw(/ReLU\.backward: called before forward/);
    relu.forward(Tensor.zeros([2, 3]));
    expect(() => relu.backward(Tensor.zeros([3, 2]))).to.throw(
      /ReLU\.backward: upstream gradient has shape \[3, 2\], expected the forward output's shape \[2, 3\]/,
    );
    expect(() => relu.backward(Tensor.zeros([2, 3], "float32"))).to.throw(
      /ReLU\.backward: dtype mismatch: upstream gradient float32 \[2, 3\] vs forward float64 \[2, 3\]/,
    );
    const nan = Tensor.zeros([2, 3]);
    nan.set(NaN, 1, 2);
    for (const l of [new Tanh(), new Softmax(), new Flatten(), new Dropout(0.5)]) {
      expect(() => l.forward(nan)).to.throw(
        new RegExp(`${l.name}\\.forward input: NaN at index \\[1, 2\\] of shape \\[2, 3\\]`),
      );
    }
    expect(() => new Softmax().forward(Tensor.scalar(1))).to.throw(
      /Softmax\.forward: expected input of shape \[\.\.\., classes\].*got \[\]/,
    );
    expect(() => new Softmax().forward(tensor([[0, Infinity, 1]]))).to.throw(
      /Softmax\.forward: row 0 of input \[1, 3\] has no finite maximum/,
    );
    expect(() =>
      new Softmax().forward(
        tensor([
          [0, 1],
          [-Infinity, -Infinity],
        ]),
      ),
    ).to.throw(/row 1 of input \[2, 2\]/);
    const sm = new Softmax();
    sm.forward(Tensor.zeros([2, 4]));
    expect(() => sm.backward(Tensor.zeros([2, 5]))).to.throw(
      /Softmax\.backward: upstream gradient has shape \[2, 5\], expected the forward output's shape \[2, 4\]/,
    );
    expect(() => new Flatten().forward(Tensor.zeros([5]))).to.throw(
      /Flatten\.forward: expected input of shape \[N, \.\.\.\] with at least 2 dimensions, got \[5\]/,
    );
    const fl = new Flatten();
    fl.forward(Tensor.zeros([2, 3, 4]));
    expect(() => fl.backward(Tensor.zeros([2, 10]))).to.throw(
      /Flatten\.backward: upstream gradient has shape \[2, 10\], expected the forward output's shape \[2, 12\]/,
    );
    expect(() => new Dropout(1)).to.throw(/Dropout: p .* must be in \[0, 1\), got 1/);
    expect(() => new Dropout(-0.1)).to.throw(/got -0\.1/);
    expect(() => new Dropout(NaN)).to.throw(/got NaN/);
    const d = new Dropout(0.5).fixMask();
    d.forward(Tensor.zeros([2, 3]));
    expect(() => d.forward(Tensor.zeros([3, 2]))).to.throw(
      /Dropout\.forward: the fixed mask is float64 \[2, 3\], got input float64 \[3, 2\]/,
    );
    expect(() => d.backward(Tensor.zeros([2, 3], "float32"))).to.throw(
      /Dropout\.backward: dtype mismatch: upstream gradient float32 \[2, 3\] vs forward float64 \[2, 3\]/,
    );
    expect(() => new LeakyReLU(NaN)).to.throw(/LeakyReLU: slope must be a finite number, got NaN/);
    expect(() => new Sigmoid().forward([1, 2] as unknown as Tensor)).to.throw(
      /Sigmoid\.forward: expected a Tensor input, got object/,
    );
  });
});
