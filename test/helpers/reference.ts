// Independent, deliberately naive references used by the tests (index-by-index loops).
import { Tensor } from "../../lib/tensor/tensor";

export function naiveMatmul(a: number[][], b: number[][]): number[][] {
  const m = a.length;
  const k = b.length;
  const n = b[0]!.length;
  const out: number[][] = [];
  for (let i = 0; i < m; i++) {
    out.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i]![p]! * b[p]![j]!;
      out[i]!.push(s);
    }
  }
  return out;
}

/** Direct 6-loop convolution of x [N,C,H,W] with w [F,C,kh,kw] (zero padding). */
export function naiveConv2d(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  stride: [number, number],
  pad: [number, number],
): Tensor {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [f, , kh, kw] = w.shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * pad[0] - kh) / stride[0]) + 1;
  const ow = Math.floor((wd + 2 * pad[1] - kw) / stride[1]) + 1;
  const out = Tensor.zeros([n, f, oh, ow]);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < f; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let s = b ? b.get(o) : 0;
          for (let ch = 0; ch < c; ch++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const iy = y * stride[0] - pad[0] + u;
                const ix = z * stride[1] - pad[1] + v;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) s += x.get(i, ch, iy, ix) * w.get(o, ch, u, v);
              }
          out.set(s, i, o, y, z);
        }
  return out;
}

/** Values that keep a safe distance from 0 (ReLU/LeakyReLU kinks): |x| in [0.1, 1.1]. */
export function awayFromZero(shape: number[], seed: number): Tensor {
  let s = seed * 9301 + 49297;
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) {
    s = (s * 9301 + 49297) % 233280;
    const u = s / 233280;
    t.data[i] = (u < 0.5 ? -1 : 1) * (0.1 + 2 * Math.abs(u - 0.5) * 2);
  }
  return t;
}
