import { Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import type { Dataset } from "../training/dataset";

/** Tiny synthetic classification sets for fast tests and demos (all seeded). */
export interface SyntheticSet extends Dataset {
  numClasses: number;
}

/** K interleaved spiral arms in 2-D (cs231n's toy set): not linearly separable. */
export function spirals(opts: { classes?: number; perClass?: number; noise?: number; seed?: number } = {}): SyntheticSet {
  const k = opts.classes ?? 3;
  const n = opts.perClass ?? 100;
  const noise = opts.noise ?? 0.2;
  const rng = new Rng(opts.seed ?? 0);
  const x = Tensor.zeros([k * n, 2]);
  const y = new Int32Array(k * n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      const r = i / n;
      const t = (c * 4 * Math.PI) / k + r * 4 + rng.normal() * noise;
      const row = c * n + i;
      x.data[2 * row] = r * Math.sin(t);
      x.data[2 * row + 1] = r * Math.cos(t);
      y[row] = c;
    }
  }
  return { x, y, numClasses: k };
}

/** Gaussian blobs around the given centres (dimension taken from the centres). */
export function blobs(centres: readonly (readonly number[])[], opts: { perClass?: number; std?: number; seed?: number } = {}): SyntheticSet {
  const n = opts.perClass ?? 50;
  const std = opts.std ?? 1;
  const dim = centres[0]?.length ?? 0;
  if (dim === 0 || centres.some((c) => c.length !== dim)) throw new Error("blobs: centres must be non-empty and all of one dimension");
  const rng = new Rng(opts.seed ?? 0);
  const x = Tensor.zeros([centres.length * n, dim]);
  const y = new Int32Array(centres.length * n);
  centres.forEach((centre, c) => {
    for (let i = 0; i < n; i++) {
      const row = c * n + i;
      for (let d = 0; d < dim; d++) x.data[row * dim + d] = centre[d]! + rng.normal(0, std);
      y[row] = c;
    }
  });
  return { x, y, numClasses: centres.length };
}

/** XOR of two noisy bits: class 1 where exactly one coordinate is near 1. */
export function xor(opts: { perCorner?: number; noise?: number; seed?: number } = {}): SyntheticSet {
  const n = opts.perCorner ?? 25;
  const set = blobs([[0, 0], [1, 1], [0, 1], [1, 0]], { perClass: n, std: opts.noise ?? 0.1, seed: opts.seed ?? 0 });
  for (let i = 0; i < set.y.length; i++) set.y[i] = set.y[i]! < 2 ? 0 : 1;
  return { ...set, numClasses: 2 };
}
