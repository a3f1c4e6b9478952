import type { Storage } from "../tensor/dtype";
import { checkGemmArgs, type ConvGeometry, type GemmArgs, type Kernels } from "./interface";

/*
 * The reference products in plain TypeScript: the readable definition of the Kernels interface and
 * the default kernels. (The fused kernels' plain versions are in their own files: conv.ts, relu.ts, ...)
 *
 * GEMM follows the Goto/BLIS scheme: B is packed into KC x NC panels of NR columns and A into
 * MC x KC panels of MR rows, so that a 4x4 micro-kernel reads both operands sequentially and keeps
 * its 16 accumulators in registers. Packing also absorbs the transposes and zero-pads the edges,
 * so the micro-kernel has no branches. Accumulation is in float64 (JavaScript numbers).
 */
const MR = 4;
const NR = 4;
const MC = 64;
const KC = 256;
const NC = 512;

const packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

function gemm(p: GemmArgs): void {
  const { m, n, k, alpha, beta, c, cOffset, ldc } = p;
  checkGemmArgs(p);
  scaleC(c, cOffset, ldc, m, n, beta);
  if (alpha === 0 || k === 0 || m === 0 || n === 0) return;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelB(p, pc, kc, jc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanelA(p, ic, mc, pc, kc);
        macroKernel(mc, nc, kc, alpha, c, cOffset + ic * ldc + jc, ldc);
      }
    }
  }
}

function scaleC(c: Storage, off: number, ldc: number, m: number, n: number, beta: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = off + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = 0; j < n; j++) c[row + j]! *= beta;
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] as consecutive kc x NR slivers (zero-padded on the right). */
function packPanelB(p: GemmArgs, pc: number, kc: number, jc: number, nc: number): void {
  const need = kc * Math.ceil(nc / NR) * NR;
  if (packB.length < need) packB = new Float64Array(need);
  const { b, bOffset, ldb, transB } = p;
  let dst = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    for (let q = 0; q < kc; q++) {
      for (let j = 0; j < NR; j++) {
        if (j >= cols) {
          packB[dst++] = 0;
          continue;
        }
        const col = jc + j0 + j;
        const row = pc + q;
        packB[dst++] = transB ? b[bOffset + col * ldb + row]! : b[bOffset + row * ldb + col]!;
      }
    }
  }
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] as consecutive MR x kc slivers stored column by column. */
function packPanelA(p: GemmArgs, ic: number, mc: number, pc: number, kc: number): void {
  const { a, aOffset, lda, transA } = p;
  let dst = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    for (let q = 0; q < kc; q++) {
      for (let i = 0; i < MR; i++) {
        if (i >= rows) {
          packA[dst++] = 0;
          continue;
        }
        const row = ic + i0 + i;
        const col = pc + q;
        packA[dst++] = transA ? a[aOffset + col * lda + row]! : a[aOffset + row * lda + col]!;
      }
    }
  }
}

function macroKernel(mc: number, nc: number, kc: number, alpha: number, c: Storage, cOff: number, ldc: number): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    const bBase = (j0 / NR) * kc * NR;
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = Math.min(MR, mc - i0);
      microKernel(kc, (i0 / MR) * kc * MR, bBase, alpha, c, cOff + i0 * ldc + j0, ldc, rows, cols);
    }
  }
}

/** C[0:rows, 0:cols] += alpha * Apanel * Bpanel with a 4x4 register block. */
function microKernel(
  kc: number,
  aBase: number,
  bBase: number,
  alpha: number,
  c: Storage,
  cOff: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  const A = packA;
  const B = packB;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  let ai = aBase;
  let bi = bBase;
  for (let q = 0; q < kc; q++, ai += MR, bi += NR) {
    const a0 = A[ai]!,
      a1 = A[ai + 1]!,
      a2 = A[ai + 2]!,
      a3 = A[ai + 3]!;
    const b0 = B[bi]!,
      b1 = B[bi + 1]!,
      b2 = B[bi + 2]!,
      b3 = B[bi + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (rows === MR && cols === NR) {
    // Full tile: write straight from the registers (the common case).
    let r = cOff;
    c[r] += alpha * c00;
    c[r + 1] += alpha * c01;
    c[r + 2] += alpha * c02;
    c[r + 3] += alpha * c03;
    r += ldc;
    c[r] += alpha * c10;
    c[r + 1] += alpha * c11;
    c[r + 2] += alpha * c12;
    c[r + 3] += alpha * c13;
    r += ldc;
    c[r] += alpha * c20;
    c[r + 1] += alpha * c21;
    c[r + 2] += alpha * c22;
    c[r + 3] += alpha * c23;
    r += ldc;
    c[r] += alpha * c30;
    c[r + 1] += alpha * c31;
    c[r + 2] += alpha * c32;
    c[r + 3] += alpha * c33;
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < rows; i++) {
    const row = cOff + i * ldc;
    for (let j = 0; j < cols; j++) c[row + j]! += alpha * acc[i * 4 + j]!;
  }
}

function im2col(x: Storage, xOffset: number, g: ConvGeometry, cols: Storage): void {
  const { channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW } = g;
  const plane = outH * outW;
  let row = 0;
  for (let ch = 0; ch < channels; ch++) {
    const xc = xOffset + ch * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++, row++) {
        let dst = row * plane;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki;
          if (iy < 0 || iy >= height) {
            cols.fill(0, dst, dst + outW);
            dst += outW;
            continue;
          }
          const src = xc + iy * width;
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * strideW - padW + kj;
            cols[dst++] = ix >= 0 && ix < width ? x[src + ix]! : 0;
          }
        }
      }
    }
  }
}

function col2im(cols: Storage, g: ConvGeometry, dx: Storage, dxOffset: number): void {
  const { channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW } = g;
  const plane = outH * outW;
  let row = 0;
  for (let ch = 0; ch < channels; ch++) {
    const xc = dxOffset + ch * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++, row++) {
        let src = row * plane;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki;
          if (iy < 0 || iy >= height) {
            src += outW;
            continue;
          }
          const dst = xc + iy * width;
          for (let ox = 0; ox < outW; ox++, src++) {
            const ix = ox * strideW - padW + kj;
            if (ix >= 0 && ix < width) dx[dst + ix]! += cols[src]!;
          }
        }
      }
    }
  }
}

export const referenceKernels: Kernels = { name: "reference (TypeScript)", gemm, im2col, col2im };
