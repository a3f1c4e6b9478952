import { join } from "node:path";
import { cifarBatchFiles, cifarClassNames, readCifarBatch } from "./cifar";
import { findDataset, type DataDirOptions } from "./datadir";
import { readIdxImages, readIdxLabels } from "./idx";
import type { DType } from "../tensor/dtype";
import { bytesToTensor, type Dataset } from "../training/dataset";

/** Images as bytes in [count, channels, height, width] order, with integer labels. */
export interface RawImageDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  classNames: string[];
}

export type Split = "train" | "test";

const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

function loadIdxPair(dir: string, split: Split, classNames: string[]): RawImageDataset {
  const prefix = split === "train" ? "train" : "t10k";
  const imagesPath = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelsPath = join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  const { images, count, rows, cols } = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== count) throw new Error(`${labelsPath}: ${labels.length} labels for ${count} images in ${imagesPath}`);
  return { images, labels, count, channels: 1, height: rows, width: cols, classNames };
}

export function loadMnist(split: Split, opts: DataDirOptions = {}): RawImageDataset {
  return loadIdxPair(findDataset("mnist", opts), split, MNIST_CLASSES);
}

export function loadFashionMnist(split: Split, opts: DataDirOptions = {}): RawImageDataset {
  return loadIdxPair(findDataset("fashion-mnist", opts), split, FASHION_CLASSES);
}

export function loadCifar10(split: Split, opts: DataDirOptions = {}): RawImageDataset {
  const dir = findDataset("cifar-10", opts);
  const batches = cifarBatchFiles(split).map((f) => readCifarBatch(join(dir, f)));
  const count = batches.reduce((n, b) => n + b.count, 0);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const b of batches) {
    images.set(b.images, offset * 3072);
    labels.set(b.labels, offset);
    offset += b.count;
  }
  return { images, labels, count, channels: 3, height: 32, width: 32, classNames: cifarClassNames(dir) };
}

/**
 * Converts raw bytes to a training Dataset: pixels scaled to [0, 1], x as [N, C, H, W] (or
 * [N, C*H*W] with flatten), labels as Int32Array. `limit` keeps the first examples only (quick runs).
 */
export function toDataset(raw: RawImageDataset, opts: { flatten?: boolean; dtype?: DType; limit?: number } = {}): Dataset {
  const n = Math.min(raw.count, opts.limit ?? raw.count);
  const size = raw.channels * raw.height * raw.width;
  const shape = opts.flatten ? [n, size] : [n, raw.channels, raw.height, raw.width];
  const x = bytesToTensor(raw.images.subarray(0, n * size), shape, opts.dtype);
  return { x, y: Int32Array.from(raw.labels.subarray(0, n)) };
}
