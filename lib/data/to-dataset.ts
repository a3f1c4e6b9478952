import type { DType } from "../tensor/dtype";
import { bytesToTensor, type Dataset } from "../training/dataset";
import type { RawImageDataset } from "./types";

/**
 * Converts raw bytes to a training Dataset: pixels scaled to [0, 1], x as [N, C, H, W] (or
 * [N, C*H*W] with flatten), labels as Int32Array. `limit` keeps the first examples only (quick runs).
 */
export function toDataset(
  raw: RawImageDataset,
  opts: { flatten?: boolean; dtype?: DType; limit?: number } = {},
): Dataset {
  const n = Math.min(raw.count, opts.limit ?? raw.count);
  const size = raw.channels * raw.height * raw.width;
  const shape = opts.flatten ? [n, size] : [n, raw.channels, raw.height, raw.width];
  const x = bytesToTensor(raw.images.subarray(0, n * size), shape, opts.dtype);
  return { x, y: Int32Array.from(raw.labels.subarray(0, n)) };
}
