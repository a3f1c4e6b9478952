// The MLP 784-256-10 (batch 64, one epoch of 60k samples) trained with hand-written backprop through
// the library's Linear / ReLU / softmaxCrossEntropy / SGD, on synthetic data of MNIST's shape.
import { Linear } from "../lib/layers/linear";
import { ReLU } from "../lib/layers/activations";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { SGD } from "../lib/optim/sgd";
import { Rng } from "../lib/random";
import { StepArena, withArena } from "../lib/tensor/arena";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";

export const SAMPLES = 60000;
export const FEATURES = 784;
export const HIDDEN = 256;
export const CLASSES = 10;
export const BATCH = 64;
export const BATCHES_PER_EPOCH = Math.ceil(SAMPLES / BATCH);

/** Pixels in [0, 1) and labels 0..9, like MNIST (the values do not matter for timing). */
export interface SyntheticMnist {
  x32: Float32Array;
  x64: Float64Array;
  labels: Int32Array;
}

export function syntheticMnist(seed = 1): SyntheticMnist {
  // xorshift32 inline: 47M pixels would take seconds through Rng.random().
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const x32 = new Float32Array(SAMPLES * FEATURES);
  for (let i = 0; i < x32.length; i++) x32[i] = next() / 4294967296;
  const labels = new Int32Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) labels[i] = next() % CLASSES;
  // Converted once up front, so that batches are views (NumPy slices are views too).
  return { x32, x64: Float64Array.from(x32), labels };
}

export interface Mlp {
  step(batch: number): void;
}

/** A fresh model (same seed each time) whose `step(i)` trains on batch i of the epoch. */
export function makeMlp(data: SyntheticMnist, dtype: DType, lr = 0.01): Mlp {
  const rng = new Rng(2);
  const l1 = new Linear(FEATURES, HIDDEN, { rng, dtype });
  const relu = new ReLU();
  const l2 = new Linear(HIDDEN, CLASSES, { rng, dtype });
  // The input is the data: no gradient for it (the NumPy and PyTorch steps skip it too).
  l1.inputGrad = false;
  const params = [...l1.parameters(), ...l2.parameters()].map((p, i) => ({ ...p, name: `${i}.${p.name}` }));
  const opt = new SGD(params, { lr });
  const xs = dtype === "float64" ? data.x64 : data.x32;
  // Each step in a step arena, as train() runs it.
  const arena = new StepArena();
  return {
    step: (batch: number): void =>
      withArena(arena, () => {
        const start = batch * BATCH;
        const rows = Math.min(BATCH, SAMPLES - start);
        // The batch is copied into the step's arena, as train() gathers it there (in the wasm memory).
        const x = Tensor.zeros([rows, FEATURES], dtype);
        x.data.set(xs.subarray(start * FEATURES, (start + rows) * FEATURES));
        const y = data.labels.subarray(start, start + rows);
        const logits = l2.forward(relu.forward(l1.forward(x)));
        const { grad } = softmaxCrossEntropy(logits, y);
        l1.backward(relu.backward(l2.backward(grad)));
        opt.step();
      }),
  };
}

/** Seconds for batches [0, count) of an epoch on a fresh model. */
export function timeMlp(data: SyntheticMnist, dtype: DType, count: number): number {
  const model = makeMlp(data, dtype);
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < count; b++) model.step(b);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
