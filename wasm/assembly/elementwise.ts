// Elementwise kernels on storage that lives in this memory (parameters, gradients, optimizer state):
// the optimizer's finiteness check of every gradient and the SGD update. Both run on every step over
// every weight, and V8 does not vectorise plain loops, so they cost as much as a small model's products.
//
// Results are bitwise those of the TypeScript loops (lib/optim/sgd.ts, lib/tensor/tensor.ts): the same
// operations in the same order, and float32 storage is widened to f64 for the arithmetic and rounded
// once on store, as a Float32Array assignment in JavaScript does.

/**
 * 1 if every entry of the array at p (n entries of T) is finite. sum(x * 0) is 0 for finite entries
 * and NaN as soon as one is NaN or +-Inf (in f32 exactly as in f64), so the check is whether any
 * lane of the vector sums, or the scalar tail, is NaN.
 */
// @ts-ignore: decorator
@inline function allFinite<T>(p: usize, n: i32): i32 {
  const zero = v128.splat<T>(0);
  const step = 32 / sizeof<T>(); // two vectors per iteration
  let s0 = zero, s1 = zero;
  let i = 0;
  for (; i + step <= n; i += step) {
    const at = p + <usize>i * sizeof<T>();
    s0 = v128.add<T>(s0, v128.mul<T>(v128.load(at), zero));
    s1 = v128.add<T>(s1, v128.mul<T>(v128.load(at, 16), zero));
  }
  let s: T = 0;
  for (; i < n; i++) s += load<T>(p + <usize>i * sizeof<T>()) * 0;
  const t = v128.add<T>(s0, s1);
  return v128.any_true(v128.ne<T>(t, t)) || s != s ? 0 : 1;
}

export function allFiniteF64(p: usize, n: i32): i32 {
  return allFinite<f64>(p, n);
}

export function allFiniteF32(p: usize, n: i32): i32 {
  return allFinite<f32>(p, n);
}

/**
 * One SGD update of n weights at w from the gradient at g (velocity at v when mu > 0), as SGD.update:
 *   mode 0 (mu = 0, wd = 0):  w -= lr * g
 *   mode 1 (mu = 0):          w -= lr * (g + wd * w)
 *   mode 2 (momentum):        gg = g + wd * w;  v = mu * v + gg;  w -= lr * (nesterov ? gg + mu * v : v)
 */
// @ts-ignore: decorator
@inline function plainStep(w: v128, g: v128, lr: v128, wd: v128, mode: i32): v128 {
  return mode == 0 ? f64x2.sub(w, f64x2.mul(lr, g)) : f64x2.sub(w, f64x2.mul(lr, f64x2.add(g, f64x2.mul(wd, w))));
}

function sgdMode(mu: f64, wd: f64): i32 {
  return mu != 0 ? 2 : wd != 0 ? 1 : 0;
}

export function sgdF64(w: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, wd: f64, nesterov: i32): void {
  const mode = sgdMode(mu, wd);
  const LR = f64x2.splat(lr), MU = f64x2.splat(mu), WD = f64x2.splat(wd);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const wi = v128.load(w + o), gi = v128.load(g + o);
    if (mode < 2) {
      v128.store(w + o, plainStep(wi, gi, LR, WD, mode));
    } else {
      const gg = f64x2.add(gi, f64x2.mul(WD, wi));
      const vi = f64x2.add(f64x2.mul(MU, v128.load(v + o)), gg);
      v128.store(v + o, vi);
      const step = nesterov ? f64x2.add(gg, f64x2.mul(MU, vi)) : vi;
      v128.store(w + o, f64x2.sub(wi, f64x2.mul(LR, step)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const wi = load<f64>(w + o), gi = load<f64>(g + o);
    if (mode == 0) store<f64>(w + o, wi - lr * gi);
    else if (mode == 1) store<f64>(w + o, wi - lr * (gi + wd * wi));
    else {
      const gg = gi + wd * wi;
      const vi = mu * load<f64>(v + o) + gg;
      store<f64>(v + o, vi);
      store<f64>(w + o, wi - lr * (nesterov ? gg + mu * vi : vi));
    }
  }
}

/** f32 lanes 0-1 and 2-3 of x widened to f64x2. */
// @ts-ignore: decorator
@inline function low(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}
// @ts-ignore: decorator
@inline function high(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
}
/** Two f64x2 rounded to f32 and joined into one f32x4. */
// @ts-ignore: decorator
@inline function join(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

export function sgdF32(w: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, wd: f64, nesterov: i32): void {
  const mode = sgdMode(mu, wd);
  const LR = f64x2.splat(lr), MU = f64x2.splat(mu), WD = f64x2.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const w4 = v128.load(w + o), g4 = v128.load(g + o);
    const w0 = low(w4), w1 = high(w4), g0 = low(g4), g1 = high(g4);
    if (mode < 2) {
      v128.store(w + o, join(plainStep(w0, g0, LR, WD, mode), plainStep(w1, g1, LR, WD, mode)));
    } else {
      const v4 = v128.load(v + o);
      const gg0 = f64x2.add(g0, f64x2.mul(WD, w0)), gg1 = f64x2.add(g1, f64x2.mul(WD, w1));
      // v is stored as f32 and read back rounded, as the JavaScript loop does.
      const vr = join(f64x2.add(f64x2.mul(MU, low(v4)), gg0), f64x2.add(f64x2.mul(MU, high(v4)), gg1));
      v128.store(v + o, vr);
      const v0 = low(vr), v1 = high(vr);
      const s0 = nesterov ? f64x2.add(gg0, f64x2.mul(MU, v0)) : v0;
      const s1 = nesterov ? f64x2.add(gg1, f64x2.mul(MU, v1)) : v1;
      v128.store(w + o, join(f64x2.sub(w0, f64x2.mul(LR, s0)), f64x2.sub(w1, f64x2.mul(LR, s1))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = <f64>load<f32>(w + o), gi = <f64>load<f32>(g + o);
    if (mode == 0) store<f32>(w + o, <f32>(wi - lr * gi));
    else if (mode == 1) store<f32>(w + o, <f32>(wi - lr * (gi + wd * wi)));
    else {
      const gg = gi + wd * wi;
      const vi = <f64><f32>(mu * <f64>load<f32>(v + o) + gg);
      store<f32>(v + o, <f32>vi);
      store<f32>(w + o, <f32>(wi - lr * (nesterov ? gg + mu * vi : vi)));
    }
  }
}

/**
 * The same update shared by threads: the arrays are cut into chunks of `chunk` entries, and each
 * caller takes the next chunk from the atomic counter at `counter`. Every entry is updated by the
 * same operations whichever thread takes it, so the bits do not depend on the split.
 */
// @ts-ignore: decorator
@inline function sgdShared<T>(w: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, wd: f64, nesterov: i32, chunk: i32, counter: usize): void {
  for (;;) {
    const start = atomic.add<i32>(counter, 1) * chunk;
    if (start >= n) break;
    const o = <usize>start * sizeof<T>();
    const len = min(chunk, n - start);
    if (sizeof<T>() == 8) sgdF64(w + o, g + o, v == 0 ? 0 : v + o, len, lr, mu, wd, nesterov);
    else sgdF32(w + o, g + o, v == 0 ? 0 : v + o, len, lr, mu, wd, nesterov);
  }
}

export function sgdSharedF64(w: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, wd: f64, nesterov: i32, chunk: i32, counter: usize): void {
  sgdShared<f64>(w, g, v, n, lr, mu, wd, nesterov, chunk, counter);
}

export function sgdSharedF32(w: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, wd: f64, nesterov: i32, chunk: i32, counter: usize): void {
  sgdShared<f32>(w, g, v, n, lr, mu, wd, nesterov, chunk, counter);
}
