import { checkLayer } from "../../lib/gradcheck";
import { ReLU } from "../../lib/layers/activations";
import { Linear } from "../../lib/layers/linear";
import { Sequential } from "../../lib/layers/sequential";
import { Rng } from "../../lib/random";
import { Tensor } from "../../lib/tensor/tensor";
import type { Experiment } from "../experiment";

/** The cs231n two-layer-net gradient check: 4 inputs, 10 hidden, 3 classes, 5 examples, float64. */
export const gradcheckTwoLayer: Experiment = {
  name: "gradcheck-two-layer",
  title: "Two-layer net: gradient checks",
  published: "max relative errors W2 3.4e-9, b2 3.9e-11, W1 3.6e-9, b1 1.6e-9",
  target: { metric: "max relative error", value: 1e-9, better: "lower", format: "exp" },
  estimate: "under a second",
  run() {
    const t0 = Date.now();
    const seed = 0;
    const rng = new Rng(seed);
    const net = new Sequential(
      new Linear(4, 10, { init: 0.1, rng }),
      new ReLU(),
      new Linear(10, 3, { init: 0.1, rng }),
    );
    for (const p of net.parameters()) p.value.copyFrom(Tensor.randn(p.value.shape, rng, { std: 0.1 }));
    const x = Tensor.randn([5, 4], rng, { std: 10 });
    const report = checkLayer(net, x, { seed, threshold: 1e-9 });
    const rows = report.rows.map((r) => ({
      tensor: r.name,
      shape: JSON.stringify(r.shape),
      "max relative error": r.maxRelError,
    }));
    return {
      metrics: { "max relative error": Math.max(...report.rows.map((r) => r.maxRelError)) },
      tables: [{ title: "Max relative error per tensor (fourth-order centred differences, h = 1e-3)", rows }],
      seconds: (Date.now() - t0) / 1000,
      seed,
      setting: "Linear(4, 10), ReLU, Linear(10, 3); 5 inputs with std 10; random upstream gradient",
    };
  },
};
