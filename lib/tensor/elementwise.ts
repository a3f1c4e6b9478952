import { allocate } from "./arena";
import type { DType, Storage } from "./dtype";
import { broadcastShapes, sameShape, shapeStr, sizeOf, stridesOf, type Shape } from "./shape";

/*
 * Broadcasting elementwise loops on raw storage. Kept free of the Tensor class so the class can
 * stay a thin, readable wrapper. Fast paths: equal shapes, scalar operand, and "rows + row vector"
 * (the bias-add pattern); everything else walks the output with an odometer over broadcast strides.
 */
export type BinaryFn = (a: number, b: number) => number;

export const addFn: BinaryFn = (a, b) => a + b;
export const subFn: BinaryFn = (a, b) => a - b;
export const mulFn: BinaryFn = (a, b) => a * b;
export const divFn: BinaryFn = (a, b) => a / b;

export interface Raw {
  data: Storage;
  shape: Shape;
}

export function binary(a: Raw, b: Raw, fn: BinaryFn, dtype: DType, where: string): Raw {
  if (sameShape(a.shape, b.shape)) {
    const out = allocate(dtype, a.data.length);
    const x = a.data;
    const y = b.data;
    for (let i = 0; i < out.length; i++) out[i] = fn(x[i]!, y[i]!);
    return { data: out, shape: [...a.shape] };
  }
  const shape = broadcastShapes(a.shape, b.shape, where);
  const out = allocate(dtype, sizeOf(shape));
  if (b.data.length === 1) {
    const y = b.data[0]!;
    const x = a.data;
    for (let i = 0; i < out.length; i++) out[i] = fn(x[i % x.length]!, y);
    return { data: out, shape };
  }
  if (a.data.length === 1) {
    const x = a.data[0]!;
    const y = b.data;
    for (let i = 0; i < out.length; i++) out[i] = fn(x, y[i % y.length]!);
    return { data: out, shape };
  }
  broadcastLoop(a, b, shape, out, fn);
  return { data: out, shape };
}

/** out[i] = fn(out[i], b[broadcast(i)]): b must broadcast to out's shape (used by in-place ops). */
export function binaryInPlace(out: Raw, b: Raw, fn: BinaryFn, where: string): void {
  const shape = broadcastShapes(out.shape, b.shape, where);
  if (!sameShape(shape, out.shape)) {
    throw new Error(`${where}: cannot broadcast ${shapeStr(b.shape)} into the in-place target ${shapeStr(out.shape)}`);
  }
  const o = out.data;
  const y = b.data;
  if (y.length === o.length) {
    for (let i = 0; i < o.length; i++) o[i] = fn(o[i]!, y[i]!);
  } else if (y.length === 1) {
    const v = y[0]!;
    for (let i = 0; i < o.length; i++) o[i] = fn(o[i]!, v);
  } else {
    broadcastLoop(out, b, shape, o, fn);
  }
}

export function unary(a: Raw, fn: (x: number) => number, dtype: DType): Raw {
  const out = allocate(dtype, a.data.length);
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = fn(x[i]!);
  return { data: out, shape: [...a.shape] };
}

/** Strides of `shape` seen from a broadcast output of rank `ndim` (0 where a dimension repeats). */
function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const ndim = outShape.length;
  const own = stridesOf(shape);
  const out = new Array<number>(ndim).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const o = ndim - shape.length + i;
    out[o] = shape[i] === 1 && outShape[o] !== 1 ? 0 : own[i]!;
  }
  return out;
}

function broadcastLoop(a: Raw, b: Raw, shape: Shape, out: Storage, fn: BinaryFn): void {
  const ndim = shape.length;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const inner = shape[ndim - 1] ?? 1;
  const ia = sa[ndim - 1] ?? 0;
  const ib = sb[ndim - 1] ?? 0;
  const x = a.data;
  const y = b.data;
  const idx = new Array<number>(ndim).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o + j] = fn(x[pa]!, y[pb]!);
    // Advance the odometer over all but the innermost dimension.
    for (let d = ndim - 2; d >= 0; d--) {
      idx[d]!++;
      offA += sa[d]!;
      offB += sb[d]!;
      if (idx[d]! < shape[d]!) break;
      offA -= sa[d]! * shape[d]!;
      offB -= sb[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Numerically stable logistic function. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
