// ReLU forward and backward on activations that live in this memory (a step arena's storage). The
// activation of every MLP runs over each hidden value twice a step, and V8's scalar loop costs about
// as much as the network's smaller products.
//
// Results are bitwise those of lib/kernels/relu.ts (reluReference, reluBackwardReference):
//   out = x > 0 ? x : 0            a lane mask ANDed with x, so NaN and -0 give +0 as the ternary does
//   dx  = dout * (x > 0 ? 1 : 0)   a multiply by exactly 1 or 0, so dout * 0 keeps its sign (and NaN)

/** out[i] = x[i] > 0 ? x[i] : 0 for n entries of T. */
// @ts-ignore: decorator
@inline function reluForward<T>(x: usize, out: usize, n: i32): void {
  const zero = v128.splat<T>(0);
  const step = 16 / sizeof<T>();
  let i = 0;
  for (; i + step <= n; i += step) {
    const o = <usize>i * sizeof<T>();
    const v = v128.load(x + o);
    v128.store(out + o, v128.and(v, v128.gt<T>(v, zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i * sizeof<T>();
    const v = load<T>(x + o);
    store<T>(out + o, v > 0 ? v : 0);
  }
}

/** dx[i] = dout[i] * (x[i] > 0 ? 1 : 0) for n entries of T. */
// @ts-ignore: decorator
@inline function reluBackward<T>(x: usize, dout: usize, dx: usize, n: i32): void {
  const zero = v128.splat<T>(0), one = v128.splat<T>(1);
  const step = 16 / sizeof<T>();
  let i = 0;
  for (; i + step <= n; i += step) {
    const o = <usize>i * sizeof<T>();
    const mask = v128.and(v128.gt<T>(v128.load(x + o), zero), one);
    v128.store(dx + o, v128.mul<T>(v128.load(dout + o), mask));
  }
  for (; i < n; i++) {
    const o = <usize>i * sizeof<T>();
    store<T>(dx + o, load<T>(dout + o) * (load<T>(x + o) > 0 ? <T>1 : <T>0));
  }
}

export function reluF64(x: usize, out: usize, n: i32): void {
  reluForward<f64>(x, out, n);
}

export function reluF32(x: usize, out: usize, n: i32): void {
  reluForward<f32>(x, out, n);
}

export function reluBackwardF64(x: usize, dout: usize, dx: usize, n: i32): void {
  reluBackward<f64>(x, dout, dx, n);
}

export function reluBackwardF32(x: usize, dout: usize, dx: usize, n: i32): void {
  reluBackward<f32>(x, dout, dx, n);
}
