import {
  sameStorage,
  type BatchNormBackwardArgs,
  type BatchNormNormalizeArgs,
  type ChannelReduceArgs,
} from "../interface";
import { activeEngine, moduleFunctions } from "./engine";
import { align } from "./memory";

/*
 * BatchNorm's passes in the memory (wasm/assembly/batchnorm.ts), with exactly the bits of the plain
 * loops in lib/kernels/batchnorm.ts. The values must live in the memory; the per-channel vectors
 * (C entries) cross over.
 */

/**
 * channelReduce: (mode, a, b, mean, n, C, inner, out), mode 0 sum, 1 squared deviation, 2 product;
 * normalize: (x, n, C, inner, mean, invstd, gamma, beta, xhat, out); backward: (dy, xhat, n, C, inner, k1, k0, k2, dx).
 */
const fns = moduleFunctions([
  "channelReduceF64",
  "channelReduceF32",
  "batchNormNormalizeF64",
  "batchNormNormalizeF32",
  "batchNormBackwardF64",
  "batchNormBackwardF32",
]);

/** channelReduceReference in the memory when the values live there (arguments checked by the caller); false otherwise. */
export function wasmChannelReduce(p: ChannelReduceArgs): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const { n, C, inner } = p;
  const pa = e.memory.addressOf(p.a),
    pb = p.b === null ? 0 : e.memory.addressOf(p.b);
  if (pa < 0 || pb < 0 || (p.b !== null && !sameStorage(p.a, p.b))) return false;
  const area = e.memory.operandArea(2 * align(C * 8));
  if (area < 0) return false;
  const pmean = area,
    pout = area + align(C * 8);
  if (p.mean !== null) e.memory.put(p.mean, 0, C, pmean);
  const mode = p.term === "sum" ? 0 : p.term === "squaredDeviation" ? 1 : 2;
  (p.a instanceof Float64Array ? fns(e).channelReduceF64 : fns(e).channelReduceF32)(
    mode,
    pa,
    pb,
    pmean,
    n,
    C,
    inner,
    pout,
  );
  e.memory.take(p.out, 0, C, pout);
  return true;
}

/** batchNormNormalizeReference in the memory when x, xhat and out live there; false otherwise. */
export function wasmBatchNormNormalize(p: BatchNormNormalizeArgs): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const { n, C, inner } = p;
  const mem = e.memory;
  const px = mem.addressOf(p.x),
    ph = mem.addressOf(p.xhat),
    po = mem.addressOf(p.out);
  if (px < 0 || ph < 0 || po < 0 || !sameStorage(p.x, p.xhat, p.out, p.gamma, p.beta)) return false;
  const sz = p.x instanceof Float64Array ? 8 : 4;
  const area = mem.operandArea(2 * align(C * 8) + 2 * align(C * sz));
  if (area < 0) return false;
  const pmean = area,
    pinv = pmean + align(C * 8),
    pg = pinv + align(C * 8),
    pbeta = pg + align(C * sz);
  mem.put(p.mean, 0, C, pmean);
  mem.put(p.invstd, 0, C, pinv);
  const g = mem.operand(p.gamma, 0, C, pg),
    b = mem.operand(p.beta, 0, C, pbeta);
  (sz === 8 ? fns(e).batchNormNormalizeF64 : fns(e).batchNormNormalizeF32)(px, n, C, inner, pmean, pinv, g, b, ph, po);
  return true;
}

/** batchNormBackwardReference in the memory when dy, xhat and dx live there; false otherwise. */
export function wasmBatchNormBackward(p: BatchNormBackwardArgs): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const { n, C, inner } = p;
  const mem = e.memory;
  const pdy = mem.addressOf(p.dy),
    ph = mem.addressOf(p.xhat),
    pdx = mem.addressOf(p.dx);
  if (pdy < 0 || ph < 0 || pdx < 0 || !sameStorage(p.dy, p.xhat, p.dx)) return false;
  const area = mem.operandArea(3 * align(C * 8));
  if (area < 0) return false;
  const pk1 = area,
    pk0 = pk1 + align(C * 8),
    pk2 = pk0 + align(C * 8);
  mem.put(p.k1, 0, C, pk1);
  mem.put(p.k0, 0, C, pk0);
  mem.put(p.k2, 0, C, pk2);
  (p.dy instanceof Float64Array ? fns(e).batchNormBackwardF64 : fns(e).batchNormBackwardF32)(
    pdy,
    ph,
    n,
    C,
    inner,
    pk1,
    pk0,
    pk2,
    pdx,
  );
  return true;
}
