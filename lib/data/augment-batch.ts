import type { Rng } from "../random";
import { shapeStr } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import type { Dataset } from "../training/dataset";
import type { Augmentation } from "./image";

/**
 * Augments every image of a batch whose x is [N, C, H, W] or flattened [N, C*H*W] (give the
 * image shape); labels are unchanged. Plugs into the trainer's `augment` option.
 */
export function augmentBatch(
  aug: Augmentation,
  imageShape: readonly [number, number, number],
): (batch: Dataset, rng: Rng) => Dataset {
  const [channels, height, width] = imageShape;
  const size = channels * height * width;
  return (batch, rng) => {
    const n = batch.x.shape[0] ?? 0;
    if (batch.x.size !== n * size)
      throw new Error(
        `augmentBatch: x ${shapeStr(batch.x.shape)} does not hold images of shape [${imageShape.join(", ")}]`,
      );
    const out = Tensor.zerosLike(batch.x);
    for (let i = 0; i < n; i++) {
      const img = { data: Float64Array.from(batch.x.data.subarray(i * size, (i + 1) * size)), channels, height, width };
      out.data.set(aug(img, rng).data, i * size);
    }
    return { x: out, y: batch.y };
  };
}
