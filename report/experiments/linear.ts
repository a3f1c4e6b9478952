import { loadFashionMnist, loadMnist, toDataset } from "../../lib/data/datasets";
import type { DataDirOptions } from "../../lib/data/datadir";
import type { RawImageDataset } from "../../lib/data/types";
import { Linear } from "../../lib/layers/linear";
import { Sequential } from "../../lib/layers/sequential";
import { l2Regularization } from "../../lib/losses/regularization";
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import { cosineAnnealing } from "../../lib/optim/schedules";
import { SGD } from "../../lib/optim/sgd";
import { trainingCurves } from "../../lib/plot/charts";
import { Rng } from "../../lib/random";
import { trainValSplit, type Dataset } from "../../lib/training/dataset";
import { accuracy, perClassAccuracy } from "../../lib/training/metrics";
import { predict, train, type EpochRecord } from "../../lib/training/trainer";
import type { Experiment } from "../experiment";

/**
 * Softmax regression with L2, SGD with momentum 0.9 and a cosine schedule, batch 64, on an 80/20
 * split; test accuracy of the final model.
 */
function linearExperiment(
  name: string,
  title: string,
  load: (split: "train" | "test", o: DataDirOptions) => RawImageDataset,
  published: string,
  targetValue: number | null,
): Experiment {
  return {
    name,
    title,
    published,
    ...(targetValue === null
      ? {}
      : {
          target: {
            metric: "test accuracy",
            value: targetValue,
            better: "higher" as const,
            format: "percent" as const,
          },
        }),
    estimate: "about 2 minutes (30 epochs on 48k, then on 60k images)",
    whenMissed:
      "A linear model on raw pixels tops out near 92.5-92.7% on MNIST (scikit-learn's logistic regression: 92.57%); the last tenths depend on the optimiser's end point and the regularisation.",
    run({ quick, log }) {
      const t0 = Date.now();
      const seed = 0;
      const epochs = quick ? 2 : 30;
      const lr = 0.1;
      const all = toDataset(load("train", {}), { flatten: true, ...(quick ? { limit: 3000 } : {}) });
      const test = toDataset(load("test", {}), { flatten: true, ...(quick ? { limit: 1000 } : {}) });
      // Like scikit-learn's figure, the test model is trained on all training images; the 80/20 split
      // gives the validation curve for the same setting.
      const fit = (
        trainSet: Dataset,
        valSet: Dataset | undefined,
        tag: string,
      ): { model: Sequential; history: EpochRecord[] } => {
        const model = new Sequential(new Linear(784, 10, { init: 0.01, rng: new Rng(seed) }));
        const result = train({
          model,
          loss: softmaxCrossEntropy,
          optimizer: new SGD(model.parameters(), { lr, momentum: 0.9 }),
          train: trainSet,
          ...(valSet ? { val: valSet } : {}),
          epochs,
          batchSize: 64,
          seed,
          regularize: (p) => l2Regularization(p, 1e-4),
          schedule: cosineAnnealing(lr, epochs),
          progress: { batch: () => undefined, epoch: (line) => log(`${tag}: ${line}`) },
        });
        return { model, history: result.history };
      };
      const { train: tr, val } = trainValSplit(all, 0.8, seed);
      const split = fit(tr, val, "80/20 split");
      const full = fit(all, undefined, "all training images");
      const pred = predict(full.model, test.x);
      const last = split.history[split.history.length - 1]!;
      const pc = perClassAccuracy(pred, test.y, 10);
      return {
        metrics: {
          "test accuracy": accuracy(pred, test.y),
          "train accuracy": full.history[full.history.length - 1]!.trainAccuracy,
          "validation accuracy (80/20 split)": last.valAccuracy!,
          "test accuracy (model of the 80/20 split)": accuracy(predict(split.model, test.x), test.y),
        },
        tables: [
          {
            title: "Per-class test accuracy",
            rows: pc.perClass.map((a, k) => ({ class: k, accuracy: `${(100 * a).toFixed(2)}%` })),
          },
        ],
        figures: [
          {
            name: `${name}-curves`,
            title: "Loss and accuracy per epoch (80/20 split)",
            figure: trainingCurves(split.history, title),
          },
        ],
        notes: [
          `best class ${pc.best.label} (${(100 * pc.best.accuracy).toFixed(2)}%), worst class ${pc.worst.label} (${(100 * pc.worst.accuracy).toFixed(2)}%)`,
        ],
        seconds: (Date.now() - t0) / 1000,
        seed,
        setting: `Linear(784, 10); SGD lr ${lr}, momentum 0.9, cosine schedule; L2 1e-4; batch 64; ${epochs} epochs; validation on an 80/20 split, test accuracy of the same setting trained on all ${all.y.length} training images`,
      };
    },
  };
}

export const linearMnist = linearExperiment(
  "linear-mnist",
  "Linear softmax classifier on MNIST",
  loadMnist,
  "test 91.81% (lr 1e-2, reg 1e-3, 100 epochs, batch 64); scikit-learn logistic regression 92.57%",
  0.926,
);
export const linearFashion = linearExperiment(
  "linear-fashion-mnist",
  "Linear softmax classifier on Fashion-MNIST",
  loadFashionMnist,
  "no published figure (the kit's own baseline)",
  null,
);
