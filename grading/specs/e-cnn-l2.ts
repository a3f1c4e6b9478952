import type { AssignmentSpec } from "./spec";
import { randn } from "./spec";

export const spec: AssignmentSpec = {
  assignment: "e-cnn-l2",
  title: "E. Convolution layer with an L2 loss",
  cases: [
    {
      name: "L2 loss and its gradient",
      points: 2,
      visibility: "visible",
      probe: "loss.l2",
      kind: "value",
      generate: (rng) => ({ pred: randn(rng, [4, 2, 3, 3]), target: randn(rng, [4, 2, 3, 3]) }),
      hints: { loss: "L = sum (pred - target)^2 / (2N) with N the batch size", grad: "dL/dpred = (pred - target) / N" },
    },
    {
      name: "Conv2d backward: dx, dW, db",
      points: 5,
      visibility: "hidden",
      probe: "conv.forward_backward",
      kind: "gradient",
      generate: (rng) => ({
        x: randn(rng, [2, 3, 5, 5]),
        W: randn(rng, [2, 3, 3, 3]),
        b: randn(rng, [2]),
        stride: 1,
        padding: 1,
        dout: randn(rng, [2, 2, 5, 5]),
      }),
      hints: {
        dW: "dW = sum over images of dout_n cols_n^T",
        db: "db sums dout over images and positions",
        dx: "dx = col2im(W^T dout_n)",
      },
    },
  ],
};
