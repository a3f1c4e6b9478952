import { allFinite } from "../kernels/finite";
import type { NestedArray } from "./creation";
import { dtypeOf, type DType, type Storage } from "./dtype";
import type { Raw } from "./elementwise";
import { formatTensor, nestedArray } from "./format";
import { flatOffset, shapeStr, sizeOf, stridesOf, unravel, validateShape, type Shape } from "./shape";

/**
 * What every tensor is before any operation: float64 (default) or float32 numbers stored contiguously
 * in row-major order under a shape, with element access, conversion to JavaScript values and text,
 * and checks. Tensor (tensor.ts) adds the operations.
 */
export abstract class TensorBase {
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly dtype: DType;

  constructor(data: Storage, shape: Shape) {
    validateShape(shape, "Tensor");
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: shape ${shapeStr(shape)} needs ${n} elements, data has ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(stridesOf(shape));
    this.dtype = dtypeOf(data);
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get(...index: number[]): number {
    return this.data[flatOffset(this.shape, this.strides, index, "Tensor.get")]!;
  }

  set(value: number, ...index: number[]): void {
    this.data[flatOffset(this.shape, this.strides, index, "Tensor.set")] = value;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(`Tensor.item: tensor of shape ${shapeStr(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0]!;
  }

  toArray(): NestedArray {
    return nestedArray(this);
  }

  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    return formatTensor(this, this.dtype);
  }

  /** The other operand of an elementwise operation, checked: a number, or a tensor of this one's dtype. */
  protected operand(other: TensorBase | number, where: string): Raw {
    if (typeof other === "number") return { data: Float64Array.of(other), shape: [] };
    if (!(other instanceof TensorBase))
      throw new Error(`${where}: expected a Tensor or a number, got ${describeValue(other)}`);
    if (other.dtype !== this.dtype) {
      throw new Error(
        `${where}: dtype mismatch: ${this.dtype} ${shapeStr(this.shape)} vs ${other.dtype} ${shapeStr(other.shape)} ` +
          `(convert one with .astype())`,
      );
    }
    return other;
  }

  /** Throws unless this tensor has exactly the given shape (-1 matches any size). */
  assertShape(expected: Shape, name = "tensor"): this {
    const ok = expected.length === this.ndim && expected.every((d, i) => d === -1 || d === this.shape[i]);
    if (!ok) throw new Error(`${name}: expected shape ${shapeStr(expected)}, got ${shapeStr(this.shape)}`);
    return this;
  }

  /** Index (multi-dimensional) of the first NaN or infinite entry, or null. */
  firstNonFinite(): number[] | null {
    // Optimizers check every gradient on every step: one branch-free pass clears the usual case, and
    // only a tensor that fails it is searched.
    if (allFinite(this.data)) return null;
    for (let i = 0; i < this.data.length; i++) {
      if (!Number.isFinite(this.data[i]!)) return unravel(i, this.shape);
    }
    return null;
  }

  /** Throws if any entry is NaN, naming where it is. */
  assertNoNaN(name = "tensor"): this {
    // Every layer checks its input: the common all-clear case is one branch-free pass (+-Inf fails
    // it too, and the search below then lets it through).
    if (allFinite(this.data)) return this;
    for (let i = 0; i < this.data.length; i++) {
      if (Number.isNaN(this.data[i]!)) {
        throw new Error(
          `${name}: NaN at index [${unravel(i, this.shape).join(", ")}] of shape ${shapeStr(this.shape)}`,
        );
      }
    }
    return this;
  }
}

/** What a wrong argument is, for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array (wrap it with tensor(...))";
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}
