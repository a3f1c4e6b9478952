// BatchNorm's passes over x [n, C, inner] (inner = H W, or 1 for BatchNorm1d), bitwise those of
// lib/kernels/batchnorm.ts (channelReduceReference, batchNormNormalizeReference,
// batchNormBackwardReference): float64 arithmetic in the same order, float32 values widened on load
// and rounded once on store.
//
// A plane's sum is four interleaved partial sums (entries j = 0, 1, 2, 3 mod 4, the tail in the first)
// added as ((s0 + s1) + s2) + s3: one running sum would wait on every add. The vectors hold (s0, s1)
// and (s2, s3).

/** Entries i and i+1 of an f32 or f64 array at p as an f64x2 (i even). */
// @ts-ignore: decorator
@inline function pairAt<T>(p: usize, i: i32): v128 {
  if (sizeof<T>() == 8) return v128.load(p + <usize>i * 8);
  return f64x2.promote_low_f32x4(v128.load64_zero(p + <usize>i * 4));
}

/** Stores an f64x2 as entries i, i+1 of an f32 or f64 array at p (rounded for f32). */
// @ts-ignore: decorator
@inline function storePair<T>(p: usize, i: i32, v: v128): void {
  if (sizeof<T>() == 8) v128.store(p + <usize>i * 8, v);
  else v128.store64_lane(p + <usize>i * 4, f32x4.demote_f64x2_zero(v), 0);
}

/**
 * out[f] (f64) = sum over images s of the plane sum of term(a, b, mean[f]) over plane (s, f), where
 * term is a (mode 0), (a - mean)^2 (mode 1) or a b (mode 2).
 */
// @ts-ignore: decorator
@inline function channelReduce<T>(mode: i32, a: usize, b: usize, mean: usize, n: i32, C: i32, inner: i32, out: usize): void {
  memory.fill(out, 0, <usize>C * 8);
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < C; f++) {
      const start = (s * C + f) * inner;
      const mu = mode == 1 ? load<f64>(mean + <usize>f * 8) : 0;
      const MU = f64x2.splat(mu);
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const i = start + j;
        let t0 = pairAt<T>(a, i), t1 = pairAt<T>(a, i + 2);
        if (mode == 1) {
          t0 = f64x2.sub(t0, MU); t1 = f64x2.sub(t1, MU);
          t0 = f64x2.mul(t0, t0); t1 = f64x2.mul(t1, t1);
        } else if (mode == 2) {
          t0 = f64x2.mul(t0, pairAt<T>(b, i)); t1 = f64x2.mul(t1, pairAt<T>(b, i + 2));
        }
        lo = f64x2.add(lo, t0);
        hi = f64x2.add(hi, t1);
      }
      let s0 = f64x2.extract_lane(lo, 0);
      for (; j < inner; j++) {
        const i = start + j;
        const v = <f64>load<T>(a + <usize>i * sizeof<T>());
        s0 += mode == 0 ? v : mode == 1 ? (v - mu) * (v - mu) : v * <f64>load<T>(b + <usize>i * sizeof<T>());
      }
      const at = out + <usize>f * 8;
      store<f64>(at, load<f64>(at) + (s0 + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1)));
    }
  }
}

export function channelReduceF64(mode: i32, a: usize, b: usize, mean: usize, n: i32, C: i32, inner: i32, out: usize): void {
  channelReduce<f64>(mode, a, b, mean, n, C, inner, out);
}

export function channelReduceF32(mode: i32, a: usize, b: usize, mean: usize, n: i32, C: i32, inner: i32, out: usize): void {
  channelReduce<f32>(mode, a, b, mean, n, C, inner, out);
}

/** xhat = (x - mean[f]) invstd[f];  out = gamma[f] xhat + beta[f]  (xhat unrounded in the second). */
// @ts-ignore: decorator
@inline function normalize<T>(x: usize, n: i32, C: i32, inner: i32, mean: usize, invstd: usize, gamma: usize, beta: usize, xhat: usize, out: usize): void {
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < C; f++) {
      const start = (s * C + f) * inner;
      const mu = load<f64>(mean + <usize>f * 8), is = load<f64>(invstd + <usize>f * 8);
      const g = <f64>load<T>(gamma + <usize>f * sizeof<T>()), bb = <f64>load<T>(beta + <usize>f * sizeof<T>());
      const MU = f64x2.splat(mu), IS = f64x2.splat(is), G = f64x2.splat(g), B = f64x2.splat(bb);
      let j = 0;
      for (; j + 2 <= inner; j += 2) {
        const i = start + j;
        const h = f64x2.mul(f64x2.sub(pairAt<T>(x, i), MU), IS);
        storePair<T>(xhat, i, h);
        storePair<T>(out, i, f64x2.add(f64x2.mul(G, h), B));
      }
      for (; j < inner; j++) {
        const i = start + j;
        const h = (<f64>load<T>(x + <usize>i * sizeof<T>()) - mu) * is;
        store<T>(xhat + <usize>i * sizeof<T>(), <T>h);
        store<T>(out + <usize>i * sizeof<T>(), <T>(g * h + bb));
      }
    }
  }
}

export function batchNormNormalizeF64(x: usize, n: i32, C: i32, inner: i32, mean: usize, invstd: usize, gamma: usize, beta: usize, xhat: usize, out: usize): void {
  normalize<f64>(x, n, C, inner, mean, invstd, gamma, beta, xhat, out);
}

export function batchNormNormalizeF32(x: usize, n: i32, C: i32, inner: i32, mean: usize, invstd: usize, gamma: usize, beta: usize, xhat: usize, out: usize): void {
  normalize<f32>(x, n, C, inner, mean, invstd, gamma, beta, xhat, out);
}

/** dx = k1[f] dy + k0[f] + k2[f] xhat, added in that order. */
// @ts-ignore: decorator
@inline function backward<T>(dy: usize, xhat: usize, n: i32, C: i32, inner: i32, k1: usize, k0: usize, k2: usize, dx: usize): void {
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < C; f++) {
      const start = (s * C + f) * inner;
      const a = load<f64>(k1 + <usize>f * 8), c = load<f64>(k0 + <usize>f * 8), e = load<f64>(k2 + <usize>f * 8);
      const A = f64x2.splat(a), Cc = f64x2.splat(c), E = f64x2.splat(e);
      let j = 0;
      for (; j + 2 <= inner; j += 2) {
        const i = start + j;
        storePair<T>(dx, i, f64x2.add(f64x2.add(f64x2.mul(A, pairAt<T>(dy, i)), Cc), f64x2.mul(E, pairAt<T>(xhat, i))));
      }
      for (; j < inner; j++) {
        const i = start + j;
        const v = a * <f64>load<T>(dy + <usize>i * sizeof<T>()) + c + e * <f64>load<T>(xhat + <usize>i * sizeof<T>());
        store<T>(dx + <usize>i * sizeof<T>(), <T>v);
      }
    }
  }
}

export function batchNormBackwardF64(dy: usize, xhat: usize, n: i32, C: i32, inner: i32, k1: usize, k0: usize, k2: usize, dx: usize): void {
  backward<f64>(dy, xhat, n, C, inner, k1, k0, k2, dx);
}

export function batchNormBackwardF32(dy: usize, xhat: usize, n: i32, C: i32, inner: i32, k1: usize, k0: usize, k2: usize, dx: usize): void {
  backward<f32>(dy, xhat, n, C, inner, k1, k0, k2, dx);
}
