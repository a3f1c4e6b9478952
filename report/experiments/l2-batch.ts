import type * as tfjs from "@tensorflow/tfjs";
import { loadCifar10, toDataset } from "../../lib/data/datasets";
import { Conv2d } from "../../lib/layers/conv2d";
import { l2Distance, l2Loss } from "../../lib/losses/regression";
import { l2Regularization } from "../../lib/losses/regularization";
import { clipGradValue } from "../../lib/optim/clip";
import { SGD } from "../../lib/optim/sgd";
import { lineChart } from "../../lib/plot/charts";
import { Rng } from "../../lib/random";
import { Tensor } from "../../lib/tensor/tensor";
import { loadTfjs } from "../../lib/tfjs";
import type { Experiment } from "../experiment";

/** A conv layer learns a tfjs teacher's outputs on the first 100 CIFAR-10 images; final L2 norm per batch size. */
export const l2BatchSizes: Experiment = {
  name: "l2-batch-sizes",
  title: "Convolution layer with an L2 loss: batch sizes 1, 4, 8",
  published:
    "final L2 norm 429.59 / 561.23 / 617.48 for batch sizes 1 / 4 / 8 (first 100 images, lr 1e-2, reg 1e-3, 50 epochs)",
  estimate: "about 1 minute",
  async run({ quick, log }) {
    const t0 = Date.now();
    // The teacher runs on tfjs-node where it is installed, else on tfjs's cpu backend (the same numbers within float32).
    const { tf, description } = await loadTfjs({ log });
    const n = quick ? 16 : 100;
    const epochs = quick ? 3 : 50;
    const x = toDataset(loadCifar10("train"), { limit: n }).x;
    const teacherLayer = tf.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      padding: "same",
      inputShape: [32, 32, 3],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 8 }),
    });
    const nchw = tf.tidy(() =>
      tf.transpose(
        teacherLayer.apply(
          tf.transpose(tf.tensor4d(Array.from(x.data), x.shape as [number, number, number, number]), [0, 2, 3, 1]),
        ) as tfjs.Tensor4D,
        [0, 3, 1, 2],
      ),
    );
    const target = Tensor.from(nchw.dataSync(), nchw.shape);
    nchw.dispose();
    const rows: { "batch size": number; "final L2 norm": number; steps: number }[] = [];
    const series: { name: string; y: number[] }[] = [];
    for (const batch of [1, 4, 8]) {
      const conv = new Conv2d(3, 4, 3, { padding: 1, init: { uniform: [-1, 1] }, rng: new Rng(0) });
      const opt = new SGD(conv.parameters(), { lr: 1e-2 });
      const rng = new Rng(1);
      const norms: number[] = [];
      let steps = 0;
      for (let e = 0; e < epochs; e++) {
        const order = rng.permutation(n);
        for (let s = 0; s < n; s += batch) {
          const idx = order.subarray(s, Math.min(n, s + batch));
          const { grad } = l2Loss(conv.forward(x.take(idx)), target.take(idx));
          conv.backward(grad);
          l2Regularization(conv.parameters(), 1e-3);
          clipGradValue(conv.parameters(), 1);
          opt.step();
          steps++;
        }
        norms.push(l2Distance(conv.forward(x), target));
      }
      log(`batch ${batch}: final L2 norm ${norms[norms.length - 1]!.toFixed(2)} after ${steps} steps`);
      rows.push({ "batch size": batch, "final L2 norm": norms[norms.length - 1]!, steps });
      series.push({ name: `batch ${batch}`, y: norms });
    }
    return {
      metrics: Object.fromEntries(rows.map((r) => [`final L2 norm, batch ${r["batch size"]}`, r["final L2 norm"]])),
      tables: [{ title: `Final L2 norm between student and teacher outputs (${n} images, ${epochs} epochs)`, rows }],
      figures: [
        {
          name: "l2-batch-sizes",
          title: "L2 norm per epoch",
          figure: lineChart(series, {
            title: "L2 norm between student and teacher outputs",
            xTitle: "epoch",
            yTitle: "||student - teacher||",
            logY: true,
          }),
        },
      ],
      notes: [
        "The teacher is a seeded tfjs conv layer (4 filters, 3x3, same padding); pixels in [0, 1]; gradients clipped to [-1, 1]. The published teacher is unknown, so the norms are comparable in trend (smaller batches end closer), not in value.",
        `The teacher ran on ${description.replace(/^tfjs: /, "")}.`,
      ],
      seconds: (Date.now() - t0) / 1000,
      seed: 0,
      setting: "Conv2d(3 -> 4, 3x3, padding 1), U[-1, 1] init; SGD lr 1e-2, L2 1e-3, clip [-1, 1]",
    };
  },
};
