/**
 * What students implement, notebook by notebook, in notebook order. Each part names the stubs it is made
 * of (by the start of the text after "not implemented: ") and the grader's probe that exercises them; the
 * notebooks' check cells, the student README, `npm test` and `npm start` of the kit all read this table.
 */
export interface Part {
  /** The name the check cells use: check("Linear"). */
  name: string;
  file: string;
  /** What to write, for the README and the "Your task" cells. */
  task: string;
  /** Each stub of the part starts with one of these (e.g. "Linear.forward" matches "Linear.forward (out = ...)"). */
  stubs: string[];
  /** The probe (grading/probes/registry.ts) that runs the part on a worked example. */
  probe: string;
}

export interface NotebookPlan {
  notebook: string;
  /** The grader's assignment (grading/fixtures/<assignment>.json). */
  assignment: string;
  /** Parts this notebook needs, in the order it uses them; a part done for an earlier notebook is listed again. */
  parts: string[];
}

export const PARTS: Part[] = [
  {
    name: "softmaxCrossEntropy",
    file: "lib/losses/softmax-cross-entropy.ts",
    task:
      "per sample, l_i = -log softmax(s_i)[y_i] (stable for large logits) and dl_i/ds_i = softmax(s_i) - onehot(y_i); " +
      "the mean over the batch and the other reductions are applied for you",
    stubs: ["softmaxCrossEntropy"],
    probe: "loss.softmax_ce",
  },
  {
    name: "Linear",
    file: "lib/layers/linear.ts",
    task: "`forward` (out = x W + b) and `backward` (dW = x^T dout, db = column sums of dout, dx = dout W^T)",
    stubs: ["Linear.forward", "Linear.backward"],
    probe: "linear.forward_backward",
  },
  {
    name: "Value",
    file: "lib/autodiff/value.ts",
    task: "the backward closures of `mul`, `div`, `pow`, `exp`, `log`, `sin` and `tanh`: local derivative times `out.grad`, added to each input's `grad`",
    stubs: ["Value."],
    probe: "value.expression",
  },
  {
    name: "ReLU",
    file: "lib/layers/activations.ts",
    task: "`mapValues` (forward: max(0, x)) and `mapGradients` (backward: dout where x > 0, else 0)",
    stubs: ["ReLU forward", "ReLU backward"],
    probe: "relu.forward_backward",
  },
  {
    name: "Conv2d.forward",
    file: "lib/layers/conv2d.ts",
    task: "im2col each image, then out_n = W cols_n + b",
    stubs: ["Conv2d.forward"],
    probe: "conv.forward",
  },
  {
    name: "Conv2d.backward",
    file: "lib/layers/conv2d.ts",
    task: "dW = sum_n dout_n cols_n^T, db = sums of dout per filter, dx_n = col2im(W^T dout_n)",
    stubs: ["Conv2d.backward"],
    probe: "conv.forward_backward",
  },
  {
    name: "l2Loss",
    file: "lib/losses/regression.ts",
    task:
      "per example, l_i = ||pred_i - target_i||^2 / 2 and dl_i/dpred_i = pred_i - target_i; " +
      "the mean over the batch is applied for you",
    stubs: ["l2Loss"],
    probe: "loss.l2",
  },
];

export const NOTEBOOKS: NotebookPlan[] = [
  {
    notebook: "notebooks/01-linear-classifier.ipynb",
    assignment: "a-linear-classifier",
    parts: ["softmaxCrossEntropy", "Linear"],
  },
  { notebook: "notebooks/02-scalar-backprop.ipynb", assignment: "b-scalar-backprop", parts: ["Value"] },
  { notebook: "notebooks/03-mlp-modules.ipynb", assignment: "c-mlp", parts: ["Linear", "ReLU", "softmaxCrossEntropy"] },
  { notebook: "notebooks/04-convolution-blur.ipynb", assignment: "d-convolution", parts: ["Conv2d.forward"] },
  {
    notebook: "notebooks/05-cnn-l2.ipynb",
    assignment: "e-cnn-l2",
    parts: ["Conv2d.forward", "Conv2d.backward", "l2Loss"],
  },
];

export function part(name: string): Part {
  const p = PARTS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown part "${name}": the parts are ${PARTS.map((x) => `"${x.name}"`).join(", ")}`);
  return p;
}

/** The part a stub belongs to (by the start of its description), or null. */
export function partOfStub(what: string): Part | null {
  return PARTS.find((p) => p.stubs.some((s) => what.startsWith(s))) ?? null;
}
