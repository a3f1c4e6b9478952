import type { Experiment } from "../experiment";
import { blur } from "./blur";
import { gradcheckTwoLayer } from "./gradcheck-two-layer";
import { l2BatchSizes } from "./l2-batch";
import { linearFashion, linearMnist } from "./linear";
import { mlpFashion, mlpMnist, mlpMnistAugmented } from "./mlp";

/** In report order. */
export const experiments: Experiment[] = [linearMnist, linearFashion, mlpMnist, mlpMnistAugmented, mlpFashion, gradcheckTwoLayer, blur, l2BatchSizes];

/** Experiments the report still lacks (listed in RESULTS.md so a reader sees what is missing). */
export const planned: { title: string; target: string }[] = [
  { title: "MLP on CIFAR-10 raw pixels", target: "test accuracy >= 57% (published best 56.37%)" },
  { title: "Small VGG-style CNN on CIFAR-10", target: "test accuracy >= 75% (published 74.8%)" },
];
