import type { AssignmentSpec } from "./spec";
import { labels, randn } from "./spec";

export const spec: AssignmentSpec = {
  assignment: "a-linear-classifier",
  title: "A. Linear softmax classifier",
  cases: [
    {
      name: "softmax cross-entropy: loss and gradient (small batch)",
      points: 3,
      visibility: "visible",
      probe: "loss.softmax_ce",
      kind: "value",
      generate: (rng) => ({ logits: randn(rng, [4, 5], 2), labels: labels(rng, 4, 5) }),
      hints: {
        loss: "the loss is the mean of -log softmax(s)[y] over the batch",
        grad: "dL/ds = (softmax(s) - onehot(y)) / N",
      },
    },
    {
      name: "softmax cross-entropy: large logits stay finite",
      points: 2,
      visibility: "hidden",
      probe: "loss.softmax_ce",
      kind: "value",
      generate: (rng) => ({ logits: randn(rng, [6, 10], 300), labels: labels(rng, 6, 10) }),
      hints: {
        loss: "subtract each row's max before exponentiating (log-sum-exp)",
        grad: "compute softmax from the shifted scores",
      },
    },
    {
      name: "softmax cross-entropy: a batch of 64, 10 classes",
      points: 2,
      visibility: "hidden",
      probe: "loss.softmax_ce",
      kind: "value",
      generate: (rng) => ({ logits: randn(rng, [64, 10]), labels: labels(rng, 64, 10) }),
      hints: { grad: "divide the gradient by the batch size N" },
    },
    {
      name: "linear layer: forward and backward",
      points: 3,
      visibility: "visible",
      probe: "linear.forward_backward",
      kind: "gradient",
      generate: (rng) => ({
        x: randn(rng, [3, 5]),
        W: randn(rng, [5, 4]),
        b: randn(rng, [4]),
        dout: randn(rng, [3, 4]),
      }),
      hints: {
        out: "out = x W + b (b added to every row)",
        dW: "dW = x^T dout",
        db: "db sums dout over the batch",
        dx: "dx = dout W^T",
      },
    },
  ],
};
