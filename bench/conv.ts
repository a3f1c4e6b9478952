// One Conv2d layer's forward + backward (3 -> 32 channels, 3x3, padding 1) on a 64x3x32x32 batch.
import { Conv2d } from "../lib/layers/conv2d";
import { Rng } from "../lib/random";
import { StepArena, withArena } from "../lib/tensor/arena";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";
import { timeRuns } from "./common";

export const CONV = { batch: 64, inChannels: 3, outChannels: 32, size: 32, kernel: 3, padding: 1 } as const;

/**
 * Seconds for each of `runs` forward+backward passes (after two untimed warm-ups), each in a step
 * arena as train() runs them: the input and upstream gradient live where a training step's
 * activations do (in the kernels' storage), and the output and dx reuse the last pass's storage.
 */
export function timeConv(dtype: DType, runs: number): number[] {
  const rng = new Rng(4);
  const conv = new Conv2d(CONV.inChannels, CONV.outChannels, CONV.kernel, { padding: CONV.padding, rng, dtype });
  const resident = (t: Tensor): Tensor => {
    const r = Tensor.zerosForKernels(t.shape, dtype);
    r.data.set(t.data);
    return r;
  };
  const x = resident(Tensor.randn([CONV.batch, CONV.inChannels, CONV.size, CONV.size], rng, { dtype }));
  const dout = resident(Tensor.randn([CONV.batch, CONV.outChannels, CONV.size, CONV.size], rng, { dtype }));
  const arena = new StepArena();
  return timeRuns(
    () =>
      withArena(arena, () => {
        conv.forward(x);
        conv.backward(dout);
      }),
    runs,
    2,
  );
}
