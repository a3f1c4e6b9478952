import { Rng } from "./random";
import { Tensor, unravel } from "./tensor/tensor";
import { shapeStr } from "./tensor/shape";
import type { DType, Storage } from "./tensor/dtype";
import type { Layer } from "./layers/layer";

/*
 * Gradient checking, following the cs231n conventions:
 *   - centred differences (f(x+h) - f(x-h)) / 2h, accurate to O(h^2), or the fourth-order
 *     five-point stencil, accurate to O(h^4);
 *   - relative error max |a - b| / max(1e-8, |a| + |b|), taken elementwise, so two exact zeros give 0;
 *   - in float64 a correct backward pass gives ~1e-8 or less; 1e-2 or more means a bug.
 * Inputs should avoid kinks (ReLU at 0, max-pool ties): a difference straddling a kink is wrong
 * by O(1), so tests draw inputs away from them.
 */

type Numeric = Tensor | number | ArrayLike<number>;

function values(x: Numeric): ArrayLike<number> {
  if (typeof x === "number") return [x];
  if (x instanceof Tensor) return x.data;
  return x;
}

function shapeOf(x: Numeric): string {
  if (x instanceof Tensor) return shapeStr(x.shape);
  return typeof x === "number" ? "scalar" : `[${x.length}]`;
}

/** max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|). NaN anywhere gives NaN (never a false pass). */
export function relError(a: Numeric, b: Numeric): number {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new Error(`relError: sizes differ: ${shapeOf(a)} vs ${shapeOf(b)}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    const r = d === 0 ? 0 : d / Math.max(1e-8, Math.abs(x[i]!) + Math.abs(y[i]!));
    if (Number.isNaN(r)) return NaN;
    if (r > worst) worst = r;
  }
  return worst;
}

/** max_i |a_i - b_i|. */
export function maxAbsError(a: Numeric, b: Numeric): number {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new Error(`maxAbsError: sizes differ: ${shapeOf(a)} vs ${shapeOf(b)}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (Number.isNaN(d)) return NaN;
    if (d > worst) worst = d;
  }
  return worst;
}

/** NumPy's allclose: |a - b| <= atol + rtol * |b| everywhere (equal infinities pass, NaN never does). */
export function allclose(a: Numeric, b: Numeric, opts: { rtol?: number; atol?: number } = {}): boolean {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (u === v) continue; // equal infinities are close (inf - inf would be NaN)
    // Otherwise an infinity is close to nothing: rtol * |inf| would accept any finite value, or -inf.
    if (!Number.isFinite(u) || !Number.isFinite(v)) return false;
    if (!(Math.abs(u - v) <= atol + rtol * Math.abs(v))) return false;
  }
  return true;
}

/** Numerical gradient of a scalar function f with respect to x (x is perturbed in place and restored). */
export function numericalGradient(f: () => number, x: Tensor, h = 1e-5, order: DifferenceOrder = 2): Tensor {
  const grad = Tensor.zerosLike(x);
  for (let i = 0; i < x.size; i++) grad.data[i] = centredDifference(x, i, h, f, order);
  return grad;
}

/**
 * Vector-Jacobian product for an array-valued f: sum(df/dx_i * dout), i.e. the gradient of
 * sum(f(x) * dout), which is what backward(dout) should return. As in cs231n, the outputs are
 * differenced before the dot product with dout, so outputs that x_i does not touch cancel exactly
 * and the rounding error of each entry scales with its own gradient, not with the whole sum.
 */
export function numericalGradientArray(
  f: () => Tensor,
  x: Tensor,
  dout: Tensor,
  h = 1e-5,
  order: DifferenceOrder = 2,
): Tensor {
  const grad = Tensor.zerosLike(x);
  for (let i = 0; i < x.size; i++) {
    const old = x.data[i]!;
    const at = (delta: number): Storage => {
      x.data[i] = old + delta;
      const out = f();
      if (out.size !== dout.size)
        throw new Error(`numericalGradientArray: f returned ${shapeStr(out.shape)}, dout is ${shapeStr(dout.shape)}`);
      return out.data.slice();
    };
    try {
      // Differences of symmetric pairs first: outputs that x_i does not touch give exactly 0.
      const p1 = at(h),
        m1 = at(-h);
      let s = 0;
      if (order === 2) {
        for (let j = 0; j < dout.size; j++) s += (p1[j]! - m1[j]!) * dout.data[j]!;
        grad.data[i] = s / (2 * h);
      } else {
        const p2 = at(2 * h),
          m2 = at(-2 * h);
        for (let j = 0; j < dout.size; j++) s += (8 * (p1[j]! - m1[j]!) - (p2[j]! - m2[j]!)) * dout.data[j]!;
        grad.data[i] = s / (12 * h);
      }
    } finally {
      x.data[i] = old;
    }
  }
  return grad;
}

/**
 * Centred difference of f along entry i of x. Order 2 is the classic (f(x+h) - f(x-h)) / 2h with
 * error O(h^2); order 4 is the five-point stencil (-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)) / 12h
 * with error O(h^4), which lets h be larger and so loses far less to rounding.
 */
function centredDifference(x: Tensor, i: number, h: number, f: () => number, order: DifferenceOrder = 2): number {
  const old = x.data[i]!;
  const at = (delta: number): number => {
    x.data[i] = old + delta;
    return f();
  };
  try {
    if (order === 2) return (at(h) - at(-h)) / (2 * h);
    // Symmetric pairs first, so an entry that f does not depend on gives exactly 0.
    const near = at(h) - at(-h);
    const far = at(2 * h) - at(-2 * h);
    return (8 * near - far) / (12 * h);
  } finally {
    x.data[i] = old;
  }
}

export type DifferenceOrder = 2 | 4;

export interface SparseCheck {
  index: number[];
  numerical: number;
  analytic: number;
  relError: number;
}

/** Checks `count` random entries only (for large parameters where a full check is slow). */
export function gradCheckSparse(
  f: () => number,
  x: Tensor,
  analytic: Tensor,
  count = 10,
  opts: { h?: number; order?: DifferenceOrder; seed?: number } = {},
): SparseCheck[] {
  if (analytic.size !== x.size) {
    throw new Error(
      `gradCheckSparse: analytic gradient ${shapeStr(analytic.shape)} does not match x ${shapeStr(x.shape)}`,
    );
  }
  const rng = new Rng(opts.seed ?? 0);
  const h = opts.h ?? 1e-5;
  const order = opts.order ?? 2;
  const out: SparseCheck[] = [];
  for (let c = 0; c < count; c++) {
    const i = rng.int(x.size);
    const numerical = centredDifference(x, i, h, f, order);
    const a = analytic.data[i]!;
    out.push({ index: unravel(i, x.shape), numerical, analytic: a, relError: relError(numerical, a) });
  }
  return out;
}

export interface GradCheckRow {
  /** "input" or a parameter name. */
  name: string;
  shape: readonly number[];
  /**
   * In float64, relError: max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|). In float32 (see
   * LayerCheckReport.notes), max_i |a_i - b_i| / max_i (|a_i| + |b_i|), relative to the largest entry.
   */
  maxRelError: number;
  threshold: number;
  ok: boolean;
}

export interface LayerCheckReport {
  rows: GradCheckRow[];
  ok: boolean;
  /** The precision the check ran in: float32 only for a layer that holds float32 parameters or buffers. */
  dtype: DType;
  /** Why the check departs from the float64 defaults, when it does (a float32 layer or input). */
  notes: string[];
  /** A readable table: one line a tensor, its max relative error and the threshold beside it; then the notes. */
  toString(): string;
}

/** Threshold of the float32 check, on the error relative to the largest gradient entry. */
const FLOAT32_THRESHOLD = 1e-3;
/** Step of the float32 check's fourth-order stencil: rounding error ~eps/h, truncation ~h^4. */
const FLOAT32_STEP = 1e-2;

/** checkLayer's options; each default depends on the precision (see checkLayer). */
export interface CheckLayerOptions {
  /** Step of the differences (float64: 1e-3 for order 4, 1e-5 for order 2; float32: 1e-2). */
  h?: number;
  /** 4 (default): the five-point stencil; 2: the two-point one. */
  order?: DifferenceOrder;
  /** Largest error that passes (float64: 1e-8; float32: 1e-3, on the error relative to the largest entry). */
  threshold?: number;
  /** Seed of the random upstream gradient (default 0). */
  seed?: number;
  /** Whether to check dL/d(input) too (default true). */
  checkInput?: boolean;
}

/**
 * Checks a layer's backward against numerical gradients for its input and every parameter, with a
 * random upstream gradient. The layer must be deterministic between calls (Dropout needs a fixed mask).
 * Defaults to the fourth-order stencil with h = 1e-3: its error (~1e-12 absolute on typical layers)
 * leaves a wide margin under the 1e-8 threshold, where the two-point rule with h = 1e-5 sits near
 * 1e-9 to 1e-8 (measured on BatchNorm and Softmax). Inputs must stay 2h = 2e-3 away from kinks.
 *
 * float32 cannot reach 1e-8: it keeps about 7 significant digits (eps = 2^-23 = 1.2e-7), and a
 * difference of float32 outputs is only good to about eps/h of the output's scale. So a float32 input
 * to a layer without float32 state is checked as a float64 copy (the layer then computes in float64);
 * a layer with float32 parameters or buffers is checked in float32, with h = 1e-2 and each tensor's
 * error relative to its largest entry, max |a - b| / max(|a| + |b|), against 1e-3 (correct layers give
 * 1e-6 to 2e-5 there, a wrong formula 1e-2 or more). The report's notes say which and why.
 */
export function checkLayer(layer: Layer, x: Tensor, opts: CheckLayerOptions = {}): LayerCheckReport {
  const state = [...layer.parameters(), ...layer.buffers()].find((t) => t.value.dtype === "float32");
  const float32 = state !== undefined;
  const notes: string[] = [];
  const order = opts.order ?? 4;
  const h = opts.h ?? (float32 ? FLOAT32_STEP : order === 4 ? 1e-3 : 1e-5);
  const threshold = opts.threshold ?? (float32 ? FLOAT32_THRESHOLD : 1e-8);
  const why =
    "float32 keeps about 7 significant digits (eps 1.2e-7), so a centred difference of float32 outputs cannot reach the float64 threshold 1e-8";
  if (float32) {
    notes.push(
      `the layer is float32 (${state.name} is float32): ${why}; checked in float32 with h = ${h}, ` +
        `each error relative to the tensor's largest entry (max |a - b| / max(|a| + |b|)) against ${threshold.toExponential(0)}; ` +
        `for the float64 check, build the layer with { dtype: "float64" }`,
    );
  } else if (x.dtype === "float32") {
    notes.push(`the input is float32: ${why}; checked on a float64 copy of it`);
    x = x.astype("float64");
  }
  const error = float32 ? normwiseError : relError;
  const rng = new Rng(opts.seed ?? 0);
  const out = layer.forward(x);
  const dout = Tensor.randn(out.shape, rng, { dtype: out.dtype });
  const dx = layer.backward(dout);
  const analytic = layer.parameters().map((p) => ({ name: p.name, value: p.value, grad: p.grad.clone() }));
  const rows: GradCheckRow[] = [];
  const row = (name: string, target: Tensor, grad: Tensor): void => {
    const num = numericalGradientArray(() => layer.forward(x), target, dout, h, order);
    const err = error(grad, num);
    rows.push({ name, shape: target.shape, maxRelError: err, threshold, ok: err <= threshold });
  };
  if (opts.checkInput ?? true) row("input", x, dx);
  for (const p of analytic) row(p.name, p.value, p.grad);
  return makeReport(rows, float32 ? "float32" : "float64", notes);
}

/** max |a - b| / max(|a| + |b|) over a tensor: an error relative to its largest entry (NaN gives NaN). */
function normwiseError(a: Tensor, b: Tensor): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.size; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (Number.isNaN(d)) return NaN;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(a.data[i]!) + Math.abs(b.data[i]!));
  }
  return diff === 0 ? 0 : diff / Math.max(1e-8, scale);
}

export function makeReport(rows: GradCheckRow[], dtype: DType = "float64", notes: string[] = []): LayerCheckReport {
  return {
    rows,
    ok: rows.every((r) => r.ok),
    dtype,
    notes,
    toString(): string {
      const width = Math.max(...rows.map((r) => r.name.length), 4);
      const lines = rows.map(
        (r) =>
          `${r.name.padEnd(width)} ${shapeStr(r.shape).padEnd(16)} max rel error ${r.maxRelError.toExponential(2)} ` +
          `${r.ok ? "<=" : "> "} ${r.threshold.toExponential(0)} ${r.ok ? "ok" : "FAIL"}`,
      );
      return [...lines, ...notes.map((n) => `note: ${n}`)].join("\n");
    },
  };
}
