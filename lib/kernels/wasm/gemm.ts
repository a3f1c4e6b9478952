import { checkGemmArgs, type GemmArgs } from "../interface";
import { referenceKernels } from "../reference";
import { moduleFunctions, type WasmEngine } from "./engine";
import { align } from "./memory";

/*
 * GEMM (wasm/assembly/gemm.ts) on any storage: operands that live in the memory are used in place,
 * the others are copied into the operand area and back. A large product is shared with the worker
 * thread: C is cut into a few wide chunks of columns (or rows) that both threads take from the atomic
 * counter. Each entry of C is computed the same way whichever thread does it, so results do not
 * depend on the split.
 */

/** Micro-kernel rows (MR) in wasm/assembly/gemm.ts; its columns (NR) are 32 bytes: 4 f64 or 8 f32. */
const MR = 4;
/** Products below this many multiply-adds (~15-30 us of work) stay on one thread: the hand-off would eat the gain. */
export const PARALLEL_MIN_MACS = 1 << 18;
/**
 * A shared product is cut into at most 4 chunks of at least 128 columns (or rows) each: every chunk
 * repacks the operand the chunks share, so chunks must be wide, but more than two chunks let the
 * faster thread take the extra ones when the other core is busy.
 */
const MAX_CHUNKS = 4;
const MIN_CHUNK = 128;

/**
 * (transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1, packA, packB, tile): the
 * window C[i0:i1, j0:j1] on one thread; pointers in bytes.
 */
const fns = moduleFunctions(["gemmF64", "gemmF32"]);

/** Elements a row-major rows x cols matrix with leading dimension ld spans. */
function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** The Kernels.gemm of the wasm kernels: same checks (and messages) as the reference, so both fail alike. */
export function wasmGemm(e: WasmEngine, p: GemmArgs): void {
  checkGemmArgs(p);
  const { m, n, k, transA, transB, a, b, c } = p;
  if (m === 0 || n === 0) return;
  // Nothing to multiply: only C's scaling, which the reference does exactly as specified.
  if (k === 0 || p.alpha === 0) return referenceKernels.gemm(p);
  const f64 = c instanceof Float64Array;
  const sameType = f64
    ? a instanceof Float64Array && b instanceof Float64Array
    : a instanceof Float32Array && b instanceof Float32Array;
  const sz = f64 ? 8 : 4;
  const mem = e.memory;
  const nA = span(transA ? k : m, transA ? m : k, p.lda);
  const nB = span(transB ? n : k, transB ? k : n, p.ldb);
  const nC = span(m, n, p.ldc);
  // Operands that live in the memory are used in place; the others get a slot in the operand area.
  const homeC = mem.addressOf(c);
  const offB = mem.addressOf(a) >= 0 ? 0 : align(nA * sz);
  const offC = offB + (mem.addressOf(b) >= 0 ? 0 : align(nB * sz));
  const need = offC + (homeC >= 0 ? 0 : align(nC * sz));
  const area = need === 0 ? 0 : mem.operandArea(need);
  if (!sameType || area < 0) return referenceKernels.gemm(p); // mixed element types, or beyond 2 GiB
  const pa = mem.operand(a, p.aOffset, nA, area);
  const pb = mem.operand(b, p.bOffset, nB, area + offB);
  let pc = homeC + p.cOffset * sz;
  // With beta = 0 and C contiguous nothing of C is read; otherwise the gaps between rows must survive.
  if (homeC < 0) {
    pc = area + offC;
    if (p.beta !== 0 || p.ldc !== n) mem.put(c, p.cOffset, nC, pc);
  }
  product(e, f64, { ...p, a: pa, b: pb, c: pc });
  if (homeC < 0) mem.take(c, p.cOffset, nC, pc);
}

/** A product's sizes and operands in the memory: GemmArgs with byte addresses instead of arrays and offsets. */
type ProductArgs = Omit<GemmArgs, "a" | "b" | "c" | "aOffset" | "bOffset" | "cOffset"> & {
  a: number;
  b: number;
  c: number;
};

/** C = alpha op(A) op(B) + beta C on operands already in the memory, on one or two threads. */
function product(e: WasmEngine, f64: boolean, p: ProductArgs): void {
  const { m, n, k } = p;
  const sz = f64 ? 8 : 4;
  const tA = p.transA ? 1 : 0;
  const tB = p.transB ? 1 : 0;
  const [s0, s1] = e.scratch;
  // Share the larger side of C: column chunks each repack A, row chunks each repack B.
  const byCols = m <= n;
  const total = byCols ? n : m;
  const chunks = Math.min(MAX_CHUNKS, Math.floor(total / MIN_CHUNK));
  if (m * n * k < PARALLEL_MIN_MACS || chunks < 2 || !e.threads.ready()) {
    const gemm = f64 ? fns(e).gemmF64 : fns(e).gemmF32;
    gemm(tA, tB, k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc, 0, m, 0, n, s0.packA, s0.packB, s0.tile);
    return;
  }
  const unit = byCols ? 32 / sz : MR;
  const chunk = Math.ceil(total / chunks / unit) * unit;
  // (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, byCols, chunk, counter, packA, packB, tile)
  const args = (t: typeof s0): number[] => [
    tA,
    tB,
    m,
    n,
    k,
    p.alpha,
    p.a,
    p.lda,
    p.b,
    p.ldb,
    p.beta,
    p.c,
    p.ldc,
    byCols ? 1 : 0,
    chunk,
    e.threads.counterAddress,
    t.packA,
    t.packB,
    t.tile,
  ];
  e.shared(f64 ? "gemmSharedF64" : "gemmSharedF32", args(s0), args(s1));
}
