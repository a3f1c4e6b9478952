import { augmentBatch, compose, horizontalFlip, randomCrop } from "../../lib/data/augment";
import { CIFAR10_CLASSES } from "../../lib/data/cifar";
import { loadCifar10, toDataset } from "../../lib/data/datasets";
import { ReLU } from "../../lib/layers/activations";
import { BatchNorm1d, BatchNorm2d } from "../../lib/layers/batchnorm";
import { Conv2d } from "../../lib/layers/conv2d";
import { Flatten } from "../../lib/layers/flatten";
import type { Layer } from "../../lib/layers/layer";
import { Linear } from "../../lib/layers/linear";
import { MaxPool2d } from "../../lib/layers/pool";
import { Sequential } from "../../lib/layers/sequential";
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import { cosineAnnealing } from "../../lib/optim/schedules";
import { SGD } from "../../lib/optim/sgd";
import { trainingCurves } from "../../lib/plot/charts";
import { Rng } from "../../lib/random";
import { fitStandardizer, trainValSplit } from "../../lib/training/dataset";
import { accuracy, perClassAccuracy } from "../../lib/training/metrics";
import { predict, train } from "../../lib/training/trainer";
import type { Experiment, ExperimentResult } from "../experiment";

/** What differs between the two CIFAR-10 experiments; the training recipe is shared. */
interface CifarSetup {
  name: string;
  title: string;
  /** Images as [N, 3*32*32] (MLP) or [N, 3, 32, 32] (CNN). */
  flatten: boolean;
  build(rng: Rng): Layer[];
  architecture: string;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
}

/**
 * float32 (the kernels are about twice as fast as in float64 and the accuracy is the same), per-pixel
 * standardisation fitted on the training split, horizontal flips and shifts of up to 2 pixels,
 * SGD with Nesterov momentum 0.9, weight decay and a cosine schedule, on a 45k/5k split; the
 * test accuracy is the final model's (no early stopping: the schedule ends the run).
 */
function runCifar(s: CifarSetup, opts: { quick: boolean; log: (l: string) => void }): ExperimentResult {
  const t0 = Date.now();
  const seed = 0;
  const epochs = opts.quick ? 1 : s.epochs;
  const dtype = "float32" as const;
  const all = toDataset(loadCifar10("train"), { flatten: s.flatten, dtype, ...(opts.quick ? { limit: 2000 } : {}) });
  const rawTest = toDataset(loadCifar10("test"), { flatten: s.flatten, dtype, ...(opts.quick ? { limit: 500 } : {}) });
  const split = trainValSplit(all, 0.9, seed);
  const standardize = fitStandardizer(split.train.x);
  const tr = { x: standardize.apply(split.train.x), y: split.train.y };
  const val = { x: standardize.apply(split.val.x), y: split.val.y };
  const test = { x: standardize.apply(rawTest.x), y: rawTest.y };
  const model = new Sequential(...s.build(new Rng(seed)));
  const result = train({
    model,
    loss: softmaxCrossEntropy,
    train: tr,
    val,
    epochs,
    batchSize: s.batchSize,
    seed,
    optimizer: new SGD(model.parameters(), { lr: s.lr, momentum: 0.9, nesterov: true, weightDecay: s.weightDecay }),
    schedule: cosineAnnealing(s.lr, epochs),
    // Standardised pixels: the fill 0 of a shift is the training mean.
    augment: augmentBatch(compose([horizontalFlip(), randomCrop(2)]), [3, 32, 32]),
    progress: { batch: () => undefined, epoch: (line) => opts.log(line) },
  });
  const pred = predict(model, test.x, 500);
  const pc = perClassAccuracy(pred, test.y, 10);
  const last = result.history[result.history.length - 1]!;
  const perEpoch = result.history.reduce((a, r) => a + r.seconds, 0) / result.history.length;
  return {
    metrics: {
      "test accuracy": accuracy(pred, test.y),
      "train accuracy": last.trainAccuracy,
      "validation accuracy": last.valAccuracy!,
      epochs: result.history.length,
    },
    figures: [
      {
        name: `${s.name}-curves`,
        title: "Loss and accuracy per epoch",
        figure: trainingCurves(result.history, s.title),
      },
    ],
    tables: [
      {
        title: "Test accuracy per class",
        rows: CIFAR10_CLASSES.map((c, i) => ({ class: c, accuracy: `${(100 * pc.perClass[i]!).toFixed(1)}%` })),
      },
    ],
    notes: [
      `${perEpoch.toFixed(0)} s per epoch (training on augmented batches plus the validation pass), WebAssembly kernels, float32`,
      "train accuracy is measured on augmented batches while the weights move, so it reads lower than a clean pass would",
    ],
    seconds: (Date.now() - t0) / 1000,
    seed,
    setting:
      `${s.architecture}; float32; per-pixel standardisation; augmentation: horizontal flips and shifts of up to 2 pixels; ` +
      `SGD lr ${s.lr}, Nesterov momentum 0.9, weight decay ${s.weightDecay}, cosine schedule; batch ${s.batchSize}; ${epochs} epochs; 45k/5k split`,
  };
}

const mlpSetup: CifarSetup = {
  name: "mlp-cifar10",
  title: "MLP on CIFAR-10 raw pixels",
  flatten: true,
  build: (rng) => [
    new Linear(3072, 1024, { rng, dtype: "float32", bias: false }),
    new BatchNorm1d(1024, { dtype: "float32" }),
    new ReLU(),
    new Linear(1024, 512, { rng, dtype: "float32", bias: false }),
    new BatchNorm1d(512, { dtype: "float32" }),
    new ReLU(),
    new Linear(512, 10, { rng, dtype: "float32" }),
  ],
  architecture: "3072-1024-512-10 MLP, BatchNorm and ReLU after each hidden layer",
  epochs: 30,
  batchSize: 128,
  lr: 0.02,
  weightDecay: 5e-4,
};

/** One 3x3 convolution (no bias: BatchNorm's beta replaces it), BatchNorm, ReLU and a 2x2 max pool. */
function convBlock(inC: number, outC: number, rng: Rng): Layer[] {
  return [
    new Conv2d(inC, outC, 3, { padding: 1, bias: false, rng, dtype: "float32" }),
    new BatchNorm2d(outC, { dtype: "float32" }),
    new ReLU(),
    new MaxPool2d(2),
  ];
}

const cnnSetup: CifarSetup = {
  name: "cnn-cifar10",
  title: "Small VGG-style CNN on CIFAR-10",
  flatten: false,
  build: (rng) => [
    ...convBlock(3, 32, rng),
    ...convBlock(32, 64, rng),
    ...convBlock(64, 128, rng),
    new Flatten(),
    new Linear(128 * 4 * 4, 10, { rng, dtype: "float32" }),
  ],
  architecture:
    "VGG-style CNN, three blocks of 3x3 conv (32, 64, 128 channels) + BatchNorm + ReLU + 2x2 max pool, then a linear layer (2048 -> 10)",
  // 0.05 diverged in the first steps: the head sees 2048 non-negative (ReLU, pooled) features, so one
  // step moves every logit by lr * |x|^2 times the gradient; 0.02 trains smoothly.
  epochs: 15,
  batchSize: 64,
  lr: 0.02,
  weightDecay: 5e-4,
};

export const mlpCifar: Experiment = {
  name: mlpSetup.name,
  title: mlpSetup.title,
  published: "best MLP 56.37% test (the reports' MLPs on raw pixels: about 50-56%)",
  target: { metric: "test accuracy", value: 0.57, better: "higher", format: "percent" },
  estimate: "about 20 minutes (30 epochs of about 40 s)",
  whenMissed: "MLPs on raw CIFAR-10 pixels plateau in the high 50s; our copy's JPEG-decoded pixels cost a little more.",
  run: ({ quick, log }) => runCifar(mlpSetup, { quick, log }),
};

export const cnnCifar: Experiment = {
  name: cnnSetup.name,
  title: cnnSetup.title,
  published: "small VGG-style CNN 74.8% test",
  target: { metric: "test accuracy", value: 0.75, better: "higher", format: "percent" },
  estimate: "about 20 minutes (15 epochs of about 75 s on 2 cores)",
  whenMissed:
    "The setting is reduced to fit the hour on 2 cores (one conv per block, 15 epochs); a second conv per block and 30+ epochs " +
    "would add several points. Our copy's JPEG-decoded pixels also cost a little.",
  run: ({ quick, log }) => runCifar(cnnSetup, { quick, log }),
};
