import { kernels, type Conv2dBackwardArgs, type Conv2dForwardArgs, type Kernels } from "./kernels";
import type { Storage } from "../tensor/dtype";

/*
 * Batch convolution by im2col and GEMM, one image at a time (the layer's maths, in Conv2d's comment):
 *   out_n = W cols_n + b,   dW = sum_n dout_n cols_n^T,   db = sums of dout,   dx_n = col2im(W^T dout_n).
 * conv2dForward / conv2dBackward use the active kernels' fused versions when they have them (the
 * WebAssembly kernels do) and otherwise this loop over their gemm and im2col/col2im.
 */

export function conv2dForward(p: Conv2dForwardArgs): void {
  const k = kernels();
  if (k.conv2dForward) k.conv2dForward(p);
  else conv2dForwardWith(k, p);
}

export function conv2dBackward(p: Conv2dBackwardArgs): void {
  const k = kernels();
  if (k.conv2dBackward) k.conv2dBackward(p);
  else conv2dBackwardWith(k, p);
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
  if (p.dBias !== null) planeSums(p.dout, p.n, F, plane, p.dBias);
}

/**
 * db[f] = sum over images and positions of dout[n, f, :] (in float64). Four partial sums per plane
 * break the chain of dependent additions, which would otherwise bound the loop at one add per latency.
 */
export function planeSums(dout: Storage, n: number, F: number, plane: number, db: Storage): void {
  db.fill(0, 0, F);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) {
      const off = (i * F + f) * plane;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let j = 0;
      for (; j + 4 <= plane; j += 4) {
        s0 += dout[off + j]!;
        s1 += dout[off + j + 1]!;
        s2 += dout[off + j + 2]!;
        s3 += dout[off + j + 3]!;
      }
      for (; j < plane; j++) s0 += dout[off + j]!;
      db[f] += s0 + s1 + s2 + s3;
    }
  }
}
