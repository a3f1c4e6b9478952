import type { Storage } from "../../tensor/dtype";
import type { ConvGeometry } from "../interface";
import { referenceKernels } from "../reference";
import { moduleFunctions, type WasmEngine } from "./engine";
import { align } from "./memory";

/*
 * im2col / col2im (wasm/assembly/im2col.ts) for one image, copied into the memory and back. (A whole
 * batch's convolution stays in the memory instead: conv.ts.)
 */

/** (src, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, dst). */
const fns = moduleFunctions(["im2colF64", "im2colF32", "col2imF64", "col2imF32"]);

/** The geometry as the module's convolution functions take it: channels, height, width, kernelH, ..., outW. */
export function geometryArgs(g: ConvGeometry): number[] {
  return [g.channels, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW];
}

/** Geometry the wasm loops can take as is (anything odd goes to the reference, which defines it). */
export function convOk(g: ConvGeometry): boolean {
  const ints = [g.channels, g.height, g.width, g.kernelH, g.kernelW, g.padH, g.padW, g.outH, g.outW];
  return (
    ints.every((v) => Number.isInteger(v) && v >= 0) &&
    Number.isInteger(g.strideH) &&
    g.strideH >= 1 &&
    Number.isInteger(g.strideW) &&
    g.strideW >= 1
  );
}

export function wasmIm2col(e: WasmEngine, x: Storage, xOffset: number, g: ConvGeometry, cols: Storage): void {
  const image = g.channels * g.height * g.width;
  const count = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
  const sz = x instanceof Float64Array ? 8 : 4;
  const fits =
    convOk(g) &&
    x instanceof Float64Array === cols instanceof Float64Array &&
    xOffset >= 0 &&
    xOffset + image <= x.length &&
    count <= cols.length;
  const area = fits ? e.memory.operandArea(align(image * sz) + count * sz) : -1;
  if (area < 0) return referenceKernels.im2col(x, xOffset, g, cols);
  const px = area,
    pc = area + align(image * sz);
  e.memory.put(x, xOffset, image, px);
  (sz === 8 ? fns(e).im2colF64 : fns(e).im2colF32)(px, ...geometryArgs(g), pc);
  e.memory.take(cols, 0, count, pc);
}

export function wasmCol2im(e: WasmEngine, cols: Storage, g: ConvGeometry, dx: Storage, dxOffset: number): void {
  const image = g.channels * g.height * g.width;
  const count = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
  const sz = dx instanceof Float64Array ? 8 : 4;
  const fits =
    convOk(g) &&
    dx instanceof Float64Array === cols instanceof Float64Array &&
    dxOffset >= 0 &&
    dxOffset + image <= dx.length &&
    count <= cols.length;
  const area = fits ? e.memory.operandArea(align(image * sz) + count * sz) : -1;
  if (area < 0) return referenceKernels.col2im(cols, g, dx, dxOffset);
  const px = area,
    pc = area + align(image * sz);
  e.memory.put(dx, dxOffset, image, px);
  e.memory.put(cols, 0, count, pc);
  (sz === 8 ? fns(e).col2imF64 : fns(e).col2imF32)(pc, ...geometryArgs(g), px);
  e.memory.take(dx, dxOffset, image, px);
}
