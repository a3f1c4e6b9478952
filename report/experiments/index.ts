import type { Experiment } from "../experiment";
import { blur } from "./blur";
import { gradcheckTwoLayer } from "./gradcheck-two-layer";
import { l2BatchSizes } from "./l2-batch";
import { linearFashion, linearMnist } from "./linear";
import { mlpFashion, mlpMnist, mlpMnistAugmented } from "./mlp";

/** In report order. */
export const experiments: Experiment[] = [linearMnist, linearFashion, mlpMnist, mlpMnistAugmented, mlpFashion, gradcheckTwoLayer, blur, l2BatchSizes];
