// GEMM throughput of the active kernels on a few shapes (C = op(A) op(B), beta 0).
import { kernels, type GemmArgs } from "../lib/kernels/kernels";
import { Rng } from "../lib/random";
import type { DType } from "../lib/tensor/dtype";
import { allocate } from "../lib/tensor/arena";
import { median, now } from "./common";

export interface GemmShape {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/** 512^3, and the three products of one MLP 784-256-10 training step's first layer (batch 64). */
export const GEMM_SHAPES: GemmShape[] = [
  { label: "512x512x512", m: 512, n: 512, k: 512, transA: false, transB: false },
  { label: "MLP forward x W1 (64x256x784)", m: 64, n: 256, k: 784, transA: false, transB: false },
  { label: "MLP dW1 = x^T dh (784x256x64, A^T)", m: 784, n: 256, k: 64, transA: true, transB: false },
  { label: "MLP dx = dh W1^T (64x784x256, B^T)", m: 64, n: 784, k: 256, transA: false, transB: true },
];

/** GFLOP/s (2mnk per product) of the active kernels: median over `runs` timed repetitions of ~`seconds` each. */
export function gemmGflops(shape: GemmShape, dtype: DType, runs = 7, seconds = 0.15): number {
  const { m, n, k, transA, transB } = shape;
  const rng = new Rng(3);
  const fill = (len: number) => {
    const a = allocate(dtype, len);
    for (let i = 0; i < len; i++) a[i] = rng.normal();
    return a;
  };
  const args: GemmArgs = {
    transA,
    transB,
    m,
    n,
    k,
    alpha: 1,
    a: fill(m * k),
    aOffset: 0,
    lda: transA ? m : k,
    b: fill(k * n),
    bOffset: 0,
    ldb: transB ? k : n,
    beta: 0,
    c: allocate(dtype, m * n),
    cOffset: 0,
    ldc: n,
  };
  const kern = kernels();
  // Warm up (and let the engine tier the code up), then size each timed run to about `seconds`.
  let reps = 1;
  for (;;) {
    const t0 = now();
    for (let r = 0; r < reps; r++) kern.gemm(args);
    const t = now() - t0;
    if (t > seconds / 4) {
      reps = Math.max(1, Math.round((reps * seconds) / t));
      break;
    }
    reps *= 2;
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    for (let r = 0; r < reps; r++) kern.gemm(args);
    times.push((now() - t0) / reps);
  }
  return (2 * m * n * k) / median(times) / 1e9;
}
