// Random gemm operands shared by the reference-kernel and WebAssembly-kernel tests.
import type { GemmArgs } from "../../lib/kernels/kernels";
import type { Rng } from "../../lib/random";
import type { Storage } from "../../lib/tensor/dtype";

export function randomArray(n: number, rng: Rng, f32 = false): Storage {
  const a = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

export interface GemmCase {
  m: number; n: number; k: number; transA: boolean; transB: boolean; alpha: number; beta: number;
  f32: boolean; pad: [number, number, number]; offsets: [number, number, number];
}

/** A, B and C for a case (leading dimensions padded, operands offset, 3 spare entries after C; C all NaN if asked). */
export function gemmOperands(cs: GemmCase, rng: Rng, nanC = false): GemmArgs {
  const { m, n, k, transA, transB, alpha, beta, f32, pad, offsets } = cs;
  const aRows = transA ? k : m, aCols = transA ? m : k;
  const bRows = transB ? n : k, bCols = transB ? k : n;
  const [lda, ldb, ldc] = [aCols + pad[0], bCols + pad[1], n + pad[2]];
  const [aOffset, bOffset, cOffset] = offsets;
  const a = randomArray(aOffset + aRows * lda, rng, f32);
  const b = randomArray(bOffset + bRows * ldb, rng, f32);
  const c = randomArray(cOffset + m * ldc + 3, rng, f32);
  if (nanC) c.fill(NaN);
  return { transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc };
}
