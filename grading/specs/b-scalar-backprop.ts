import type { AssignmentSpec } from "./spec";

export const spec: AssignmentSpec = {
  assignment: "b-scalar-backprop",
  title: "B. Scalar backprop",
  cases: [
    {
      name: "expression at (2, 4, 1) and (9, 14, 3)",
      points: 4,
      visibility: "visible",
      probe: "value.expression",
      kind: "gradient",
      generate: () => ({
        points: [
          [2, 4, 1],
          [9, 14, 3],
        ],
      }),
      hints: {
        values: "the forward values are wrong: check the operations themselves",
        grads: "a local derivative is wrong: compare each op's backward with its derivative",
      },
    },
    {
      name: "expression at random points",
      points: 6,
      visibility: "hidden",
      probe: "value.expression",
      kind: "gradient",
      generate: (rng) => ({
        points: Array.from({ length: 5 }, () => [rng.uniform(0.5, 3), rng.uniform(-2, 2), rng.uniform(1, 4)]),
      }),
      hints: {
        grads:
          "a local derivative is wrong (tanh, exp, sin, log, pow, mul or div backward), or gradients are overwritten instead of accumulated",
      },
    },
  ],
};
