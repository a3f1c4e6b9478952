// MaxPool2d and AvgPool2d: gradient checks, a direct loop reference, agreement with TensorFlow.js,
// the tie kink of max pooling, float32 and error messages.
import { expect } from "chai";
import type * as tfjs from "@tensorflow/tfjs";
import { checkLayer, numericalGradientArray } from "../lib/gradcheck";
import type { Pair } from "../lib/layers/conv2d";
import type { Layer } from "../lib/layers/layer";
import { AvgPool2d, MaxPool2d } from "../lib/layers/pool";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

const asPair = (v: Pair): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);

/** Direct pooling reference; padded positions are skipped (-inf for max), `divisor` chooses the mean's denominator. */
function naivePool(x: Tensor, kind: "max" | "avg", k: Pair, s: Pair, p: Pair, includePad = true): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = asPair(k);
  const [sh, sw] = asPair(s);
  const [ph, pw] = asPair(p);
  const HO = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const WO = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const out = Tensor.zeros([N, C, HO, WO]);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < HO; i++) {
        for (let j = 0; j < WO; j++) {
          let best = -Infinity;
          let sum = 0;
          let real = 0;
          for (let u = 0; u < kh; u++) {
            for (let v = 0; v < kw; v++) {
              const y = i * sh - ph + u;
              const z = j * sw - pw + v;
              if (y < 0 || y >= H || z < 0 || z >= W) continue;
              const val = x.get(n, c, y, z);
              best = Math.max(best, val);
              sum += val;
              real++;
            }
          }
          out.set(kind === "max" ? best : sum / (includePad ? kh * kw : real), n, c, i, j);
        }
      }
    }
  }
  return out;
}

/**
 * Kink exception: max pooling is not differentiable where a window has two equal maxima. A random
 * permutation of values 0.05 apart keeps every window's argmax unique under perturbations of
 * +-2h = 2e-3 (checkLayer's fourth-order stencil), so the centred differences never cross a kink.
 */
function distinct(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape);
  const perm = rng.permutation(t.size);
  for (let i = 0; i < t.size; i++) t.data[i] = perm[i]! * 0.05 - 1;
  return t;
}

function expectGradOk(layer: Layer, x: Tensor): void {
  const report = checkLayer(layer, x, { threshold: 1e-8, seed: 1 });
  expect(report.ok, `${layer.describe()}\n${report.toString()}`).to.equal(true);
  expect(report.rows.map((r) => r.name)).to.deep.equal(["input"]);
}

interface PoolCase {
  k: Pair;
  s?: Pair;
  p: Pair;
  shape: number[];
}
const CASES: PoolCase[] = [
  { k: 2, p: 0, shape: [2, 3, 4, 6] }, // non-overlapping, stride = kernel
  { k: 3, s: 2, p: 0, shape: [1, 2, 7, 5] }, // overlapping windows
  { k: 3, s: 1, p: 1, shape: [2, 2, 4, 5] }, // "same" size with padding
  { k: [2, 3], s: [1, 2], p: [1, 1], shape: [1, 3, 5, 6] }, // rectangular window and stride
  { k: [3, 2], s: [2, 3], p: [0, 1], shape: [2, 1, 7, 8] }, // stride leaves a column unused
  { k: 2, p: 0, shape: [1, 1, 5, 5] }, // odd size: the last row and column are dropped
];
const desc = (c: PoolCase): string =>
  `k=${JSON.stringify(c.k)} s=${JSON.stringify(c.s ?? c.k)} p=${JSON.stringify(c.p)} on ${JSON.stringify(c.shape)}`;

describe("pooling: backward matches centred differences (float64, max rel error <= 1e-8)", () => {
  const rng = new Rng(17);
  for (const c of CASES) {
    it(`MaxPool2d ${desc(c)} (distinct, well-separated values)`, () => {
      expectGradOk(new MaxPool2d(c.k, c.s, c.p), distinct(c.shape, rng));
    });
    it(`AvgPool2d ${desc(c)}, padding counted and not counted`, () => {
      expectGradOk(new AvgPool2d(c.k, c.s, c.p), Tensor.randn(c.shape, rng));
      expectGradOk(new AvgPool2d(c.k, c.s, c.p, { countIncludePad: false }), Tensor.randn(c.shape, rng));
    });
  }
});

describe("pooling: forward values", () => {
  const rng = new Rng(3);

  it("match a direct loop for every case (max, mean over the window, mean over real pixels)", () => {
    for (const c of CASES) {
      const x = Tensor.randn(c.shape, rng);
      const s = c.s ?? c.k;
      const cases: [Layer, Tensor][] = [
        [new MaxPool2d(c.k, c.s, c.p), naivePool(x, "max", c.k, s, c.p)],
        [new AvgPool2d(c.k, c.s, c.p), naivePool(x, "avg", c.k, s, c.p, true)],
        [new AvgPool2d(c.k, c.s, c.p, { countIncludePad: false }), naivePool(x, "avg", c.k, s, c.p, false)],
      ];
      for (const [layer, ref] of cases) {
        const out = layer.forward(x);
        expect(out.shape, `${layer.describe()} ${desc(c)}`).to.deep.equal(ref.shape);
        for (let i = 0; i < out.size; i++)
          expect(out.data[i], `${layer.describe()} ${desc(c)} entry ${i}`).to.be.closeTo(ref.data[i]!, 1e-15);
      }
    }
  });

  it("hand-computed maxima and means on 0..15, with and without padding", () => {
    const x = Tensor.arange(16).reshape([1, 1, 4, 4]); // rows 0-3, 4-7, 8-11, 12-15
    expect(new MaxPool2d(2).forward(x).toFlatArray()).to.deep.equal([5, 7, 13, 15]);
    expect(new AvgPool2d(2).forward(x).toFlatArray()).to.deep.equal([2.5, 4.5, 10.5, 12.5]);
    expect(new MaxPool2d(3, 1).forward(x).toFlatArray()).to.deep.equal([10, 11, 14, 15]);
    expect(new MaxPool2d([1, 4]).forward(x).toFlatArray()).to.deep.equal([3, 7, 11, 15]);
    // Padding 1, window 2, stride 2: windows {0}, {1,2}, {3}; {4,8}, {5,6,9,10}, {7,11}; {12}, {13,14}, {15}.
    expect(new MaxPool2d(2, 2, 1).forward(x).toFlatArray()).to.deep.equal([0, 2, 3, 8, 10, 11, 12, 14, 15]);
    expect(new AvgPool2d(2, 2, 1).forward(x).toFlatArray()).to.deep.equal([
      0,
      3 / 4,
      3 / 4,
      12 / 4,
      30 / 4,
      18 / 4,
      12 / 4,
      27 / 4,
      15 / 4,
    ]);
    expect(new AvgPool2d(2, 2, 1, { countIncludePad: false }).forward(x).toFlatArray()).to.deep.equal([
      0, 1.5, 3, 6, 7.5, 9, 12, 13.5, 15,
    ]);
    // Max pooling ignores padding even when every real value is negative (it pads with -inf, not 0).
    expect(new MaxPool2d(2, 2, 1).forward(x.mul(-1).sub(1)).toFlatArray()).to.deep.equal([
      -1, -2, -4, -5, -6, -8, -13, -14, -16,
    ]);
  });

  it("max-pool backward routes each gradient to its window's max; overlapping windows add up", () => {
    const x = Tensor.from([1, 9, 2, 3, 4, 5, 8, 7, 6], [1, 1, 3, 3]);
    const pool = new MaxPool2d(2, 1); // windows: {1,9,3,4} {9,2,4,5} {3,4,8,7} {4,5,7,6}
    expect(pool.forward(x).toFlatArray()).to.deep.equal([9, 9, 8, 7]);
    expect(pool.backward(Tensor.from([1, 10, 100, 1000], [1, 1, 2, 2])).toFlatArray()).to.deep.equal([
      0, 11, 0, 0, 0, 0, 100, 1000, 0,
    ]);
  });

  it("avg-pool backward spreads dout / count over each window (padding excluded or included)", () => {
    const x = Tensor.zeros([1, 1, 2, 2]);
    const dout = Tensor.from([4, 8, 12, 16, 20, 24, 28, 32, 36], [1, 1, 3, 3]);
    // Window 2, stride 1, padding 1 on a 2x2 image: pixel (0,0) lies in the windows of outputs (0,0), (0,1), (1,0), (1,1).
    const ex = new AvgPool2d(2, 1, 1, { countIncludePad: false });
    ex.forward(x);
    // Real-pixel counts per output: corners 1, edges 2, centre 4.
    expect(ex.backward(dout).get(0, 0, 0, 0)).to.equal(4 / 1 + 8 / 2 + 16 / 2 + 20 / 4);
    const inc = new AvgPool2d(2, 1, 1);
    inc.forward(x);
    expect(inc.backward(dout).get(0, 0, 0, 0)).to.equal((4 + 8 + 16 + 20) / 4);
  });

  it("float32 in, float32 out and back, with the same values as float64", () => {
    const x = distinct([2, 2, 6, 5], rng);
    for (const make of [() => new MaxPool2d(3, 2, 1), () => new AvgPool2d([2, 3], 1, [1, 0])]) {
      const a = make();
      const b = make();
      const out64 = a.forward(x);
      const out32 = b.forward(x.astype("float32"));
      const dout = Tensor.randn(out64.shape, rng);
      const dx64 = a.backward(dout);
      const dx32 = b.backward(dout.astype("float32"));
      expect([out32.dtype, dx32.dtype]).to.deep.equal(["float32", "float32"]);
      for (let i = 0; i < out32.size; i++) expect(out32.data[i]).to.be.closeTo(out64.data[i]!, 1e-6);
      for (let i = 0; i < dx32.size; i++) expect(dx32.data[i]).to.be.closeTo(dx64.data[i]!, 1e-6);
    }
  });
});

describe("max pooling at a tie (the documented kink)", () => {
  it("sends the whole gradient to the first maximum in row-major order", () => {
    const x = Tensor.from([5, 1, 5, 5], [1, 1, 2, 2]);
    const pool = new MaxPool2d(2);
    expect(pool.forward(x).item()).to.equal(5);
    expect(pool.backward(Tensor.ones([1, 1, 1, 1])).toFlatArray()).to.deep.equal([1, 0, 0, 0]);
  });

  it("where a centred difference sees half a slope for each tied entry, so gradient checks avoid ties", () => {
    const x = Tensor.from([5, 1, 5, 2], [1, 1, 2, 2]);
    const pool = new MaxPool2d(2);
    const num = numericalGradientArray(() => pool.forward(x), x, Tensor.ones([1, 1, 1, 1]), 1e-5);
    expect(num.get(0, 0, 0, 0)).to.be.closeTo(0.5, 1e-9);
    expect(num.get(0, 0, 1, 0)).to.be.closeTo(0.5, 1e-9);
    pool.forward(x);
    expect(pool.backward(Tensor.ones([1, 1, 1, 1])).toFlatArray()).to.deep.equal([1, 0, 0, 0]);
  });
});

describe("pooling agrees with TensorFlow.js (float32)", function () {
  this.timeout(30000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });

  function expectClose(ours: Tensor, theirs: tfjs.Tensor, what: string, tol = 1e-6): void {
    expect(ours.shape, what).to.deep.equal(theirs.shape);
    const ref = theirs.dataSync();
    for (let i = 0; i < ref.length; i++) {
      const diff = Math.abs(ours.data[i]! - ref[i]!);
      if (!(diff <= tol * Math.max(1, Math.abs(ref[i]!))))
        expect.fail(`${what}: entry ${i}: ours ${ours.data[i]}, tfjs ${ref[i]} (|diff| ${diff.toExponential(2)})`);
    }
  }
  const tfOf = (t: Tensor): tfjs.Tensor => tf.tensor(Array.from(t.data), [...t.shape], "float32");
  type TfPool = (
    x: tfjs.Tensor4D,
    filterSize: [number, number],
    strides: [number, number],
    pad: "valid" | number,
  ) => tfjs.Tensor4D;
  const nhwc = (a: tfjs.Tensor): tfjs.Tensor4D => tf.transpose(a, [0, 2, 3, 1]) as tfjs.Tensor4D;
  const nchw = (a: tfjs.Tensor): tfjs.Tensor => tf.transpose(a, [0, 3, 1, 2]);
  /**
   * tfjs pooling on NCHW data with explicit padding: tf.pad by `fill` (-inf for max, 0 for a mean that
   * counts the padding), then a "valid" pool. (tfjs's own numeric `pad` argument sizes the output
   * from the window's height and stride on both axes, so it only works for square windows and strides.)
   */
  const padded =
    (op: TfPool, k: [number, number], s: [number, number], p: [number, number], fill: number) =>
    (a: tfjs.Tensor): tfjs.Tensor =>
      nchw(
        op(
          tf.pad(
            nhwc(a),
            [
              [0, 0],
              [p[0], p[0]],
              [p[1], p[1]],
              [0, 0],
            ],
            fill,
          ),
          k,
          s,
          "valid",
        ),
      );
  const vjp = (f: (a: tfjs.Tensor) => tfjs.Tensor, x: Tensor, dout: Tensor): tfjs.Tensor =>
    tf.grad((a: tfjs.Tensor) => tf.sum(tf.mul(f(a), tfOf(dout))))(tfOf(x));

  const tfCases: { k: [number, number]; s: [number, number]; p: [number, number]; shape: number[] }[] = [
    { k: [2, 2], s: [2, 2], p: [0, 0], shape: [2, 3, 6, 6] },
    { k: [3, 3], s: [2, 2], p: [1, 1], shape: [2, 2, 7, 6] },
    { k: [3, 2], s: [1, 2], p: [1, 0], shape: [1, 3, 5, 7] },
    { k: [2, 4], s: [3, 1], p: [1, 2], shape: [2, 2, 8, 6] },
  ];
  for (const dtype of ["float64", "float32"] as const) {
    for (const c of tfCases) {
      const name = `${dtype}, k=${c.k} s=${c.s} p=${c.p} on ${JSON.stringify(c.shape)}`;
      it(`MaxPool2d ${name}: out and dx`, () => {
        const rng = new Rng(5);
        const x = Tensor.randn(c.shape, rng).map(Math.fround).astype(dtype);
        const pool = new MaxPool2d(c.k, c.s, c.p);
        const out = pool.forward(x);
        const dout = Tensor.randn(out.shape, rng).map(Math.fround).astype(dtype);
        const f = padded(tf.maxPool as TfPool, c.k, c.s, c.p, -Infinity);
        expectClose(out, f(tfOf(x)), "out", 0); // a max is exact
        expectClose(pool.backward(dout), vjp(f, x, dout), "dx");
      });
      it(`AvgPool2d ${name}: out and dx, padding counted and not`, () => {
        const rng = new Rng(6);
        const x = Tensor.randn(c.shape, rng).map(Math.fround).astype(dtype);
        const inc = new AvgPool2d(c.k, c.s, c.p);
        const out = inc.forward(x);
        const dout = Tensor.randn(out.shape, rng).map(Math.fround).astype(dtype);
        const f = padded(tf.avgPool as TfPool, c.k, c.s, c.p, 0);
        expectClose(out, f(tfOf(x)), "out");
        expectClose(inc.backward(dout), vjp(f, x, dout), "dx");
        // tfjs's own symmetric numeric padding leaves the padding out of the mean in its forward pass.
        // Only the forward is compared: its AvgPoolGrad (tfjs 4.22 cpu) divides by kh*kw regardless, the
        // gradient of the padding-counted mean rather than of its own forward (4/9 vs 0.694 at a corner
        // for a 3x3 window, padding 1), so countIncludePad: false is checked by centred differences above.
        if (c.k[0] === c.k[1] && c.s[0] === c.s[1] && c.p[0] === c.p[1]) {
          const excl = new AvgPool2d(c.k, c.s, c.p, { countIncludePad: false });
          expectClose(
            excl.forward(x),
            nchw((tf.avgPool as TfPool)(nhwc(tfOf(x)), c.k, c.s, c.p[0])),
            "out (padding not counted)",
          );
        }
      });
    }
  }

  it("on ties, both send the gradient to the first maximum", () => {
    const rng = new Rng(9);
    // Small integers: most 3x3 windows have a tied maximum.
    const x = Tensor.zeros([2, 2, 7, 7]).map(() => rng.int(3));
    const pool = new MaxPool2d(3, 2, 1);
    const out = pool.forward(x);
    const dout = Tensor.randn(out.shape, rng).map(Math.fround);
    const f = padded(tf.maxPool as TfPool, [3, 3], [2, 2], [1, 1], -Infinity);
    expectClose(pool.backward(dout), vjp(f, x, dout), "dx with ties");
  });
});

describe("pooling rejects bad input with errors that name the shapes", () => {
  it("wrong rank, window larger than the (padded) input, NaN input", () => {
    expect(() => new MaxPool2d(2).forward(Tensor.zeros([4, 4]))).to.throw(
      /MaxPool2d\.forward: expected input \[N, C, H, W\], got \[4, 4\] \(rank 2\)/,
    );
    expect(() => new AvgPool2d(2).forward(Tensor.zeros([1, 2, 3, 4, 4]))).to.throw(
      /AvgPool2d\.forward: expected input \[N, C, H, W\], got \[1, 2, 3, 4, 4\]/,
    );
    expect(() => new MaxPool2d(3).forward(Tensor.zeros([1, 2, 2, 5]))).to.throw(
      /MaxPool2d\.forward: window 3x3 is larger than the input 2x5 \(input \[1, 2, 2, 5\]\)/,
    );
    expect(() => new AvgPool2d([5, 2], 1, [2, 0]).forward(Tensor.zeros([1, 1, 4, 1]))).to.throw(
      /window 5x2 is larger than the padded input 8x1/,
    );
    const x = Tensor.zeros([1, 2, 4, 4]);
    x.set(NaN, 0, 1, 2, 0);
    expect(() => new MaxPool2d(2).forward(x)).to.throw(
      /MaxPool2d\.forward input: NaN at index \[0, 1, 2, 0\] of shape \[1, 2, 4, 4\]/,
    );
    expect(() => new AvgPool2d(2).forward(x)).to.throw(/AvgPool2d\.forward input: NaN at index \[0, 1, 2, 0\]/);
  });

  it("zero or non-integer kernel and stride; padding over half the window", () => {
    expect(() => new MaxPool2d(0)).to.throw(
      /MaxPool2d: kernelSize must be an integer >= 1 \(or a pair of them\), got 0/,
    );
    expect(() => new MaxPool2d(2, 0)).to.throw(/MaxPool2d: stride must be an integer >= 1.*got 0/);
    expect(() => new AvgPool2d(2, 1.5)).to.throw(/AvgPool2d: stride must be an integer >= 1.*got 1\.5/);
    expect(() => new AvgPool2d(2, [2, -1])).to.throw(/stride must be an integer >= 1.*got \[2,-1\]/);
    expect(() => new MaxPool2d(2, 2, 0.5)).to.throw(/padding must be an integer >= 0/);
    expect(() => new MaxPool2d(2, 2, 2)).to.throw(/MaxPool2d: padding 2,2 must be at most half the window 2x2/);
    expect(() => new AvgPool2d([4, 3], 1, [2, 2])).to.throw(
      /AvgPool2d: padding 2,2 must be at most half the window 4x3/,
    );
  });

  it("backward before forward, with the wrong shape, or with another dtype", () => {
    const pool = new MaxPool2d(2);
    expect(() => pool.backward(Tensor.zeros([1, 1, 2, 2]))).to.throw(/MaxPool2d\.backward: called before forward/);
    pool.forward(Tensor.zeros([1, 1, 4, 4]));
    expect(() => pool.backward(Tensor.zeros([1, 1, 4, 4]))).to.throw(
      /upstream gradient has shape \[1, 1, 4, 4\], expected the forward output's shape \[1, 1, 2, 2\]/,
    );
    expect(() => pool.backward(Tensor.zeros([1, 1, 2, 2], "float32"))).to.throw(
      /MaxPool2d\.backward: upstream gradient is float32 \[1, 1, 2, 2\], the input was float64 \[1, 1, 4, 4\]/,
    );
    const avg = new AvgPool2d(2);
    avg.forward(Tensor.zeros([1, 1, 4, 4], "float32"));
    expect(() => avg.backward(Tensor.zeros([1, 1, 2, 2]))).to.throw(
      /AvgPool2d\.backward: upstream gradient is float64/,
    );
  });

  it("describe() names the window, stride and padding", () => {
    expect(new MaxPool2d(2).describe()).to.equal("MaxPool2d(2x2, stride 2,2)");
    expect(new MaxPool2d([3, 2], 1, [1, 0]).describe()).to.equal("MaxPool2d(3x2, stride 1,1, padding 1,0)");
    expect(new AvgPool2d(3, 2, 1, { countIncludePad: false }).describe()).to.equal(
      "AvgPool2d(3x3, stride 2,2, padding 1,1, padding excluded from the mean)",
    );
  });
});
