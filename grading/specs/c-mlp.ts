import type { AssignmentSpec } from "./spec";
import { awayFromZero, randn, spirals } from "./spec";

export const spec: AssignmentSpec = {
  assignment: "c-mlp",
  title: "C. Modular backprop (MLP)",
  cases: [
    {
      name: "ReLU: forward and backward",
      points: 2,
      visibility: "visible",
      probe: "relu.forward_backward",
      kind: "gradient",
      generate: (rng) => ({ x: awayFromZero(rng, [4, 6]), dout: randn(rng, [4, 6]) }),
      hints: { out: "ReLU is max(0, x)", dx: "dx = dout where x > 0, else 0: check the ReLU mask" },
    },
    {
      name: "Linear: a wider layer",
      points: 3,
      visibility: "hidden",
      probe: "linear.forward_backward",
      kind: "gradient",
      generate: (rng) => ({
        x: randn(rng, [8, 12]),
        W: randn(rng, [12, 7], 0.3),
        b: randn(rng, [7]),
        dout: randn(rng, [8, 7]),
      }),
      hints: { dW: "dW = x^T dout", db: "db sums dout over the batch", dx: "dx = dout W^T" },
    },
    {
      name: "training: a 2-64-3 MLP learns the spirals",
      points: 5,
      visibility: "hidden",
      probe: "train.mlp",
      kind: "training",
      timeoutMs: 60000,
      generate: (rng) => ({
        ...spirals(rng, { classes: 3, perClass: 100, test: 150, noise: 0.2 }),
        classes: 3,
        hidden: 64,
        lr: 0.05,
        epochs: 60,
        seed: rng.int(1 << 30),
      }),
      withheld: ["testY"],
      minAccuracy: 0.85,
      hints: { accuracy: "the network does not learn: check Linear.backward, the ReLU mask and the loss gradient" },
    },
  ],
};
