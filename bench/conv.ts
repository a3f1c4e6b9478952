// One Conv2d layer's forward + backward (3 -> 32 channels, 3x3, padding 1) on a 64x3x32x32 batch.
import { Conv2d } from "../lib/layers/conv2d";
import { Rng } from "../lib/random";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";
import { timeRuns } from "./common";

export const CONV = { batch: 64, inChannels: 3, outChannels: 32, size: 32, kernel: 3, padding: 1 } as const;

/** Seconds for each of `runs` forward+backward passes (after one untimed warm-up). */
export function timeConv(dtype: DType, runs: number): number[] {
  const rng = new Rng(4);
  const conv = new Conv2d(CONV.inChannels, CONV.outChannels, CONV.kernel, { padding: CONV.padding, rng, dtype });
  const x = Tensor.randn([CONV.batch, CONV.inChannels, CONV.size, CONV.size], rng, { dtype });
  const dout = Tensor.randn([CONV.batch, CONV.outChannels, CONV.size, CONV.size], rng, { dtype });
  return timeRuns(() => {
    conv.forward(x);
    conv.backward(dout);
  }, runs, 1);
}
