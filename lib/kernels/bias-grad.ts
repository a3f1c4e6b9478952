// INSTRUCTOR ONLY: bias gradients (column and plane sums) are part of the Linear and Conv2d solutions
import type { Storage } from "../tensor/dtype";
import { kernels } from "./kernels";
import { wasmColumnSums } from "./wasm/bias-grad";

/*
 * Bias gradients over raw storage: a Linear's column sums (its layer's fast path) and a convolution's
 * plane sums (conv.ts). columnSums runs the active kernels' fused version if they have one, else the
 * WebAssembly loop when the arrays live in its memory, else the plain loop here, which defines the
 * result bit for bit.
 * An answer of an assignment: a student kit drops this file with wasm/bias-grad.ts and
 * wasm/assembly/bias-grad.ts (and conv.ts, which uses planeSums).
 */

/** dst[j] = sum over i < rows of src[i * cols + j], added in row order in the storage's type. */
export function columnSums(src: Storage, rows: number, cols: number, dst: Storage): void {
  checkColumnSums(src, rows, cols, dst);
  const fused = kernels().fused?.columnSums;
  if (fused !== undefined) fused(src, rows, cols, dst);
  else if (!wasmColumnSums(src, rows, cols, dst)) columnSumsReference(src, rows, cols, dst);
}

/** columnSums' plain loop (each add rounded to the storage's type). */
export function columnSumsReference(src: Storage, rows: number, cols: number, dst: Storage): void {
  checkColumnSums(src, rows, cols, dst);
  dst.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) for (let j = 0, row = i * cols; j < cols; j++) dst[j] += src[row + j]!;
}

function checkColumnSums(src: Storage, rows: number, cols: number, dst: Storage): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`columnSums: rows and cols must be non-negative integers, got ${rows} and ${cols}`);
  }
  if (src.length < rows * cols || dst.length < cols) {
    throw new Error(
      `columnSums: ${rows}x${cols} needs ${rows * cols} source and ${cols} destination entries, got ${src.length} and ${dst.length}`,
    );
  }
}

/**
 * db[f] = sum over images and positions of dout[n, f, :] (in float64). Four partial sums per plane
 * break the chain of dependent additions, which would otherwise bound the loop at one add per latency.
 */
export function planeSumsReference(dout: Storage, n: number, F: number, plane: number, db: Storage): void {
  db.fill(0, 0, F);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) {
      const off = (i * F + f) * plane;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let j = 0;
      for (; j + 4 <= plane; j += 4) {
        s0 += dout[off + j]!;
        s1 += dout[off + j + 1]!;
        s2 += dout[off + j + 2]!;
        s3 += dout[off + j + 3]!;
      }
      for (; j < plane; j++) s0 += dout[off + j]!;
      db[f] += s0 + s1 + s2 + s3;
    }
  }
}
