import type { Rng } from "../../lib/random";
import type { AssignmentSpec } from "./spec";

/** Points (x, y, z) where the expression is smooth: x > 0, z well away from 0. */
function points(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => [rng.uniform(0.5, 3), rng.uniform(-2, 2), rng.uniform(1, 4)]);
}

export const spec: AssignmentSpec = {
  assignment: "b-scalar-backprop",
  title: "B. Scalar backprop",
  cases: [
    {
      name: "expression at two random points",
      points: 4,
      visibility: "visible",
      probe: "value.expression",
      kind: "gradient",
      generate: (rng) => ({ points: points(rng, 2) }),
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
      generate: (rng) => ({ points: points(rng, 5) }),
      hints: {
        grads:
          "a local derivative is wrong (tanh, exp, sin, log, pow, mul or div backward), or gradients are overwritten instead of accumulated",
      },
    },
  ],
};
