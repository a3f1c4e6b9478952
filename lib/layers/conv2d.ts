import { convOutputSize, kernels, type ConvGeometry } from "../kernels/kernels";
import { Rng } from "../random";
import type { DType } from "../tensor/dtype";
import { shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { Layer, parameter, type Parameter } from "./layer";

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  bias?: boolean;
  /** "he" (default, std sqrt(2 / fan_in)), "xavier" (std sqrt(1 / fan_in)), a fixed std, or uniform in a range. */
  init?: "he" | "xavier" | number | { uniform: readonly [number, number] };
  rng?: Rng;
  dtype?: DType;
}

export function pair(v: Pair, what: string, min: number): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min) throw new Error(`${what} must be an integer >= ${min} (or a pair of them), got ${JSON.stringify(v)}`);
  }
  return p;
}

/**
 * 2-D convolution (cross-correlation, as in every framework) on [N, C, H, W] with weights
 * [F, C, kh, kw]. Each image is unrolled by im2col into cols [C*kh*kw, Ho*Wo], so
 *   out_n = W cols_n + b                  ([F, C*kh*kw] x [C*kh*kw, Ho*Wo] = [F, Ho*Wo], already CHW)
 *   dW = sum_n dout_n cols_n^T,  db = sum over n, y, x of dout,  dcols_n = W^T dout_n,  dx_n = col2im(dcols_n).
 * Backward recomputes cols from the cached input instead of keeping them: the unrolled copies are
 * kh*kw times the input's size, and recomputing costs far less than the two products.
 */
export class Conv2d extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  private cache: { x: Tensor; g: ConvGeometry; outShape: readonly number[] } | null = null;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: Conv2dOptions = {}) {
    super();
    for (const [what, v] of [["inChannels", inChannels], ["outChannels", outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Conv2d: ${what} must be a positive integer, got ${v}`);
    }
    this.kernelSize = pair(kernelSize, "Conv2d: kernelSize", 1);
    this.stride = pair(opts.stride ?? 1, "Conv2d: stride", 1);
    this.padding = pair(opts.padding ?? 0, "Conv2d: padding", 0);
    const [kh, kw] = this.kernelSize;
    const fanIn = inChannels * kh * kw;
    const shape = [outChannels, inChannels, kh, kw];
    const rng = opts.rng ?? new Rng(0);
    const init = opts.init ?? "he";
    const w = typeof init === "object"
      ? Tensor.uniform(shape, rng, init.uniform[0], init.uniform[1], opts.dtype)
      : Tensor.randn(shape, rng, { std: init === "he" ? Math.sqrt(2 / fanIn) : init === "xavier" ? Math.sqrt(1 / fanIn) : init, dtype: opts.dtype });
    this.weight = parameter("W", w);
    this.bias = opts.bias === false ? null : parameter("b", Tensor.zeros([outChannels], opts.dtype), false);
  }

  /** The geometry for an input [N, C, H, W], with errors that name the problem. */
  geometry(x: Tensor): ConvGeometry {
    if (!(x instanceof Tensor) || x.ndim !== 4) {
      throw new Error(`Conv2d.forward: expected input [N, C, H, W], got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
    }
    const [, c, h, w] = x.shape as [number, number, number, number];
    if (c !== this.inChannels) throw new Error(`Conv2d.forward: expected ${this.inChannels} input channels, got ${c} (input ${shapeStr(x.shape)})`);
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    if (kh > h + 2 * ph || kw > w + 2 * pw) {
      throw new Error(`Conv2d.forward: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * ph}x${w + 2 * pw} (input ${shapeStr(x.shape)}, padding ${ph},${pw})`);
    }
    return {
      channels: c, height: h, width: w, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw,
      outH: convOutputSize(h, kh, sh, ph), outW: convOutputSize(w, kw, sw, pw),
    };
  }

  forward(x: Tensor): Tensor {
    const g = this.geometry(x);
    x.assertNoNaN("Conv2d.forward input");
    if (x.dtype !== this.weight.value.dtype) throw new Error(`Conv2d.forward: input is ${x.dtype}, weights are ${this.weight.value.dtype}`);
    const n = x.shape[0]!;
    const F = this.outChannels;
    const plane = g.outH * g.outW;
    const rows = g.channels * g.kernelH * g.kernelW;
    const out = Tensor.zeros([n, F, g.outH, g.outW], x.dtype);
    const cols = Tensor.zeros([rows, plane], x.dtype).data;
    const k = kernels();
    for (let i = 0; i < n; i++) {
      const outOff = i * F * plane;
      if (this.bias !== null) {
        for (let f = 0; f < F; f++) out.data.fill(this.bias.value.data[f]!, outOff + f * plane, outOff + (f + 1) * plane);
      }
      k.im2col(x.data, i * g.channels * g.height * g.width, g, cols);
      k.gemm({
        transA: false, transB: false, m: F, n: plane, k: rows, alpha: 1,
        a: this.weight.value.data, aOffset: 0, lda: rows, b: cols, bOffset: 0, ldb: plane,
        beta: this.bias === null ? 0 : 1, c: out.data, cOffset: outOff, ldc: plane,
      });
    }
    this.cache = { x, g, outShape: out.shape };
    return out;
  }

  backward(dout: Tensor): Tensor {
    const { x, g } = this.checkBackward(this.cache, dout);
    const n = x.shape[0]!;
    const F = this.outChannels;
    const plane = g.outH * g.outW;
    const rows = g.channels * g.kernelH * g.kernelW;
    const imageSize = g.channels * g.height * g.width;
    const cols = Tensor.zeros([rows, plane], x.dtype).data;
    const dcols = Tensor.zeros([rows, plane], x.dtype).data;
    const dx = Tensor.zerosLike(x);
    const k = kernels();
    this.weight.grad.fill(0);
    for (let i = 0; i < n; i++) {
      const doutOff = i * F * plane;
      k.im2col(x.data, i * imageSize, g, cols);
      // dW += dout_n [F, plane] x cols_n^T [plane, rows]
      k.gemm({
        transA: false, transB: true, m: F, n: rows, k: plane, alpha: 1,
        a: dout.data, aOffset: doutOff, lda: plane, b: cols, bOffset: 0, ldb: plane,
        beta: 1, c: this.weight.grad.data, cOffset: 0, ldc: rows,
      });
      // dcols = W^T [rows, F] x dout_n [F, plane]
      k.gemm({
        transA: true, transB: false, m: rows, n: plane, k: F, alpha: 1,
        a: this.weight.value.data, aOffset: 0, lda: rows, b: dout.data, bOffset: doutOff, ldb: plane,
        beta: 0, c: dcols, cOffset: 0, ldc: plane,
      });
      k.col2im(dcols, g, dx.data, i * imageSize);
    }
    if (this.bias !== null) {
      const db = this.bias.grad.data;
      db.fill(0);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < F; f++) {
          const off = (i * F + f) * plane;
          let s = 0;
          for (let j = 0; j < plane; j++) s += dout.data[off + j]!;
          db[f] += s;
        }
      }
    }
    return dx;
  }

  override parameters(): Parameter[] {
    return this.bias === null ? [this.weight] : [this.weight, this.bias];
  }

  override describe(): string {
    const [kh, kw] = this.kernelSize;
    return `Conv2d(${this.inChannels} -> ${this.outChannels}, kernel ${kh}x${kw}, stride ${this.stride.join(",")}, padding ${this.padding.join(",")})`;
  }
}
