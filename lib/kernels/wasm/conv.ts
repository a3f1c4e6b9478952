// INSTRUCTOR ONLY: the whole-batch convolution is the Conv2d solution's fast form
import { sameStorage, type Conv2dBackwardArgs, type Conv2dForwardArgs } from "../interface";
import { planeSumsReference } from "../bias-grad";
import { wasmPlaneSums } from "./bias-grad";
import { activeEngine, moduleFunctions } from "./engine";
import { PARALLEL_MIN_MACS } from "./gemm";
import { convOk, geometryArgs } from "./im2col";
import { align } from "./memory";

/*
 * The whole batch's convolution inside the memory (wasm/assembly/conv.ts; lib/kernels/conv.ts has the
 * maths and the plain loop it mirrors): x, W and out cross over once, each image's cols go from
 * im2col straight into the product, and the two threads share the batch by chunks of images.
 * An answer of an assignment: a student kit drops this file with lib/kernels/conv.ts.
 */

/** (parts, count, len, dst): dst = parts[0] + parts[1] + ... in that order, each part len entries. */
const fns = moduleFunctions(["addPartsF64", "addPartsF32"]);

/**
 * Images per chunk of a shared convolution: a fixed function of the batch (never of the threads), so
 * results do not depend on the split. Eight chunks let a thread that starts late take fewer; a small
 * batch is one chunk.
 */
function imagesPerChunk(n: number, macsPerImage: number): number {
  if (n * macsPerImage < PARALLEL_MIN_MACS) return Math.max(1, n);
  return Math.max(1, Math.ceil(n / 8));
}

/**
 * The forward pass in the memory when the wasm kernels are active; false (nothing done) otherwise, or
 * when the operands do not fit or their types differ: the caller then runs the plain loop.
 */
export function wasmConv2dForward(p: Conv2dForwardArgs): boolean {
  const e = activeEngine();
  const { g, n, filters: F } = p;
  if (e === null || !convOk(g) || !sameStorage(p.x, p.weight, p.out) || (p.bias !== null && !sameStorage(p.x, p.bias)))
    return false;
  const sz = p.x instanceof Float64Array ? 8 : 4;
  const plane = g.outH * g.outW,
    rows = g.channels * g.kernelH * g.kernelW,
    image = g.channels * g.height * g.width;
  const colsBytes = align(rows * plane * sz);
  // Offsets in the operand area (x, weight and bias are used in place when they live in the memory).
  const ox = 0;
  const ow = ox + align(n * image * sz);
  const obias = ow + align(F * rows * sz);
  const ocols = obias + align(F * sz);
  const oout = ocols + 2 * colsBytes;
  if (
    p.x.length < n * image ||
    p.weight.length < F * rows ||
    p.out.length < n * F * plane ||
    (p.bias !== null && p.bias.length < F)
  )
    return false;
  const mem = e.memory;
  // The output is written in place when it lives in the memory (a step arena's activations do).
  const homeOut = mem.addressOf(p.out);
  const area = mem.operandArea(oout + (homeOut >= 0 ? 0 : align(n * F * plane * sz)));
  if (area < 0) return false;
  const px = mem.operand(p.x, 0, n * image, area + ox);
  const pw = mem.operand(p.weight, 0, F * rows, area + ow);
  const pbias = p.bias === null ? 0 : mem.operand(p.bias, 0, F, area + obias);
  const pcols = area + ocols,
    pout = homeOut >= 0 ? homeOut : area + oout;
  const per = imagesPerChunk(n, F * plane * rows);
  const [s0, s1] = e.scratch;
  // (x, w, bias, hasBias, out, n, per, counter, ...geometry, filters, cols, packA, packB, tile)
  const args = (t: typeof s0, cols: number): number[] => [
    px,
    pw,
    pbias,
    p.bias === null ? 0 : 1,
    pout,
    n,
    per,
    e.threads.counterAddress,
    ...geometryArgs(g),
    F,
    cols,
    t.packA,
    t.packB,
    t.tile,
  ];
  const name = sz === 8 ? "convForwardF64" : "convForwardF32";
  if (n > per) e.shared(name, args(s0, pcols), args(s1, pcols + colsBytes));
  else e.alone(name, args(s0, pcols));
  if (homeOut < 0) mem.take(p.out, 0, n * F * plane, pout);
  return true;
}

/**
 * The backward pass in the memory (see wasmConv2dForward). Each chunk of images accumulates its own
 * dW, added here in chunk order, so dW does not depend on which thread ran what.
 */
export function wasmConv2dBackward(p: Conv2dBackwardArgs): boolean {
  const e = activeEngine();
  const { g, n, filters: F } = p;
  const dx = p.dx;
  if (
    e === null ||
    !convOk(g) ||
    !sameStorage(p.x, p.weight, p.dout, p.dWeight) ||
    (dx !== null && !sameStorage(p.x, dx)) ||
    (p.dBias !== null && !sameStorage(p.x, p.dBias))
  ) {
    return false;
  }
  const sz = p.x instanceof Float64Array ? 8 : 4;
  const plane = g.outH * g.outW,
    rows = g.channels * g.kernelH * g.kernelW,
    image = g.channels * g.height * g.width;
  const per = imagesPerChunk(n, F * plane * rows);
  const parts = Math.max(1, Math.ceil(n / per));
  const colsBytes = align(rows * plane * sz);
  const ox = 0;
  const ow = ox + align(n * image * sz);
  const odout = ow + align(F * rows * sz);
  const oparts = odout + align(n * F * plane * sz);
  const ocols = oparts + align(parts * F * rows * sz);
  const odx = ocols + 4 * colsBytes;
  const fits =
    p.x.length >= n * image &&
    (dx === null || dx.length >= n * image) &&
    p.weight.length >= F * rows &&
    p.dWeight.length >= F * rows &&
    p.dout.length >= n * F * plane &&
    (p.dBias === null || p.dBias.length >= F);
  if (!fits) return false;
  const mem = e.memory;
  // dx is written in place when it lives in the memory, like the forward output.
  const homeDx = dx === null ? -1 : mem.addressOf(dx);
  const area = mem.operandArea(odx + (dx === null || homeDx >= 0 ? 0 : align(n * image * sz)));
  if (area < 0) return false;
  const px = mem.operand(p.x, 0, n * image, area + ox);
  const pw = mem.operand(p.weight, 0, F * rows, area + ow);
  const pdout = mem.operand(p.dout, 0, n * F * plane, area + odout);
  // Address 0 tells the kernel to skip the input's gradient.
  const pparts = area + oparts,
    pcols = area + ocols,
    pdx = dx === null ? 0 : homeDx >= 0 ? homeDx : area + odx;
  if (dx !== null) mem.zero(pdx, n * image * sz); // col2im adds into dx
  mem.zero(pparts, F * rows * sz); // dW of an empty batch
  const [s0, s1] = e.scratch;
  // (x, w, dout, dwParts, dx, n, per, counter, ...geometry, filters, cols, dcols, packA, packB, tile)
  const args = (t: typeof s0, cols: number): number[] => [
    px,
    pw,
    pdout,
    pparts,
    pdx,
    n,
    per,
    e.threads.counterAddress,
    ...geometryArgs(g),
    F,
    cols,
    cols + colsBytes,
    t.packA,
    t.packB,
    t.tile,
  ];
  const name = sz === 8 ? "convBackwardF64" : "convBackwardF32";
  if (n > per) e.shared(name, args(s0, pcols), args(s1, pcols + 2 * colsBytes));
  else e.alone(name, args(s0, pcols));
  // dW = part 0 + part 1 + ... in that order (in the storage type, as the kernel accumulates), in
  // place when dW lives in the memory (a parameter's gradient does), else added into part 0 and copied out.
  const homeDw = mem.addressOf(p.dWeight);
  (sz === 8 ? fns(e).addPartsF64 : fns(e).addPartsF32)(pparts, parts, F * rows, homeDw >= 0 ? homeDw : pparts);
  if (homeDw < 0) mem.take(p.dWeight, 0, F * rows, pparts);
  if (dx !== null && homeDx < 0) mem.take(dx, 0, n * image, pdx);
  // db from dout where it is in the memory (copied there if it did not live there).
  if (p.dBias !== null && !wasmPlaneSums(e, pdout, n, F, plane, p.dBias, sz))
    planeSumsReference(mem.view(sz, pdout, n * F * plane), n, F, plane, p.dBias);
  return true;
}
