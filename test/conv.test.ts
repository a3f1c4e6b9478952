// Conv2d: gradient checks, a direct six-loop reference, agreement with TensorFlow.js, float32,
// the Gaussian blur filter, initialisation and error messages.
import { expect } from "chai";
import type * as tfjs from "@tensorflow/tfjs";
import { gaussianKernel } from "../lib/filters";
import { checkLayer } from "../lib/gradcheck";
import { Conv2d, type Pair } from "../lib/layers/conv2d";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

/** Direct convolution, one output entry at a time (six loops around the sum), zero padding by bounds checks. */
function naiveConv(x: Tensor, w: Tensor, b: Tensor | null, stride: [number, number], pad: [number, number]): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [F, , KH, KW] = w.shape as [number, number, number, number];
  const HO = Math.floor((H + 2 * pad[0] - KH) / stride[0]) + 1;
  const WO = Math.floor((W + 2 * pad[1] - KW) / stride[1]) + 1;
  const out = Tensor.zeros([N, F, HO, WO]);
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      for (let i = 0; i < HO; i++) {
        for (let j = 0; j < WO; j++) {
          let s = b === null ? 0 : b.data[f]!;
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < KH; u++) {
              for (let v = 0; v < KW; v++) {
                const y = i * stride[0] - pad[0] + u;
                const z = j * stride[1] - pad[1] + v;
                if (y < 0 || y >= H || z < 0 || z >= W) continue;
                s += w.data[((f * C + c) * KH + u) * KW + v]! * x.data[((n * C + c) * H + y) * W + z]!;
              }
            }
          }
          out.data[((n * F + f) * HO + i) * WO + j] = s;
        }
      }
    }
  }
  return out;
}

interface Case {
  c: number;
  f: number;
  k: Pair;
  s: Pair;
  p: Pair;
  hw: [number, number];
  bias: boolean;
}

const asPair = (v: Pair): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);
const label = (cs: Case): string =>
  `C=${cs.c} F=${cs.f} k=${JSON.stringify(cs.k)} s=${JSON.stringify(cs.s)} p=${JSON.stringify(cs.p)} ${cs.hw.join("x")} bias=${cs.bias}`;

const CASES: Case[] = [
  { c: 1, f: 1, k: 3, s: 1, p: 0, hw: [5, 5], bias: true },
  { c: 2, f: 3, k: 3, s: 2, p: 1, hw: [7, 6], bias: true },
  { c: 3, f: 2, k: [2, 3], s: 1, p: 2, hw: [4, 5], bias: false },
  { c: 2, f: 4, k: [3, 1], s: [2, 1], p: [1, 0], hw: [6, 4], bias: true },
  { c: 3, f: 2, k: [1, 4], s: [1, 2], p: [0, 2], hw: [3, 7], bias: false },
  { c: 2, f: 2, k: 5, s: 2, p: 2, hw: [5, 6], bias: true },
  { c: 1, f: 3, k: 2, s: 2, p: 0, hw: [5, 5], bias: true }, // stride leaves the last row and column unused
];

function build(cs: Case, rng: Rng, dtype: "float64" | "float32" = "float64"): Conv2d {
  const conv = new Conv2d(cs.c, cs.f, cs.k, { stride: cs.s, padding: cs.p, bias: cs.bias, rng, dtype });
  // Non-zero biases, so the checks exercise them.
  if (conv.bias !== null) conv.bias.value.copyFrom(Tensor.randn([cs.f], rng, { std: 0.5 }));
  return conv;
}

describe("Conv2d: backward matches centred differences (float64, max rel error <= 1e-8)", () => {
  const rng = new Rng(11);
  for (const cs of CASES) {
    it(label(cs), () => {
      const conv = build(cs, rng);
      const report = checkLayer(conv, Tensor.randn([2, cs.c, ...cs.hw], rng), { threshold: 1e-8, seed: 3 });
      expect(report.ok, `${conv.describe()}\n${report.toString()}`).to.equal(true);
      expect(report.rows.map((r) => r.name)).to.deep.equal(cs.bias ? ["input", "W", "b"] : ["input", "W"]);
    });
  }
});

describe("Conv2d: forward and backward values", () => {
  const rng = new Rng(5);

  it("forward equals a direct six-loop convolution for every case", () => {
    for (const cs of CASES) {
      const conv = build(cs, rng);
      const x = Tensor.randn([3, cs.c, ...cs.hw], rng);
      const out = conv.forward(x);
      const ref = naiveConv(x, conv.weight.value, conv.bias?.value ?? null, asPair(cs.s), asPair(cs.p));
      expect(out.shape, label(cs)).to.deep.equal(ref.shape);
      for (let i = 0; i < out.size; i++)
        expect(out.data[i], `${label(cs)} entry ${i}`).to.be.closeTo(ref.data[i]!, 1e-12);
    }
  });

  it("output size is floor((H + 2p - k) / s) + 1 on each axis", () => {
    const conv = new Conv2d(1, 2, [3, 2], { stride: [2, 3], padding: [1, 0] });
    expect(conv.forward(Tensor.zeros([4, 1, 10, 11])).shape).to.deep.equal([4, 2, 5, 4]); // floor(9/2)+1, floor(9/3)+1
  });

  it("a 1x1 convolution is a matrix product over channels", () => {
    const conv = new Conv2d(3, 2, 1, { rng });
    conv.setWeights(
      Tensor.from([
        [1, 2, 3],
        [-1, 0, 0.5],
      ]).reshape([2, 3, 1, 1]),
      Tensor.from([10, -10]),
    );
    const x = Tensor.from([1, 2, 3, 4, 5, 6], [1, 3, 1, 2]); // channels (1,2), (3,4), (5,6)
    expect(conv.forward(x).toFlatArray()).to.deep.equal([10 + 1 + 6 + 15, 10 + 2 + 8 + 18, -10 - 1 + 2.5, -10 - 2 + 3]);
  });

  it("backward SETS the gradients: two backward passes give the same grads, and dW of a batch is the sum over its images", () => {
    const cs = CASES[3]!;
    const conv = build(cs, rng);
    const x = Tensor.randn([2, cs.c, ...cs.hw], rng);
    const dout = Tensor.randn(conv.forward(x).shape, rng);
    conv.backward(dout);
    const dW = conv.weight.grad.clone();
    const db = conv.bias!.grad.clone();
    conv.backward(dout);
    expect(conv.weight.grad.toFlatArray()).to.deep.equal(dW.toFlatArray());
    expect(conv.bias!.grad.toFlatArray()).to.deep.equal(db.toFlatArray());
    const sumW = Tensor.zerosLike(dW);
    const sumB = Tensor.zerosLike(db);
    for (let n = 0; n < 2; n++) {
      conv.forward(x.slice(0, n, n + 1));
      conv.backward(dout.slice(0, n, n + 1));
      sumW.addInPlace(conv.weight.grad);
      sumB.addInPlace(conv.bias!.grad);
    }
    for (let i = 0; i < dW.size; i++) expect(dW.data[i]).to.be.closeTo(sumW.data[i]!, 1e-12);
    for (let i = 0; i < db.size; i++) expect(db.data[i]).to.be.closeTo(sumB.data[i]!, 1e-12);
  });

  it("the reused scratch buffer does not leak between calls with different input sizes", () => {
    const conv = new Conv2d(2, 3, 3, { padding: 1, rng });
    const fresh = new Conv2d(2, 3, 3, { padding: 1 });
    fresh.setWeights(conv.weight.value, conv.bias!.value);
    conv.forward(Tensor.randn([2, 2, 12, 12], rng)); // grows the buffer
    const small = Tensor.randn([1, 2, 4, 5], rng);
    const dout = Tensor.randn([1, 3, 4, 5], rng);
    expect(conv.forward(small).toFlatArray()).to.deep.equal(fresh.forward(small).toFlatArray());
    expect(conv.backward(dout).toFlatArray()).to.deep.equal(fresh.backward(dout).toFlatArray());
    expect(conv.weight.grad.toFlatArray()).to.deep.equal(fresh.weight.grad.toFlatArray());
  });

  it("an empty batch gives an empty output and zero gradients", () => {
    const conv = new Conv2d(1, 2, 3, { rng });
    conv.weight.grad.fill(7);
    const out = conv.forward(Tensor.zeros([0, 1, 4, 4]));
    expect(out.shape).to.deep.equal([0, 2, 2, 2]);
    expect(conv.backward(Tensor.zeros([0, 2, 2, 2])).shape).to.deep.equal([0, 1, 4, 4]);
    expect(conv.weight.grad.toFlatArray().every((v) => v === 0)).to.equal(true);
  });

  it("float32: outputs and gradients are float32 and agree with float64 to float32 precision", () => {
    const cs = CASES[1]!;
    const c64 = build(cs, rng);
    const c32 = new Conv2d(cs.c, cs.f, cs.k, { stride: cs.s, padding: cs.p, dtype: "float32" });
    c32.setWeights(c64.weight.value, c64.bias!.value);
    const x = Tensor.randn([2, cs.c, ...cs.hw], rng);
    const out64 = c64.forward(x);
    const out32 = c32.forward(x.astype("float32"));
    const dout = Tensor.randn(out64.shape, rng);
    const dx64 = c64.backward(dout);
    const dx32 = c32.backward(dout.astype("float32"));
    expect([out32.dtype, dx32.dtype, c32.weight.grad.dtype, c32.bias!.grad.dtype]).to.deep.equal([
      "float32",
      "float32",
      "float32",
      "float32",
    ]);
    const close = (a: Tensor, b: Tensor, what: string): void => {
      const scale = Math.max(1, b.maxAll());
      for (let i = 0; i < a.size; i++)
        expect(Math.abs(a.data[i]! - b.data[i]!), `${what} ${i}`).to.be.below(1e-5 * scale);
    };
    close(out32, out64, "out");
    close(dx32, dx64, "dx");
    close(c32.weight.grad, c64.weight.grad, "dW");
    close(c32.bias!.grad, c64.bias!.grad, "db");
  });
});

describe("Conv2d agrees with TensorFlow.js (float32)", function () {
  this.timeout(30000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });

  /** |ours - tfjs| <= rtol * max(1, max |tfjs|) everywhere: float32 sums lose precision relative to their largest terms. */
  function expectClose(ours: Tensor, theirs: tfjs.Tensor, what: string, rtol = 2e-5): void {
    expect(ours.shape, what).to.deep.equal(theirs.shape);
    const ref = theirs.dataSync();
    let scale = 1;
    for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
    for (let i = 0; i < ref.length; i++) {
      const diff = Math.abs(ours.data[i]! - ref[i]!);
      if (!(diff <= rtol * scale))
        expect.fail(`${what}: entry ${i}: ours ${ours.data[i]}, tfjs ${ref[i]} (|diff| ${diff.toExponential(2)})`);
    }
  }

  const tfOf = (t: Tensor): tfjs.Tensor => tf.tensor(Array.from(t.data), [...t.shape], "float32");
  /** Rounded to float32 first, so both sides start from the same numbers. */
  const randn32 = (shape: number[], rng: Rng): Tensor => Tensor.randn(shape, rng).map(Math.fround);

  const tfCases: Case[] = [
    { c: 3, f: 4, k: 3, s: 1, p: 0, hw: [9, 8], bias: true },
    { c: 3, f: 4, k: 3, s: 2, p: 1, hw: [9, 8], bias: true },
    { c: 2, f: 5, k: 5, s: 1, p: 2, hw: [8, 8], bias: true },
    { c: 4, f: 3, k: [3, 2], s: [2, 1], p: [2, 1], hw: [7, 6], bias: true },
    { c: 3, f: 2, k: [2, 4], s: [1, 3], p: [0, 2], hw: [6, 9], bias: true },
  ];
  for (const dtype of ["float64", "float32"] as const) {
    for (const cs of tfCases) {
      it(`${dtype} layer, ${label(cs)}: out, dx, dW, db`, () => {
        const rng = new Rng(42);
        const conv = build(cs, rng, dtype);
        conv.setWeights(conv.weight.value.map(Math.fround), conv.bias!.value.map(Math.fround));
        const x = randn32([3, cs.c, ...cs.hw], rng).astype(dtype);
        const out = conv.forward(x);
        const dout = randn32(out.shape.slice(), rng).astype(dtype);
        const dx = conv.backward(dout);
        expect([out.dtype, dx.dtype]).to.deep.equal([dtype, dtype]);
        const [sh, sw] = asPair(cs.s);
        const [ph, pw] = asPair(cs.p);
        const padding: [[number, number], [number, number], [number, number], [number, number]] = [
          [0, 0],
          [ph, ph],
          [pw, pw],
          [0, 0],
        ];
        // NCHW -> NHWC for the input, [F, C, kh, kw] -> [kh, kw, C, F] for the filter, and back for the output.
        const forward = (a: tfjs.Tensor, w: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor => {
          const y = tf.conv2d(
            tf.transpose(a, [0, 2, 3, 1]) as tfjs.Tensor4D,
            tf.transpose(w, [2, 3, 1, 0]) as tfjs.Tensor4D,
            [sh, sw],
            padding,
          );
          return tf.transpose(tf.add(y, b), [0, 3, 1, 2]);
        };
        const inputs = [tfOf(x), tfOf(conv.weight.value), tfOf(conv.bias!.value)] as const;
        const loss = (a: tfjs.Tensor, w: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor =>
          tf.sum(tf.mul(forward(a, w, b), tfOf(dout)));
        const [gx, gw, gb] = tf.grads(loss as (...args: tfjs.Tensor[]) => tfjs.Tensor)([...inputs]);
        expectClose(out, forward(...inputs), "out");
        expectClose(dx, gx!, "dx");
        expectClose(conv.weight.grad, gw!, "dW");
        expectClose(conv.bias!.grad, gb!, "db");
      });
    }
  }
});

describe("gaussianKernel and a Gaussian-blur Conv2d (5x5, sigma 0.8, 5 output channels)", () => {
  const G = gaussianKernel(5, 0.8);

  it("the kernel is normalised, symmetric and Gaussian", () => {
    expect(G.shape).to.deep.equal([5, 5]);
    expect(G.sumAll()).to.be.closeTo(1, 1e-15);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        expect(G.get(i, j)).to.equal(G.get(4 - i, j)); // mirror symmetric
        expect(G.get(i, j)).to.equal(G.get(j, i)); // and isotropic
        // Ratios to the centre are exp(-r^2 / (2 sigma^2)), independent of the normalisation.
        const r2 = (i - 2) ** 2 + (j - 2) ** 2;
        expect(G.get(i, j) / G.get(2, 2)).to.be.closeTo(Math.exp(-r2 / (2 * 0.8 * 0.8)), 1e-14);
      }
    }
    // Known value: the centre weight is 1 / (sum over the 5x5 grid of exp(-r^2 / 1.28)) = 1 / (sum_{d=-2..2} e^{-d^2/1.28})^2.
    const row = [-2, -1, 0, 1, 2].reduce((s, d) => s + Math.exp((-d * d) / 1.28), 0);
    expect(G.get(2, 2)).to.be.closeTo(1 / (row * row), 1e-15);
    const G32 = gaussianKernel(3, 1, "float32");
    expect(G32.dtype).to.equal("float32");
    expect(G32.sumAll()).to.be.closeTo(1, 1e-6);
  });

  /** Every output channel blurs the mean of the input channels: W[f, c] = G / C. */
  function blur(inChannels: number): Conv2d {
    const w = Tensor.zeros([5, inChannels, 5, 5]);
    for (let f = 0; f < 5; f++)
      for (let c = 0; c < inChannels; c++)
        w.data.set(
          G.data.map((g) => g / inChannels),
          (f * inChannels + c) * 25,
        );
    return new Conv2d(inChannels, 5, 5, { padding: 2, bias: false }).setWeights(w);
  }

  it("a constant image stays constant in the interior; zero padding darkens the border", () => {
    const conv = blur(1);
    const out = conv.forward(Tensor.full([1, 1, 9, 9], 0.3));
    expect(out.shape).to.deep.equal([1, 5, 9, 9]);
    for (let f = 0; f < 5; f++) {
      for (let i = 2; i < 7; i++) for (let j = 2; j < 7; j++) expect(out.get(0, f, i, j)).to.be.closeTo(0.3, 1e-15);
      expect(out.get(0, f, 0, 0)).to.be.below(0.3 * 0.75);
    }
  });

  it("with 3 input channels (weights G / 3) the interior is the channel mean", () => {
    const x = Tensor.zeros([1, 3, 8, 8]);
    for (let c = 0; c < 3; c++) x.data.fill([0.2, 0.5, 0.8][c]!, c * 64, (c + 1) * 64);
    const out = blur(3).forward(x);
    for (let f = 0; f < 5; f++)
      for (let i = 2; i < 6; i++) for (let j = 2; j < 6; j++) expect(out.get(0, f, i, j)).to.be.closeTo(0.5, 1e-15);
  });

  it("an impulse gives the kernel back, centred on the impulse, in every output channel", () => {
    const impulse = Tensor.zeros([1, 1, 9, 9]);
    impulse.set(1, 0, 0, 3, 5);
    const out = blur(1).forward(impulse);
    for (let f = 0; f < 5; f++) {
      let total = 0;
      for (let i = 0; i < 9; i++) {
        for (let j = 0; j < 9; j++) {
          const inside = Math.abs(i - 3) <= 2 && Math.abs(j - 5) <= 2;
          // Cross-correlation returns the kernel flipped; G is symmetric, so flipped or not it is G.
          const want = inside ? G.get(2 - (i - 3), 2 - (j - 5)) : 0;
          expect(out.get(0, f, i, j)).to.be.closeTo(want, 1e-16);
          total += out.get(0, f, i, j);
        }
      }
      expect(total).to.be.closeTo(1, 1e-15);
    }
  });

  it("it smooths: noise variance drops and the mean is kept", () => {
    const rng = new Rng(8);
    const x = Tensor.randn([1, 1, 40, 40], rng);
    const y = blur(1).forward(x).slice(1, 0, 1).slice(2, 2, 38).slice(3, 2, 38);
    const inner = x.slice(2, 2, 38).slice(3, 2, 38);
    // White noise through G has variance sum(G^2) (~0.09 here): a large, predictable reduction.
    const sumSq = G.mul(G).sumAll();
    expect(y.variance().item() / inner.variance().item()).to.be.closeTo(sumSq, 0.04);
    expect(Math.abs(y.meanAll() - inner.meanAll())).to.be.below(0.05);
  });

  it("rejects even sizes and bad sigmas", () => {
    expect(() => gaussianKernel(4, 1)).to.throw(/size must be a positive odd integer, got 4/);
    expect(() => gaussianKernel(5, 0)).to.throw(/sigma must be a finite number > 0, got 0/);
    expect(() => gaussianKernel(5, NaN)).to.throw(/sigma/);
  });
});

describe("Conv2d initialisation and setWeights", () => {
  it("he, xavier and fixed std draw N(0, std^2); { uniform: [-1, 1] } draws U[-1, 1)", () => {
    const fanIn = 16 * 3 * 3;
    const std = (t: Tensor): number => Math.sqrt(t.variance().item());
    const he = new Conv2d(16, 64, 3, { rng: new Rng(1) }).weight.value;
    const xavier = new Conv2d(16, 64, 3, { init: "xavier", rng: new Rng(2) }).weight.value;
    const fixed = new Conv2d(16, 64, 3, { init: 0.01, rng: new Rng(3) }).weight.value;
    expect(std(he)).to.be.closeTo(Math.sqrt(2 / fanIn), 0.03 * Math.sqrt(2 / fanIn));
    expect(std(xavier)).to.be.closeTo(Math.sqrt(1 / fanIn), 0.03 * Math.sqrt(1 / fanIn));
    expect(std(fixed)).to.be.closeTo(0.01, 0.0003);
    const u = new Conv2d(3, 4, 3, { init: { uniform: [-1, 1] }, rng: new Rng(4), dtype: "float32" });
    const w = u.weight.value;
    expect(w.dtype).to.equal("float32");
    expect(w.min().item()).to.be.at.least(-1);
    expect(w.max().item()).to.be.below(1);
    expect(w.min().item()).to.be.below(-0.9); // 108 draws reach near both ends
    expect(w.max().item()).to.be.above(0.9);
    expect(std(w)).to.be.closeTo(1 / Math.sqrt(3), 0.1);
    expect(u.bias!.value.toFlatArray()).to.deep.equal([0, 0, 0, 0]);
    // The same seed gives the same weights.
    expect(new Conv2d(16, 64, 3, { rng: new Rng(1) }).weight.value.toFlatArray()).to.deep.equal(he.toFlatArray());
  });

  it("setWeights copies into the existing parameters and converts dtype", () => {
    const conv = new Conv2d(2, 1, [1, 2], { dtype: "float32" });
    const param = conv.weight;
    conv.setWeights(Tensor.from([1, 2, 3, 4], [1, 2, 1, 2]), Tensor.from([0.5]));
    expect(conv.weight).to.equal(param);
    expect(conv.weight.value.dtype).to.equal("float32");
    expect(conv.weight.value.toFlatArray()).to.deep.equal([1, 2, 3, 4]);
    expect(conv.forward(Tensor.ones([1, 2, 1, 2], "float32")).toFlatArray()).to.deep.equal([10.5]);
  });

  it("setWeights names the expected and actual shapes", () => {
    const conv = new Conv2d(3, 5, 5);
    expect(() => conv.setWeights(Tensor.zeros([5, 5]))).to.throw(
      /Conv2d\.setWeights: expected weight of shape \[5, 3, 5, 5\] \[F, C, kh, kw\], got \[5, 5\]/,
    );
    expect(() => conv.setWeights(Tensor.zeros([5, 3, 5, 5]), Tensor.zeros([3]))).to.throw(
      /expected bias of shape \[5\], got \[3\]/,
    );
    expect(() => new Conv2d(1, 1, 1, { bias: false }).setWeights(Tensor.ones([1, 1, 1, 1]), Tensor.ones([1]))).to.throw(
      /has no bias/,
    );
    const bad = Tensor.zeros([5, 3, 5, 5]);
    bad.set(NaN, 1, 2, 3, 4);
    expect(() => conv.setWeights(bad)).to.throw(/NaN at index \[1, 2, 3, 4\]/);
  });
});

describe("Conv2d rejects bad input with errors that name the shapes", () => {
  it("wrong rank, channel mismatch, kernel larger than the padded input", () => {
    const conv = new Conv2d(3, 2, 3);
    expect(() => conv.forward(Tensor.zeros([3, 8, 8]))).to.throw(
      /Conv2d\.forward: expected input \[N, C, H, W\], got \[3, 8, 8\] \(rank 3\)/,
    );
    expect(() => conv.forward(Tensor.zeros([1, 1, 3, 8, 8]))).to.throw(/got \[1, 1, 3, 8, 8\] \(rank 5\)/);
    expect(() => conv.forward(Tensor.zeros([2, 4, 8, 8]))).to.throw(
      /expected 3 input channels, got 4 \(input \[2, 4, 8, 8\]\)/,
    );
    expect(() => conv.forward(Tensor.zeros([1, 3, 2, 8]))).to.throw(
      /kernel 3x3 is larger than the padded input 2x8 \(input \[1, 3, 2, 8\], padding 0,0\)/,
    );
    expect(() => new Conv2d(1, 1, [2, 6], { padding: [0, 1] }).forward(Tensor.zeros([1, 1, 4, 3]))).to.throw(
      /kernel 2x6 is larger than the padded input 4x5/,
    );
    // Padding makes a small image big enough.
    expect(new Conv2d(1, 1, 5, { padding: 2 }).forward(Tensor.zeros([1, 1, 1, 1])).shape).to.deep.equal([1, 1, 1, 1]);
  });

  it("zero, negative, non-integer or malformed stride / padding / kernel, and bad channel counts", () => {
    expect(() => new Conv2d(1, 1, 3, { stride: 0 })).to.throw(
      /Conv2d: stride must be an integer >= 1 \(or a pair of them\), got 0/,
    );
    expect(() => new Conv2d(1, 1, 3, { stride: 1.5 })).to.throw(/stride must be an integer >= 1.*got 1\.5/);
    expect(() => new Conv2d(1, 1, 3, { stride: [1, 0] })).to.throw(/stride must be an integer >= 1.*got \[1,0\]/);
    expect(() => new Conv2d(1, 1, 3, { padding: -1 })).to.throw(/padding must be an integer >= 0/);
    expect(() => new Conv2d(1, 1, 0)).to.throw(/kernelSize must be an integer >= 1/);
    expect(() => new Conv2d(1, 1, [3, 3, 3] as unknown as Pair)).to.throw(
      /kernelSize must be an integer >= 1 \(or a pair of them\), got \[3,3,3\]/,
    );
    expect(() => new Conv2d(0, 1, 3)).to.throw(/inChannels must be a positive integer, got 0/);
    expect(() => new Conv2d(1, 2.5, 3)).to.throw(/outChannels must be a positive integer, got 2\.5/);
    expect(() => new Conv2d(1, 1, 3, { init: { uniform: [1, -1] } })).to.throw(/finite low < high/);
    expect(() => new Conv2d(1, 1, 3, { init: -1 })).to.throw(/finite std >= 0/);
  });

  it("NaN input names the position; mixed dtypes are refused", () => {
    const x = Tensor.zeros([2, 1, 4, 4]);
    x.set(NaN, 1, 0, 2, 3);
    expect(() => new Conv2d(1, 1, 3).forward(x)).to.throw(
      /Conv2d\.forward input: NaN at index \[1, 0, 2, 3\] of shape \[2, 1, 4, 4\]/,
    );
    expect(() => new Conv2d(1, 1, 1).forward(Tensor.zeros([1, 1, 2, 2], "float32"))).to.throw(
      /Conv2d\.forward: input is float32, weights are float64 \(input \[1, 1, 2, 2\], weight \[1, 1, 1, 1\]\)/,
    );
    const conv = new Conv2d(1, 1, 1);
    conv.forward(Tensor.zeros([1, 1, 2, 2]));
    expect(() => conv.backward(Tensor.zeros([1, 1, 2, 2], "float32"))).to.throw(
      /Conv2d\.backward: upstream gradient is float32, weights are float64/,
    );
  });

  it("backward before forward, or with the wrong shape", () => {
    const conv = new Conv2d(2, 3, 3, { padding: 1 });
    expect(() => conv.backward(Tensor.zeros([1, 3, 4, 4]))).to.throw(/Conv2d\.backward: called before forward/);
    conv.forward(Tensor.zeros([1, 2, 4, 4]));
    expect(() => conv.backward(Tensor.zeros([1, 2, 4, 4]))).to.throw(
      /upstream gradient has shape \[1, 2, 4, 4\], expected the forward output's shape \[1, 3, 4, 4\]/,
    );
  });
});
