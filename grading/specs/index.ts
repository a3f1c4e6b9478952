import { spec as a } from "./a-linear-classifier";
import { spec as b } from "./b-scalar-backprop";
import { spec as c } from "./c-mlp";
import { spec as d } from "./d-convolution";
import { spec as e } from "./e-cnn-l2";
import type { AssignmentSpec } from "./spec";

export const specs: AssignmentSpec[] = [a, b, c, d, e];
