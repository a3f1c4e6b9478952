/** Shapes shared by the loaders. Plain typed arrays only, so the loaders do not depend on Tensor. */

export type Split = "train" | "test";

/** Images as bytes in [count, channels, height, width] row-major order, one label byte per image. */
export interface RawImageDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  classNames: string[];
}

/** Feature vectors, row-major [count, dim], with integer class labels. */
export interface FeatureDataset {
  features: Float64Array;
  labels: Int32Array;
  count: number;
  dim: number;
}
