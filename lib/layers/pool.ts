import type { ConvGeometry } from "../kernels/kernels";
import { maxPool, maxPoolBackward } from "../kernels/pool";
import { allocateIndices } from "../tensor/arena";
import { convGeometry } from "../tensor/im2col";
import { shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { pair, type Pair } from "./conv2d";
import { Layer } from "./layer";

/** The windows over each image of a batch of n. */
interface PoolGeometry extends ConvGeometry {
  n: number;
}

/**
 * Shared window walking for max and average pooling over [N, C, H, W], each channel on its own:
 * window (i, j) covers rows i sh - ph ... i sh - ph + kh - 1 (likewise columns), Ho = floor((H + 2 ph - kh) / sh) + 1.
 * Padded positions are never read: they are -inf for max pooling and (optionally) zeros for average
 * pooling. Padding is limited to half the window, as in PyTorch, so every window holds a real pixel.
 * (Max pooling without padding is a kernel; the padded and average cases are these plain loops.)
 */
abstract class Pool2d extends Layer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernelSize: Pair, stride?: Pair, padding: Pair = 0) {
    super();
    this.kernelSize = pair(kernelSize, `${this.name}: kernelSize`, 1);
    this.stride = pair(stride ?? this.kernelSize, `${this.name}: stride`, 1);
    this.padding = pair(padding, `${this.name}: padding`, 0);
    const [kh, kw] = this.kernelSize;
    const [ph, pw] = this.padding;
    if (2 * ph > kh || 2 * pw > kw) {
      throw new Error(
        `${this.name}: padding ${ph},${pw} must be at most half the window ${kh}x${kw} (so no window is all padding)`,
      );
    }
  }

  protected geometry(x: Tensor): PoolGeometry {
    if (!(x instanceof Tensor) || x.ndim !== 4) {
      const got = x instanceof Tensor ? `${shapeStr(x.shape)} (rank ${x.ndim})` : typeof x;
      throw new Error(`${this.name}.forward: expected input [N, C, H, W], got ${got}`);
    }
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [kh, kw] = this.kernelSize;
    const [ph, pw] = this.padding;
    if (kh > h + 2 * ph || kw > w + 2 * pw) {
      const padded = ph === 0 && pw === 0 ? "the input" : "the padded input";
      throw new Error(
        `${this.name}.forward: window ${kh}x${kw} is larger than ${padded} ${h + 2 * ph}x${w + 2 * pw} (input ${shapeStr(x.shape)})`,
      );
    }
    x.assertNoNaN(`${this.name}.forward input`);
    return { n, ...convGeometry([c, h, w], { kernel: this.kernelSize, stride: this.stride, padding: this.padding }) };
  }

  /**
   * Calls fn(o, offsets, count) for every output position o (NCHW order), with the flat input
   * offsets of the window's in-bounds pixels in offsets[0 .. count), row by row.
   */
  protected windows(g: PoolGeometry, fn: (o: number, offsets: Int32Array, count: number) => void): void {
    const offsets = new Int32Array(g.kernelH * g.kernelW);
    let o = 0;
    for (let plane = 0; plane < g.n * g.channels; plane++) {
      const base = plane * g.height * g.width;
      for (let oy = 0; oy < g.outH; oy++) {
        const y0 = oy * g.strideH - g.padH;
        const yLo = Math.max(0, y0),
          yHi = Math.min(g.height, y0 + g.kernelH);
        for (let ox = 0; ox < g.outW; ox++, o++) {
          const x0 = ox * g.strideW - g.padW;
          const xLo = Math.max(0, x0),
            xHi = Math.min(g.width, x0 + g.kernelW);
          let count = 0;
          for (let y = yLo; y < yHi; y++) for (let x = xLo; x < xHi; x++) offsets[count++] = base + y * g.width + x;
          fn(o, offsets, count);
        }
      }
    }
  }

  /** The upstream gradient must match the forward output's shape and the input's dtype. */
  protected checkDout<C extends { outShape: readonly number[]; inShape: readonly number[]; dtype: Tensor["dtype"] }>(
    cache: C | null,
    dout: Tensor,
  ): C {
    const c = this.checkBackward(cache, dout);
    if (dout.dtype !== c.dtype) {
      throw new Error(
        `${this.name}.backward: upstream gradient is ${dout.dtype} ${shapeStr(dout.shape)}, the input was ${c.dtype} ${shapeStr(c.inShape)}`,
      );
    }
    return c;
  }

  override describe(): string {
    const pad = this.padding[0] === 0 && this.padding[1] === 0 ? "" : `, padding ${this.padding.join(",")}`;
    return `${this.name}(${this.kernelSize.join("x")}, stride ${this.stride.join(",")}${pad})`;
  }
}

/**
 * Max pooling: y = max over each window; dx[argmax] += dout (all of a window's gradient goes to its max).
 * Tie kink: where two pixels of a window share the maximum, max is not differentiable (a centred
 * difference sees 1/2 each); backward sends everything to the first one in row-major order, as
 * tfjs and PyTorch do. Gradient checks therefore use inputs without near-ties.
 */
export class MaxPool2d extends Pool2d {
  private cache: {
    inShape: readonly number[];
    dtype: Tensor["dtype"];
    argmax: Int32Array;
    outShape: readonly number[];
  } | null = null;

  constructor(kernelSize: Pair, stride?: Pair, padding: Pair = 0) {
    super(kernelSize, stride, padding);
  }

  forward(x: Tensor): Tensor {
    const g = this.geometry(x);
    const out = Tensor.zeros([g.n, g.channels, g.outH, g.outW], x.dtype);
    const argmax = allocateIndices(out.size);
    const xd = x.data;
    if (g.padH === 0 && g.padW === 0) {
      // The usual case (2x2, stride 2) is a kernel: the window's corner is computed directly.
      maxPool({ x: xd, n: g.n, g, out: out.data, argmax });
    } else {
      this.windows(g, (o, offsets, count) => {
        let best = offsets[0]!;
        // Strict > keeps the first maximum on ties.
        for (let i = 1; i < count; i++) if (xd[offsets[i]!]! > xd[best]!) best = offsets[i]!;
        argmax[o] = best;
        out.data[o] = xd[best]!;
      });
    }
    this.cache = { inShape: x.shape, dtype: x.dtype, argmax, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { inShape, dtype, argmax } = this.checkDout(this.cache, dout);
    const dx = Tensor.zeros(inShape, dtype);
    maxPoolBackward(argmax, dout.data, dx.data);
    return dx;
  }
}

export interface AvgPool2dOptions {
  /**
   * Whether padded zeros count in the mean (PyTorch's default, true: divide by kh*kw everywhere) or
   * not (false: divide by the number of real pixels in the window, as tfjs and Keras do).
   */
  countIncludePad?: boolean;
}

/**
 * Average pooling: y = (sum over the window's pixels) / d, with d = kh*kw, or the number of real
 * pixels when padding is excluded from the count; backward spreads dout / d over the window.
 */
export class AvgPool2d extends Pool2d {
  readonly countIncludePad: boolean;
  private cache: {
    g: PoolGeometry;
    inShape: readonly number[];
    dtype: Tensor["dtype"];
    outShape: readonly number[];
  } | null = null;

  constructor(kernelSize: Pair, stride?: Pair, padding: Pair = 0, opts: AvgPool2dOptions = {}) {
    super(kernelSize, stride, padding);
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    const g = this.geometry(x);
    const out = Tensor.zeros([g.n, g.channels, g.outH, g.outW], x.dtype);
    const xd = x.data;
    const full = g.kernelH * g.kernelW;
    this.windows(g, (o, offsets, count) => {
      let s = 0;
      for (let i = 0; i < count; i++) s += xd[offsets[i]!]!;
      out.data[o] = s / (this.countIncludePad ? full : count);
    });
    this.cache = { g, inShape: x.shape, dtype: x.dtype, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { g, inShape, dtype } = this.checkDout(this.cache, dout);
    const dx = Tensor.zeros(inShape, dtype);
    const full = g.kernelH * g.kernelW;
    this.windows(g, (o, offsets, count) => {
      const d = dout.data[o]! / (this.countIncludePad ? full : count);
      for (let i = 0; i < count; i++) dx.data[offsets[i]!] += d;
    });
    return dx;
  }

  override describe(): string {
    const base = super.describe();
    return this.countIncludePad || (this.padding[0] === 0 && this.padding[1] === 0)
      ? base
      : `${base.slice(0, -1)}, padding excluded from the mean)`;
  }
}
