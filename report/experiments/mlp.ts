import { augmentBatch, compose, randomCrop, randomRotation } from "../../lib/data/augment";
import { loadFashionMnist, loadMnist, toDataset } from "../../lib/data/datasets";
import type { DataDirOptions } from "../../lib/data/datadir";
import type { RawImageDataset } from "../../lib/data/types";
import { ReLU } from "../../lib/layers/activations";
import { Linear } from "../../lib/layers/linear";
import { Sequential } from "../../lib/layers/sequential";
import { l2Regularization } from "../../lib/losses/regularization";
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import { cosineAnnealing } from "../../lib/optim/schedules";
import { SGD } from "../../lib/optim/sgd";
import { trainingCurves } from "../../lib/plot/charts";
import { Rng } from "../../lib/random";
import { trainValSplit } from "../../lib/training/dataset";
import { accuracy, perClassAccuracy } from "../../lib/training/metrics";
import { predict, train } from "../../lib/training/trainer";
import type { Experiment, ExperimentResult } from "../experiment";

/**
 * Two-layer MLP 784-256-10 (ReLU), SGD with momentum 0.9 and a cosine schedule, L2 1e-4, batch 64,
 * early stopping on the validation loss; optionally with augmentation (small rotations and shifts).
 */
function runMlp(
  name: string,
  title: string,
  load: (s: "train" | "test", o: DataDirOptions) => RawImageDataset,
  opts: { quick: boolean; log: (l: string) => void; augment: boolean; epochs: number },
): ExperimentResult {
  const t0 = Date.now();
  const seed = 0;
  const epochs = opts.quick ? 2 : opts.epochs;
  const all = toDataset(load("train", {}), { flatten: true, ...(opts.quick ? { limit: 2000 } : {}) });
  const test = toDataset(load("test", {}), { flatten: true, ...(opts.quick ? { limit: 500 } : {}) });
  const { train: tr, val } = trainValSplit(all, 0.9, seed);
  const rng = new Rng(seed);
  const model = new Sequential(new Linear(784, 256, { rng }), new ReLU(), new Linear(256, 10, { rng }));
  const lr = 0.05;
  const result = train({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new SGD(model.parameters(), { lr, momentum: 0.9 }),
    train: tr,
    val,
    epochs,
    batchSize: 64,
    seed,
    regularize: (p) => l2Regularization(p, 1e-4),
    schedule: cosineAnnealing(lr, epochs),
    earlyStopping: { patience: 5, minDelta: 1e-4 },
    ...(opts.augment ? { augment: augmentBatch(compose([randomRotation(10), randomCrop(2)]), [1, 28, 28]) } : {}),
    progress: { batch: () => undefined, epoch: (s) => opts.log(s) },
  });
  const pred = predict(model, test.x);
  const pc = perClassAccuracy(pred, test.y, 10);
  const kept = result.history[result.bestEpoch - 1]!;
  return {
    metrics: {
      "test accuracy": accuracy(pred, test.y),
      "train accuracy": kept.trainAccuracy,
      "validation accuracy": kept.valAccuracy!,
      epochs: result.history.length,
    },
    figures: [
      { name: `${name}-curves`, title: "Loss and accuracy per epoch", figure: trainingCurves(result.history, title) },
    ],
    notes: [
      `best class ${pc.best.label} (${(100 * pc.best.accuracy).toFixed(2)}%), worst class ${pc.worst.label} (${(100 * pc.worst.accuracy).toFixed(2)}%)`,
      `weights of epoch ${result.bestEpoch} kept (early stopping${result.stoppedEarly ? " stopped the run" : " did not trigger"})`,
    ],
    seconds: (Date.now() - t0) / 1000,
    seed,
    setting: `784-256-10 ReLU MLP; SGD lr ${lr}, momentum 0.9, cosine schedule; L2 1e-4; batch 64; up to ${epochs} epochs, early stopping (patience 5); 90/10 split${opts.augment ? "; augmentation: rotation +-10 degrees and shifts of up to 2 pixels" : ""}`,
  };
}

export const mlpMnist: Experiment = {
  name: "mlp-mnist",
  title: "Two-layer MLP on MNIST",
  published: "test 97.87% (lr 1e-2, batch 32, up to 1000 epochs with early stopping)",
  target: { metric: "test accuracy", value: 0.98, better: "higher", format: "percent" },
  estimate: "about 8 minutes with the reference kernels (20 epochs)",
  run: ({ quick, log }) =>
    runMlp("mlp-mnist", "Two-layer MLP on MNIST", loadMnist, { quick, log, augment: false, epochs: 20 }),
};

export const mlpMnistAugmented: Experiment = {
  name: "mlp-mnist-augmented",
  title: "Two-layer MLP on MNIST with augmentation",
  published: "augmentation helped the reports' MLPs on CNN features: 61.5% -> 64.4% and 79.8% -> 80.2%",
  estimate: "about 12 minutes with the reference kernels (30 epochs)",
  run: ({ quick, log }) =>
    runMlp("mlp-mnist-augmented", "Two-layer MLP on MNIST, augmented", loadMnist, {
      quick,
      log,
      augment: true,
      epochs: 30,
    }),
};

export const mlpFashion: Experiment = {
  name: "mlp-fashion-mnist",
  title: "Two-layer MLP on Fashion-MNIST",
  published: "no published figure (the kit's own baseline)",
  estimate: "about 8 minutes with the reference kernels (20 epochs)",
  run: ({ quick, log }) =>
    runMlp("mlp-fashion-mnist", "Two-layer MLP on Fashion-MNIST", loadFashionMnist, {
      quick,
      log,
      augment: false,
      epochs: 20,
    }),
};
