import { expect } from "chai";
import {
  convOutputSize,
  kernels,
  setKernels,
  type ConvGeometry,
  type GemmArgs,
  type Kernels,
} from "../lib/kernels/kernels";
import { batchNormBackward, batchNormNormalize } from "../lib/kernels/batchnorm";
import { maxPool, maxPoolBackward } from "../lib/kernels/pool";
import { referenceKernels } from "../lib/kernels/reference";
import { relu, reluBackward, reluBackwardReference } from "../lib/kernels/relu";
import { Rng } from "../lib/random";
import type { Storage } from "../lib/tensor/dtype";
import { col2im, convGeometry, im2col } from "../lib/tensor/im2col";
import { Tensor } from "../lib/tensor/tensor";
import { expectHandComputedGemm, gemmOperands, randomArray, type GemmCase } from "./helpers/gemm-case";

/**
 * The naive triple loop, straight from the definition C = alpha op(A) op(B) + beta C, in float64.
 * Also returns sum |alpha a b| + |beta c| per entry, the scale of its rounding error.
 */
function naiveGemm(p: GemmArgs, c0: Storage): { value: Float64Array; scale: Float64Array } {
  const { m, n, k } = p;
  const value = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let q = 0; q < k; q++) {
        const av = p.transA ? p.a[p.aOffset + q * p.lda + i]! : p.a[p.aOffset + i * p.lda + q]!;
        const bv = p.transB ? p.b[p.bOffset + j * p.ldb + q]! : p.b[p.bOffset + q * p.ldb + j]!;
        s += av * bv;
        abs += Math.abs(av * bv);
      }
      const old = c0[p.cOffset + i * p.ldc + j]!;
      value[i * n + j] = p.alpha * s + (p.beta === 0 ? 0 : p.beta * old);
      scale[i * n + j] = Math.abs(p.alpha) * abs + (p.beta === 0 ? 0 : Math.abs(p.beta * old));
    }
  }
  return { value, scale };
}

/** Runs one gemm on fresh random buffers and checks C (inside the m x n window and outside it). */
function checkGemm(cs: GemmCase, rng: Rng, nanC = false): void {
  const { m, n, k, f32 } = cs;
  const args = gemmOperands(cs, rng, nanC);
  const { c, cOffset, ldc } = args;
  const c0 = c.slice();
  referenceKernels.gemm(args);
  const { value, scale } = naiveGemm(args, c0);
  // float64: a few ulps per term; float32: the result is rounded to float32 once more.
  const rel = f32 ? 2e-7 : 1e-14 * (k + 2);
  const what = JSON.stringify(cs);
  const inside = new Set<number>();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const pos = cOffset + i * ldc + j;
      inside.add(pos);
      const got = c[pos]!;
      const want = value[i * n + j]!;
      if (!(Math.abs(got - want) <= rel * scale[i * n + j]! + 1e-300)) {
        expect.fail(`${what}: C[${i}, ${j}] = ${got}, naive ${want}`);
      }
    }
  }
  // Everything outside the m x n window (the offset, the row padding, the tail) is untouched.
  for (let pos = 0; pos < c.length; pos++) {
    if (!inside.has(pos) && !Object.is(c[pos], c0[pos]))
      expect.fail(`${what}: C buffer entry ${pos} outside the window changed`);
  }
}

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describe("reference kernels: gemm", () => {
  it("matches a naive triple loop for all four transpose combinations, sizes around the block sizes", () => {
    // MR = NR = 4, MC = 64, KC = 256, NC = 512: sizes 1, 3, 5, 63, 65, 257, 513 cross every edge.
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 2],
      [5, 3, 63],
      [63, 65, 5],
      [65, 63, 3],
      [4, 257, 5],
      [257, 3, 4],
      [5, 6, 513],
      [3, 513, 2],
      [513, 2, 3],
      [65, 65, 257],
      [70, 66, 300],
      [2, 7, 0],
    ];
    const rng = new Rng(11);
    for (const [m, n, k] of sizes) {
      for (const [transA, transB] of TRANSPOSES) {
        checkGemm(
          { m, n, k, transA, transB, alpha: 0.7, beta: -1.3, f32: false, pad: [2, 1, 3], offsets: [5, 2, 4] },
          rng,
        );
      }
    }
  });

  it("applies alpha and beta (beta 0 overwrites NaN; beta 1 accumulates; alpha 0 only scales C)", () => {
    const rng = new Rng(12);
    const ab: [number, number][] = [
      [1, 0],
      [1, 1],
      [-2, 0.5],
      [0, 3],
      [0, 0],
      [0.25, -1],
    ];
    for (const [alpha, beta] of ab) {
      for (const [transA, transB] of TRANSPOSES) {
        checkGemm(
          { m: 9, n: 7, k: 6, transA, transB, alpha, beta, f32: false, pad: [0, 0, 0], offsets: [0, 0, 0] },
          rng,
        );
      }
    }
    for (const f32 of [false, true]) {
      for (const [transA, transB] of TRANSPOSES) {
        // beta 0 must overwrite NaN in C (never 0 * NaN); NaN padding outside the window stays NaN.
        checkGemm(
          { m: 13, n: 6, k: 70, transA, transB, alpha: 1.5, beta: 0, f32, pad: [1, 2, 3], offsets: [1, 2, 3] },
          rng,
          true,
        );
        // alpha 0 with beta 0 writes zeros over the NaN.
        const c = Float64Array.of(NaN, NaN);
        referenceKernels.gemm({
          transA,
          transB,
          m: 1,
          n: 2,
          k: 1,
          alpha: 0,
          a: Float64Array.of(1),
          aOffset: 0,
          lda: 1,
          b: Float64Array.of(1, 2),
          bOffset: 0,
          ldb: transB ? 1 : 2,
          beta: 0,
          c,
          cOffset: 0,
          ldc: 2,
        });
        expect(Array.from(c)).to.deep.equal([0, 0]);
      }
    }
    expectHandComputedGemm(referenceKernels);
  });

  it("works on float32 storage at every block edge, rounding once to float32", () => {
    const rng = new Rng(13);
    for (const [m, n, k] of [
      [1, 1, 1],
      [5, 63, 65],
      [65, 5, 257],
      [3, 513, 7],
    ] as [number, number, number][]) {
      for (const [transA, transB] of TRANSPOSES) {
        checkGemm({ m, n, k, transA, transB, alpha: 1, beta: 0.5, f32: true, pad: [3, 0, 1], offsets: [2, 0, 7] }, rng);
      }
    }
  });

  it("honours offsets and leading dimensions much larger than the width (sub-matrices of a bigger buffer)", () => {
    const rng = new Rng(14);
    // A 3x4 block at (2, 5) of a 10x20 matrix times a 4x2 block at (1, 1) of a 6x9 matrix, into a 3x2 block of a 5x8 C.
    const big = Tensor.randn([10, 20], rng);
    const other = Tensor.randn([6, 9], rng);
    const c = Tensor.randn([5, 8], rng);
    const before = c.clone();
    referenceKernels.gemm({
      transA: false,
      transB: false,
      m: 3,
      n: 2,
      k: 4,
      alpha: 1,
      a: big.data,
      aOffset: 2 * 20 + 5,
      lda: 20,
      b: other.data,
      bOffset: 1 * 9 + 1,
      ldb: 9,
      beta: 0,
      c: c.data,
      cOffset: 1 * 8 + 6,
      ldc: 8,
    });
    const expected = big
      .slice(0, 2, 5)
      .slice(1, 5, 9)
      .matmul(other.slice(0, 1, 5).slice(1, 1, 3));
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 8; j++) {
        const inBlock = i >= 1 && i < 4 && j >= 6;
        if (inBlock) expect(c.get(i, j)).to.be.closeTo(expected.get(i - 1, j - 6), 1e-13);
        else expect(c.get(i, j)).to.equal(before.get(i, j));
      }
    }
    for (const [transA, transB] of TRANSPOSES) {
      checkGemm(
        { m: 7, n: 9, k: 11, transA, transB, alpha: -1, beta: 2, f32: false, pad: [40, 33, 25], offsets: [17, 3, 29] },
        rng,
      );
    }
  });

  it("refuses buffers that are too small, naming the operand", () => {
    const base = (): GemmArgs => ({
      transA: false,
      transB: false,
      m: 2,
      n: 3,
      k: 4,
      alpha: 1,
      a: new Float64Array(8),
      aOffset: 0,
      lda: 4,
      b: new Float64Array(12),
      bOffset: 0,
      ldb: 3,
      beta: 0,
      c: new Float64Array(6),
      cOffset: 0,
      ldc: 3,
    });
    expect(() => referenceKernels.gemm(base())).not.to.throw();
    const bad: [Partial<GemmArgs>, RegExp][] = [
      [{ a: new Float64Array(7) }, /gemm: A needs 2x4 elements \(ld 4\) from offset 0, buffer has 7/],
      [{ aOffset: 1 }, /gemm: A needs 2x4 elements \(ld 4\) from offset 1, buffer has 8/],
      [{ b: new Float64Array(11) }, /gemm: B needs 4x3 elements \(ld 3\) from offset 0, buffer has 11/],
      [{ c: new Float64Array(5) }, /gemm: C needs 2x3 elements \(ld 3\) from offset 0, buffer has 5/],
      [{ ldc: 4 }, /gemm: C needs 2x3 elements \(ld 4\)/],
      [{ transA: true }, /gemm: A needs 4x2 elements/], // k x m with lda 4: 3 * 4 + 2 = 14 > 8
      [{ transB: true, ldb: 5 }, /gemm: B needs 3x4 elements \(ld 5\) from offset 0, buffer has 12/], // n x k: 2 * 5 + 4 = 14 > 12
      [{ lda: 3 }, /leading dimension of A \(3\) is smaller than its 4 columns/],
      [{ ldb: 2 }, /leading dimension of B \(2\) is smaller than its 3 columns/],
      [{ ldc: 2 }, /leading dimension of C \(2\) is smaller than its 3 columns/],
      [{ cOffset: -1 }, /gemm: C needs 2x3 elements \(ld 3\) from offset -1/],
      [{ m: -1 }, /gemm: m must be a non-negative integer, got -1/],
      [{ k: 1.5 }, /gemm: k must be a non-negative integer, got 1\.5/],
    ];
    for (const [patch, message] of bad) {
      const args = { ...base(), ...patch };
      const c0 = args.c.slice();
      expect(() => referenceKernels.gemm(args), JSON.stringify(Object.keys(patch))).to.throw(message);
      expect(Array.from(args.c)).to.deep.equal(Array.from(c0)); // nothing written before the check
    }
  });

  it("kernels() serves the reference kernels by default; setKernels swaps them for the tensor and restores them", () => {
    expect(kernels()).to.equal(referenceKernels);
    let calls = 0;
    const counting: Kernels = {
      ...referenceKernels,
      name: "counting",
      gemm: (args) => {
        calls++;
        referenceKernels.gemm(args);
      },
    };
    const previous = setKernels(counting);
    try {
      expect(kernels().name).to.equal("counting");
      expect(
        Tensor.ones([2, 2])
          .matmul(Tensor.ones([2, 2]))
          .toFlatArray(),
      ).to.deep.equal([2, 2, 2, 2]);
      expect(calls).to.equal(1);
    } finally {
      setKernels(null);
    }
    expect(previous.name).to.equal(referenceKernels.name);
    expect(kernels()).to.equal(referenceKernels);
  });

  it("a fused kernel of the active kernels runs instead of the library's loop; the others keep the loop", () => {
    let backwardCalls = 0;
    // Only the products, and a ReLU backward of its own.
    const partial: Kernels = {
      name: "partial",
      gemm: referenceKernels.gemm,
      im2col: referenceKernels.im2col,
      col2im: referenceKernels.col2im,
      fused: {
        reluBackward: (x, dout, dx) => {
          backwardCalls++;
          reluBackwardReference(x, dout, dx);
        },
      },
    };
    setKernels(partial);
    try {
      expect(kernels()).to.equal(partial);
      const out = new Float64Array(3),
        dx = new Float64Array(3);
      relu(Float64Array.of(-1, 0.5, 2), out);
      reluBackward(Float64Array.of(-1, 0.5, 2), Float64Array.of(3, 4, 5), dx);
      expect(Array.from(out)).to.deep.equal([0, 0.5, 2]);
      expect(Array.from(dx)).to.deep.equal([0, 4, 5]);
      expect(backwardCalls).to.equal(1);
      // The checks come first: a bad call never reaches the kernel.
      expect(() => reluBackward(new Float64Array(2), new Float64Array(2), new Float64Array(3))).to.throw(
        "reluBackward: arrays of 2 and 3 entries (they must match)",
      );
      expect(backwardCalls).to.equal(1);
    } finally {
      setKernels(null);
    }
  });
});

describe("fused kernels: argument checks", () => {
  it("max pooling and BatchNorm refuse a geometry or arrays that do not fit, before touching anything", () => {
    const g = convGeometry([2, 4, 4], { kernel: [2, 2], stride: [2, 2] });
    const args = { x: new Float64Array(32), n: 1, g, out: new Float64Array(8), argmax: new Int32Array(8) };
    expect(() => maxPool({ ...args, g: { ...g, padH: 1 } })).to.throw("maxPool: bad geometry for 1 images");
    expect(() => maxPool({ ...args, g: { ...g, outW: 3 } })).to.throw("maxPool: bad geometry");
    expect(() => maxPool({ ...args, x: new Float64Array(31) })).to.throw(
      "maxPool: 1x2x4x4 into 8 windows, got x 31, out 8, argmax 8 entries",
    );
    maxPool(args);
    expect(() => maxPoolBackward(args.argmax, new Float64Array(7), new Float64Array(32))).to.throw(
      "maxPoolBackward: 8 windows, dout has only 7 entries",
    );
    const C = 3,
      v = (k: number) => new Float64Array(k);
    const bn = { n: 2, C, inner: 5, mean: v(C), invstd: v(C), gamma: v(C), beta: v(C), xhat: v(30), out: v(30) };
    expect(() => batchNormNormalize({ ...bn, x: v(29) })).to.throw(
      "batchNormNormalize: [2, 3, 5] needs 30 values and 3 per channel, got an array of 29",
    );
    expect(() =>
      batchNormBackward({ dy: v(30), xhat: v(30), n: 2, C, inner: 5, k1: v(3), k0: v(2), k2: v(3), dx: v(30) }),
    ).to.throw("batchNormBackward: [2, 3, 5] needs 30 values and 3 per channel, got an array of 2");
  });
});

describe("reference kernels: im2col and col2im", () => {
  function geometry(
    channels: number,
    height: number,
    width: number,
    kernelH: number,
    kernelW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
  ): ConvGeometry {
    return {
      channels,
      height,
      width,
      kernelH,
      kernelW,
      strideH,
      strideW,
      padH,
      padW,
      outH: convOutputSize(height, kernelH, strideH, padH),
      outW: convOutputSize(width, kernelW, strideW, padW),
    };
  }

  const geometries: ConvGeometry[] = [
    geometry(1, 5, 5, 3, 3, 1, 1, 0, 0),
    geometry(2, 7, 6, 3, 2, 2, 1, 1, 0),
    geometry(3, 8, 8, 5, 5, 2, 2, 2, 2),
    geometry(2, 4, 9, 1, 4, 1, 3, 0, 1),
    geometry(1, 6, 5, 2, 2, 2, 2, 0, 0), // non-overlapping windows
    geometry(2, 5, 7, 3, 3, 3, 2, 1, 2), // stride that does not divide the padded size
    geometry(1, 1, 1, 3, 3, 1, 1, 1, 1), // a 1x1 image, all padding around it
  ];

  it("convOutputSize is floor((in + 2 pad - k) / stride) + 1", () => {
    expect(convOutputSize(5, 3, 1, 0)).to.equal(3);
    expect(convOutputSize(5, 3, 1, 1)).to.equal(5);
    expect(convOutputSize(7, 3, 2, 1)).to.equal(4);
    expect(convOutputSize(8, 3, 2, 0)).to.equal(3);
    expect(convOutputSize(28, 5, 1, 2)).to.equal(28);
  });

  it("im2col matches its definition entry by entry (padding reads as zero)", () => {
    const rng = new Rng(20);
    for (const g of geometries) {
      const x = randomArray(g.channels * g.height * g.width, rng);
      const plane = g.outH * g.outW;
      const cols = new Float64Array(g.channels * g.kernelH * g.kernelW * plane).fill(NaN); // every entry must be written
      referenceKernels.im2col(x, 0, g, cols);
      for (let ch = 0; ch < g.channels; ch++)
        for (let ki = 0; ki < g.kernelH; ki++)
          for (let kj = 0; kj < g.kernelW; kj++)
            for (let oy = 0; oy < g.outH; oy++)
              for (let ox = 0; ox < g.outW; ox++) {
                const iy = oy * g.strideH - g.padH + ki;
                const ix = ox * g.strideW - g.padW + kj;
                const inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
                const expected = inside ? x[(ch * g.height + iy) * g.width + ix]! : 0;
                const row = (ch * g.kernelH + ki) * g.kernelW + kj;
                expect(cols[row * plane + oy * g.outW + ox]).to.equal(expected);
              }
    }
  });

  it("col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)> (float64 and float32, with offsets)", () => {
    const rng = new Rng(21);
    for (const g of geometries) {
      for (const f32 of [false, true]) {
        for (let trial = 0; trial < 3; trial++) {
          const size = g.channels * g.height * g.width;
          const colsSize = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
          // The image sits at an offset inside a batch buffer, as layers use it.
          const offset = trial * size;
          const xBuf = randomArray(3 * size, rng, f32);
          const cols = f32 ? new Float32Array(colsSize) : new Float64Array(colsSize);
          referenceKernels.im2col(xBuf, offset, g, cols);
          const c = randomArray(colsSize, rng, f32);
          const back = f32 ? new Float32Array(3 * size) : new Float64Array(3 * size);
          referenceKernels.col2im(c, g, back, offset);
          let lhs = 0,
            rhs = 0,
            scale = 0;
          for (let i = 0; i < colsSize; i++) {
            lhs += cols[i]! * c[i]!;
            scale += Math.abs(cols[i]! * c[i]!);
          }
          for (let i = 0; i < size; i++) rhs += xBuf[offset + i]! * back[offset + i]!;
          expect(lhs, JSON.stringify(g)).to.be.closeTo(rhs, (f32 ? 1e-5 : 1e-13) * Math.max(1, scale));
          // Nothing is written outside this image's slot.
          for (let i = 0; i < 3 * size; i++) if (i < offset || i >= offset + size) expect(back[i]).to.equal(0);
        }
      }
    }
  });

  it("col2im adds into dx (it does not overwrite), counting how many windows cover each pixel", () => {
    for (const g of geometries) {
      const colsSize = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
      const dx = new Float64Array(g.channels * g.height * g.width).fill(10);
      referenceKernels.col2im(new Float64Array(colsSize).fill(1), g, dx, 0);
      for (let ch = 0; ch < g.channels; ch++)
        for (let y = 0; y < g.height; y++)
          for (let x = 0; x < g.width; x++) {
            let count = 0;
            for (let oy = 0; oy < g.outH; oy++)
              for (let ox = 0; ox < g.outW; ox++) {
                const ki = y + g.padH - oy * g.strideH;
                const kj = x + g.padW - ox * g.strideW;
                if (ki >= 0 && ki < g.kernelH && kj >= 0 && kj < g.kernelW) count++;
              }
            expect(dx[(ch * g.height + y) * g.width + x]).to.equal(10 + count);
          }
    }
  });
});

describe("im2col and col2im on tensors", () => {
  it("have the right shapes, a known patch, and keep the dtype", () => {
    const img = Tensor.arange(2 * 4 * 4).reshape([2, 4, 4]);
    const cols = im2col(img, { kernel: [3, 3], stride: [1, 1] });
    expect(cols.shape).to.deep.equal([18, 4]);
    // Column 0 is the top-left 3x3 patch of each channel, channel-major.
    expect(cols.slice(1, 0, 1).toFlatArray()).to.deep.equal([
      0, 1, 2, 4, 5, 6, 8, 9, 10, 16, 17, 18, 20, 21, 22, 24, 25, 26,
    ]);
    // Column 3 is the bottom-right patch.
    expect(cols.slice(1, 3, 4).toFlatArray().slice(0, 9)).to.deep.equal([5, 6, 7, 9, 10, 11, 13, 14, 15]);
    const padded = im2col(img, { kernel: [2, 2], stride: [2, 2], padding: [1, 1] });
    expect(padded.shape).to.deep.equal([8, 9]);
    expect(padded.slice(1, 0, 1).toFlatArray()).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 16]);
    const back = col2im(Tensor.ones([18, 4]), [2, 4, 4], { kernel: [3, 3] });
    expect(back.get(0, 1, 1)).to.equal(4); // the centre pixels lie in all four windows
    expect(back.get(1, 0, 0)).to.equal(1);
    expect(back.get(0, 0, 1)).to.equal(2);
    expect(im2col(img.astype("float32"), { kernel: [2, 2] }).dtype).to.equal("float32");
    expect(col2im(Tensor.ones([18, 4], "float32"), [2, 4, 4], { kernel: [3, 3] }).dtype).to.equal("float32");
  });

  it("reject windows that do not fit, bad strides and wrong shapes, naming them", () => {
    const img = Tensor.zeros([2, 4, 4]);
    expect(() => im2col(img, { kernel: [5, 5] })).to.throw(/kernel 5x5 does not fit the padded image 4x4/);
    expect(im2col(img, { kernel: [5, 5], padding: [1, 1] }).shape).to.deep.equal([50, 4]);
    expect(() => im2col(img, { kernel: [2, 2], stride: [0, 1] })).to.throw(
      /kernel 2x2 and stride 0x1 must be positive integers/,
    );
    expect(() => im2col(img, { kernel: [2, 2], padding: [-1, 0] })).to.throw(/padding -1x0 non-negative integers/);
    expect(() => im2col(Tensor.zeros([4, 4]), { kernel: [2, 2] })).to.throw(
      /expected an image shape \[C, H, W\], got \[4, 4\]/,
    );
    expect(() => col2im(Tensor.zeros([18, 5]), [2, 4, 4], { kernel: [3, 3] })).to.throw(
      /col2im columns: expected shape \[18, 4\], got \[18, 5\]/,
    );
    expect(convGeometry([3, 7, 7], { kernel: [3, 3], stride: [2, 2], padding: [1, 1] })).to.deep.include({
      outH: 4,
      outW: 4,
      channels: 3,
    });
  });
});
