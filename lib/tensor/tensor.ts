import { allFinite } from "../kernels/finite";
import { kernels } from "../kernels/kernels";
import type { Rng } from "../random";
import { allocate } from "./arena";
import { allocatePersistent, DEFAULT_DTYPE, dtypeOf, type DType, type Storage } from "./dtype";
import { binary, binaryInPlace, unary, type BinaryFn, type Raw } from "./elementwise";
import { argmaxAxis, normalizeAxes, reduceAll, reduceAxis, type Reducer } from "./reduce";
import {
  normalizeAxis,
  resolveReshape,
  sameShape,
  shapeStr,
  sizeOf,
  stridesOf,
  validateShape,
  type Shape,
} from "./shape";

export type NestedArray = number | readonly NestedArray[];
export type Operand = Tensor | number;
export type Axis = number | readonly number[];

/**
 * An n-dimensional array of float64 (default) or float32 numbers, stored contiguously in row-major
 * order. Operations return new tensors, except `reshape` (a view sharing the data, as in NumPy)
 * and the methods whose names end in `InPlace` (used by optimizers to update parameters).
 */
export class Tensor {
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

  // ---- creation -------------------------------------------------------------------------------

  static zeros(shape: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
    validateShape(shape, "Tensor.zeros");
    return new Tensor(allocate(dtype, sizeOf(shape)), shape);
  }

  static ones(shape: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
    return Tensor.full(shape, 1, dtype);
  }

  static full(shape: Shape, value: number, dtype: DType = DEFAULT_DTYPE): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  /**
   * Zeros in the active kernels' own storage where they have one (WebAssembly memory; see
   * Kernels.memory), else an ordinary array. For tensors every step reads and writes (parameters,
   * gradients, optimizer state), so the kernels use them in place instead of copying them. Never from
   * a step arena: these outlive the step.
   */
  static zerosForKernels(shape: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
    validateShape(shape, "Tensor.zerosForKernels");
    const n = sizeOf(shape);
    return new Tensor(kernels().memory?.allocate(dtype, n) ?? allocatePersistent(dtype, n), shape);
  }

  static zerosLike(t: Tensor): Tensor {
    return Tensor.zeros(t.shape, t.dtype);
  }

  static scalar(value: number, dtype: DType = DEFAULT_DTYPE): Tensor {
    return Tensor.full([], value, dtype);
  }

  /** From nested arrays (shape inferred) or a flat array-like with an explicit shape. */
  static from(values: NestedArray | ArrayLike<number>, shape?: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
    if (typeof values === "number") return Tensor.full(shape ?? [], values, dtype);
    if (shape !== undefined) {
      const flat = isNumberArrayLike(values) ? values : flatten(values as readonly NestedArray[]).data;
      const data = allocate(dtype, flat.length);
      for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
      return new Tensor(data, shape);
    }
    if (isTypedArray(values)) return new Tensor(toStorage(values, dtype), [values.length]);
    const { data, shape: inferred } = flatten(values as readonly NestedArray[]);
    return new Tensor(toStorage(data, dtype), inferred);
  }

  /** Samples from N(mean, std^2). */
  static randn(shape: Shape, rng: Rng, opts: { mean?: number; std?: number; dtype?: DType } = {}): Tensor {
    const t = Tensor.zeros(shape, opts.dtype);
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal(mean, std);
    return t;
  }

  /** Samples from U[low, high). */
  static uniform(shape: Shape, rng: Rng, low = 0, high = 1, dtype: DType = DEFAULT_DTYPE): Tensor {
    const t = Tensor.zeros(shape, dtype);
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniform(low, high);
    return t;
  }

  /** arange(stop) or arange(start, stop, step), as in NumPy. */
  static arange(start: number, stop?: number, step = 1, dtype: DType = DEFAULT_DTYPE): Tensor {
    if (stop === undefined) {
      stop = start;
      start = 0;
    }
    if (step === 0 || !Number.isFinite(step))
      throw new Error(`Tensor.arange: step must be finite and non-zero, got ${step}`);
    const n = Math.max(0, Math.ceil((stop - start) / step));
    const t = Tensor.zeros([n], dtype);
    for (let i = 0; i < n; i++) t.data[i] = start + i * step;
    return t;
  }

  static linspace(start: number, stop: number, num: number, dtype: DType = DEFAULT_DTYPE): Tensor {
    const t = Tensor.zeros([num], dtype);
    for (let i = 0; i < num; i++) t.data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
    // The formula can miss `stop` by an ulp; NumPy guarantees the endpoint exactly.
    if (num > 1) t.data[num - 1] = stop;
    return t;
  }

  static eye(n: number, dtype: DType = DEFAULT_DTYPE): Tensor {
    const t = Tensor.zeros([n, n], dtype);
    for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
    return t;
  }

  /** Joins tensors along an existing axis. */
  static concat(tensors: readonly Tensor[], axis = 0): Tensor {
    if (tensors.length === 0) throw new Error("Tensor.concat: no tensors given");
    const first = tensors[0]!;
    const ax = normalizeAxis(axis, first.ndim, "Tensor.concat");
    for (const t of tensors) {
      const ok =
        t.ndim === first.ndim && t.dtype === first.dtype && t.shape.every((d, i) => i === ax || d === first.shape[i]);
      if (!ok) {
        throw new Error(
          `Tensor.concat: ${t.dtype} ${shapeStr(t.shape)} does not match ${first.dtype} ${shapeStr(first.shape)} off axis ${axis}`,
        );
      }
    }
    const shape = [...first.shape];
    shape[ax] = tensors.reduce((s, t) => s + t.shape[ax]!, 0);
    const out = Tensor.zeros(shape, first.dtype);
    const outer = sizeOf(first.shape.slice(0, ax));
    const inner = sizeOf(first.shape.slice(ax + 1));
    let offset = 0;
    for (const t of tensors) {
      const chunk = t.shape[ax]! * inner;
      for (let o = 0; o < outer; o++)
        out.data.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * shape[ax]! * inner + offset);
      offset += chunk;
    }
    return out;
  }

  /** Stacks equal-shaped tensors along a new leading axis. */
  static stack(tensors: readonly Tensor[]): Tensor {
    if (tensors.length === 0) throw new Error("Tensor.stack: no tensors given");
    return Tensor.concat(
      tensors.map((t) => t.reshape([1, ...t.shape])),
      0,
    );
  }

  // ---- basic properties and element access -------------------------------------------------------

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  private offset(index: readonly number[], where: string): number {
    if (index.length !== this.ndim) {
      throw new Error(`${where}: expected ${this.ndim} indices for shape ${shapeStr(this.shape)}, got ${index.length}`);
    }
    let off = 0;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i]!;
      let k = index[i]!;
      if (k < 0) k += d;
      if (!Number.isInteger(k) || k < 0 || k >= d) {
        throw new Error(`${where}: index ${index[i]} is out of range for axis ${i} of shape ${shapeStr(this.shape)}`);
      }
      off += k * this.strides[i]!;
    }
    return off;
  }

  get(...index: number[]): number {
    return this.data[this.offset(index, "Tensor.get")]!;
  }

  set(value: number, ...index: number[]): void {
    this.data[this.offset(index, "Tensor.set")] = value;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(`Tensor.item: tensor of shape ${shapeStr(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0]!;
  }

  toArray(): NestedArray {
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.ndim) return this.data[off]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, off + i * this.strides[dim]!));
      return out;
    };
    return build(0, 0);
  }

  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    const fmt = (v: number): string => (Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : v.toPrecision(6));
    const build = (dim: number, off: number, indent: string): string => {
      if (this.ndim === 0) return fmt(this.data[0]!);
      const n = this.shape[dim]!;
      const show = n > 8 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
      const parts = show.map((i) =>
        i === -1
          ? "..."
          : dim === this.ndim - 1
            ? fmt(this.data[off + i]!)
            : build(dim + 1, off + i * this.strides[dim]!, indent + " "),
      );
      return dim === this.ndim - 1 ? `[${parts.join(", ")}]` : `[${parts.join(",\n" + indent + " ")}]`;
    };
    return `Tensor(${build(0, 0, "")}, shape=${shapeStr(this.shape)}, dtype=${this.dtype})`;
  }

  // ---- shape manipulation ------------------------------------------------------------------------

  /** A view with a new shape sharing this tensor's data (one entry may be -1). */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, resolveReshape(this.shape, shape));
  }

  /** [N, ...] -> [N, rest] (or everything to 1-D with startAxis 0). */
  flatten(startAxis = 1): Tensor {
    if (this.ndim <= startAxis)
      return this.reshape([...this.shape.slice(0, startAxis), 1].slice(0, Math.max(1, startAxis + 1)));
    return this.reshape([...this.shape.slice(0, startAxis), sizeOf(this.shape.slice(startAxis))]);
  }

  /** A copy, in a step arena's storage when one is active (like every new tensor). */
  clone(): Tensor {
    const out = allocate(this.dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }

  astype(dtype: DType): Tensor {
    if (dtype === this.dtype) return this.clone();
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }

  /** Permutes axes (default: reverses them); returns a contiguous copy. */
  transpose(...axes: number[]): Tensor {
    const nd = this.ndim;
    const perm =
      axes.length === 0
        ? Array.from({ length: nd }, (_, i) => nd - 1 - i)
        : axes.map((a) => normalizeAxis(a, nd, "transpose"));
    if (perm.length !== nd || new Set(perm).size !== nd) {
      throw new Error(
        `transpose: axes [${axes.join(", ")}] are not a permutation of the ${nd} axes of ${shapeStr(this.shape)}`,
      );
    }
    const shape = perm.map((p) => this.shape[p]!);
    const out = Tensor.zeros(shape, this.dtype);
    if (nd === 2 && perm[0] === 1) {
      transpose2d(this.data, out.data, this.shape[0]!, this.shape[1]!);
      return out;
    }
    const srcStrides = perm.map((p) => this.strides[p]!);
    const idx = new Array<number>(nd).fill(0);
    let src = 0;
    for (let o = 0; o < out.size; o++) {
      out.data[o] = this.data[src]!;
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        src += srcStrides[d]!;
        if (idx[d]! < shape[d]!) break;
        src -= srcStrides[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    return out;
  }

  /** Matrix transpose of a 2-D tensor. */
  get T(): Tensor {
    if (this.ndim !== 2) throw new Error(`Tensor.T: expected a 2-D tensor, got shape ${shapeStr(this.shape)}`);
    return this.transpose(1, 0);
  }

  /** Entries start..end-1 along an axis (negative bounds count from the end); a copy. */
  slice(axis: number, start: number, end?: number): Tensor {
    const ax = normalizeAxis(axis, this.ndim, "slice");
    const n = this.shape[ax]!;
    const s = clampIndex(start, n);
    const e = end === undefined ? n : clampIndex(end, n);
    return this.take(
      Array.from({ length: Math.max(0, e - s) }, (_, i) => s + i),
      ax,
    );
  }

  /** Gathers entries along an axis by index (e.g. a mini-batch of rows); a copy. */
  take(indices: ArrayLike<number>, axis = 0): Tensor {
    const ax = normalizeAxis(axis, this.ndim, "take");
    const n = this.shape[ax]!;
    const outer = sizeOf(this.shape.slice(0, ax));
    const inner = sizeOf(this.shape.slice(ax + 1));
    const shape = [...this.shape];
    shape[ax] = indices.length;
    const out = Tensor.zeros(shape, this.dtype);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new Error(`take: index ${i} is out of range for axis ${axis} of shape ${shapeStr(this.shape)}`);
      }
    }
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < indices.length; k++) {
        const src = (o * n + indices[k]!) * inner;
        out.data.set(this.data.subarray(src, src + inner), (o * indices.length + k) * inner);
      }
    }
    return out;
  }

  // ---- elementwise ------------------------------------------------------------------------------

  add(other: Operand): Tensor {
    return this.zip(other, addFn, "add");
  }
  sub(other: Operand): Tensor {
    return this.zip(other, subFn, "sub");
  }
  mul(other: Operand): Tensor {
    return this.zip(other, mulFn, "mul");
  }
  div(other: Operand): Tensor {
    return this.zip(other, divFn, "div");
  }
  pow(other: Operand): Tensor {
    return this.zip(other, Math.pow, "pow");
  }
  maximum(other: Operand): Tensor {
    return this.zip(other, Math.max, "maximum");
  }
  minimum(other: Operand): Tensor {
    return this.zip(other, Math.min, "minimum");
  }
  /** 1 where this > other, else 0. */
  gt(other: Operand): Tensor {
    return this.zip(other, (a, b) => (a > b ? 1 : 0), "gt");
  }
  /** 1 where this == other, else 0. */
  eq(other: Operand): Tensor {
    return this.zip(other, (a, b) => (a === b ? 1 : 0), "eq");
  }

  neg(): Tensor {
    return this.map((x) => -x);
  }
  abs(): Tensor {
    return this.map(Math.abs);
  }
  exp(): Tensor {
    return this.map(Math.exp);
  }
  log(): Tensor {
    return this.map(Math.log);
  }
  sqrt(): Tensor {
    return this.map(Math.sqrt);
  }
  square(): Tensor {
    return this.map((x) => x * x);
  }
  tanh(): Tensor {
    return this.map(Math.tanh);
  }
  sign(): Tensor {
    return this.map(Math.sign);
  }
  relu(): Tensor {
    return this.map((x) => (x > 0 ? x : 0));
  }
  /** Numerically stable logistic function. */
  sigmoid(): Tensor {
    return this.map(sigmoid);
  }
  clip(low: number, high: number): Tensor {
    if (low > high) throw new Error(`clip: low ${low} is greater than high ${high}`);
    return this.map((x) => (x < low ? low : x > high ? high : x));
  }

  map(fn: (x: number) => number): Tensor {
    const r = unary(this, fn, this.dtype);
    return new Tensor(r.data, r.shape);
  }

  private zip(other: Operand, fn: BinaryFn, where: string): Tensor {
    const b = this.operand(other, where);
    const r = binary(this, b, fn, this.dtype, where);
    return new Tensor(r.data, r.shape);
  }

  private operand(other: Operand, where: string): Raw {
    if (typeof other === "number") return { data: Float64Array.of(other), shape: [] };
    if (!(other instanceof Tensor)) throw new Error(`${where}: expected a Tensor or a number, got ${describe(other)}`);
    if (other.dtype !== this.dtype) {
      throw new Error(
        `${where}: dtype mismatch: ${this.dtype} ${shapeStr(this.shape)} vs ${other.dtype} ${shapeStr(other.shape)} ` +
          `(convert one with .astype())`,
      );
    }
    return other;
  }

  // ---- in-place updates (for optimizers and gradient accumulation) -------------------------------

  /** this += alpha * other (other broadcasts into this). */
  addInPlace(other: Operand, alpha = 1): this {
    const b = this.operand(other, "addInPlace");
    if (alpha === 1) binaryInPlace(this, b, addFn, "addInPlace");
    else binaryInPlace(this, b, (x, y) => x + alpha * y, "addInPlace");
    return this;
  }

  subInPlace(other: Operand): this {
    binaryInPlace(this, this.operand(other, "subInPlace"), subFn, "subInPlace");
    return this;
  }

  mulInPlace(other: Operand): this {
    binaryInPlace(this, this.operand(other, "mulInPlace"), mulFn, "mulInPlace");
    return this;
  }

  divInPlace(other: Operand): this {
    binaryInPlace(this, this.operand(other, "divInPlace"), divFn, "divInPlace");
    return this;
  }

  mapInPlace(fn: (x: number) => number): this {
    const d = this.data;
    for (let i = 0; i < d.length; i++) d[i] = fn(d[i]!);
    return this;
  }

  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  /** Copies values from a tensor of the same shape (any dtype). */
  copyFrom(src: Tensor): this {
    if (!sameShape(src.shape, this.shape)) {
      throw new Error(`copyFrom: source shape ${shapeStr(src.shape)} does not match target ${shapeStr(this.shape)}`);
    }
    this.data.set(src.data);
    return this;
  }

  // ---- reductions -------------------------------------------------------------------------------

  sum(axis?: Axis, keepdims = false): Tensor {
    return this.reduce("sum", axis, keepdims, "sum");
  }
  max(axis?: Axis, keepdims = false): Tensor {
    return this.reduce("max", axis, keepdims, "max");
  }
  min(axis?: Axis, keepdims = false): Tensor {
    return this.reduce("min", axis, keepdims, "min");
  }

  mean(axis?: Axis, keepdims = false): Tensor {
    const count = normalizeAxes(axis, this.ndim, "mean").reduce((n, a) => n * this.shape[a]!, 1);
    if (count === 0) throw new Error(`mean: no elements to average in shape ${shapeStr(this.shape)}`);
    return this.sum(axis, keepdims).mulInPlace(1 / count);
  }

  /** Population variance (divides by N), as BatchNorm uses. */
  variance(axis?: Axis, keepdims = false): Tensor {
    const centred = this.sub(this.mean(axis, true));
    return centred.mulInPlace(centred).mean(axis, keepdims);
  }

  /** Sum of all elements as a number. */
  sumAll(): number {
    return reduceAll(this, "sum", "sumAll");
  }
  maxAll(): number {
    return reduceAll(this, "max", "maxAll");
  }
  minAll(): number {
    return reduceAll(this, "min", "minAll");
  }
  meanAll(): number {
    if (this.size === 0) throw new Error("meanAll: empty tensor");
    return this.sumAll() / this.size;
  }

  /** Euclidean (Frobenius) norm of all elements. */
  norm(): number {
    let s = 0;
    for (let i = 0; i < this.data.length; i++) s += this.data[i]! * this.data[i]!;
    return Math.sqrt(s);
  }

  /** Indices of the maxima along an axis (default: last), as integers. */
  argmax(axis = -1): Int32Array {
    return argmaxAxis(this, axis, "argmax").indices;
  }

  private reduce(op: Reducer, axis: Axis | undefined, keepdims: boolean, where: string): Tensor {
    const axes = normalizeAxes(axis, this.ndim, where);
    // Nothing to reduce (a 0-d tensor, or axis []): still return a new tensor, never a view.
    if (axes.length === 0) return this.clone();
    let r: Raw = { data: this.data, shape: this.shape };
    // Reduce from the last axis to the first so the remaining axis numbers stay valid.
    for (let i = axes.length - 1; i >= 0; i--) r = reduceAxis(r, axes[i]!, op, true, this.dtype, where);
    const shape = keepdims ? r.shape : this.shape.filter((_, i) => !axes.includes(i));
    return new Tensor(r.data, shape);
  }

  // ---- linear algebra ---------------------------------------------------------------------------

  /** Matrix product: [m, k] x [k, n] -> [m, n] (a 1-D operand acts as a row or column vector). */
  matmul(other: Tensor): Tensor {
    if (!(other instanceof Tensor)) throw new Error(`matmul: expected a Tensor, got ${describe(other)}`);
    if (other.dtype !== this.dtype) {
      throw new Error(
        `matmul: dtype mismatch: ${this.dtype} ${shapeStr(this.shape)} vs ${other.dtype} ${shapeStr(other.shape)}`,
      );
    }
    const a = this.ndim === 1 ? this.reshape([1, this.size]) : this;
    const b = other.ndim === 1 ? other.reshape([other.size, 1]) : other;
    if (a.ndim !== 2 || b.ndim !== 2 || a.shape[1] !== b.shape[0]) {
      throw new Error(
        `matmul: shapes ${shapeStr(this.shape)} and ${shapeStr(other.shape)} are not aligned (inner dimensions must match)`,
      );
    }
    const [m, k] = a.shape as [number, number];
    const n = b.shape[1]!;
    const out = Tensor.zeros([m, n], this.dtype);
    kernels().gemm({
      transA: false,
      transB: false,
      m,
      n,
      k,
      alpha: 1,
      a: a.data,
      aOffset: 0,
      lda: k,
      b: b.data,
      bOffset: 0,
      ldb: n,
      beta: 0,
      c: out.data,
      cOffset: 0,
      ldc: n,
    });
    const shape = this.ndim === 1 && other.ndim === 1 ? [] : this.ndim === 1 ? [n] : other.ndim === 1 ? [m] : [m, n];
    return out.reshape(shape);
  }

  dot(other: Tensor): Tensor {
    return this.matmul(other);
  }

  // ---- checks -----------------------------------------------------------------------------------

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

/** Shorthand for Tensor.from. */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
  return Tensor.from(values, shape, dtype);
}

const addFn: BinaryFn = (a, b) => a + b;
const subFn: BinaryFn = (a, b) => a - b;
const mulFn: BinaryFn = (a, b) => a * b;
const divFn: BinaryFn = (a, b) => a / b;

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
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

function clampIndex(i: number, n: number): number {
  const k = i < 0 ? i + n : i;
  return Math.min(Math.max(k, 0), n);
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

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array (wrap it with tensor(...))";
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}
