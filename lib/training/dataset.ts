import { Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";

/** Examples along the first axis of `x`, with integer class labels. */
export interface Dataset {
  x: Tensor;
  y: Int32Array;
}

export function checkDataset(d: Dataset, where: string): void {
  if (d.x.ndim < 1 || d.x.shape[0] !== d.y.length) {
    throw new Error(
      `${where}: x has shape ${shapeStr(d.x.shape)} but there are ${d.y.length} labels (first dimension must match)`,
    );
  }
}

export function subset(d: Dataset, indices: ArrayLike<number>): Dataset {
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) y[i] = d.y[indices[i]!]!;
  return { x: d.x.take(indices, 0), y };
}

/** Shuffled split: the first `fraction` of a seeded permutation is train, the rest validation. */
export function trainValSplit(d: Dataset, fraction: number, seed = 0): { train: Dataset; val: Dataset } {
  checkDataset(d, "trainValSplit");
  if (!(fraction > 0 && fraction < 1)) throw new Error(`trainValSplit: fraction must be in (0, 1), got ${fraction}`);
  const perm = new Rng(seed).permutation(d.y.length);
  const cut = Math.round(fraction * d.y.length);
  return { train: subset(d, perm.subarray(0, cut)), val: subset(d, perm.subarray(cut)) };
}

/** A seeded random fraction of the examples (e.g. 0.1 for "train on 10% of the data"). */
export function randomFraction(d: Dataset, fraction: number, seed = 0): Dataset {
  if (fraction === 1) return d;
  return trainValSplit(d, fraction, seed).train;
}

/** Mini-batches in a seeded random order (or in order when shuffle is false); the last may be short. */
export function* batches(
  d: Dataset,
  batchSize: number,
  opts: { shuffle?: boolean; rng?: Rng; dropLast?: boolean } = {},
): Generator<Dataset> {
  checkDataset(d, "batches");
  if (!Number.isInteger(batchSize) || batchSize <= 0)
    throw new Error(`batches: batch size must be a positive integer, got ${batchSize}`);
  const n = d.y.length;
  const order =
    opts.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : (opts.rng ?? new Rng(0)).permutation(n);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (opts.dropLast && end - start < batchSize) break;
    yield subset(d, order.subarray(start, end));
  }
}

export function oneHot(labels: ArrayLike<number>, numClasses: number): Tensor {
  const out = Tensor.zeros([labels.length, numClasses]);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`oneHot: label ${c} at index ${i} is outside 0..${numClasses - 1}`);
    }
    out.data[i * numClasses + c] = 1;
  }
  return out;
}

/** Per-feature statistics from training data, to apply unchanged to validation and test data. */
export interface Standardizer {
  mean: Tensor;
  std: Tensor;
  apply(x: Tensor): Tensor;
}

/** Fits (x - mean) / std per feature over axis 0 (features with std < eps are only centred). */
export function fitStandardizer(x: Tensor, eps = 1e-8): Standardizer {
  const mean = x.mean(0, true);
  const std = x.variance(0, true).mapInPlace((v) => (v < eps * eps ? 1 : Math.sqrt(v)));
  return {
    mean,
    std,
    apply: (t: Tensor): Tensor => {
      if (t.ndim !== x.ndim || t.shape.slice(1).some((d, i) => d !== x.shape[i + 1])) {
        throw new Error(`Standardizer.apply: expected [N, ${x.shape.slice(1).join(", ")}], got ${shapeStr(t.shape)}`);
      }
      return t.sub(mean).divInPlace(std);
    },
  };
}

/** Converts bytes 0..255 to floats in [0, 1], shaped as given. */
export function bytesToTensor(
  bytes: Uint8Array,
  shape: readonly number[],
  dtype: "float64" | "float32" = "float64",
): Tensor {
  const t = Tensor.zeros(shape, dtype);
  if (t.size !== bytes.length)
    throw new Error(`bytesToTensor: ${bytes.length} bytes cannot fill shape ${shapeStr(shape)}`);
  for (let i = 0; i < bytes.length; i++) t.data[i] = bytes[i]! / 255;
  return t;
}
