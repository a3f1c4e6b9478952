// Converting between tensors and their JSON form inside the sandbox. Deliberately independent of the
// student's Tensor internals beyond `data` and `shape`, which the kit's API fixes.
import { Tensor } from "../../lib/tensor/tensor";
import type { Json, WireTensor } from "../fixtures";

export function toTensor(v: Json | undefined, name: string): Tensor {
  const w = v as WireTensor | undefined;
  if (!w || !Array.isArray(w.shape) || !Array.isArray(w.data)) throw new Error(`probe input "${name}" is not a tensor`);
  return Tensor.from(w.data, w.shape);
}

export function fromTensor(t: unknown, name: string): WireTensor {
  const x = t as { shape?: unknown; data?: unknown } | null;
  if (!x || !Array.isArray(x.shape) || !(x.data instanceof Float64Array || x.data instanceof Float32Array)) {
    throw new Error(`${name} is not a Tensor (got ${x === null ? "null" : typeof x})`);
  }
  return { shape: [...(x.shape as number[])], data: Array.from(x.data) };
}

/**
 * Fourth-order centred difference of sum(f() * dout) with respect to each entry of x: the probe's own
 * numerical gradient, so a student's backward is checked without trusting any student code.
 */
export function numericalVjp(f: () => Tensor, x: Tensor, dout: Tensor, h = 1e-3): number[] {
  const grad: number[] = [];
  for (let i = 0; i < x.size; i++) {
    const old = x.data[i]!;
    const at = (d: number): Float64Array => {
      x.data[i] = old + d;
      return Float64Array.from(f().data);
    };
    const p1 = at(h),
      m1 = at(-h),
      p2 = at(2 * h),
      m2 = at(-2 * h);
    x.data[i] = old;
    let s = 0;
    for (let j = 0; j < dout.size; j++) s += (8 * (p1[j]! - m1[j]!) - (p2[j]! - m2[j]!)) * dout.data[j]!;
    grad.push(s / (12 * h));
  }
  return grad;
}

export function numericalDerivative(f: (x: number) => number, x: number, h = 1e-4): number {
  return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
}

/** A loss value must be a plain number. */
export function lossNumber(v: unknown, name: string): number {
  if (typeof v !== "number") throw new Error(`${name} returned loss ${JSON.stringify(v)}, expected a number`);
  return v;
}
