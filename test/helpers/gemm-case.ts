// Random gemm operands shared by the reference-kernel and WebAssembly-kernel tests.
import { expect } from "chai";
import type { GemmArgs } from "../../lib/kernels/kernels";
import { referenceKernels } from "../../lib/kernels/reference";
import { wasmKernels } from "../../lib/kernels/wasm/index";
import type { Rng } from "../../lib/random";
import type { Storage } from "../../lib/tensor/dtype";

export function randomArray(n: number, rng: Rng, f32 = false): Storage {
  const a = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

export interface GemmCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  f32: boolean;
  pad: [number, number, number];
  offsets: [number, number, number];
}

/** A, B and C for a case (leading dimensions padded, operands offset, 3 spare entries after C; C all NaN if asked). */
export function gemmOperands(cs: GemmCase, rng: Rng, nanC = false): GemmArgs {
  const { m, n, k, transA, transB, alpha, beta, f32, pad, offsets } = cs;
  const aRows = transA ? k : m,
    aCols = transA ? m : k;
  const bRows = transB ? n : k,
    bCols = transB ? k : n;
  const [lda, ldb, ldc] = [aCols + pad[0], bCols + pad[1], n + pad[2]];
  const [aOffset, bOffset, cOffset] = offsets;
  const a = randomArray(aOffset + aRows * lda, rng, f32);
  const b = randomArray(bOffset + bRows * ldb, rng, f32);
  const c = randomArray(cOffset + m * ldc + 3, rng, f32);
  if (nanC) c.fill(NaN);
  return { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc };
}

/**
 * Runs the reference and the wasm gemm on the same random operands and compares C: inside the window
 * within float rounding of the terms' magnitude (sum |alpha a b| + |beta c|), outside it bit for bit.
 */
export function compareGemm(cs: GemmCase, rng: Rng, nanC = false): void {
  const { m, n, k, f32 } = cs;
  const operands = gemmOperands(cs, rng, nanC);
  const { transA, transB, alpha, beta, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc } = operands;
  const want = c.slice();
  const got = c.slice();
  const args: GemmArgs = { ...operands, c: want };
  referenceKernels.gemm(args);
  wasmKernels.gemm({ ...args, c: got });
  // float64: a few ulps per term; float32: wasm accumulates in float32 (the reference in float64).
  const rel = f32 ? 1.2e-7 * (k + 2) : 1e-15 * (k + 2);
  const what = JSON.stringify(cs);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let scale = beta === 0 ? 0 : Math.abs(beta * c[cOffset + i * ldc + j]!);
      for (let q = 0; q < k; q++) {
        const av = transA ? a[aOffset + q * lda + i]! : a[aOffset + i * lda + q]!;
        const bv = transB ? b[bOffset + j * ldb + q]! : b[bOffset + q * ldb + j]!;
        scale += Math.abs(alpha * av * bv);
      }
      const pos = cOffset + i * ldc + j;
      if (!(Math.abs(got[pos]! - want[pos]!) <= rel * scale + 1e-300)) {
        expect.fail(`${what}: C[${i}, ${j}]: wasm ${got[pos]}, reference ${want[pos]}`);
      }
    }
  }
  for (let pos = 0; pos < c.length; pos++) {
    const inside = pos >= cOffset && pos < cOffset + m * ldc && (pos - cOffset) % ldc < n;
    if (!inside && !Object.is(got[pos], c[pos]))
      expect.fail(`${what}: C buffer entry ${pos} outside the window changed`);
  }
}

/**
 * Hand-computed products in float32 on `kernels`: [[1, 2], [3, 4]] [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
 * over a C of NaN (beta 0 must overwrite it), then 2 A^T B^T + C with
 * A^T B^T = [[1, 3], [2, 4]] [[5, 7], [6, 8]] = [[23, 31], [34, 46]].
 */
export function expectHandComputedGemm(kernels: { gemm(args: GemmArgs): void }): void {
  const a = Float32Array.of(1, 2, 3, 4);
  const b = Float32Array.of(5, 6, 7, 8);
  const c = Float32Array.of(NaN, NaN, NaN, NaN);
  const square = (trans: boolean, alpha: number, beta: number): void =>
    kernels.gemm({
      transA: trans,
      transB: trans,
      m: 2,
      n: 2,
      k: 2,
      alpha,
      a,
      aOffset: 0,
      lda: 2,
      b,
      bOffset: 0,
      ldb: 2,
      beta,
      c,
      cOffset: 0,
      ldc: 2,
    });
  square(false, 1, 0);
  expect(Array.from(c)).to.deep.equal([19, 22, 43, 50]);
  square(true, 2, 1);
  expect(Array.from(c)).to.deep.equal([19 + 46, 22 + 62, 43 + 68, 50 + 92]);
}
