import { expect } from "chai";
import { checkLayer } from "../lib/gradcheck";
import { ReLU, LeakyReLU, Sigmoid, Tanh } from "../lib/layers/activations";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { Conv2d } from "../lib/layers/conv2d";
import { Dropout } from "../lib/layers/dropout";
import { Flatten } from "../lib/layers/flatten";
import type { Layer } from "../lib/layers/layer";
import { Linear } from "../lib/layers/linear";
import { AvgPool2d, MaxPool2d } from "../lib/layers/pool";
import { Sequential } from "../lib/layers/sequential";
import { Softmax } from "../lib/layers/softmax";
import { gaussianKernel } from "../lib/filters";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { awayFromZero, naiveConv2d } from "./helpers/reference";

const TOL = 1e-8;

function expectGradOk(layer: Layer, x: Tensor, seed = 0): void {
  const report = checkLayer(layer, x, { seed, threshold: TOL });
  expect(report.ok, `${layer.describe()}\n${report.toString()}`).to.equal(true);
  expect(report.rows.length).to.equal(1 + layer.parameters().length);
}

/** Non-zero biases, so gradient checks exercise them. */
function randomizeParams(layer: Layer, rng: Rng): void {
  for (const p of layer.parameters()) p.value.copyFrom(Tensor.randn(p.value.shape, rng, { std: 0.5 }));
}

describe("layers: backward matches centred differences in float64 (max rel error <= 1e-8)", () => {
  const rng = new Rng(2024);

  it("Linear, with and without bias", () => {
    for (const bias of [true, false]) {
      const l = new Linear(6, 4, { rng, bias });
      randomizeParams(l, rng);
      expectGradOk(l, Tensor.randn([5, 6], rng));
    }
  });

  // Kink exception: ReLU and LeakyReLU are not differentiable at 0. With h = 1e-5, inputs with
  // |x| >= 0.1 keep every centred difference on one side of the kink.
  it("ReLU and LeakyReLU (inputs kept at |x| >= 0.1, away from the kink)", () => {
    expectGradOk(new ReLU(), awayFromZero([4, 7], 1));
    expectGradOk(new LeakyReLU(0.1), awayFromZero([3, 2, 5], 2));
  });

  it("Sigmoid, Tanh and Softmax", () => {
    expectGradOk(new Sigmoid(), Tensor.randn([4, 5], rng, { std: 2 }));
    expectGradOk(new Tanh(), Tensor.randn([4, 5], rng));
    expectGradOk(new Softmax(), Tensor.randn([3, 6], rng, { std: 2 }));
  });

  it("Dropout in training mode with a fixed mask, and identity in eval mode", () => {
    const d = new Dropout(0.4, new Rng(7));
    d.fixMask();
    expectGradOk(d, Tensor.randn([6, 5], rng));
    d.eval();
    expectGradOk(d, Tensor.randn([6, 5], rng));
  });

  it("BatchNorm1d and BatchNorm2d in training mode (input, gamma, beta), and eval mode", () => {
    const bn1 = new BatchNorm1d(5);
    randomizeParams(bn1, rng);
    expectGradOk(bn1, Tensor.randn([8, 5], rng, { std: 2, mean: 1 }));
    const bn2 = new BatchNorm2d(3);
    randomizeParams(bn2, rng);
    expectGradOk(bn2, Tensor.randn([4, 3, 3, 2], rng, { std: 1.5 }));
    bn2.eval();
    expectGradOk(bn2, Tensor.randn([2, 3, 3, 2], rng));
  });

  it("Conv2d over strides, paddings, rectangular kernels, channels and bias on/off", () => {
    const cases: {
      c: number;
      f: number;
      k: number | [number, number];
      s: number | [number, number];
      p: number | [number, number];
      hw: [number, number];
      bias: boolean;
    }[] = [
      { c: 1, f: 1, k: 3, s: 1, p: 0, hw: [5, 5], bias: true },
      { c: 2, f: 3, k: 3, s: 2, p: 1, hw: [7, 6], bias: true },
      { c: 3, f: 2, k: [2, 3], s: [1, 2], p: [2, 1], hw: [5, 6], bias: false },
      { c: 2, f: 2, k: 5, s: 1, p: 2, hw: [4, 4], bias: true },
    ];
    for (const cs of cases) {
      const conv = new Conv2d(cs.c, cs.f, cs.k, { stride: cs.s, padding: cs.p, bias: cs.bias, rng });
      randomizeParams(conv, rng);
      expectGradOk(conv, Tensor.randn([2, cs.c, ...cs.hw], rng));
    }
  });

  // Kink exception: max-pooling is not differentiable where a window has ties. A permutation of
  // well-separated values (gaps of 0.05 >> h) keeps every window's argmax unique under perturbation.
  it("MaxPool2d (distinct, well-separated values) and AvgPool2d, overlapping and not", () => {
    const distinct = (shape: number[]): Tensor => {
      const t = Tensor.zeros(shape);
      const perm = rng.permutation(t.size);
      for (let i = 0; i < t.size; i++) t.data[i] = perm[i]! * 0.05 - 1;
      return t;
    };
    expectGradOk(new MaxPool2d(2), distinct([2, 2, 4, 4]));
    expectGradOk(new MaxPool2d(3, 2), distinct([1, 3, 7, 5]));
    expectGradOk(new AvgPool2d(2), Tensor.randn([2, 2, 4, 6], rng));
    expectGradOk(new AvgPool2d([3, 2], 1), Tensor.randn([1, 2, 5, 4], rng));
  });

  it("a whole Sequential CNN (conv, batchnorm, relu, pool, flatten, linear)", () => {
    const model = new Sequential(
      new Conv2d(2, 3, 3, { padding: 1, rng, bias: false }),
      new BatchNorm2d(3),
      new Tanh(),
      new AvgPool2d(2),
      new Flatten(),
      new Linear(12, 4, { rng }),
    );
    randomizeParams(model, rng);
    expectGradOk(model, Tensor.randn([3, 2, 4, 4], rng));
  });
});

describe("layers: forward values", () => {
  const rng = new Rng(7);

  it("Conv2d forward equals a direct six-loop convolution", () => {
    const conv = new Conv2d(3, 4, [3, 2], { stride: [2, 1], padding: [1, 2], rng });
    randomizeParams(conv, rng);
    const x = Tensor.randn([2, 3, 6, 5], rng);
    const out = conv.forward(x);
    const ref = naiveConv2d(x, conv.weight.value, conv.bias!.value, [2, 1], [1, 2]);
    expect(out.shape).to.deep.equal(ref.shape);
    for (let i = 0; i < out.size; i++) expect(out.data[i]).to.be.closeTo(ref.data[i]!, 1e-12);
  });

  it("a Gaussian-blur Conv2d (5x5, sigma 0.8, 5 output channels) keeps constants and returns its kernel for an impulse", () => {
    const k = gaussianKernel(5, 0.8);
    expect(k.sumAll()).to.be.closeTo(1, 1e-15);
    expect(k.get(2, 2)).to.be.greaterThan(k.get(2, 1));
    expect(k.get(2, 1)).to.be.closeTo(k.get(1, 2), 1e-18);
    const blur = new Conv2d(1, 5, 5, { padding: 2, bias: false });
    for (let f = 0; f < 5; f++) blur.weight.value.data.set(k.data, f * 25);
    const constant = blur.forward(Tensor.full([1, 1, 9, 9], 0.3));
    expect(constant.get(0, 4, 4, 4)).to.be.closeTo(0.3, 1e-15);
    expect(constant.get(0, 0, 0, 0)).to.be.below(0.3); // zero padding darkens the border
    const impulse = Tensor.zeros([1, 1, 9, 9]);
    impulse.set(1, 0, 0, 4, 4);
    const response = blur.forward(impulse);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) expect(response.get(0, 3, 2 + i, 2 + j)).to.be.closeTo(k.get(4 - i, 4 - j), 1e-15);
  });

  it("pooling picks window maxima and means", () => {
    const x = Tensor.arange(16).reshape([1, 1, 4, 4]);
    expect(new MaxPool2d(2).forward(x).toFlatArray()).to.deep.equal([5, 7, 13, 15]);
    expect(new AvgPool2d(2).forward(x).toFlatArray()).to.deep.equal([2.5, 4.5, 10.5, 12.5]);
    expect(new MaxPool2d(3, 1).forward(x).toFlatArray()).to.deep.equal([10, 11, 14, 15]);
  });

  it("Softmax rows sum to one and match a hand computation; huge logits stay finite", () => {
    const y = new Softmax().forward(
      tensor([
        [0, Math.log(3)],
        [1000, 1000],
      ]),
    );
    expect(y.get(0, 0)).to.be.closeTo(0.25, 1e-15);
    expect(y.get(0, 1)).to.be.closeTo(0.75, 1e-15);
    expect(y.toFlatArray().slice(2)).to.deep.equal([0.5, 0.5]);
  });

  it("BatchNorm normalises in training, tracks running statistics, and uses them in eval", () => {
    const bn = new BatchNorm1d(3, { momentum: 0.2 });
    const x = Tensor.randn([50, 3], rng, { mean: 4, std: 3 });
    const y = bn.forward(x);
    const mean = y.mean(0);
    const variance = y.variance(0);
    for (let f = 0; f < 3; f++) {
      expect(mean.get(f)).to.be.closeTo(0, 1e-12);
      expect(variance.get(f)).to.be.closeTo(1, 1e-4); // eps = 1e-5 shrinks it slightly
    }
    const batchMean = x.mean(0);
    const batchVar = x.variance(0);
    bn.forward(x);
    for (let f = 0; f < 3; f++) {
      // Two steps from (0, 1): r2 = 0.8 * (0.8 * r0 + 0.2 b) + 0.2 b
      expect(bn.runningMean.get(f)).to.be.closeTo(0.8 * 0.2 * batchMean.get(f) + 0.2 * batchMean.get(f), 1e-12);
      expect(bn.runningVar.get(f)).to.be.closeTo(0.64 + 0.36 * batchVar.get(f), 1e-12);
    }
    bn.eval();
    const z = bn.forward(tensor([[1, 2, 3]]));
    for (let f = 0; f < 3; f++) {
      expect(z.get(0, f)).to.be.closeTo(
        (f + 1 - bn.runningMean.get(f)) / Math.sqrt(bn.runningVar.get(f) + 1e-5),
        1e-12,
      );
    }
  });

  it("Dropout keeps the expectation, drops about p, and is the identity in eval", () => {
    const d = new Dropout(0.3, new Rng(1));
    const x = Tensor.ones([200, 100]);
    const y = d.forward(x);
    const dropped = y.toFlatArray().filter((v) => v === 0).length / y.size;
    expect(dropped).to.be.closeTo(0.3, 0.01);
    expect(y.meanAll()).to.be.closeTo(1, 0.02);
    expect(y.toFlatArray().every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-12)).to.equal(true);
    d.eval();
    expect(d.forward(x).toFlatArray()).to.deep.equal(x.toFlatArray());
  });

  it("float32 models run forward and backward in float32", () => {
    const model = new Sequential(
      new Conv2d(1, 2, 3, { dtype: "float32" }),
      new ReLU(),
      new Flatten(),
      new Linear(4, 3, { dtype: "float32" }),
    );
    const out = model.forward(Tensor.randn([2, 1, 4, 3], rng, { dtype: "float32" }));
    expect(out.dtype).to.equal("float32");
    expect(model.backward(Tensor.ones([2, 3], "float32")).dtype).to.equal("float32");
    expect(model.parameters().every((p) => p.grad.dtype === "float32")).to.equal(true);
  });
});

describe("layers: bad input gets errors that name the problem", () => {
  it("shape mismatches name expected and actual shapes", () => {
    expect(() => new Linear(4, 2).forward(Tensor.zeros([3, 5]))).to.throw(
      /Linear\.forward: expected input of shape \[N, 4\].*got \[3, 5\]/,
    );
    expect(() => new Conv2d(3, 2, 3).forward(Tensor.zeros([1, 2, 5, 5]))).to.throw(
      /expected 3 input channels, got 2 \(input \[1, 2, 5, 5\]\)/,
    );
    expect(() => new Conv2d(1, 1, 7).forward(Tensor.zeros([1, 1, 5, 5]))).to.throw(
      /kernel 7x7 is larger than the padded input 5x5/,
    );
    expect(() => new BatchNorm2d(3).forward(Tensor.zeros([2, 3, 4]))).to.throw(
      /expected input \[N, 3, H, W\], got \[2, 3, 4\]/,
    );
    expect(() => new MaxPool2d(2).forward(Tensor.zeros([4, 4]))).to.throw(
      /expected input \[N, C, H, W\], got \[4, 4\]/,
    );
    const l = new Linear(4, 2);
    l.forward(Tensor.zeros([3, 4]));
    expect(() => l.backward(Tensor.zeros([3, 3]))).to.throw(
      /upstream gradient has shape \[3, 3\], expected the forward output's shape \[3, 2\]/,
    );
    expect(() => new Linear(4, 2).backward(Tensor.zeros([3, 2]))).to.throw(/called before forward/);
  });

  it("NaN inputs name the layer and the position; mixed dtypes are refused", () => {
    const x = Tensor.zeros([2, 4]);
    x.set(NaN, 1, 3);
    expect(() => new Linear(4, 2).forward(x)).to.throw(/Linear\.forward input: NaN at index \[1, 3\]/);
    expect(() => new ReLU().forward(x)).to.throw(/ReLU\.forward input: NaN at index \[1, 3\]/);
    expect(() => new Conv2d(1, 1, 1).forward(Tensor.zeros([1, 1, 2, 2], "float32"))).to.throw(
      /input is float32, weights are float64/,
    );
    expect(() => new Conv2d(1, 1, 3, { stride: 0 })).to.throw(/stride must be an integer >= 1/);
  });
});
