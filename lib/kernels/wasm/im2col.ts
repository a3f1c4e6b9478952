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
  if (!inMemory(e, "im2col", x, xOffset, g, cols)) referenceKernels.im2col(x, xOffset, g, cols);
}

export function wasmCol2im(e: WasmEngine, cols: Storage, g: ConvGeometry, dx: Storage, dxOffset: number): void {
  if (!inMemory(e, "col2im", dx, dxOffset, g, cols)) referenceKernels.col2im(cols, g, dx, dxOffset);
}

/**
 * One image (image[offset], CHW) and its cols copied into the operand area, the module's im2col or
 * col2im run there, and the output copied back; false (nothing done) when the reference must do it.
 */
function inMemory(
  e: WasmEngine,
  op: "im2col" | "col2im",
  image: Storage,
  offset: number,
  g: ConvGeometry,
  cols: Storage,
): boolean {
  const size = g.channels * g.height * g.width;
  const count = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
  const sz = image instanceof Float64Array ? 8 : 4;
  const fits =
    convOk(g) &&
    image instanceof Float64Array === cols instanceof Float64Array &&
    offset >= 0 &&
    offset + size <= image.length &&
    count <= cols.length;
  const area = fits ? e.memory.operandArea(align(size * sz) + count * sz) : -1;
  if (area < 0) return false;
  const pImage = area,
    pCols = area + align(size * sz);
  const f = fns(e);
  if (op === "im2col") {
    e.memory.put(image, offset, size, pImage);
    (sz === 8 ? f.im2colF64 : f.im2colF32)(pImage, ...geometryArgs(g), pCols);
    e.memory.take(cols, 0, count, pCols);
  } else {
    e.memory.put(image, offset, size, pImage);
    e.memory.put(cols, 0, count, pCols);
    (sz === 8 ? f.col2imF64 : f.col2imF32)(pCols, ...geometryArgs(g), pImage);
    e.memory.take(image, offset, size, pImage);
  }
  return true;
}
