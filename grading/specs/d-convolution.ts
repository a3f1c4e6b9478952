import type { AssignmentSpec } from "./spec";
import { randn } from "./spec";

export const spec: AssignmentSpec = {
  assignment: "d-convolution",
  title: "D. Convolution module",
  cases: [
    {
      name: "Conv2d forward: 3x3, stride 1, padding 1",
      points: 3,
      visibility: "visible",
      probe: "conv.forward",
      kind: "value",
      generate: (rng) => ({
        x: randn(rng, [2, 3, 6, 6]),
        W: randn(rng, [4, 3, 3, 3]),
        b: randn(rng, [4]),
        stride: 1,
        padding: 1,
      }),
      hints: { out: "out[f, i, j] = b[f] + sum over c, u, v of W[f, c, u, v] x[c, i s + u - p, j s + v - p]" },
    },
    {
      name: "Conv2d forward: 5x5, stride 2, padding 2",
      points: 3,
      visibility: "hidden",
      probe: "conv.forward",
      kind: "value",
      generate: (rng) => ({
        x: randn(rng, [2, 2, 9, 7]),
        W: randn(rng, [3, 2, 5, 5]),
        b: randn(rng, [3]),
        stride: 2,
        padding: 2,
      }),
      hints: { out: "check the stride and the zero padding (output size floor((H + 2p - k) / s) + 1)" },
    },
  ],
};
