// GEMM kernels for the library's Kernels.gemm, generic over f64 (f64x2) and f32 (f32x4).
//
// The Goto/BLIS scheme of lib/kernels/reference.ts with SIMD128: op(B) is packed into KC x NC panels
// of NR-column slivers and op(A) into MC x KC blocks of MR-row slivers (packing absorbs the
// transposes and zero-pads the edges), and a 4 x (2 vectors) micro-kernel keeps its 8 accumulators
// in registers. Plain SIMD128 has no FMA, so each step is a mul and an add (relaxed SIMD's madd in
// the FMA build); 4 rows x 2 vectors is the largest block that fits x64's 16 vector registers (a
// 6-row block spilled and ran 30% slower).
//
// Every product is computed window by window (C[i0:i1, j0:j1], own pack buffers per caller), so two
// threads can share one by taking chunks of rows or columns; the arithmetic per entry does not depend
// on the split, so threaded and single-threaded results are bitwise identical.

/** Rows of the micro-kernel. */
const MR: i32 = 4;
/** Depth of a packed panel: a KC x NR sliver of B (8 KiB in f64) stays in L1. */
export const KC: i32 = 256;
/** Rows of a packed A block (MC x KC, 192 KiB in f64) that stays in L2. */
export const MC: i32 = 96;
/** Columns of a packed B panel (KC x NC). */
export const NC: i32 = 1024;

/**
 * acc + a * b. Built with relaxed SIMD (kernels-fma.wasm) it is one fused multiply-add where the CPU
 * has one (relaxed_madd: fused or not is the engine's choice, the same on every thread); the plain
 * SIMD128 build (kernels.wasm) has only a mul and an add. Either way the error stays within the
 * usual k-term rounding bound, which the tests check against the reference.
 */
// @ts-ignore: decorator
@inline function madd<T>(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, acc);
  return v128.add<T>(acc, v128.mul<T>(a, b));
}

/** Columns of the micro-kernel: two vectors (4 f64 or 8 f32). */
// @ts-ignore: decorator
@inline function nr<T>(): i32 {
  return 32 / sizeof<T>();
}

/**
 * C[0:rows, 0:cols] += alpha * Apanel * Bpanel over kc steps. A full tile is updated straight from
 * the registers; an edge tile goes through `tile` (MR x NR scratch) so that only its valid part is written.
 */
// @ts-ignore: decorator
@inline function micro<T>(kc: i32, pa: usize, pb: usize, alpha: T, c: usize, ldc: usize, rows: i32, cols: i32, tile: usize): void {
  let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
  let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
  let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
  let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
  for (let q = 0; q < kc; q++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    // load_splat broadcasts one packed A entry straight from memory (movddup / vbroadcastss).
    let a = v128.load_splat<T>(pa);
    c00 = madd<T>(c00, a, b0);
    c01 = madd<T>(c01, a, b1);
    a = v128.load_splat<T>(pa, sizeof<T>());
    c10 = madd<T>(c10, a, b0);
    c11 = madd<T>(c11, a, b1);
    a = v128.load_splat<T>(pa, 2 * sizeof<T>());
    c20 = madd<T>(c20, a, b0);
    c21 = madd<T>(c21, a, b1);
    a = v128.load_splat<T>(pa, 3 * sizeof<T>());
    c30 = madd<T>(c30, a, b0);
    c31 = madd<T>(c31, a, b1);
    pa += 4 * sizeof<T>();
    pb += 32;
  }
  const al = v128.splat<T>(alpha);
  if (rows == MR && cols == nr<T>()) {
    let r = c;
    v128.store(r, v128.add<T>(v128.load(r), v128.mul<T>(al, c00)));
    v128.store(r, v128.add<T>(v128.load(r, 16), v128.mul<T>(al, c01)), 16);
    r += ldc;
    v128.store(r, v128.add<T>(v128.load(r), v128.mul<T>(al, c10)));
    v128.store(r, v128.add<T>(v128.load(r, 16), v128.mul<T>(al, c11)), 16);
    r += ldc;
    v128.store(r, v128.add<T>(v128.load(r), v128.mul<T>(al, c20)));
    v128.store(r, v128.add<T>(v128.load(r, 16), v128.mul<T>(al, c21)), 16);
    r += ldc;
    v128.store(r, v128.add<T>(v128.load(r), v128.mul<T>(al, c30)));
    v128.store(r, v128.add<T>(v128.load(r, 16), v128.mul<T>(al, c31)), 16);
    return;
  }
  v128.store(tile, v128.mul<T>(al, c00));
  v128.store(tile, v128.mul<T>(al, c01), 16);
  v128.store(tile, v128.mul<T>(al, c10), 32);
  v128.store(tile, v128.mul<T>(al, c11), 48);
  v128.store(tile, v128.mul<T>(al, c20), 64);
  v128.store(tile, v128.mul<T>(al, c21), 80);
  v128.store(tile, v128.mul<T>(al, c30), 96);
  v128.store(tile, v128.mul<T>(al, c31), 112);
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * ldc;
    const t = tile + <usize>(i * nr<T>() * sizeof<T>());
    for (let j = 0; j < cols; j++) {
      const p = row + <usize>j * sizeof<T>();
      store<T>(p, load<T>(p) + load<T>(t + <usize>j * sizeof<T>()));
    }
  }
}

/**
 * dst[q*w + r] = src[r*ld + q] for r < w, q < kc: the transposing copy both packers need when the
 * packed direction runs along the stored rows. Whole vectors are transposed in registers (4x4 for
 * f32, 2x2 for f64) instead of one strided scalar at a time. `ld` is in bytes; w is NR or MR.
 */
// @ts-ignore: decorator
@inline function transposeSliver<T>(src: usize, ld: usize, kc: i32, dst: usize, w: i32): void {
  const sz = <usize>sizeof<T>();
  const lanes = 16 / sizeof<T>();
  const step = <usize>w * sz;
  for (let g = 0; g < w; g += lanes) {
    const s = src + <usize>g * ld;
    const d = dst + <usize>g * sz;
    let q = 0;
    if (sizeof<T>() == 4) {
      for (; q + 4 <= kc; q += 4) {
        const o = <usize>q * 4;
        const r0 = v128.load(s + o), r1 = v128.load(s + ld + o), r2 = v128.load(s + 2 * ld + o), r3 = v128.load(s + 3 * ld + o);
        const a = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), b = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const c = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), e = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const t = d + <usize>q * step;
        v128.store(t, v128.shuffle<f64>(a, c, 0, 2));
        v128.store(t + step, v128.shuffle<f64>(a, c, 1, 3));
        v128.store(t + 2 * step, v128.shuffle<f64>(b, e, 0, 2));
        v128.store(t + 3 * step, v128.shuffle<f64>(b, e, 1, 3));
      }
    } else {
      for (; q + 2 <= kc; q += 2) {
        const o = <usize>q * 8;
        const r0 = v128.load(s + o), r1 = v128.load(s + ld + o);
        const t = d + <usize>q * step;
        v128.store(t, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(t + step, v128.shuffle<f64>(r0, r1, 1, 3));
      }
    }
    for (; q < kc; q++) {
      for (let r = 0; r < lanes; r++) store<T>(d + <usize>q * step + <usize>r * sz, load<T>(s + <usize>r * ld + <usize>q * sz));
    }
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] as consecutive kc x NR slivers (zero-padded on the right). */
function packB<T>(transB: bool, b: usize, ldb: usize, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  const n = nr<T>();
  const sz = <usize>sizeof<T>();
  const sliver = <usize>kc * n * sz;
  for (let j0 = 0; j0 < nc; j0 += n) {
    const cols = min(n, nc - j0);
    if (transB && cols == n) {
      transposeSliver<T>(b + (<usize>(jc + j0) * ldb + <usize>pc) * sz, ldb * sz, kc, dst, n);
    } else if (!transB && cols == n) {
      // The common case: each step of the sliver is one contiguous run of NR entries of a row.
      let src = b + (<usize>pc * ldb + <usize>(jc + j0)) * sz;
      let d = dst;
      for (let q = 0; q < kc; q++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += ldb * sz;
        d += 32;
      }
    } else {
      if (cols < n) memory.fill(dst, 0, sliver);
      if (!transB) {
        for (let q = 0; q < kc; q++) {
          const src = b + (<usize>(pc + q) * ldb + <usize>(jc + j0)) * sz;
          const d = dst + <usize>(q * n) * sz;
          for (let j = 0; j < cols; j++) store<T>(d + <usize>j * sz, load<T>(src + <usize>j * sz));
        }
      } else {
        // B is stored n x k: read each of the sliver's columns along its (contiguous) stored row.
        for (let j = 0; j < cols; j++) {
          let src = b + (<usize>(jc + j0 + j) * ldb + <usize>pc) * sz;
          let d = dst + <usize>j * sz;
          for (let q = 0; q < kc; q++) {
            store<T>(d, load<T>(src));
            src += sz;
            d += <usize>n * sz;
          }
        }
      }
    }
    dst += sliver;
  }
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] as consecutive MR x kc slivers stored column by column (zero-padded). */
function packA<T>(transA: bool, a: usize, lda: usize, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  const sliver = <usize>(kc * MR) * sz;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    if (!transA && rows == MR) {
      transposeSliver<T>(a + (<usize>(ic + i0) * lda + <usize>pc) * sz, lda * sz, kc, dst, MR);
    } else if (transA && rows == MR) {
      // A is stored k x m: the sliver's MR entries of each step are contiguous.
      let src = a + (<usize>pc * lda + <usize>(ic + i0)) * sz;
      let d = dst;
      for (let q = 0; q < kc; q++) {
        if (sizeof<T>() == 8) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          v128.store(d, v128.load(src));
        }
        src += lda * sz;
        d += <usize>MR * sz;
      }
    } else {
      if (rows < MR) memory.fill(dst, 0, sliver);
      if (transA) {
        for (let q = 0; q < kc; q++) {
          const src = a + (<usize>(pc + q) * lda + <usize>(ic + i0)) * sz;
          const d = dst + <usize>(q * MR) * sz;
          for (let i = 0; i < rows; i++) store<T>(d + <usize>i * sz, load<T>(src + <usize>i * sz));
        }
      } else {
        // A is stored m x k: walk each of the sliver's rows contiguously.
        for (let i = 0; i < rows; i++) {
          let src = a + (<usize>(ic + i0 + i) * lda + <usize>pc) * sz;
          let d = dst + <usize>i * sz;
          for (let q = 0; q < kc; q++) {
            store<T>(d, load<T>(src));
            src += sz;
            d += <usize>MR * sz;
          }
        }
      }
    }
    dst += sliver;
  }
}

/**
 * C[i0:i1, j0:j1] = alpha * op(A) op(B) + beta * C on that window (row-major, leading dimensions in
 * elements, pointers in bytes). beta = 0 overwrites C, so NaN there does not survive.
 */
export function gemm<T>(
  transA: bool, transB: bool, k: i32, alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, i0: i32, i1: i32, j0: i32, j1: i32, packABuf: usize, packBBuf: usize, tile: usize,
): void {
  const sz = <usize>sizeof<T>();
  const ldcB = <usize>ldc * sz;
  const width = j1 - j0;
  if (beta != 1) {
    for (let i = i0; i < i1; i++) {
      const row = c + <usize>i * ldcB + <usize>j0 * sz;
      if (beta == 0) memory.fill(row, 0, <usize>width * sz);
      else {
        // Scaled in f64 and rounded once, as the reference does for float32 storage.
        for (let j = 0; j < width; j++) store<T>(row + <usize>j * sz, <T>(<f64>load<T>(row + <usize>j * sz) * beta));
      }
    }
  }
  if (alpha == 0 || k == 0 || i1 <= i0 || j1 <= j0) return;
  const n = nr<T>();
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB<T>(transB, b, <usize>ldb, pc, kc, jc, nc, packBBuf);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA<T>(transA, a, <usize>lda, ic, mc, pc, kc, packABuf);
        for (let jr = 0; jr < nc; jr += n) {
          const cols = min(n, nc - jr);
          const pb = packBBuf + <usize>(jr * kc) * sz;
          const cCol = c + <usize>(jc + jr) * sz;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            micro<T>(kc, packABuf + <usize>(ir * kc) * sz, pb, alpha, cCol + <usize>(ic + ir) * ldcB, ldcB, rows, cols, tile);
          }
        }
      }
    }
  }
}

/**
 * The same product shared by threads: C is cut into chunks of `chunk` columns (byCols) or rows, and
 * each caller takes the next chunk from the atomic counter at `counter` until none is left. A thread
 * that starts late (or is descheduled) simply takes fewer chunks. Each caller passes its own buffers.
 */
function gemmShared<T>(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, byCols: bool, chunk: i32, counter: usize, packABuf: usize, packBBuf: usize, tile: usize,
): void {
  const total = byCols ? n : m;
  for (;;) {
    const start = atomic.add<i32>(counter, 1) * chunk;
    if (start >= total) break;
    const end = min(total, start + chunk);
    if (byCols) gemm<T>(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, m, start, end, packABuf, packBBuf, tile);
    else gemm<T>(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, start, end, 0, n, packABuf, packBBuf, tile);
  }
}

export function gemmSharedF64(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f64, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, byCols: bool, chunk: i32, counter: usize, packABuf: usize, packBBuf: usize, tile: usize,
): void {
  gemmShared<f64>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, byCols, chunk, counter, packABuf, packBBuf, tile);
}

export function gemmSharedF32(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, byCols: bool, chunk: i32, counter: usize, packABuf: usize, packBBuf: usize, tile: usize,
): void {
  gemmShared<f32>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, byCols, chunk, counter, packABuf, packBBuf, tile);
}

export function gemmF64(
  transA: bool, transB: bool, k: i32, alpha: f64, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, i0: i32, i1: i32, j0: i32, j1: i32, packABuf: usize, packBBuf: usize, tile: usize,
): void {
  gemm<f64>(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1, packABuf, packBBuf, tile);
}

export function gemmF32(
  transA: bool, transB: bool, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, i0: i32, i1: i32, j0: i32, j1: i32, packABuf: usize, packBBuf: usize, tile: usize,
): void {
  gemm<f32>(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1, packABuf, packBBuf, tile);
}
