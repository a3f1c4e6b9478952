import type { Experiment } from "../experiment";
import { blur } from "./blur";
import { cnnCifar, mlpCifar } from "./cifar";
import { gradcheckTwoLayer } from "./gradcheck-two-layer";
import { l2BatchSizes } from "./l2-batch";
import { linearFashion, linearMnist } from "./linear";
import { mlpFashion, mlpMnist, mlpMnistAugmented } from "./mlp";

/** In report order. */
export const experiments: Experiment[] = [
  linearMnist,
  linearFashion,
  mlpMnist,
  mlpMnistAugmented,
  mlpFashion,
  mlpCifar,
  cnnCifar,
  gradcheckTwoLayer,
  blur,
  l2BatchSizes,
];

/** Experiments the report still lacks (listed in RESULTS.md so a reader sees what is missing). */
export const planned: { title: string; target: string }[] = [];
