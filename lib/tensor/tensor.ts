import { kernels } from "../kernels/kernels";
import type { Rng } from "../random";
import { allocate } from "./arena";
import { describeValue, TensorBase } from "./base";
import { allocatePersistent, DEFAULT_DTYPE, type DType } from "./dtype";
import { arangeValues, concatRaw, fromValues, linspaceValues, type NestedArray } from "./creation";
import { addFn, binary, binaryInPlace, divFn, mulFn, sigmoid, subFn, unary, type BinaryFn } from "./elementwise";
import { sliceIndices, takeRaw, transposeRaw } from "./layout";
import { matmulRaw } from "./linalg";
import { argmaxAxis, normalizeAxes, reduceAll, reduceAxes, type Reducer } from "./reduce";
import { normalizeAxis, resolveReshape, sameShape, shapeStr, sizeOf, validateShape, type Shape } from "./shape";

/*
 * The Tensor class: the operations of a TensorBase (base.ts: storage, shape, element access, checks),
 * each a thin wrapper over a loop on raw storage that lives beside it, by idea: creation.ts,
 * elementwise.ts, reduce.ts, layout.ts (transpose, take), linalg.ts (matmul) and format.ts (printing).
 */
export type { NestedArray } from "./creation";
export { sigmoid } from "./elementwise";
export { unravel } from "./shape";
export type Operand = Tensor | number;
export type Axis = number | readonly number[];

/**
 * An n-dimensional array of float64 (default) or float32 numbers, stored contiguously in row-major
 * order. Operations return new tensors, except `reshape` (a view sharing the data, as in NumPy)
 * and the methods whose names end in `InPlace` (used by optimizers to update parameters).
 */
export class Tensor extends TensorBase {
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
    const r = fromValues(values, shape, dtype);
    return new Tensor(r.data, r.shape);
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
    const data = arangeValues(start, stop, step, dtype);
    return new Tensor(data, [data.length]);
  }

  static linspace(start: number, stop: number, num: number, dtype: DType = DEFAULT_DTYPE): Tensor {
    return new Tensor(linspaceValues(start, stop, num, dtype), [num]);
  }

  static eye(n: number, dtype: DType = DEFAULT_DTYPE): Tensor {
    const t = Tensor.zeros([n, n], dtype);
    for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
    return t;
  }

  /** Joins tensors along an existing axis. */
  static concat(tensors: readonly Tensor[], axis = 0): Tensor {
    const r = concatRaw(tensors, axis);
    return new Tensor(r.data, r.shape);
  }

  /** Stacks equal-shaped tensors along a new leading axis. */
  static stack(tensors: readonly Tensor[]): Tensor {
    if (tensors.length === 0) throw new Error("Tensor.stack: no tensors given");
    return Tensor.concat(
      tensors.map((t) => t.reshape([1, ...t.shape])),
      0,
    );
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
    const r = transposeRaw(this, axes, this.dtype);
    return new Tensor(r.data, r.shape);
  }

  /** Matrix transpose of a 2-D tensor. */
  get T(): Tensor {
    if (this.ndim !== 2) throw new Error(`Tensor.T: expected a 2-D tensor, got shape ${shapeStr(this.shape)}`);
    return this.transpose(1, 0);
  }

  /** Entries start..end-1 along an axis (negative bounds count from the end); a copy. */
  slice(axis: number, start: number, end?: number): Tensor {
    const ax = normalizeAxis(axis, this.ndim, "slice");
    return this.take(sliceIndices(this.shape[ax]!, start, end), ax);
  }

  /** Gathers entries along an axis by index (e.g. a mini-batch of rows); a copy. */
  take(indices: ArrayLike<number>, axis = 0): Tensor {
    const r = takeRaw(this, indices, axis, this.dtype);
    return new Tensor(r.data, r.shape);
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
    const r = reduceAxes(this, normalizeAxes(axis, this.ndim, where), op, keepdims, this.dtype, where);
    return new Tensor(r.data, r.shape);
  }

  // ---- linear algebra ---------------------------------------------------------------------------

  /** Matrix product: [m, k] x [k, n] -> [m, n] (a 1-D operand acts as a row or column vector). */
  matmul(other: Tensor): Tensor {
    if (!(other instanceof Tensor)) throw new Error(`matmul: expected a Tensor, got ${describeValue(other)}`);
    if (other.dtype !== this.dtype) {
      throw new Error(
        `matmul: dtype mismatch: ${this.dtype} ${shapeStr(this.shape)} vs ${other.dtype} ${shapeStr(other.shape)}`,
      );
    }
    const r = matmulRaw(this, other, this.dtype);
    return new Tensor(r.data, r.shape);
  }

  dot(other: Tensor): Tensor {
    return this.matmul(other);
  }
}

/** Shorthand for Tensor.from. */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
  return Tensor.from(values, shape, dtype);
}
