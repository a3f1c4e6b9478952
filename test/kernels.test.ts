import { expect } from "chai";
import { kernels, convOutputSize, setKernels, type ConvGeometry, type Kernels } from "../lib/kernels/kernels";
import { referenceKernels } from "../lib/kernels/reference";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";

function randomArray(n: number, rng: Rng, f32 = false): Float64Array | Float32Array {
  const a = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

describe("reference kernels", () => {
  it("gemm matches a triple loop for every transpose combination, odd sizes, offsets and leading dimensions", () => {
    const rng = new Rng(11);
    const sizes = [[1, 1, 1], [3, 5, 2], [5, 3, 63], [65, 7, 9], [17, 257, 4], [9, 6, 513], [70, 66, 300]];
    for (const [m, n, k] of sizes as [number, number, number][]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const aRows = transA ? k : m, aCols = transA ? m : k;
          const bRows = transB ? n : k, bCols = transB ? k : n;
          const lda = aCols + 2, ldb = bCols + 1, ldc = n + 3;
          const aOffset = 5, bOffset = 2, cOffset = 4;
          const a = randomArray(aOffset + aRows * lda, rng);
          const b = randomArray(bOffset + bRows * ldb, rng);
          const c = randomArray(cOffset + m * ldc, rng);
          const c0 = c.slice();
          const alpha = 0.7, beta = -1.3;
          referenceKernels.gemm({ transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc });
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) {
                const av = transA ? a[aOffset + p * lda + i]! : a[aOffset + i * lda + p]!;
                const bv = transB ? b[bOffset + j * ldb + p]! : b[bOffset + p * ldb + j]!;
                s += av * bv;
              }
              const expected = alpha * s + beta * c0[cOffset + i * ldc + j]!;
              expect(c[cOffset + i * ldc + j]).to.be.closeTo(expected, 1e-10 * Math.max(1, Math.abs(expected)));
            }
            // The padding between rows is left alone.
            for (let j = n; j < ldc && cOffset + i * ldc + j < c.length; j++) expect(c[cOffset + i * ldc + j]).to.equal(c0[cOffset + i * ldc + j]);
          }
        }
      }
    }
  });

  it("gemm with beta 0 overwrites NaN in C, and works on float32 storage", () => {
    const a = Float32Array.of(1, 2, 3, 4);
    const b = Float32Array.of(5, 6, 7, 8);
    const c = Float32Array.of(NaN, NaN, NaN, NaN);
    referenceKernels.gemm({ transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 1, a, aOffset: 0, lda: 2, b, bOffset: 0, ldb: 2, beta: 0, c, cOffset: 0, ldc: 2 });
    expect(Array.from(c)).to.deep.equal([19, 22, 43, 50]);
  });

  it("gemm refuses buffers that are too small, naming the operand", () => {
    const small = new Float64Array(3);
    expect(() => referenceKernels.gemm({ transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 1, a: small, aOffset: 0, lda: 2, b: new Float64Array(4), bOffset: 0, ldb: 2, beta: 0, c: new Float64Array(4), cOffset: 0, ldc: 2 }))
      .to.throw(/gemm: A needs 2x2 elements/);
  });

  it("col2im is the adjoint of im2col for strided, padded geometries", () => {
    const rng = new Rng(12);
    const cases = [[1, 5, 5, 3, 3, 1, 1, 0, 0], [2, 7, 6, 3, 2, 2, 1, 1, 0], [3, 8, 8, 5, 5, 2, 2, 2, 2], [2, 4, 9, 1, 4, 1, 3, 0, 1]];
    for (const [channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW] of cases as number[][]) {
      const g: ConvGeometry = {
        channels: channels!, height: height!, width: width!, kernelH: kernelH!, kernelW: kernelW!, strideH: strideH!, strideW: strideW!, padH: padH!, padW: padW!,
        outH: convOutputSize(height!, kernelH!, strideH!, padH!), outW: convOutputSize(width!, kernelW!, strideW!, padW!),
      };
      const x = randomArray(channels! * height! * width!, rng);
      const colsSize = channels! * kernelH! * kernelW! * g.outH * g.outW;
      const cols = new Float64Array(colsSize);
      referenceKernels.im2col(x, 0, g, cols);
      const c = randomArray(colsSize, rng);
      const back = new Float64Array(x.length);
      referenceKernels.col2im(c, g, back, 0);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < colsSize; i++) lhs += cols[i]! * c[i]!;
      for (let i = 0; i < x.length; i++) rhs += x[i]! * back[i]!;
      expect(lhs).to.be.closeTo(rhs, 1e-10 * Math.max(1, Math.abs(lhs)));
      // Spot-check one entry of im2col against its definition: row (ch, ki, kj), column (oy, ox).
      const ch = channels! - 1, ki = kernelH! - 1, kj = 0, oy = g.outH - 1, ox = 0;
      const iy = oy * strideH! - padH! + ki, ix = ox * strideW! - padW! + kj;
      const expected = iy >= 0 && iy < height! && ix >= 0 && ix < width! ? x[(ch * height! + iy) * width! + ix]! : 0;
      expect(cols[((ch * kernelH! + ki) * kernelW! + kj) * g.outH * g.outW + oy * g.outW + ox]).to.equal(expected);
    }
  });

  it("setKernels swaps the implementation used by the tensor and restores the reference", () => {
    let calls = 0;
    const counting: Kernels = { ...referenceKernels, name: "counting", gemm: (args) => { calls++; referenceKernels.gemm(args); } };
    const previous = setKernels(counting);
    try {
      expect(kernels().name).to.equal("counting");
      Tensor.ones([2, 2]).matmul(Tensor.ones([2, 2]));
      expect(calls).to.equal(1);
    } finally {
      setKernels(null);
    }
    expect(previous.name).to.equal(referenceKernels.name);
    expect(kernels()).to.equal(referenceKernels);
  });
});
