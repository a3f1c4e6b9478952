import type { Layer, Parameter } from "../layers/layer";
import { Rng } from "../random";
import { StepArena, withArena } from "../tensor/arena";
import type { Tensor } from "../tensor/tensor";
import { batches, checkDataset, type Dataset } from "./dataset";
import { accuracy, checkScores } from "./metrics";
import { autoProgress, silentProgress, type Progress } from "./progress";

/** A loss on class scores: returns the mean loss over the batch and dL/dscores. */
export type LossFn = (scores: Tensor, labels: Int32Array) => { loss: number; grad: Tensor };

/** What the trainer needs from an optimizer. */
export interface OptimizerLike {
  lr: number;
  step(): void;
}

export interface EarlyStopping {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** The smallest change that counts as an improvement. */
  minDelta?: number;
  /** What to watch (default validation loss). */
  monitor?: "valLoss" | "valAccuracy";
  /** Never stop before this many epochs. */
  minEpochs?: number;
  /** Put back the parameters of the best epoch when training ends (default true). */
  restoreBest?: boolean;
}

export interface TrainOptions {
  model: Layer;
  loss: LossFn;
  optimizer: OptimizerLike;
  train: Dataset;
  val?: Dataset;
  epochs: number;
  batchSize: number;
  seed?: number;
  /** Called after backward on every step: adds its gradient to the parameters and returns the penalty (e.g. L2). */
  regularize?: (params: Parameter[]) => number;
  /** Called after regularisation, before the optimizer step (e.g. gradient clipping). */
  clip?: (params: Parameter[]) => void;
  /** Learning rate for an epoch (0-based); applied at the start of each epoch. */
  schedule?: (epoch: number) => number;
  /** Transforms each training batch (augmentation); gets its own seeded Rng. */
  augment?: (batch: Dataset, rng: Rng) => Dataset;
  earlyStopping?: EarlyStopping;
  /** true (default): a bar in a terminal, a line per epoch elsewhere; false: quiet; or your own. */
  progress?: boolean | Progress;
  evalBatchSize?: number;
  /** Called after each epoch, while the model's inputGrad is still off (train sets it back at the end). */
  onEpoch?: (record: EpochRecord) => void;
  /**
   * Reuse the storage of each step's activations and gradients for the next step (default true; see
   * tensor/arena.ts), or the arena to use. Turn it off for a layer that creates, inside forward or
   * backward, tensors it keeps across steps (create those in the constructor, or with `outsideArena`).
   */
  arena?: boolean | StepArena;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  /** Mean data loss over the epoch's batches plus the mean regularisation penalty. */
  trainLoss: number;
  /** Running accuracy over the epoch's batches (in training mode). */
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
}

export interface TrainResult {
  history: EpochRecord[];
  stoppedEarly: boolean;
  /** Epoch (1-based) whose parameters the model holds at the end. */
  bestEpoch: number;
  seconds: number;
}

/**
 * Runs epochs of shuffled mini-batches: forward, loss, backward, regularise, clip, step. Records
 * per-epoch train and validation loss and accuracy. The same seed gives the same run exactly.
 */
export function train(opts: TrainOptions): TrainResult {
  checkDataset(opts.train, "train: training data");
  if (opts.val) checkDataset(opts.val, "train: validation data");
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0)
    throw new Error(`train: epochs must be a non-negative integer, got ${opts.epochs}`);
  // Training never uses dL/d(input): set once for the run, so a first Linear or Conv2d skips its
  // largest product (Layer.inputGrad); the model gets its own setting back however the run ends.
  const keepInputGrad = opts.model.inputGrad;
  opts.model.inputGrad = false;
  try {
    return trainEpochs(opts);
  } finally {
    opts.model.inputGrad = keepInputGrad;
  }
}

/** train's epochs, with the model's inputGrad off. */
function trainEpochs(opts: TrainOptions): TrainResult {
  const progress =
    opts.progress === false
      ? silentProgress()
      : opts.progress === true || opts.progress === undefined
        ? autoProgress()
        : opts.progress;
  const rng = new Rng(opts.seed ?? 0);
  const params = opts.model.parameters();
  const arena =
    opts.arena === false ? null : opts.arena === true || opts.arena === undefined ? new StepArena() : opts.arena;
  const stop = opts.earlyStopping;
  const monitor = stop?.monitor ?? "valLoss";
  if (stop && !opts.val) throw new Error("train: early stopping needs validation data (opts.val)");
  const history: EpochRecord[] = [];
  let best = { value: Infinity, epoch: 0, snapshot: null as Float64Array[] | null };
  let waited = 0;
  let stoppedEarly = false;
  const started = Date.now();
  const numBatches = Math.ceil(opts.train.y.length / opts.batchSize);

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const t0 = Date.now();
    if (opts.schedule) opts.optimizer.lr = opts.schedule(epoch);
    opts.model.train();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let b = 0;
    const augmentRng = rng.fork();
    const epochBatches = batches(opts.train, opts.batchSize, { rng: rng.fork() });
    for (;;) {
      // Everything the step allocates is dead when it ends: it returns numbers only. The batch is
      // gathered inside the step too, so under the wasm kernels it is in their memory from the start.
      const step = (): { loss: number; hits: number; size: number } | null => {
        const next = epochBatches.next();
        if (next.done === true) return null;
        const data = next.value;
        const batch = opts.augment ? opts.augment(data, augmentRng) : data;
        const scores = opts.model.forward(batch.x);
        checkScores(scores, batch.y.length, "train: model output");
        const { loss, grad } = opts.loss(scores, batch.y);
        opts.model.backward(grad);
        const penalty = opts.regularize ? opts.regularize(params) : 0;
        opts.clip?.(params);
        opts.optimizer.step();
        return { loss: loss + penalty, hits: accuracy(scores, batch.y) * batch.y.length, size: data.y.length };
      };
      const done = withArena(arena, step);
      if (done === null) break;
      lossSum += done.loss * done.size;
      correct += done.hits;
      seen += done.size;
      progress.batch(epoch + 1, ++b, numBatches, done.loss);
    }
    const record: EpochRecord = {
      epoch: epoch + 1,
      lr: opts.optimizer.lr,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      seconds: 0,
    };
    if (opts.val) {
      const v = evaluate(opts.model, opts.val, opts.loss, opts.evalBatchSize, arena !== null);
      record.valLoss = v.loss;
      record.valAccuracy = v.accuracy;
    }
    record.seconds = (Date.now() - t0) / 1000;
    history.push(record);
    progress.epoch(formatEpoch(record, opts.epochs));
    opts.onEpoch?.(record);
    if (!Number.isFinite(record.trainLoss)) {
      throw new Error(
        `train: the training loss became ${record.trainLoss} in epoch ${record.epoch} (try a smaller learning rate or gradient clipping)`,
      );
    }

    if (stop) {
      const value = monitor === "valLoss" ? record.valLoss! : -record.valAccuracy!;
      if (value < best.value - (stop.minDelta ?? 0)) {
        best = {
          value,
          epoch: record.epoch,
          snapshot: stop.restoreBest === false ? null : params.map((p) => Float64Array.from(p.value.data)),
        };
        waited = 0;
      } else if (++waited >= stop.patience && record.epoch >= (stop.minEpochs ?? 0)) {
        stoppedEarly = true;
        break;
      }
    }
  }
  let bestEpoch = history.length;
  if (stop && best.snapshot) {
    params.forEach((p, i) => p.value.data.set(best.snapshot![i]!));
    bestEpoch = best.epoch;
  }
  return { history, stoppedEarly, bestEpoch, seconds: (Date.now() - started) / 1000 };
}

/**
 * Loss and accuracy over a dataset in evaluation mode (the model's mode is restored afterwards).
 * `arena`: reuse each batch's storage for the next (see TrainOptions.arena).
 */
export function evaluate(
  model: Layer,
  data: Dataset,
  loss: LossFn,
  batchSize = 1000,
  arena = true,
): { loss: number; accuracy: number } {
  const wasTraining = model.training;
  model.eval();
  try {
    let lossSum = 0;
    let correct = 0;
    const reuse = arena ? new StepArena() : null;
    const all = batches(data, batchSize, { shuffle: false });
    for (;;) {
      // The batch is gathered inside the arena too (see train).
      const score = (): [number, number] | null => {
        const next = all.next();
        if (next.done === true) return null;
        const batch = next.value;
        const scores = model.forward(batch.x);
        return [loss(scores, batch.y).loss * batch.y.length, accuracy(scores, batch.y) * batch.y.length];
      };
      const done = withArena(reuse, score);
      if (done === null) break;
      lossSum += done[0];
      correct += done[1];
    }
    return { loss: lossSum / data.y.length, accuracy: correct / data.y.length };
  } finally {
    model.train(wasTraining);
  }
}

/** Predicted classes in evaluation mode (`arena` as for evaluate). */
export function predict(model: Layer, x: Tensor, batchSize = 1000, arena = true): Int32Array {
  const wasTraining = model.training;
  model.eval();
  try {
    const n = x.shape[0]!;
    const out = new Int32Array(n);
    const reuse = arena ? new StepArena() : null;
    for (let s = 0; s < n; s += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i);
      withArena(reuse, () => out.set(model.forward(x.take(idx, 0)).argmax(-1), s));
    }
    return out;
  } finally {
    model.train(wasTraining);
  }
}

export function formatEpoch(r: EpochRecord, total: number): string {
  const parts = [
    `epoch ${String(r.epoch).padStart(String(total).length)}/${total}`,
    `loss ${r.trainLoss.toFixed(4)}`,
    `acc ${(100 * r.trainAccuracy).toFixed(2)}%`,
  ];
  if (r.valLoss !== undefined)
    parts.push(`val loss ${r.valLoss.toFixed(4)}`, `val acc ${(100 * r.valAccuracy!).toFixed(2)}%`);
  parts.push(`lr ${r.lr.toExponential(1)}`, `${r.seconds.toFixed(1)}s`);
  return parts.join("  ");
}
