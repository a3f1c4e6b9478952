import { Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import type { Dataset } from "../training/dataset";
import type { FeatureDataset } from "./types";

/*
 * Tiny seeded classification sets for fast tests and demos. The plain arrays (features, labels)
 * are the data; `x` (a Tensor view of the same memory, [count, dim]) and `y` (the same array as
 * labels) let a set go straight into the trainer.
 */
export interface SyntheticSet extends FeatureDataset, Dataset {
  numClasses: number;
}

function makeSet(features: Float64Array, labels: Int32Array, dim: number, numClasses: number): SyntheticSet {
  const count = labels.length;
  return { features, labels, count, dim, numClasses, x: new Tensor(features, [count, dim]), y: labels };
}

/** K interleaved spiral arms in 2-D (cs231n's toy set): not linearly separable. */
export function spirals(
  opts: { classes?: number; perClass?: number; noise?: number; seed?: number } = {},
): SyntheticSet {
  const k = opts.classes ?? 3;
  const n = opts.perClass ?? 100;
  const noise = opts.noise ?? 0.2;
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(n) && n >= 1))
    throw new Error(`spirals: classes and perClass must be positive integers, got ${k} and ${n}`);
  const rng = new Rng(opts.seed ?? 0);
  const features = new Float64Array(k * n * 2);
  const labels = new Int32Array(k * n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      const r = i / n; // radius grows along the arm
      // Arms start 2*pi/K apart (an offset of 4*pi*c/K would put arms on top of each other for even K).
      const t = (c * 2 * Math.PI) / k + r * 4 + rng.normal() * noise;
      const row = c * n + i;
      features[2 * row] = r * Math.sin(t);
      features[2 * row + 1] = r * Math.cos(t);
      labels[row] = c;
    }
  }
  return makeSet(features, labels, 2, k);
}

/** Gaussian blobs of standard deviation `std` around the given centres; class c is centre c. */
export function blobs(
  centres: readonly (readonly number[])[],
  opts: { perClass?: number; std?: number; seed?: number } = {},
): SyntheticSet {
  const n = opts.perClass ?? 50;
  const std = opts.std ?? 1;
  const dim = centres[0]?.length ?? 0;
  if (dim === 0 || centres.some((c) => c.length !== dim))
    throw new Error("blobs: centres must be non-empty and all of one dimension");
  if (!(Number.isInteger(n) && n >= 1) || !(std >= 0))
    throw new Error(`blobs: perClass must be a positive integer and std >= 0, got ${n} and ${std}`);
  const rng = new Rng(opts.seed ?? 0);
  const features = new Float64Array(centres.length * n * dim);
  const labels = new Int32Array(centres.length * n);
  centres.forEach((centre, c) => {
    for (let i = 0; i < n; i++) {
      const row = c * n + i;
      for (let d = 0; d < dim; d++) features[row * dim + d] = centre[d]! + rng.normal(0, std);
      labels[row] = c;
    }
  });
  return makeSet(features, labels, dim, centres.length);
}

/** XOR: noisy points around the 4 corners of the unit square; class 1 where exactly one coordinate is 1. */
export function xor(opts: { perCorner?: number; noise?: number; seed?: number } = {}): SyntheticSet {
  const set = blobs(
    [
      [0, 0],
      [1, 1],
      [0, 1],
      [1, 0],
    ],
    { perClass: opts.perCorner ?? 25, std: opts.noise ?? 0.1, seed: opts.seed ?? 0 },
  );
  for (let i = 0; i < set.count; i++) set.labels[i] = set.labels[i]! < 2 ? 0 : 1;
  return { ...set, numClasses: 2 };
}
