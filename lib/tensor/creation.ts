import { allocate } from "./arena";
import type { DType, Storage } from "./dtype";
import type { Raw } from "./elementwise";
import { normalizeAxis, shapeStr, sizeOf, type Shape } from "./shape";

/*
 * Building tensors' storage from JavaScript values and from other tensors (Tensor.from, arange,
 * linspace, concat), on raw storage like elementwise.ts: the Tensor class wraps the results.
 */
export type NestedArray = number | readonly NestedArray[];

/** From nested arrays (shape inferred) or a flat array-like with an explicit shape (Tensor.from handles a number). */
export function fromValues(
  values: readonly NestedArray[] | ArrayLike<number>,
  shape: Shape | undefined,
  dtype: DType,
): Raw {
  if (shape !== undefined) {
    const flat = isNumberArrayLike(values) ? values : flatten(values as readonly NestedArray[]).data;
    return { data: toStorage(flat, dtype), shape };
  }
  if (isTypedArray(values)) return { data: toStorage(values, dtype), shape: [values.length] };
  const { data, shape: inferred } = flatten(values as readonly NestedArray[]);
  return { data: toStorage(data, dtype), shape: inferred };
}

/** arange(stop) or arange(start, stop, step), as in NumPy. */
export function arangeValues(start: number, stop: number | undefined, step: number, dtype: DType): Storage {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`Tensor.arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

export function linspaceValues(start: number, stop: number, num: number, dtype: DType): Storage {
  const out = allocate(dtype, num);
  for (let i = 0; i < num; i++) out[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  // The formula can miss `stop` by an ulp; NumPy guarantees the endpoint exactly.
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** Joins tensors of one dtype along an existing axis. */
export function concatRaw(tensors: readonly (Raw & { dtype: DType })[], axis: number): Raw {
  if (tensors.length === 0) throw new Error("Tensor.concat: no tensors given");
  const first = tensors[0]!;
  const ndim = first.shape.length;
  const ax = normalizeAxis(axis, ndim, "Tensor.concat");
  for (const t of tensors) {
    const ok =
      t.shape.length === ndim && t.dtype === first.dtype && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) {
      throw new Error(
        `Tensor.concat: ${t.dtype} ${shapeStr(t.shape)} does not match ${first.dtype} ${shapeStr(first.shape)} off axis ${axis}`,
      );
    }
  }
  const shape = [...first.shape];
  shape[ax] = tensors.reduce((s, t) => s + t.shape[ax]!, 0);
  const out = allocate(first.dtype, sizeOf(shape));
  const outer = sizeOf(first.shape.slice(0, ax));
  const inner = sizeOf(first.shape.slice(ax + 1));
  let offset = 0;
  for (const t of tensors) {
    const chunk = t.shape[ax]! * inner;
    for (let o = 0; o < outer; o++)
      out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * shape[ax]! * inner + offset);
    offset += chunk;
  }
  return { data: out, shape };
}

function isTypedArray(
  v: unknown,
): v is
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint32Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isNumberArrayLike(v: unknown): v is ArrayLike<number> {
  return isTypedArray(v) || (Array.isArray(v) && v.every((x) => typeof x === "number"));
}

function toStorage(values: ArrayLike<number>, dtype: DType): Storage {
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

function flatten(values: readonly NestedArray[]): { data: number[]; shape: number[] } {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = (level as readonly NestedArray[])[0] ?? 0;
    if ((shape[shape.length - 1] ?? 0) === 0) break;
  }
  const data: number[] = [];
  const walk = (v: NestedArray, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof v !== "number")
        throw new Error(`Tensor.from: ragged nested array at [${path.join(", ")}]: expected a number`);
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : `a ${typeof v}`;
      throw new Error(
        `Tensor.from: ragged nested array at [${path.join(", ")}]: expected length ${shape[depth]}, got ${got}`,
      );
    }
    (v as readonly NestedArray[]).forEach((x, i) => walk(x, depth + 1, [...path, i]));
  };
  walk(values, 0, []);
  return { data, shape };
}
