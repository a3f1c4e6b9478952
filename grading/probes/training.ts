// Training probe: the student's Linear, ReLU, softmax cross-entropy and SGD train a small MLP on a
// fixed synthetic dataset (generated here, not by student code); the grader checks the accuracy.
import { ReLU } from "../../lib/layers/activations";
import { Linear } from "../../lib/layers/linear";
import { Sequential } from "../../lib/layers/sequential";
import { softmaxCrossEntropy } from "../../lib/losses/softmax-cross-entropy";
import { SGD } from "../../lib/optim/sgd";
import { Rng } from "../../lib/random";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json } from "../fixtures";

function spirals(perClass: number, classes: number, seed: number): { x: Tensor; y: Int32Array } {
  const rng = new Rng(seed);
  const x = Tensor.zeros([perClass * classes, 2]);
  const y = new Int32Array(perClass * classes);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = i / perClass;
      const t = (c * 4 * Math.PI) / classes + r * 4 + rng.normal() * 0.2;
      const row = c * perClass + i;
      x.data[2 * row] = r * Math.sin(t);
      x.data[2 * row + 1] = r * Math.cos(t);
      y[row] = c;
    }
  }
  return { x, y };
}

export function mlpTrain(inp: Record<string, Json>): Record<string, Json> {
  const { x, y } = spirals(inp.perClass as number, 3, inp.seed as number);
  const rng = new Rng(inp.seed as number);
  const model = new Sequential(
    new Linear(2, inp.hidden as number, { rng }),
    new ReLU(),
    new Linear(inp.hidden as number, 3, { rng }),
  );
  const opt = new SGD(model.parameters(), { lr: inp.lr as number, momentum: 0.9 });
  const n = y.length;
  for (let epoch = 0; epoch < (inp.epochs as number); epoch++) {
    const order = rng.permutation(n);
    for (let s = 0; s < n; s += 32) {
      const idx = order.subarray(s, Math.min(n, s + 32));
      const batchY = Int32Array.from(idx, (i) => y[i]!);
      const { grad } = softmaxCrossEntropy(model.forward(x.take(idx)), batchY);
      model.backward(grad);
      opt.step();
    }
  }
  const pred = model.forward(x).argmax(-1);
  let correct = 0;
  for (let i = 0; i < n; i++) if (pred[i] === y[i]) correct++;
  return { accuracy: correct / n };
}
