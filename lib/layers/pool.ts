import { convOutputSize } from "../kernels/kernels";
import { shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { pair, type Pair } from "./conv2d";
import { Layer } from "./layer";

interface PoolGeometry {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; outH: number; outW: number;
}

/** Shared window walking for max and average pooling over [N, C, H, W] (no padding). */
abstract class Pool2d extends Layer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];

  constructor(kernelSize: Pair, stride?: Pair) {
    super();
    this.kernelSize = pair(kernelSize, `${this.name}: kernelSize`, 1);
    this.stride = pair(stride ?? this.kernelSize, `${this.name}: stride`, 1);
  }

  protected geometry(x: Tensor): PoolGeometry {
    if (!(x instanceof Tensor) || x.ndim !== 4) {
      throw new Error(`${this.name}.forward: expected input [N, C, H, W], got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
    }
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    if (kh > h || kw > w) throw new Error(`${this.name}.forward: window ${kh}x${kw} is larger than the input ${h}x${w} (input ${shapeStr(x.shape)})`);
    x.assertNoNaN(`${this.name}.forward input`);
    return { n, c, h, w, kh, kw, sh, sw, outH: convOutputSize(h, kh, sh, 0), outW: convOutputSize(w, kw, sw, 0) };
  }

  /** Calls fn(outIndex, inputOffsets of the window) for every output position. */
  protected windows(g: PoolGeometry, fn: (o: number, offsets: number[]) => void): void {
    const offsets = new Array<number>(g.kh * g.kw);
    let o = 0;
    for (let plane = 0; plane < g.n * g.c; plane++) {
      const base = plane * g.h * g.w;
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++, o++) {
          let k = 0;
          for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) offsets[k++] = base + (oy * g.sh + i) * g.w + ox * g.sw + j;
          fn(o, offsets);
        }
      }
    }
  }

  override describe(): string {
    return `${this.name}(${this.kernelSize.join("x")}, stride ${this.stride.join(",")})`;
  }
}

/**
 * Max pooling: y = max over each window. Backward routes dout to the position of the max (the
 * first one on ties; at a tie the function has a kink, so gradient checks use distinct values).
 */
export class MaxPool2d extends Pool2d {
  private cache: { inShape: readonly number[]; dtype: Tensor["dtype"]; argmax: Int32Array; outShape: readonly number[] } | null = null;

  forward(x: Tensor): Tensor {
    const g = this.geometry(x);
    const out = Tensor.zeros([g.n, g.c, g.outH, g.outW], x.dtype);
    const argmax = new Int32Array(out.size);
    this.windows(g, (o, offsets) => {
      let best = offsets[0]!;
      for (const off of offsets) if (x.data[off]! > x.data[best]!) best = off;
      argmax[o] = best;
      out.data[o] = x.data[best]!;
    });
    this.cache = { inShape: x.shape, dtype: x.dtype, argmax, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { inShape, dtype, argmax } = this.checkBackward(this.cache, dout);
    const dx = Tensor.zeros(inShape, dtype);
    for (let o = 0; o < argmax.length; o++) dx.data[argmax[o]!] += dout.data[o]!;
    return dx;
  }
}

/** Average pooling: y = mean over each window; dx spreads dout / (kh kw) over the window. */
export class AvgPool2d extends Pool2d {
  private cache: { g: PoolGeometry; inShape: readonly number[]; dtype: Tensor["dtype"]; outShape: readonly number[] } | null = null;

  forward(x: Tensor): Tensor {
    const g = this.geometry(x);
    const out = Tensor.zeros([g.n, g.c, g.outH, g.outW], x.dtype);
    const scale = 1 / (g.kh * g.kw);
    this.windows(g, (o, offsets) => {
      let s = 0;
      for (const off of offsets) s += x.data[off]!;
      out.data[o] = s * scale;
    });
    this.cache = { g, inShape: x.shape, dtype: x.dtype, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { g, inShape, dtype } = this.checkBackward(this.cache, dout);
    const dx = Tensor.zeros(inShape, dtype);
    const scale = 1 / (g.kh * g.kw);
    this.windows(g, (o, offsets) => {
      const d = dout.data[o]! * scale;
      for (const off of offsets) dx.data[off] += d;
    });
    return dx;
  }
}
