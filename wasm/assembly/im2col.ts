// im2col / col2im for the library's Kernels, generic over f64 and f32, on one CHW image.
//
// Same layout and loop order as lib/kernels/reference.ts: cols is [C*kh*kw, outH*outW]. For each
// (row, output row) the input columns a kernel offset reads form one run [lo, hi) of output columns
// (the rest is padding), so with stride 1 a run is a plain block copy (im2col) or a vector add
// (col2im). col2im adds into each dx entry in the reference's order, so both agree bitwise.

/** The output columns ox whose input column ox*stride - pad + kj lies in [0, width): [lo, hi). */
// @ts-ignore: decorator
@inline function runStart(kj: i32, stride: i32, pad: i32): i32 {
  const d = pad - kj;
  return d <= 0 ? 0 : (d + stride - 1) / stride;
}

// @ts-ignore: decorator
@inline function runEnd(kj: i32, width: i32, stride: i32, pad: i32, outW: i32): i32 {
  const d = width + pad - kj;
  return d <= 0 ? 0 : min(outW, (d + stride - 1) / stride);
}

export function im2col<T>(
  x: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32, cols: usize,
): void {
  const sz = <usize>sizeof<T>();
  let dst = cols;
  for (let ch = 0; ch < channels; ch++) {
    const xc = x + <usize>(ch * height * width) * sz;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++) {
        const lo = runStart(kj, strideW, padW);
        const hi = max(lo, runEnd(kj, width, strideW, padW, outW));
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padH + ki;
          if (iy < 0 || iy >= height) {
            memory.fill(dst, 0, <usize>outW * sz);
            dst += <usize>outW * sz;
            continue;
          }
          const src = xc + <usize>(iy * width) * sz;
          if (lo > 0) memory.fill(dst, 0, <usize>lo * sz);
          if (strideW == 1) {
            memory.copy(dst + <usize>lo * sz, src + <usize>(lo - padW + kj) * sz, <usize>(hi - lo) * sz);
          } else {
            for (let ox = lo; ox < hi; ox++) store<T>(dst + <usize>ox * sz, load<T>(src + <usize>(ox * strideW - padW + kj) * sz));
          }
          if (hi < outW) memory.fill(dst + <usize>hi * sz, 0, <usize>(outW - hi) * sz);
          dst += <usize>outW * sz;
        }
      }
    }
  }
}

export function col2im<T>(
  cols: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32, dx: usize,
): void {
  const sz = <usize>sizeof<T>();
  const lanes = 16 / sizeof<T>();
  let src = cols;
  for (let ch = 0; ch < channels; ch++) {
    const xc = dx + <usize>(ch * height * width) * sz;
    for (let ki = 0; ki < kernelH; ki++) {
      for (let kj = 0; kj < kernelW; kj++) {
        const lo = runStart(kj, strideW, padW);
        const hi = max(lo, runEnd(kj, width, strideW, padW, outW));
        for (let oy = 0; oy < outH; oy++, src += <usize>outW * sz) {
          const iy = oy * strideH - padH + ki;
          if (iy < 0 || iy >= height) continue;
          const row = xc + <usize>(iy * width) * sz;
          if (strideW == 1) {
            const d = row + <usize>(lo - padW + kj) * sz;
            const s = src + <usize>lo * sz;
            const len = hi - lo;
            let j = 0;
            for (; j + lanes <= len; j += lanes) {
              const o = <usize>j * sz;
              v128.store(d + o, v128.add<T>(v128.load(d + o), v128.load(s + o)));
            }
            for (; j < len; j++) {
              const o = <usize>j * sz;
              store<T>(d + o, load<T>(d + o) + load<T>(s + o));
            }
          } else {
            for (let ox = lo; ox < hi; ox++) {
              const p = row + <usize>(ox * strideW - padW + kj) * sz;
              store<T>(p, load<T>(p) + load<T>(src + <usize>ox * sz));
            }
          }
        }
      }
    }
  }
}

export function im2colF64(
  x: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32, cols: usize,
): void {
  im2col<f64>(x, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, cols);
}

export function im2colF32(
  x: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32, cols: usize,
): void {
  im2col<f32>(x, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, cols);
}

export function col2imF64(
  cols: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32, dx: usize,
): void {
  col2im<f64>(cols, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, dx);
}

export function col2imF32(
  cols: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32, dx: usize,
): void {
  col2im<f32>(cols, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, dx);
}
