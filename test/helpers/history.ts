import type { EpochRecord } from "../../lib/training/trainer";

/** Three epochs of a run that learns: losses fall, accuracies rise, validation a little behind. */
export const threeEpochs: EpochRecord[] = [1, 2, 3].map((epoch) => ({
  epoch,
  lr: 0.1,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5 + epoch / 10,
  valLoss: 1.2 / epoch,
  valAccuracy: 0.45 + epoch / 10,
  seconds: 1,
}));
