// INSTRUCTOR ONLY: the whole-batch convolution is the Conv2d solution's fast form
import { planeSumsReference } from "./bias-grad";
import type { Conv2dBackwardArgs, Conv2dForwardArgs, Kernels } from "./interface";
import { kernels } from "./kernels";
import { wasmConv2dBackward, wasmConv2dForward } from "./wasm/conv";

/*
 * Batch convolution by im2col and GEMM, one image at a time (the layer's maths, in Conv2d's comment):
 *   out_n = W cols_n + b,   dW = sum_n dout_n cols_n^T,   db = sums of dout,   dx_n = col2im(W^T dout_n).
 * conv2dForward / conv2dBackward run the active kernels' fused versions if they have them, else the
 * whole batch inside the WebAssembly memory under the wasm kernels (wasm/conv.ts), else this loop over
 * the active kernels' gemm and im2col/col2im.
 * An answer of an assignment: a student kit drops this file with wasm/conv.ts and wasm/assembly/conv.ts.
 */

export function conv2dForward(p: Conv2dForwardArgs): void {
  const k = kernels();
  if (k.fused?.conv2dForward) k.fused.conv2dForward(p);
  else if (!wasmConv2dForward(p)) conv2dForwardWith(k, p);
}

export function conv2dBackward(p: Conv2dBackwardArgs): void {
  const k = kernels();
  if (k.fused?.conv2dBackward) k.fused.conv2dBackward(p);
  else if (!wasmConv2dBackward(p)) conv2dBackwardWith(k, p);
}

/** The forward pass on any kernels' gemm and im2col. */
export function conv2dForwardWith(k: Kernels, p: Conv2dForwardArgs): void {
  const { g, filters: F } = p;
  const plane = g.outH * g.outW;
  const rows = g.channels * g.kernelH * g.kernelW;
  const imageSize = g.channels * g.height * g.width;
  const cols = p.workspace.subarray(0, rows * plane);
  for (let i = 0; i < p.n; i++) {
    const outOff = i * F * plane;
    // Seed each output plane with its bias, then accumulate W cols_n on top (beta = 1).
    if (p.bias !== null)
      for (let f = 0; f < F; f++) p.out.fill(p.bias[f]!, outOff + f * plane, outOff + (f + 1) * plane);
    k.im2col(p.x, i * imageSize, g, cols);
    k.gemm({
      transA: false,
      transB: false,
      m: F,
      n: plane,
      k: rows,
      alpha: 1,
      a: p.weight,
      aOffset: 0,
      lda: rows,
      b: cols,
      bOffset: 0,
      ldb: plane,
      beta: p.bias === null ? 0 : 1,
      c: p.out,
      cOffset: outOff,
      ldc: plane,
    });
  }
}

/** The backward pass on any kernels' gemm and im2col/col2im. */
export function conv2dBackwardWith(k: Kernels, p: Conv2dBackwardArgs): void {
  const { g, filters: F } = p;
  const plane = g.outH * g.outW;
  const rows = g.channels * g.kernelH * g.kernelW;
  const imageSize = g.channels * g.height * g.width;
  const cols = p.workspace.subarray(0, rows * plane);
  const dcols = p.workspace.subarray(rows * plane, 2 * rows * plane);
  const dx = p.dx;
  dx?.fill(0, 0, p.n * imageSize);
  for (let i = 0; i < p.n; i++) {
    const doutOff = i * F * plane;
    // Backward recomputes cols_n rather than caching every image's (kh*kw copies of the batch).
    k.im2col(p.x, i * imageSize, g, cols);
    // dW (+)= dout_n [F, plane] x cols_n^T [plane, rows]; beta 0 on the first image overwrites the old grad.
    k.gemm({
      transA: false,
      transB: true,
      m: F,
      n: rows,
      k: plane,
      alpha: 1,
      a: p.dout,
      aOffset: doutOff,
      lda: plane,
      b: cols,
      bOffset: 0,
      ldb: plane,
      beta: i === 0 ? 0 : 1,
      c: p.dWeight,
      cOffset: 0,
      ldc: rows,
    });
    // dcols = W^T [rows, F] x dout_n [F, plane], then scattered back onto the image.
    if (dx === null) continue;
    k.gemm({
      transA: true,
      transB: false,
      m: rows,
      n: plane,
      k: F,
      alpha: 1,
      a: p.weight,
      aOffset: 0,
      lda: rows,
      b: p.dout,
      bOffset: doutOff,
      ldb: plane,
      beta: 0,
      c: dcols,
      cOffset: 0,
      ldc: plane,
    });
    k.col2im(dcols, g, dx, i * imageSize);
  }
  if (p.n === 0) p.dWeight.fill(0, 0, F * rows);
  if (p.dBias !== null) planeSumsReference(p.dout, p.n, F, plane, p.dBias);
}
