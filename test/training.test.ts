import { expect } from "chai";
import { blobs, spirals, xor } from "../lib/data/synthetic";
import { ReLU } from "../lib/layers/activations";
import { Linear } from "../lib/layers/linear";
import { Sequential } from "../lib/layers/sequential";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { l2Regularization } from "../lib/losses/regularization";
import { SGD } from "../lib/optim/sgd";
import { Adam } from "../lib/optim/adam";
import { clipGradNorm } from "../lib/optim/clip";
import { Rng } from "../lib/random";
import { tensor } from "../lib/tensor/tensor";
import { batches, fitStandardizer, oneHot, randomFraction, trainValSplit } from "../lib/training/dataset";
import { combinations, formatGridTable, gridSearch } from "../lib/training/grid";
import { accuracy, confusionMatrix, perClassAccuracy } from "../lib/training/metrics";
import { progressBar, type Progress } from "../lib/training/progress";
import { evaluate, predict, train, type TrainOptions } from "../lib/training/trainer";

function mlp(seed: number, hidden = 32, classes = 3): Sequential {
  const rng = new Rng(seed);
  return new Sequential(new Linear(2, hidden, { rng }), new ReLU(), new Linear(hidden, classes, { rng }));
}

describe("datasets and batches", () => {
  it("splits by fraction with a seed, keeps every example once, and draws subsets", () => {
    const d = blobs(
      [
        [0, 0],
        [5, 5],
      ],
      { perClass: 50 },
    );
    const { train: tr, val } = trainValSplit(d, 0.8, 3);
    expect(tr.y.length).to.equal(80);
    expect(val.y.length).to.equal(20);
    const rows = [...tr.x.toFlatArray(), ...val.x.toFlatArray()].sort();
    expect(rows).to.deep.equal(d.x.toFlatArray().sort());
    expect(trainValSplit(d, 0.8, 3).train.x.toFlatArray()).to.deep.equal(tr.x.toFlatArray());
    expect(trainValSplit(d, 0.8, 4).train.x.toFlatArray()).to.not.deep.equal(tr.x.toFlatArray());
    expect(randomFraction(d, 0.1, 1).y.length).to.equal(10);
    expect(() => trainValSplit(d, 1.5)).to.throw(/fraction must be in \(0, 1\), got 1.5/);
  });

  it("yields shuffled mini-batches covering the data once per epoch", () => {
    const d = spirals({ perClass: 10 });
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of batches(d, 8, { rng: new Rng(2) })) {
      sizes.push(b.y.length);
      seen.push(...b.x.toFlatArray().map((v) => v + 0)); // + 0 folds -0 into 0 for sorting
    }
    expect(sizes).to.deep.equal([8, 8, 8, 6]);
    expect(seen.sort()).to.deep.equal(
      d.x
        .toFlatArray()
        .map((v) => v + 0)
        .sort(),
    );
    expect([...batches(d, 8, { dropLast: true })].length).to.equal(3);
    expect(() => batches(d, 0).next()).to.throw(/batch size must be a positive integer, got 0/);
  });

  it("one-hot encodes and standardises with training statistics", () => {
    expect(oneHot([2, 0], 3).toArray()).to.deep.equal([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(() => oneHot([3], 3)).to.throw(/label 3 at index 0 is outside 0..2/);
    const s = fitStandardizer(
      tensor([
        [1, 10, 5],
        [3, 30, 5],
      ]),
    );
    expect(s.apply(tensor([[2, 20, 7]])).toArray()).to.deep.equal([[0, 0, 2]]);
    expect(s.apply(tensor([[1, 10, 5]])).toArray()).to.deep.equal([[-1, -1, 0]]);
  });
});

describe("metrics", () => {
  it("accuracy, confusion matrix and per-class accuracy with best and worst class", () => {
    const pred = Int32Array.from([0, 1, 1, 2, 2, 2]);
    const labels = [0, 1, 2, 2, 2, 1];
    expect(accuracy(pred, labels)).to.be.closeTo(4 / 6, 1e-15);
    expect(confusionMatrix(pred, labels, 3)).to.deep.equal([
      [1, 0, 0],
      [0, 1, 1],
      [0, 1, 2],
    ]);
    const pc = perClassAccuracy(pred, labels, 3);
    expect(pc.perClass[0]).to.equal(1);
    expect(pc.perClass[1]).to.equal(0.5);
    expect(pc.perClass[2]).to.be.closeTo(2 / 3, 1e-15);
    expect(pc.best).to.deep.equal({ label: 0, accuracy: 1 });
    expect(pc.worst).to.deep.equal({ label: 1, accuracy: 0.5 });
    expect(
      accuracy(
        tensor([
          [0.1, 0.9],
          [0.8, 0.2],
        ]),
        [1, 1],
      ),
    ).to.equal(0.5);
  });
});

describe("trainer", () => {
  const data = spirals({ perClass: 60, seed: 1 });
  const split = trainValSplit(data, 0.8, 0);
  const base = (model: Sequential): TrainOptions => ({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new Adam(model.parameters(), { lr: 0.02 }),
    train: split.train,
    val: split.val,
    epochs: 60,
    batchSize: 16,
    seed: 5,
    progress: false,
  });

  it("learns the spirals (not linearly separable) and records per-epoch history", () => {
    const model = mlp(0, 64);
    const result = train({ ...base(model), regularize: (p) => l2Regularization(p, 1e-4) });
    expect(result.history.length).to.equal(60);
    const first = result.history[0]!;
    const last = result.history[59]!;
    expect(last.trainLoss).to.be.below(first.trainLoss / 3);
    expect(last.trainAccuracy).to.be.above(0.9);
    expect(last.valAccuracy).to.be.above(0.85);
    expect(evaluate(model, split.val, softmaxCrossEntropy).accuracy).to.equal(last.valAccuracy);
    expect(accuracy(predict(model, split.val.x), split.val.y)).to.equal(last.valAccuracy);
  });

  it("is deterministic for a seed", () => {
    const a = train({ ...base(mlp(1)), epochs: 5 });
    const b = train({ ...base(mlp(1)), epochs: 5 });
    const c = train({ ...base(mlp(1)), epochs: 5, seed: 6 });
    expect(a.history.map((h) => h.trainLoss)).to.deep.equal(b.history.map((h) => h.trainLoss));
    expect(a.history.map((h) => h.trainLoss)).to.not.deep.equal(c.history.map((h) => h.trainLoss));
  });

  it("stops early when the validation loss stops improving and restores the best weights", () => {
    // A large model on few points overfits: validation loss turns up.
    const small = trainValSplit(spirals({ perClass: 15, noise: 0.6, seed: 2 }), 0.5, 0);
    const model = mlp(2, 128);
    const result = train({
      ...base(model),
      train: small.train,
      val: small.val,
      epochs: 400,
      batchSize: 8,
      optimizer: new Adam(model.parameters(), { lr: 0.01 }),
      earlyStopping: { patience: 10, minDelta: 1e-4 },
    });
    expect(result.stoppedEarly).to.equal(true);
    expect(result.history.length).to.be.below(400);
    expect(result.history.length - result.bestEpoch).to.equal(10);
    const best = Math.min(...result.history.map((h) => h.valLoss!));
    expect(result.history[result.bestEpoch - 1]!.valLoss).to.equal(best);
    expect(evaluate(model, small.val, softmaxCrossEntropy).loss).to.be.closeTo(best, 1e-12);
  });

  it("applies schedules, clipping and augmentation hooks", () => {
    const model = mlp(3);
    const opt = new SGD(model.parameters(), { lr: 1, momentum: 0.9 });
    let clipped = 0;
    let augmented = 0;
    const result = train({
      ...base(model),
      optimizer: opt,
      epochs: 3,
      schedule: (e) => 0.1 / (e + 1),
      clip: (p) => {
        clipped++;
        clipGradNorm(p, 1);
      },
      augment: (b) => {
        augmented += b.y.length;
        return b;
      },
    });
    expect(result.history.map((h) => h.lr)).to.deep.equal([0.1, 0.05, 0.1 / 3]);
    expect(clipped).to.equal(3 * Math.ceil(split.train.y.length / 16));
    expect(augmented).to.equal(3 * split.train.y.length);
  });

  it("reports progress per batch and per epoch, and stops with a clear error when the loss diverges", () => {
    const lines: string[] = [];
    let batchCalls = 0;
    const progress: Progress = {
      batch: () => {
        batchCalls++;
      },
      epoch: (s) => lines.push(s),
    };
    train({ ...base(mlp(4)), epochs: 2, progress });
    expect(lines.length).to.equal(2);
    expect(lines[0]).to.match(
      /^epoch 1\/2 {2}loss \d\.\d{4} {2}acc \d+\.\d{2}% {2}val loss \d\.\d{4} {2}val acc \d+\.\d{2}%/,
    );
    expect(batchCalls).to.equal(2 * Math.ceil(split.train.y.length / 16));
    expect(progressBar(5, 10, 10)).to.equal("[=====>    ]  50%");
    const linear = new Linear(2, 3, { rng: new Rng(5) });
    expect(() =>
      train({ ...base(new Sequential(linear)), optimizer: new SGD(linear.parameters(), { lr: 1e307 }), epochs: 5 }),
    ).to.throw(/training loss became (NaN|Infinity) in epoch \d|gradient of "0\.[Wb]" is (NaN|Infinity)/);
  });
});

describe("grid search", () => {
  it("runs every combination and sorts by score", () => {
    expect(combinations({ a: [1, 2], b: ["x", "y", "z"] }).length).to.equal(6);
    const data = xor({ perCorner: 20, seed: 1 });
    const rows = gridSearch(
      { lr: [1e-3, 0.05], hidden: [2, 16] },
      ({ lr, hidden }) => {
        const model = mlp(7, hidden, 2);
        const r = train({
          model,
          loss: softmaxCrossEntropy,
          optimizer: new Adam(model.parameters(), { lr }),
          train: data,
          epochs: 30,
          batchSize: 10,
          progress: false,
        });
        return { accuracy: r.history[r.history.length - 1]!.trainAccuracy };
      },
      (r) => r.accuracy,
    );
    expect(rows.length).to.equal(4);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.score).to.be.at.least(rows[i]!.score);
    expect(rows[0]!.params).to.deep.equal({ lr: 0.05, hidden: 16 });
    expect(rows[0]!.score).to.equal(1);
    const table = formatGridTable(rows, { accuracy: (r) => r.accuracy.toFixed(3) });
    expect(table.split("\n")[0]).to.match(/^lr\s+hidden\s+accuracy$/);
    expect(table.split("\n").length).to.equal(6);
  });
});
