import { allocate } from "./arena";
import type { DType, Storage } from "./dtype";
import type { Raw } from "./elementwise";
import { normalizeAxis, shapeStr, sizeOf, stridesOf } from "./shape";

/*
 * Copies that rearrange a tensor's entries (transpose, take, slice), on raw storage like
 * elementwise.ts: the Tensor class wraps the results.
 */

/** Permutes axes (default: reverses them) into a contiguous copy. */
export function transposeRaw(a: Raw, axes: readonly number[], dtype: DType): Raw {
  const nd = a.shape.length;
  const perm =
    axes.length === 0
      ? Array.from({ length: nd }, (_, i) => nd - 1 - i)
      : axes.map((ax) => normalizeAxis(ax, nd, "transpose"));
  if (perm.length !== nd || new Set(perm).size !== nd) {
    throw new Error(
      `transpose: axes [${axes.join(", ")}] are not a permutation of the ${nd} axes of ${shapeStr(a.shape)}`,
    );
  }
  const shape = perm.map((p) => a.shape[p]!);
  const out = allocate(dtype, sizeOf(shape));
  if (nd === 2 && perm[0] === 1) {
    transpose2d(a.data, out, a.shape[0]!, a.shape[1]!);
    return { data: out, shape };
  }
  const strides = stridesOf(a.shape);
  const srcStrides = perm.map((p) => strides[p]!);
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = a.data[src]!;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      src += srcStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      src -= srcStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return { data: out, shape };
}

/** Gathers entries along an axis by index (e.g. a mini-batch of rows) into a copy. */
export function takeRaw(a: Raw, indices: ArrayLike<number>, axis: number, dtype: DType): Raw {
  const ax = normalizeAxis(axis, a.shape.length, "take");
  const n = a.shape[ax]!;
  const outer = sizeOf(a.shape.slice(0, ax));
  const inner = sizeOf(a.shape.slice(ax + 1));
  const shape = [...a.shape];
  shape[ax] = indices.length;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new Error(`take: index ${i} is out of range for axis ${axis} of shape ${shapeStr(a.shape)}`);
    }
  }
  const out = allocate(dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < indices.length; k++) {
      const src = (o * n + indices[k]!) * inner;
      out.set(a.data.subarray(src, src + inner), (o * indices.length + k) * inner);
    }
  }
  return { data: out, shape };
}

/** The indices start..end-1 of an axis of length n (negative bounds count from the end, clamped to the axis). */
export function sliceIndices(n: number, start: number, end?: number): number[] {
  const s = clampIndex(start, n);
  const e = end === undefined ? n : clampIndex(end, n);
  return Array.from({ length: Math.max(0, e - s) }, (_, i) => s + i);
}

function clampIndex(i: number, n: number): number {
  const k = i < 0 ? i + n : i;
  return Math.min(Math.max(k, 0), n);
}

function transpose2d(src: Storage, dst: Storage, rows: number, cols: number): void {
  const B = 32; // blocked so both sides stay in cache
  for (let i0 = 0; i0 < rows; i0 += B) {
    for (let j0 = 0; j0 < cols; j0 += B) {
      const iEnd = Math.min(rows, i0 + B);
      const jEnd = Math.min(cols, j0 + B);
      for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) dst[j * rows + i] = src[i * cols + j]!;
    }
  }
}
