import type { Experiment } from "../experiment";
import { blur } from "./blur";
import { gradcheckTwoLayer } from "./gradcheck-two-layer";
import { l2BatchSizes } from "./l2-batch";
import { linearFashion, linearMnist } from "./linear";

/** In report order. */
export const experiments: Experiment[] = [linearMnist, linearFashion, gradcheckTwoLayer, blur, l2BatchSizes];
