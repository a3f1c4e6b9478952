import { allocate } from "./arena";
import type { DType } from "./dtype";
import { normalizeAxis, type Shape } from "./shape";
import type { Raw } from "./elementwise";

/*
 * Reductions along one axis. The tensor is viewed as [outer, n, inner]; results are [outer, inner]
 * (with the axis kept as 1 when keepdims). Multi-axis reductions apply this one axis at a time.
 */
export type Reducer = "sum" | "max" | "min";

export function reduceAxis(a: Raw, axis: number, op: Reducer, keepdims: boolean, dtype: DType, where: string): Raw {
  const ax = normalizeAxis(axis, a.shape.length, where);
  const n = a.shape[ax]!;
  if (n === 0 && op !== "sum") throw new Error(`${where}: cannot take ${op} over an empty axis ${axis}`);
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= a.shape[i]!;
  let inner = 1;
  for (let i = ax + 1; i < a.shape.length; i++) inner *= a.shape[i]!;
  const out = allocate(dtype, outer * inner);
  const x = a.data;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let j = 0; j < inner; j++) {
      let acc = op === "sum" ? 0 : x[base + j]!;
      for (let i = op === "sum" ? 0 : 1; i < n; i++) {
        const v = x[base + i * inner + j]!;
        if (op === "sum") acc += v;
        else if (op === "max") acc = v > acc || Number.isNaN(v) ? v : acc;
        else acc = v < acc || Number.isNaN(v) ? v : acc;
      }
      out[o * inner + j] = acc;
    }
  }
  const shape = keepdims ? a.shape.map((d, i) => (i === ax ? 1 : d)) : a.shape.filter((_, i) => i !== ax);
  return { data: out, shape };
}

/**
 * Reduces over the given (normalized) axes, from the last to the first so the remaining axis numbers
 * stay valid. No axes (a 0-d tensor, or axis []) still gives a copy, never a view.
 */
export function reduceAxes(
  a: Raw,
  axes: readonly number[],
  op: Reducer,
  keepdims: boolean,
  dtype: DType,
  where: string,
): Raw {
  if (axes.length === 0) {
    const data = allocate(dtype, a.data.length);
    data.set(a.data);
    return { data, shape: [...a.shape] };
  }
  let r = a;
  for (let i = axes.length - 1; i >= 0; i--) r = reduceAxis(r, axes[i]!, op, true, dtype, where);
  return { data: r.data, shape: keepdims ? r.shape : a.shape.filter((_, i) => !axes.includes(i)) };
}

export function reduceAll(a: Raw, op: Reducer, where: string): number {
  const x = a.data;
  if (x.length === 0) {
    if (op === "sum") return 0;
    throw new Error(`${where}: cannot take ${op} of an empty tensor`);
  }
  let acc = op === "sum" ? 0 : x[0]!;
  for (let i = op === "sum" ? 0 : 1; i < x.length; i++) {
    const v = x[i]!;
    if (op === "sum") acc += v;
    else if (op === "max") acc = v > acc || Number.isNaN(v) ? v : acc;
    else acc = v < acc || Number.isNaN(v) ? v : acc;
  }
  return acc;
}

/**
 * Index of the largest entry along an axis (first one on ties), flattened over the other axes.
 * A NaN counts as the largest (first NaN wins), as in NumPy and consistent with max().
 */
export function argmaxAxis(a: Raw, axis: number, where: string): { indices: Int32Array; shape: Shape } {
  const ax = normalizeAxis(axis, a.shape.length, where);
  const n = a.shape[ax]!;
  if (n === 0) throw new Error(`${where}: argmax over an empty axis`);
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= a.shape[i]!;
  let inner = 1;
  for (let i = ax + 1; i < a.shape.length; i++) inner *= a.shape[i]!;
  const out = new Int32Array(outer * inner);
  const x = a.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = 0;
      let bestV = x[base]!;
      for (let i = 1; i < n && !Number.isNaN(bestV); i++) {
        const v = x[base + i * inner]!;
        if (v > bestV || Number.isNaN(v)) {
          bestV = v;
          best = i;
        }
      }
      out[o * inner + j] = best;
    }
  }
  return { indices: out, shape: a.shape.filter((_, i) => i !== ax) };
}

/** Sorted, de-duplicated, normalised axes; undefined means all axes. */
export function normalizeAxes(axis: number | readonly number[] | undefined, ndim: number, where: string): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const norm = list.map((a) => normalizeAxis(a, ndim, where));
  if (new Set(norm).size !== norm.length) throw new Error(`${where}: repeated axis in [${list.join(", ")}]`);
  return norm.sort((x, y) => x - y);
}
