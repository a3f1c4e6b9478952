import type { DType, Storage } from "../tensor/dtype";

/*
 * The kernels' interface: the types every implementation shares and the checks they all make.
 *
 * `Kernels` is the products every implementation has (GEMM, and the im2col/col2im reshuffles that turn
 * a convolution into one), optionally the storage it works on in place, and optional fused kernels that
 * replace a loop of the library's with a faster one. All matrices are row-major; the operands of one
 * call share one element type.
 */
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
  /** Storage of the kernels' own that they use in place (WebAssembly memory), if they have one. */
  readonly memory?: KernelMemory;
  /** Fused kernels of the implementation's own; lib/kernels/<name>.ts uses each one it finds before its own loop. */
  readonly fused?: FusedKernels;
}

/**
 * Storage the kernels work on in place, where copying operands in and out would cost as much as the
 * work. Parameters, their gradients, optimizer state and step arenas are allocated with it, since
 * every step reads and writes them. Any storage must still work with every kernel.
 */
export interface KernelMemory {
  /** Zeroed storage, or null when there is no room (the caller then uses an ordinary array). */
  allocate(dtype: DType, length: number): Storage | null;
  /** s.fill(0), for storage that JavaScript fills slowly (V8 fills shared buffers entry by entry). */
  fillZero(s: Storage): void;
}

/**
 * Loops of the library that an implementation may replace, each defined (bit for bit) by its plain
 * TypeScript version in the file named: lib/kernels/conv.ts, relu.ts, bias-grad.ts, pool.ts,
 * batchnorm.ts, sgd.ts and finite.ts. The WebAssembly kernels run theirs wherever the operands live
 * in their memory (lib/kernels/wasm/), so they need none of these.
 */
export interface FusedKernels {
  conv2dForward?(p: Conv2dForwardArgs): void;
  conv2dBackward?(p: Conv2dBackwardArgs): void;
  relu?(x: Storage, out: Storage): void;
  reluBackward?(x: Storage, dout: Storage, dx: Storage): void;
  columnSums?(src: Storage, rows: number, cols: number, dst: Storage): void;
  maxPool?(p: MaxPoolArgs): void;
  maxPoolBackward?(argmax: Int32Array, dout: Storage, dx: Storage): void;
  channelReduce?(p: ChannelReduceArgs): void;
  batchNormNormalize?(p: BatchNormNormalizeArgs): void;
  batchNormBackward?(p: BatchNormBackwardArgs): void;
  sgdStep?(p: SgdStepArgs): void;
  allFinite?(s: Storage): boolean;
}

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

/**
 * The geometry of a window sliding over one image of shape [channels, height, width]: a convolution's
 * receptive fields and a pooling layer's windows alike (pooling works on each channel on its own).
 */
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

/**
 * Max pooling of a batch x [n, C, H, W] by windows of g (no padding: padH = padW = 0), each channel on
 * its own: out[o] = the window's maximum, argmax[o] = its flat index in x (o runs over [n, C, outH, outW]).
 */
export interface MaxPoolArgs {
  x: Storage;
  n: number;
  g: ConvGeometry;
  /** n C outH outW entries each; overwritten. */
  out: Storage;
  argmax: Int32Array;
}

/**
 * Per-channel sums over a [n, C, inner] layout (inner = H W, or 1), in float64 whatever the storage:
 * out[f] = sum over images of the plane's sum of the term ("sum": a; "squaredDeviation": (a - mean[f])^2;
 * "product": a b). Each plane is summed as four interleaved partial sums (see batchnorm.ts).
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

/** Throws unless every array has the first one's length (elementwise kernels). */
export function checkSameLength(what: string, first: Storage, ...rest: Storage[]): void {
  for (const s of rest) {
    if (s.length !== first.length)
      throw new Error(`${what}: arrays of ${first.length} and ${s.length} entries (they must match)`);
  }
}

/** Whether every buffer has the first one's element type (a kernel on raw memory needs one type throughout). */
export function sameStorage(first: Storage, ...rest: Storage[]): boolean {
  const f64 = first instanceof Float64Array;
  return rest.every((s) => s instanceof Float64Array === f64);
}
