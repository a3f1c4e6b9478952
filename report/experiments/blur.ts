import { loadCifar10, toDataset } from "../../lib/data/datasets";
import { gaussianKernel } from "../../lib/filters";
import { Conv2d } from "../../lib/layers/conv2d";
import { imageGrid } from "../../lib/plot/charts";
import type { Experiment } from "../experiment";

export const blur: Experiment = {
  name: "blur",
  title: "Convolution as a Gaussian blur",
  published:
    "5x5 Gaussian (sigma 0.8) on the first 5 training images, 5 output channels; figure of originals and blurred outputs",
  estimate: "a few seconds",
  run() {
    const t0 = Date.now();
    const g = gaussianKernel(5, 0.8);
    const conv = new Conv2d(3, 5, 5, { padding: 2, bias: false });
    for (let f = 0; f < 5; f++)
      for (let c = 0; c < 3; c++)
        conv.weight.value.data.set(
          g.data.map((v) => v / 3),
          (f * 3 + c) * 25,
        );
    const x = toDataset(loadCifar10("train"), { limit: 5 }).x;
    const y = conv.forward(x);
    const originals = Array.from({ length: 5 }, (_, i) => ({
      data: x.data.subarray(i * 3072, (i + 1) * 3072),
      channels: 3,
      height: 32,
      width: 32,
      title: `image ${i}`,
    }));
    const blurred = Array.from({ length: 5 }, (_, i) => ({
      data: y.data.subarray(i * 5120, i * 5120 + 1024),
      channels: 1,
      height: 32,
      width: 32,
      title: "blurred",
    }));
    let identical = 1;
    for (let i = 0; i < 5; i++)
      for (let f = 1; f < 5; f++)
        for (let k = 0; k < 1024; k++) if (y.data[i * 5120 + f * 1024 + k] !== y.data[i * 5120 + k]) identical = 0;
    return {
      metrics: { "kernel sum": g.sumAll(), "output channels identical": identical },
      figures: [
        {
          name: "blur",
          title: "Originals and their Gaussian blur",
          figure: imageGrid([...originals, ...blurred], {
            columns: 5,
            title: "CIFAR-10: originals and Gaussian blur (5x5, sigma 0.8)",
            cellSize: 120,
          }),
        },
      ],
      seconds: (Date.now() - t0) / 1000,
      seed: 0,
      setting: "Conv2d(3 -> 5, 5x5, padding 2), weights G/3 for every input channel",
    };
  },
};
