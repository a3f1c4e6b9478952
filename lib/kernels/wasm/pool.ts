import type { Storage } from "../../tensor/dtype";
import { sameStorage, type MaxPoolArgs } from "../interface";
import { activeEngine, moduleFunctions } from "./engine";

/*
 * Max pooling in the memory (wasm/assembly/pool.ts), with exactly the bits of the plain loops in
 * lib/kernels/pool.ts.
 */

/** maxPool: (x, planes, h, w, kh, kw, sh, sw, outH, outW, out, argmax); backward: (argmax, dout, count, dx, dxLength). */
const fns = moduleFunctions(["maxPoolF64", "maxPoolF32", "maxPoolBackwardF64", "maxPoolBackwardF32"]);

/** maxPoolReference in the memory when x, out and argmax live there (arguments checked by the caller); false otherwise. */
export function wasmMaxPool(p: MaxPoolArgs): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const px = e.memory.addressOf(p.x),
    po = e.memory.addressOf(p.out),
    pa = e.memory.addressOf(p.argmax);
  if (px < 0 || po < 0 || pa < 0 || !sameStorage(p.x, p.out)) return false;
  const { g } = p;
  (p.x instanceof Float64Array ? fns(e).maxPoolF64 : fns(e).maxPoolF32)(
    px,
    p.n * g.channels,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.outH,
    g.outW,
    po,
    pa,
  );
  return true;
}

/** maxPoolBackwardReference in the memory when argmax, dout and dx live there; false otherwise. */
export function wasmMaxPoolBackward(argmax: Int32Array, dout: Storage, dx: Storage): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const pa = e.memory.addressOf(argmax),
    pd = e.memory.addressOf(dout),
    pdx = e.memory.addressOf(dx);
  if (pa < 0 || pd < 0 || pdx < 0 || !sameStorage(dout, dx) || dout.length < argmax.length) return false;
  (dx instanceof Float64Array ? fns(e).maxPoolBackwardF64 : fns(e).maxPoolBackwardF32)(
    pa,
    pd,
    argmax.length,
    pdx,
    dx.length,
  );
  return true;
}
