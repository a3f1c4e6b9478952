// The main job: trains a two-layer MLP (784-256-10, ReLU, softmax cross-entropy, SGD with momentum)
// on MNIST and reports test accuracy. Falls back to the synthetic spirals when MNIST is not found.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadMnist, toDataset } from "../lib/data/datasets";
import { spirals } from "../lib/data/synthetic";
import {
  Linear,
  ReLU,
  Rng,
  SGD,
  Sequential,
  l2Regularization,
  perClassAccuracy,
  predict,
  softmaxCrossEntropy,
  train,
  trainValSplit,
  type Dataset,
} from "../lib";
import { findStubs, formatStubs } from "../grading/stubs";
import { fail, integerFlag, parseCommandLine } from "./cli";

const USAGE = `usage: npm start -- [--epochs N] [--limit N] [--data-dir DIR]

Trains a 784-256-10 MLP on MNIST (synthetic spirals when MNIST is not found) and prints the test
accuracy, the best and the worst class.

  --epochs N      training epochs (default 3)
  --limit N       use only the first N training images
  --data-dir DIR  where the datasets are (default: TSDL_DATA, data/cache, ~/.cache/tsdl-data)
  -h, --help      show this help`;

function settings(argv: string[]): { epochs: number; limit: number | undefined; dataDir: string | undefined } {
  return parseCommandLine({ command: "npm start", usage: USAGE, argv }, (args) => {
    const { values } = parseArgs({
      args,
      options: { epochs: { type: "string" }, limit: { type: "string" }, "data-dir": { type: "string" } },
      strict: true,
    });
    const dataDir = values["data-dir"];
    if (dataDir !== undefined && !existsSync(dataDir)) fail(`--data-dir ${dataDir} does not exist`);
    return {
      epochs: values.epochs === undefined ? 3 : integerFlag("epochs", values.epochs),
      limit: values.limit === undefined ? undefined : integerFlag("limit", values.limit),
      dataDir,
    };
  });
}

/** In the student kit: the parts the MLP needs that are still stubs (nothing to train until they are written). */
function partsLeft(): string | null {
  const needed = findStubs(join(__dirname, "..")).filter((s) =>
    ["Linear", "ReLU", "softmaxCrossEntropy"].includes(s.part ?? ""),
  );
  if (needed.length === 0) return null;
  return `npm start trains a 784-256-10 MLP with your Linear, ReLU and softmaxCrossEntropy; still to implement:\n${formatStubs(needed)}\n(README.md says which notebook asks for each; their check cells test them.)`;
}

function main(args: string[]): void {
  const { epochs, limit, dataDir } = settings(args);
  const left = partsLeft();
  if (left !== null) {
    console.log(left);
    return;
  }
  let trainSet: Dataset;
  let testSet: Dataset;
  let inputs: number;
  let hidden: number;
  try {
    const opts = dataDir === undefined ? {} : { dataDir };
    trainSet = toDataset(loadMnist("train", opts), { flatten: true, ...(limit === undefined ? {} : { limit }) });
    testSet = toDataset(loadMnist("test", opts), { flatten: true });
    [inputs, hidden] = [784, 256];
    console.log(`MNIST: ${trainSet.y.length} training and ${testSet.y.length} test images`);
  } catch (e) {
    console.log(`${(e as Error).message.split("\n")[0]}\nTraining on synthetic spirals instead.`);
    const all = spirals({ classes: 3, perClass: 300, seed: 1 });
    ({ train: trainSet, val: testSet } = trainValSplit(all, 0.8, 0));
    [inputs, hidden] = [2, 64];
  }
  const classes = Math.max(...trainSet.y) + 1;
  const { train: fit, val } = trainValSplit(trainSet, 0.9, 0);
  const rng = new Rng(0);
  const model = new Sequential(new Linear(inputs, hidden, { rng }), new ReLU(), new Linear(hidden, classes, { rng }));
  console.log(model.describe());
  const started = Date.now();
  train({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
    train: fit,
    val,
    epochs,
    batchSize: 64,
    seed: 0,
    regularize: (p) => l2Regularization(p, 1e-4),
  });
  const pred = predict(model, testSet.x);
  const pc = perClassAccuracy(pred, testSet.y, classes);
  const acc = pred.reduce((n, p, i) => n + (p === testSet.y[i] ? 1 : 0), 0) / pred.length;
  console.log(
    `test accuracy ${(100 * acc).toFixed(2)}%  (best class ${pc.best.label}: ${(100 * pc.best.accuracy).toFixed(2)}%, worst class ${pc.worst.label}: ${(100 * pc.worst.accuracy).toFixed(2)}%)  in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main(process.argv.slice(2));
