import type { DType } from "./dtype";
import type { NestedArray } from "./creation";
import type { Raw } from "./elementwise";
import { shapeStr, stridesOf } from "./shape";

/* A tensor's entries as nested JavaScript arrays, and as text (Tensor.toArray, Tensor.toString). */

export function nestedArray(a: Raw): NestedArray {
  const strides = stridesOf(a.shape);
  const build = (dim: number, off: number): NestedArray => {
    if (dim === a.shape.length) return a.data[off]!;
    const out: NestedArray[] = [];
    for (let i = 0; i < a.shape[dim]!; i++) out.push(build(dim + 1, off + i * strides[dim]!));
    return out;
  };
  return build(0, 0);
}

/** NumPy-like text: at most 7 entries per axis (first three, "...", last three), 6 significant digits. */
export function formatTensor(a: Raw, dtype: DType): string {
  const ndim = a.shape.length;
  const strides = stridesOf(a.shape);
  const fmt = (v: number): string => (Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : v.toPrecision(6));
  const build = (dim: number, off: number, indent: string): string => {
    if (ndim === 0) return fmt(a.data[0]!);
    const n = a.shape[dim]!;
    const show = n > 8 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const parts = show.map((i) =>
      i === -1
        ? "..."
        : dim === ndim - 1
          ? fmt(a.data[off + i]!)
          : build(dim + 1, off + i * strides[dim]!, indent + " "),
    );
    return dim === ndim - 1 ? `[${parts.join(", ")}]` : `[${parts.join(",\n" + indent + " ")}]`;
  };
  return `Tensor(${build(0, 0, "")}, shape=${shapeStr(a.shape)}, dtype=${dtype})`;
}
