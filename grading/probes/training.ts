// Training probe: the student's Linear, ReLU, softmax cross-entropy and SGD train a small MLP on the
// case's training points (drawn by the grader), then score the case's test points. The probe returns
// the raw scores; the grader, which alone holds the test labels, computes the accuracy.
import { ReLU } from "../../lib/layers/activations";
import { Linear } from "../../lib/layers/linear";
import { Sequential } from "../../lib/layers/sequential";
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import { SGD } from "../../lib/optim/sgd";
import { Rng } from "../../lib/random";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";
import * as wire from "./wire";

const BATCH = 32;

export function mlpTrain(inp: Record<string, Json>, w: typeof wire = wire): wire.ProbeOutputs {
  const x = w.toTensor(Tensor, inp.trainX, "trainX");
  const y = w.integers(inp.trainY, "trainY");
  const testX = w.toTensor(Tensor, inp.testX, "testX");
  const hidden = w.numberOf(inp.hidden, "hidden");
  const classes = w.numberOf(inp.classes, "classes");
  const rng = new Rng(w.numberOf(inp.seed, "seed"));
  const model = new Sequential(new Linear(2, hidden, { rng }), new ReLU(), new Linear(hidden, classes, { rng }));
  const opt = new SGD(model.parameters(), { lr: w.numberOf(inp.lr, "lr"), momentum: 0.9 });
  const n = y.length;
  const epochs = w.numberOf(inp.epochs, "epochs");
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(n);
    for (let s = 0; s < n; s += BATCH) {
      const idx = order.subarray(s, Math.min(n, s + BATCH));
      const batchY = new Int32Array(idx.length);
      for (let i = 0; i < idx.length; i++) batchY[i] = y[idx[i]!]!;
      const { grad } = softmaxCrossEntropy(model.forward(x.take(idx)), batchY);
      model.backward(grad);
      opt.step();
    }
  }
  return { logits: w.fromTensor(model.forward(testX), "the trained model's scores on the test points") };
}
