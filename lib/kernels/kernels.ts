import type { DType, Storage } from "../tensor/dtype";

/**
 * The hot numerical kernels behind the tensor. Everything heavy (matrix products and the
 * im2col/col2im reshuffles of convolution) goes through this one small interface so that a faster
 * implementation (WebAssembly SIMD) can be swapped in with `setKernels` without changing any API.
 * The plain TypeScript kernels in `reference.ts` stay the readable reference and the fallback.
 *
 * All matrices are row-major; `a`, `b` and `c` share one element type.
 */
export interface GemmArgs {
  /** Use A transposed: op(A) = A^T, with A stored as k x m. */
  transA: boolean;
  /** Use B transposed: op(B) = B^T, with B stored as n x k. */
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: Storage;
  aOffset: number;
  /** Row stride of A as stored. */
  lda: number;
  b: Storage;
  bOffset: number;
  ldb: number;
  /** C = alpha * op(A) op(B) + beta * C. beta = 0 overwrites C (even if it held NaN). */
  beta: number;
  c: Storage;
  cOffset: number;
  ldc: number;
}

/** Geometry of a 2-D convolution on one image of shape [channels, height, width]. */
export interface ConvGeometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

export interface Kernels {
  readonly name: string;
  gemm(args: GemmArgs): void;
  /**
   * Copies the receptive fields of one image (at `x[xOffset]`, CHW) into `cols`, laid out as
   * [channels*kernelH*kernelW, outH*outW] so that weights [F, C*kh*kw] times cols gives the
   * output [F, outH*outW] directly in CHW order. Padding reads as zero.
   */
  im2col(x: Storage, xOffset: number, g: ConvGeometry, cols: Storage): void;
  /** The adjoint of im2col: adds each column entry back into `dx` (at `dxOffset`). */
  col2im(cols: Storage, g: ConvGeometry, dx: Storage, dxOffset: number): void;
  /**
   * Optional whole-batch convolution (see conv.ts for the meaning and the generic version built on
   * gemm and im2col/col2im). An implementation whose operands live elsewhere (WebAssembly memory)
   * provides these so a batch crosses over once instead of every image's cols crossing twice.
   */
  conv2dForward?(p: Conv2dForwardArgs): void;
  conv2dBackward?(p: Conv2dBackwardArgs): void;
  /**
   * Optional: storage the kernels work on in place, where copying operands in and out would cost as
   * much as the work (WebAssembly memory). Parameters, their gradients and optimizer state are
   * allocated with it, since every step reads and writes them; null when there is no room (the caller
   * then uses an ordinary array). Any storage must still work with every kernel.
   */
  allocate?(dtype: DType, length: number): Storage | null;
  /** Optional: whether every entry is finite (no NaN, no +-Inf); reference: allFiniteReference. */
  allFinite?(s: Storage): boolean;
  /** Optional: one SGD update in place; reference: sgdStepReference (which defines the result bit for bit). */
  sgdStep?(p: SgdStepArgs): void;
  /** Optional: out = x > 0 ? x : 0 entry by entry (same lengths and type); reference: reluReference, bit for bit. */
  relu?(x: Storage, out: Storage): void;
  /** Optional: dx = dout * (x > 0 ? 1 : 0) entry by entry; reference: reluBackwardReference, bit for bit. */
  reluBackward?(x: Storage, dout: Storage, dx: Storage): void;
  /**
   * Optional: dst[j] = sum over i < rows of src[i * cols + j] (a bias gradient), added in row order in
   * the storage's type; reference: columnSumsReference, bit for bit.
   */
  columnSums?(src: Storage, rows: number, cols: number, dst: Storage): void;
  /** Optional: s.fill(0), for storage that JavaScript fills slowly (V8 fills shared buffers entry by entry). */
  fillZero?(s: Storage): void;
  /** Optional: max pooling without padding; reference: maxPoolReference, bit for bit (ties go to the first pixel). */
  maxPool?(p: MaxPoolArgs): void;
  /** Optional: dx[argmax[o]] += dout[o] in order of o (dx already zeroed); reference: maxPoolBackwardReference. */
  maxPoolBackward?(argmax: Int32Array, dout: Storage, dx: Storage): void;
  /** Optional: BatchNorm's per-channel sums; reference: channelReduceReference, bit for bit. */
  channelReduce?(p: ChannelReduceArgs): void;
  /** Optional: BatchNorm's xhat and output; reference: batchNormNormalizeReference, bit for bit. */
  batchNormNormalize?(p: BatchNormNormalizeArgs): void;
  /** Optional: BatchNorm's dx; reference: batchNormBackwardReference, bit for bit. */
  batchNormBackward?(p: BatchNormBackwardArgs): void;
}

/**
 * One SGD update of the weights `w` from the gradient `g` (PyTorch's form; lib/optim/sgd.ts explains it):
 *   g' = g + weightDecay * w
 *   momentum 0:  w -= lr * g'                    (without decay simply w -= lr * g)
 *   otherwise:   v = momentum * v + g';  w -= lr * (nesterov ? g' + momentum * v : v)
 */
export interface SgdStepArgs {
  w: Storage;
  g: Storage;
  /** The velocity, same length as w; ignored (may be null) when momentum is 0. */
  v: Storage | null;
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * Max pooling of `planes` planes of h x w (x is [N, C, H, W] with planes = N C) by windows of kh x kw
 * at stride sh x sw, without padding: out[o] = the window's maximum, argmax[o] = its flat index in x.
 */
export interface MaxPoolArgs {
  x: Storage;
  planes: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  outH: number;
  outW: number;
  /** planes * outH * outW entries each; overwritten. */
  out: Storage;
  argmax: Int32Array;
}

/**
 * Per-channel sums over a [n, C, inner] layout (inner = H W, or 1), in float64 whatever the storage:
 * out[f] = sum over images of the plane's sum of the term ("sum": a; "squaredDeviation": (a - mean[f])^2;
 * "product": a b). Each plane is summed as four interleaved partial sums (see channelReduceReference).
 */
export interface ChannelReduceArgs {
  term: "sum" | "squaredDeviation" | "product";
  a: Storage;
  /** The second factor for "product", else null. */
  b: Storage | null;
  /** Per-channel means for "squaredDeviation", else null. */
  mean: Float64Array | null;
  n: number;
  C: number;
  inner: number;
  /** C entries, overwritten. */
  out: Float64Array;
}

/** xhat = (x - mean[f]) invstd[f] and out = gamma[f] xhat + beta[f] over [n, C, inner] (arithmetic in float64). */
export interface BatchNormNormalizeArgs {
  x: Storage;
  n: number;
  C: number;
  inner: number;
  mean: Float64Array;
  invstd: Float64Array;
  gamma: Storage;
  beta: Storage;
  /** Overwritten, like out. */
  xhat: Storage;
  out: Storage;
}

/** dx = k1[f] dy + k0[f] + k2[f] xhat over [n, C, inner] (arithmetic in float64, added in that order). */
export interface BatchNormBackwardArgs {
  dy: Storage;
  xhat: Storage;
  n: number;
  C: number;
  inner: number;
  k1: Float64Array;
  k0: Float64Array;
  k2: Float64Array;
  /** Overwritten. */
  dx: Storage;
}

/** A batch x [n, C, H, W] convolved with weight [F, C*kh*kw] (+ bias [F]) into out [n, F, outH, outW]. */
export interface Conv2dForwardArgs {
  x: Storage;
  n: number;
  g: ConvGeometry;
  filters: number;
  weight: Storage;
  bias: Storage | null;
  /** Overwritten. */
  out: Storage;
  /** Room for one image's cols ([C*kh*kw, outH*outW]), for implementations that unroll on the JS side. */
  workspace: Storage;
}

/** Gradients of a batch convolution from the upstream dout [n, F, outH, outW]; every output is overwritten. */
export interface Conv2dBackwardArgs {
  x: Storage;
  n: number;
  g: ConvGeometry;
  filters: number;
  weight: Storage;
  dout: Storage;
  dWeight: Storage;
  /** Per-filter sums of dout, or null for a layer without bias. */
  dBias: Storage | null;
  /** The input's gradient, or null to skip it (nothing needs it: see Layer.inputGrad). */
  dx: Storage | null;
  /** Room for two images' cols. */
  workspace: Storage;
}

/** The optional kernels the reference implements (see reference.ts). */
const REFERENCE_ONES = [
  "allFinite",
  "sgdStep",
  "relu",
  "reluBackward",
  "columnSums",
  "maxPool",
  "maxPoolBackward",
  "channelReduce",
  "batchNormNormalize",
  "batchNormBackward",
] as const;
type ReferenceOnes = (typeof REFERENCE_ONES)[number];
/** What kernels() returns: the active kernels, with the reference's filling every optional kernel they leave out. */
export type ResolvedKernels = Kernels & Required<Pick<Kernels, ReferenceOnes>>;

let active: Kernels | null = null;
let fallback: ResolvedKernels | null = null;
/** One resolved object per kernels object, so that kernels() keeps its identity (a step arena keys its storage on it). */
const resolved = new WeakMap<Kernels, ResolvedKernels>();

/** Registered by reference.ts; kept separate to avoid an import cycle. */
export function registerReferenceKernels(k: ResolvedKernels): void {
  fallback = k;
}

/** The active kernels; an optional kernel they leave out is the reference's, so callers need no fallback of their own. */
export function kernels(): ResolvedKernels {
  if (fallback === null) throw new Error("kernels: no kernel implementation registered (import lib/kernels/reference)");
  if (active === null) return fallback;
  let r = resolved.get(active);
  if (r === undefined) {
    // Members the active kernels leave undefined keep the reference's.
    const defined = Object.fromEntries(Object.entries(active).filter(([, fn]) => fn !== undefined));
    r = isResolved(active) ? active : { ...fallback, ...defined };
    resolved.set(active, r);
  }
  return r;
}

/** Whether k implements every kernel the reference does (the wasm kernels do): kernels() then returns it as it is. */
function isResolved(k: Kernels): k is ResolvedKernels {
  return REFERENCE_ONES.every((name) => k[name] !== undefined);
}

/** Swap the active kernels (null restores the reference kernels). Returns the previous ones. */
export function setKernels(k: Kernels | null): Kernels {
  const previous = kernels();
  active = k;
  return previous;
}

export function convOutputSize(input: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((input + 2 * pad - kernel) / stride) + 1;
}

/** Validates gemm sizes and that every operand's buffer holds its rows at their leading dimension. */
export function checkGemmArgs(p: GemmArgs): void {
  const { m, n, k } = p;
  for (const [name, v] of [
    ["m", m],
    ["n", n],
    ["k", k],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${name} must be a non-negative integer, got ${v}`);
  }
  need("A", p.a.length, p.aOffset, p.transA ? k : m, p.transA ? m : k, p.lda);
  need("B", p.b.length, p.bOffset, p.transB ? n : k, p.transB ? k : n, p.ldb);
  need("C", p.c.length, p.cOffset, m, n, p.ldc);
}

function need(name: string, length: number, offset: number, rows: number, cols: number, ld: number): void {
  if (rows === 0 || cols === 0) return;
  if (ld < cols) throw new Error(`gemm: leading dimension of ${name} (${ld}) is smaller than its ${cols} columns`);
  const last = offset + (rows - 1) * ld + cols;
  if (offset < 0 || last > length) {
    throw new Error(
      `gemm: ${name} needs ${rows}x${cols} elements (ld ${ld}) from offset ${offset}, buffer has ${length}`,
    );
  }
}
