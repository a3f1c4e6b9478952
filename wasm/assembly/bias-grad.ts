// Bias gradients: a Linear layer's db (column sums of dout [N, F]) and a convolution's db (sums of
// dout [N, F, plane] over images and positions). Bitwise the reference loops in lib/kernels/bias-grad.ts
// (columnSumsReference, planeSumsReference): the same additions in the same order.

// @ts-ignore: decorator
@inline function columnSums<T>(src: usize, rows: i32, cols: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>cols * sizeof<T>());
  const step = 16 / sizeof<T>();
  for (let i = 0; i < rows; i++) {
    const row = src + <usize>i * <usize>cols * sizeof<T>();
    let j = 0;
    for (; j + step <= cols; j += step) {
      const o = <usize>j * sizeof<T>();
      v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(row + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * sizeof<T>();
      store<T>(dst + o, load<T>(dst + o) + load<T>(row + o));
    }
  }
}

export function columnSumsF64(src: usize, rows: i32, cols: i32, dst: usize): void {
  columnSums<f64>(src, rows, cols, dst);
}

export function columnSumsF32(src: usize, rows: i32, cols: i32, dst: usize): void {
  columnSums<f32>(src, rows, cols, dst);
}

/**
 * db[f] = 0, then for each image i: db[f] += s0 + s1 + s2 + s3, the four f64 partial sums of the plane
 * dout[i, f, :] taken every fourth entry (the tail goes to s0). The vectors hold (s0, s1) and (s2, s3).
 * Filters [f0, f1) only, so threads can share the filters.
 */
// @ts-ignore: decorator
@inline function planeSums<T>(dout: usize, n: i32, F: i32, plane: i32, db: usize, f0: i32, f1: i32): void {
  for (let f = f0; f < f1; f++) store<T>(db + <usize>f * sizeof<T>(), 0);
  for (let i = 0; i < n; i++) {
    for (let f = f0; f < f1; f++) {
      const p = dout + (<usize>i * <usize>F + <usize>f) * <usize>plane * sizeof<T>();
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      let j = 0;
      for (; j + 4 <= plane; j += 4) {
        const at = p + <usize>j * sizeof<T>();
        if (sizeof<T>() == 8) {
          lo = f64x2.add(lo, v128.load(at));
          hi = f64x2.add(hi, v128.load(at, 16));
        } else {
          const v = v128.load(at);
          lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
          hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        }
      }
      let s0 = f64x2.extract_lane(lo, 0);
      for (; j < plane; j++) s0 += <f64>load<T>(p + <usize>j * sizeof<T>());
      const total = s0 + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
      const d = db + <usize>f * sizeof<T>();
      store<T>(d, <T>(<f64>load<T>(d) + total));
    }
  }
}

/** The plane sums shared by threads: each caller takes the next `chunk` filters from the atomic counter. */
// @ts-ignore: decorator
@inline function planeSumsShared<T>(dout: usize, n: i32, F: i32, plane: i32, db: usize, chunk: i32, counter: usize): void {
  for (;;) {
    const f0 = atomic.add<i32>(counter, 1) * chunk;
    if (f0 >= F) break;
    planeSums<T>(dout, n, F, plane, db, f0, min(F, f0 + chunk));
  }
}

export function planeSumsSharedF64(dout: usize, n: i32, F: i32, plane: i32, db: usize, chunk: i32, counter: usize): void {
  planeSumsShared<f64>(dout, n, F, plane, db, chunk, counter);
}

export function planeSumsSharedF32(dout: usize, n: i32, F: i32, plane: i32, db: usize, chunk: i32, counter: usize): void {
  planeSumsShared<f32>(dout, n, F, plane, db, chunk, counter);
}
