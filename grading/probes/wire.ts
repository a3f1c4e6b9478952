// Moving numbers between the grader and the student's code inside a probe: tensors in from the case's
// inputs, tensors out as plain values, and the probe's own numerical gradients of the student's forward.
//
// The sandbox loads this file before any student module and hands it to every probe call, so the
// built-ins below are the genuine ones even if student code later replaces Float64Array, Math, array
// methods or the typed-array getters; nothing here calls a method on a value the student could have
// tampered with except the student's own objects, whose values are the student's answers anyway.
import type { Json, WireTensor } from "../fixtures";

const F64 = Float64Array;
const I32 = Int32Array;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const isSafeInteger = Number.isSafeInteger;
const bindCall = <A extends unknown[], R>(f: (...args: A) => R): ((self: unknown, ...args: A) => R) =>
  Function.prototype.call.bind(f) as (self: unknown, ...args: A) => R;
const typedLength = bindCall(
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float64Array.prototype) as object, "length")!.get!,
);
const join = bindCall(Array.prototype.join as (sep?: string) => string);

/** Most values one output may have (4M float64s, 32 MB). */
export const MAX_VALUES = 1 << 22;

/** An output on its way to the grader: its shape and its values as float64. */
export interface Numeric {
  shape: Float64Array;
  data: Float64Array;
}

/** What a probe returns: outputs by name, and for gradient cases `selfCheck`, numerical gradients by name. */
export type ProbeOutputs = { [name: string]: number | Numeric | { [name: string]: Numeric } };

/** The student's Tensor class, as far as the probes need it. */
export interface TensorClass<T> {
  from(values: ArrayLike<number>, shape?: readonly number[]): T;
}

function describe(v: unknown): string {
  return v === null ? "null" : isArray(v) ? "an array" : typeof v;
}

/** The number of values in an array or typed array, before anything iterates over it. */
function lengthOf(data: unknown, name: string): number {
  if (isView(data)) {
    try {
      return typedLength(data);
    } catch {
      throw new Error(`${name}'s data is a DataView, not an array of numbers`);
    }
  }
  if (isArray(data)) return data.length;
  throw new Error(`${name}'s data is ${describe(data)}, not an array of numbers`);
}

/** A validated copy of a shape: at most 8 whole non-negative dimensions whose product is at most MAX_VALUES. */
function shapeOf(shape: unknown, name: string): { shape: Float64Array; size: number } {
  if (!isArray(shape) && !isView(shape)) throw new Error(`${name}'s shape is ${describe(shape)}, not an array`);
  const rank = lengthOf(shape, name);
  if (rank > 8) throw new Error(`${name}'s shape has ${rank} dimensions (at most 8)`);
  const out = new F64(rank);
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = (shape as ArrayLike<unknown>)[i];
    if (typeof d !== "number" || !isSafeInteger(d) || d < 0)
      throw new Error(`${name}'s shape has ${String(d)} at position ${i}, not a whole number >= 0`);
    out[i] = d;
    size *= d;
  }
  if (size > MAX_VALUES)
    throw new Error(`${name}: shape [${join(shape, ", ")}] is too large (at most ${MAX_VALUES} values)`);
  return { shape: out, size };
}

/** Copies `n` numbers out of the student's array, refusing anything that is not a number. */
function copyValues(data: unknown, n: number, name: string): Float64Array {
  const out = new F64(n);
  const src = data as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (typeof v !== "number") throw new Error(`${name}: the value at flat index ${i} is ${describe(v)}, not a number`);
    out[i] = v;
  }
  return out;
}

/** A student's tensor (anything with `shape` and `data`) as an output: shape and values checked, copied. */
export function fromTensor(t: unknown, name: string): Numeric {
  if (typeof t !== "object" || t === null) throw new Error(`${name} is not a Tensor (got ${describe(t)})`);
  const { shape: s, data } = t as { shape?: unknown; data?: unknown };
  const { shape, size } = shapeOf(s, name);
  const n = lengthOf(data, name);
  if (n !== size) throw new Error(`${name}: shape [${join(shape, ", ")}] needs ${size} values, got ${n}`);
  return { shape, data: copyValues(data, n, name) };
}

/** Plain numbers (a list the probe filled) as an output of shape [n]. */
export function fromNumbers(values: Float64Array): Numeric {
  const shape = new F64(1);
  shape[0] = typedLength(values);
  return { shape, data: values };
}

/** A case's input tensor as a tensor of the student's class. */
export function toTensor<T>(Tensor: TensorClass<T>, v: Json | undefined, name: string): T {
  const w = v as WireTensor | undefined;
  if (!w || !isArray(w.shape) || !isArray(w.data)) throw new Error(`probe input "${name}" is not a tensor`);
  return Tensor.from(copyValues(w.data, w.data.length, name), w.shape);
}

/** The values of a case's input tensor, as the grader sent them (never the student's copy of them). */
export function tensorValues(v: Json | undefined, name: string): Float64Array {
  const w = v as WireTensor | undefined;
  if (!w || !isArray(w.data)) throw new Error(`probe input "${name}" is not a tensor`);
  return copyValues(w.data, w.data.length, name);
}

/** A case's input list of numbers. */
export function numbers(v: Json | undefined, name: string): Float64Array {
  if (!isArray(v)) throw new Error(`probe input "${name}" is not a list of numbers`);
  return copyValues(v, v.length, name);
}

/** A case's input list of whole numbers (class labels). */
export function integers(v: Json | undefined, name: string): Int32Array {
  const values = numbers(v, name);
  const out = new I32(typedLength(values));
  for (let i = 0; i < out.length; i++) out[i] = values[i]!;
  return out;
}

/** A value the student's code computed that must be a plain number. */
export function numberOf(v: unknown, name: string): number {
  if (typeof v !== "number") throw new Error(`${name} is ${describe(v)}, not a number`);
  return v;
}

/** A loss value must be a plain number. */
export function lossNumber(v: unknown, name: string): number {
  if (typeof v !== "number") throw new Error(`${name} returned loss ${describe(v)}, expected a number`);
  return v;
}

/**
 * Fourth-order centred difference of sum(f() * dout) with respect to each entry of x's storage: the
 * probe's own numerical gradient of the student's forward, against which the student's backward is
 * checked. `dout` is the case's input (never the student's copy of it).
 */
export function numericalVjp(f: () => unknown, x: { data: unknown }, dout: Float64Array, h = 1e-3): Float64Array {
  const xs = x.data as { [i: number]: number };
  const n = lengthOf(xs, "the input");
  const m = typedLength(dout);
  const grad = new F64(n);
  const at = (i: number, old: number, d: number): Float64Array => {
    xs[i] = old + d;
    const out = f() as { data?: unknown } | null;
    const got = out && typeof out === "object" ? out.data : undefined;
    const k = lengthOf(got, "forward's result");
    if (k !== m) throw new Error(`forward's result has ${k} values, expected ${m} (the shape of dout)`);
    return copyValues(got, m, "forward's result");
  };
  for (let i = 0; i < n; i++) {
    const old = xs[i]!;
    const p1 = at(i, old, h),
      m1 = at(i, old, -h),
      p2 = at(i, old, 2 * h),
      m2 = at(i, old, -2 * h);
    xs[i] = old;
    let s = 0;
    for (let j = 0; j < m; j++) s += (8 * (p1[j]! - m1[j]!) - (p2[j]! - m2[j]!)) * dout[j]!;
    grad[i] = s / (12 * h);
  }
  return grad;
}

export function numericalDerivative(f: (x: number) => number, x: number, h = 1e-4): number {
  return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
}
