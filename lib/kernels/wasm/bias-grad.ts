// INSTRUCTOR ONLY: bias gradients (column and plane sums) are part of the Linear and Conv2d solutions
import type { Storage } from "../../tensor/dtype";
import { sameStorage } from "../interface";
import { activeEngine, MAX_ELEMENTWISE_CHUNKS, moduleFunctions, PARALLEL_MIN_ENTRIES, type WasmEngine } from "./engine";

/*
 * Bias gradients in the memory (wasm/assembly/bias-grad.ts), with exactly the bits of the plain loops
 * in lib/kernels/bias-grad.ts: a Linear's column sums, and a convolution's plane sums (shared with the
 * worker by chunks of filters). An answer of an assignment: a student kit drops this file with
 * lib/kernels/bias-grad.ts (and conv.ts, which uses it).
 */

/** columnSums: (src, rows, cols, dst). */
const fns = moduleFunctions(["columnSumsF64", "columnSumsF32"]);

/** columnSumsReference in the memory when src and dst both live there; false (nothing done) otherwise. */
export function wasmColumnSums(src: Storage, rows: number, cols: number, dst: Storage): boolean {
  const e = activeEngine();
  if (e === null) return false;
  const ps = e.memory.addressOf(src),
    pd = e.memory.addressOf(dst);
  if (ps < 0 || pd < 0 || !sameStorage(src, dst)) return false;
  (src instanceof Float64Array ? fns(e).columnSumsF64 : fns(e).columnSumsF32)(ps, rows, cols, pd);
  return true;
}

/**
 * planeSumsReference (lib/kernels/bias-grad.ts) of dout at byte address pdout (element size sz) into
 * db, shared with the worker by chunks of filters, when db lives in the memory; false otherwise.
 */
export function wasmPlaneSums(
  e: WasmEngine,
  pdout: number,
  n: number,
  F: number,
  plane: number,
  db: Storage,
  sz: number,
): boolean {
  const pdb = e.memory.addressOf(db);
  if (pdb < 0 || db.length < F) return false;
  const name = sz === 8 ? "planeSumsSharedF64" : "planeSumsSharedF32";
  // (dout, n, F, plane, db, chunk, counter)
  if (n * F * plane < PARALLEL_MIN_ENTRIES) {
    e.alone(name, [pdout, n, F, plane, pdb, F, e.threads.counterAddress]);
    return true;
  }
  const args = [pdout, n, F, plane, pdb, Math.ceil(F / MAX_ELEMENTWISE_CHUNKS), e.threads.counterAddress];
  e.shared(name, args, args);
  return true;
}
