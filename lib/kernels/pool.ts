import type { Storage } from "../tensor/dtype";
import type { MaxPoolArgs } from "./interface";
import { kernels } from "./kernels";
import { wasmMaxPool, wasmMaxPoolBackward } from "./wasm/pool";

/*
 * Max pooling without padding over raw storage, for MaxPool2d. Each function runs the active kernels'
 * fused version if they have one, else the WebAssembly loop when the arrays live in its memory, else
 * the plain loop here, which defines the result bit for bit.
 */

/** out[o] = the window's maximum, argmax[o] = its flat index in x (see MaxPoolArgs); ties go to the first pixel. */
export function maxPool(p: MaxPoolArgs): void {
  checkMaxPool(p);
  const fused = kernels().fused?.maxPool;
  if (fused !== undefined) fused(p);
  else if (!wasmMaxPool(p)) maxPoolReference(p);
}

/** dx[argmax[o]] += dout[o] in order of o (dx already zeroed). */
export function maxPoolBackward(argmax: Int32Array, dout: Storage, dx: Storage): void {
  if (dout.length < argmax.length)
    throw new Error(`maxPoolBackward: ${argmax.length} windows, dout has only ${dout.length} entries`);
  const fused = kernels().fused?.maxPoolBackward;
  if (fused !== undefined) fused(argmax, dout, dx);
  else if (!wasmMaxPoolBackward(argmax, dout, dx)) maxPoolBackwardReference(argmax, dout, dx);
}

/** The window's corner is computed directly, and a strict > keeps the first maximum in row-major order on ties. */
export function maxPoolReference(p: MaxPoolArgs): void {
  const { x, out, argmax, g } = p;
  const { height: h, width: w, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, outH, outW } = g;
  let o = 0;
  for (let plane = 0; plane < p.n * g.channels; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, o++) {
        const corner = base + oy * sh * w + ox * sw;
        let best = corner;
        for (let u = 0; u < kh; u++) {
          const row = corner + u * w;
          for (let v = 0; v < kw; v++) if (x[row + v]! > x[best]!) best = row + v;
        }
        argmax[o] = best;
        out[o] = x[best]!;
      }
    }
  }
}

/** Max pooling's backward: dx[argmax[o]] += dout[o] (overlapping windows can share a maximum, hence +=). */
export function maxPoolBackwardReference(argmax: Int32Array, dout: Storage, dx: Storage): void {
  for (let o = 0; o < argmax.length; o++) dx[argmax[o]!] += dout[o]!;
}

/** Every window inside the image (no padding) and every array long enough, or a clear error. */
function checkMaxPool(p: MaxPoolArgs): void {
  const { g, n } = p;
  const positive = [g.kernelH, g.kernelW, g.strideH, g.strideW];
  const counts = [n, g.channels, g.height, g.width, g.outH, g.outW];
  const ok =
    [...positive, ...counts].every(Number.isInteger) &&
    positive.every((v) => v >= 1) &&
    counts.every((v) => v >= 0) &&
    g.padH === 0 &&
    g.padW === 0 &&
    // The last window of a row (column) ends inside the image.
    (g.outH === 0 || (g.outH - 1) * g.strideH + g.kernelH <= g.height) &&
    (g.outW === 0 || (g.outW - 1) * g.strideW + g.kernelW <= g.width);
  if (!ok) throw new Error(`maxPool: bad geometry for ${n} images: ${JSON.stringify(g)} (no padding allowed)`);
  const count = n * g.channels * g.outH * g.outW;
  if (p.x.length < n * g.channels * g.height * g.width || p.out.length < count || p.argmax.length < count) {
    throw new Error(
      `maxPool: ${n}x${g.channels}x${g.height}x${g.width} into ${count} windows, got x ${p.x.length}, out ${p.out.length}, argmax ${p.argmax.length} entries`,
    );
  }
}
