// Max pooling without padding, and its backward, on storage in this memory. Bitwise
// lib/kernels/pool.ts's maxPoolReference / maxPoolBackwardReference: the window is scanned row by
// row and a strict > keeps the first maximum, so ties go to the first pixel in row-major order.
//
// The scalar loop branches on every comparison, which random data mispredicts about half the time
// (V8's loop took ~25 ns per output). The 2x2 / stride 2 case, the usual one, runs four outputs at a
// time (two for f64) with compare masks instead: even and odd columns of the window's two rows are
// the four candidates, taken in row-major order.

/**
 * out[o] and argmax[o] (a flat index into x) for every window of `planes` planes of h x w, window
 * kh x kw, stride sh x sw, no padding.
 */
// @ts-ignore: decorator
@inline function maxPool<T>(x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, outH: i32, outW: i32, out: usize, argmax: usize): void {
  const pairs = kh == 2 && kw == 2 && sh == 2 && sw == 2;
  const lanes = 16 / sizeof<T>();
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const rowBase = base + oy * sh * w;
      let ox = 0;
      if (pairs) {
        for (; ox + lanes <= outW; ox += lanes, o += lanes) {
          const corner = rowBase + 2 * ox;
          if (sizeof<T>() == 4) window4(x, w, corner, out + <usize>o * 4, argmax + <usize>o * 4);
          else window2(x, w, corner, out + <usize>o * 8, argmax + <usize>o * 4);
        }
      }
      for (; ox < outW; ox++, o++) {
        const corner = rowBase + ox * sw;
        let best = corner;
        let bv = load<T>(x + <usize>corner * sizeof<T>());
        for (let u = 0; u < kh; u++) {
          const row = corner + u * w;
          for (let v = 0; v < kw; v++) {
            const val = load<T>(x + <usize>(row + v) * sizeof<T>());
            if (val > bv) {
              bv = val;
              best = row + v;
            }
          }
        }
        store<i32>(argmax + <usize>o * 4, best);
        store<T>(out + <usize>o * sizeof<T>(), bv);
      }
    }
  }
}

/** Four 2x2 windows of f32 starting at flat index `corner` (8 columns of two rows). */
// @ts-ignore: decorator
@inline function window4(x: usize, w: i32, corner: i32, out: usize, argmax: usize): void {
  const r0 = x + <usize>corner * 4, r1 = r0 + <usize>w * 4;
  const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
  // Candidates in row-major order: row 0 even, row 0 odd, row 1 even, row 1 odd columns.
  const c0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), c1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
  const c2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), c3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  const i0 = i32x4.add(i32x4.splat(corner), i32x4(0, 2, 4, 6));
  let best = c0, bi = i0;
  let m = f32x4.gt(c1, best);
  best = v128.bitselect(c1, best, m); bi = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), bi, m);
  m = f32x4.gt(c2, best);
  best = v128.bitselect(c2, best, m); bi = v128.bitselect(i32x4.add(i0, i32x4.splat(w)), bi, m);
  m = f32x4.gt(c3, best);
  best = v128.bitselect(c3, best, m); bi = v128.bitselect(i32x4.add(i0, i32x4.splat(w + 1)), bi, m);
  v128.store(out, best);
  v128.store(argmax, bi);
}

/** Two 2x2 windows of f64 starting at flat index `corner` (4 columns of two rows). */
// @ts-ignore: decorator
@inline function window2(x: usize, w: i32, corner: i32, out: usize, argmax: usize): void {
  const r0 = x + <usize>corner * 8, r1 = r0 + <usize>w * 8;
  const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
  const c0 = v128.shuffle<f64>(a0, a1, 0, 2), c1 = v128.shuffle<f64>(a0, a1, 1, 3);
  const c2 = v128.shuffle<f64>(b0, b1, 0, 2), c3 = v128.shuffle<f64>(b0, b1, 1, 3);
  // 64-bit index lanes, so that the f64 compare masks select them directly.
  const i0 = i64x2.add(i64x2.splat(<i64>corner), i64x2(0, 2));
  let best = c0, bi = i0;
  let m = f64x2.gt(c1, best);
  best = v128.bitselect(c1, best, m); bi = v128.bitselect(i64x2.add(i0, i64x2.splat(1)), bi, m);
  m = f64x2.gt(c2, best);
  best = v128.bitselect(c2, best, m); bi = v128.bitselect(i64x2.add(i0, i64x2.splat(<i64>w)), bi, m);
  m = f64x2.gt(c3, best);
  best = v128.bitselect(c3, best, m); bi = v128.bitselect(i64x2.add(i0, i64x2.splat(<i64>w + 1)), bi, m);
  v128.store(out, best);
  store<i32>(argmax, <i32>i64x2.extract_lane(bi, 0));
  store<i32>(argmax, <i32>i64x2.extract_lane(bi, 1), 4);
}

export function maxPoolF64(x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, outH: i32, outW: i32, out: usize, argmax: usize): void {
  maxPool<f64>(x, planes, h, w, kh, kw, sh, sw, outH, outW, out, argmax);
}

export function maxPoolF32(x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, outH: i32, outW: i32, out: usize, argmax: usize): void {
  maxPool<f32>(x, planes, h, w, kh, kw, sh, sw, outH, outW, out, argmax);
}

/** dx[argmax[o]] += dout[o] for o = 0..count-1, in order; an index outside [0, dxLength) is skipped (as a typed array ignores it). */
// @ts-ignore: decorator
@inline function maxPoolBackward<T>(argmax: usize, dout: usize, count: i32, dx: usize, dxLength: i32): void {
  for (let o = 0; o < count; o++) {
    const i = load<i32>(argmax + <usize>o * 4);
    if (<u32>i >= <u32>dxLength) continue;
    const at = dx + <usize>i * sizeof<T>();
    store<T>(at, load<T>(at) + load<T>(dout + <usize>o * sizeof<T>()));
  }
}

export function maxPoolBackwardF64(argmax: usize, dout: usize, count: i32, dx: usize, dxLength: i32): void {
  maxPoolBackward<f64>(argmax, dout, count, dx, dxLength);
}

export function maxPoolBackwardF32(argmax: usize, dout: usize, count: i32, dx: usize, dxLength: i32): void {
  maxPoolBackward<f32>(argmax, dout, count, dx, dxLength);
}
