// Batch convolution for lib/kernels/conv.ts's conv2dForward / conv2dBackward, generic over f64 and
// f32: each image is unrolled by im2col and multiplied by the weights (lib/kernels/conv.ts has the
// maths and the per-image loop this mirrors).
//
// Threads share a batch by images: the batch is cut into fixed chunks of `per` images, and each
// caller takes the next chunk from the atomic counter. Backward accumulates each chunk's dW in that
// chunk's own buffer (dwParts + chunk * F * rows) for the host to add in chunk order, so the result
// is the same whichever thread ran which chunk, and with one thread or two.

import { gemm } from "./gemm";
import { col2im, im2col } from "./im2col";

function convForward<T>(
  x: usize, w: usize, bias: usize, hasBias: bool, out: usize, n: i32, per: i32, counter: usize,
  channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  outH: i32, outW: i32, filters: i32, cols: usize, packA: usize, packB: usize, tile: usize,
): void {
  const sz = <usize>sizeof<T>();
  const plane = outH * outW;
  const rows = channels * kernelH * kernelW;
  const image = <usize>(channels * height * width) * sz;
  for (;;) {
    const i0 = atomic.add<i32>(counter, 1) * per;
    if (i0 >= n) break;
    const i1 = min(n, i0 + per);
    for (let i = i0; i < i1; i++) {
      const o = out + <usize>(i * filters * plane) * sz;
      // Seed each output plane with its bias, then accumulate W cols on top (beta = 1).
      if (hasBias) {
        for (let f = 0; f < filters; f++) {
          const b = load<T>(bias + <usize>f * sz);
          const row = o + <usize>(f * plane) * sz;
          for (let j = 0; j < plane; j++) store<T>(row + <usize>j * sz, b);
        }
      }
      im2col<T>(x + <usize>i * image, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, cols);
      gemm<T>(false, false, rows, <T>1, w, rows, cols, plane, hasBias ? 1 : 0, o, plane, 0, filters, 0, plane, packA, packB, tile);
    }
  }
}

function convBackward<T>(
  x: usize, w: usize, dout: usize, dwParts: usize, dx: usize, n: i32, per: i32, counter: usize,
  channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  outH: i32, outW: i32, filters: i32, cols: usize, dcols: usize, packA: usize, packB: usize, tile: usize,
): void {
  const sz = <usize>sizeof<T>();
  const plane = outH * outW;
  const rows = channels * kernelH * kernelW;
  const image = <usize>(channels * height * width) * sz;
  for (;;) {
    const chunk = atomic.add<i32>(counter, 1);
    const i0 = chunk * per;
    if (i0 >= n) break;
    const i1 = min(n, i0 + per);
    const dw = dwParts + <usize>(chunk * filters * rows) * sz;
    for (let i = i0; i < i1; i++) {
      const d = dout + <usize>(i * filters * plane) * sz;
      im2col<T>(x + <usize>i * image, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, cols);
      // dW_chunk (+)= dout_i [F, plane] x cols^T [plane, rows]; the chunk's first image overwrites.
      gemm<T>(false, true, plane, <T>1, d, plane, cols, plane, i == i0 ? 0 : 1, dw, rows, 0, filters, 0, rows, packA, packB, tile);
      // dcols = W^T [rows, F] x dout_i [F, plane], scattered back onto the (zeroed) image gradient
      // (dx = 0: nothing needs the input's gradient).
      if (dx == 0) continue;
      gemm<T>(true, false, filters, <T>1, w, rows, d, plane, 0, dcols, plane, 0, rows, 0, plane, packA, packB, tile);
      col2im<T>(dcols, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, dx + <usize>i * image);
    }
  }
}

export function convForwardF64(
  x: usize, w: usize, bias: usize, hasBias: bool, out: usize, n: i32, per: i32, counter: usize,
  channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  outH: i32, outW: i32, filters: i32, cols: usize, packA: usize, packB: usize, tile: usize,
): void {
  convForward<f64>(x, w, bias, hasBias, out, n, per, counter, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, filters, cols, packA, packB, tile);
}

export function convForwardF32(
  x: usize, w: usize, bias: usize, hasBias: bool, out: usize, n: i32, per: i32, counter: usize,
  channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  outH: i32, outW: i32, filters: i32, cols: usize, packA: usize, packB: usize, tile: usize,
): void {
  convForward<f32>(x, w, bias, hasBias, out, n, per, counter, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, filters, cols, packA, packB, tile);
}

export function convBackwardF64(
  x: usize, w: usize, dout: usize, dwParts: usize, dx: usize, n: i32, per: i32, counter: usize,
  channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  outH: i32, outW: i32, filters: i32, cols: usize, dcols: usize, packA: usize, packB: usize, tile: usize,
): void {
  convBackward<f64>(x, w, dout, dwParts, dx, n, per, counter, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, filters, cols, dcols, packA, packB, tile);
}

export function convBackwardF32(
  x: usize, w: usize, dout: usize, dwParts: usize, dx: usize, n: i32, per: i32, counter: usize,
  channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  outH: i32, outW: i32, filters: i32, cols: usize, dcols: usize, packA: usize, packB: usize, tile: usize,
): void {
  convBackward<f32>(x, w, dout, dwParts, dx, n, per, counter, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, filters, cols, dcols, packA, packB, tile);
}

/**
 * dst = part 0 + part 1 + ... + part (count - 1), entry by entry in that order in the storage type: the
 * backward's per-chunk dW buffers (len entries each, one after another at parts) added as the host's
 * loop adds them.
 */
// @ts-ignore: decorator
@inline function addParts<T>(parts: usize, count: i32, len: i32, dst: usize): void {
  const step = 16 / sizeof<T>();
  const stride = <usize>len * sizeof<T>();
  let j = 0;
  for (; j + step <= len; j += step) {
    const o = <usize>j * sizeof<T>();
    let acc = v128.load(parts + o);
    for (let c = 1; c < count; c++) acc = v128.add<T>(acc, v128.load(parts + <usize>c * stride + o));
    v128.store(dst + o, acc);
  }
  for (; j < len; j++) {
    const o = <usize>j * sizeof<T>();
    let acc = load<T>(parts + o);
    for (let c = 1; c < count; c++) acc += load<T>(parts + <usize>c * stride + o);
    store<T>(dst + o, acc);
  }
}

export function addPartsF64(parts: usize, count: i32, len: i32, dst: usize): void {
  addParts<f64>(parts, count, len, dst);
}

export function addPartsF32(parts: usize, count: i32, len: i32, dst: usize): void {
  addParts<f32>(parts, count, len, dst);
}
