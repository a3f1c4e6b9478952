// LayerNorm, LogSoftmax, BatchNorm with affine: false and the new losses inside train()'s step arena:
// training with the previous step's storage poisoned to NaN gives exactly the numbers of training
// without the arena (float64 and float32), so nothing they keep outlives its step.
import { expect } from "chai";
import { ReLU } from "../lib/layers/activations";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import type { Layer } from "../lib/layers/layer";
import { LayerNorm } from "../lib/layers/layernorm";
import { Linear } from "../lib/layers/linear";
import { Sequential } from "../lib/layers/sequential";
import { LogSoftmax } from "../lib/layers/softmax";
import { bceWithLogitsLoss } from "../lib/losses/bce";
import { nllLoss } from "../lib/losses/nll";
import { huberLoss } from "../lib/losses/robust";
import { SGD } from "../lib/optim/sgd";
import { Rng } from "../lib/random";
import { StepArena, withArena } from "../lib/tensor/arena";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";
import { evaluate, train, type LossFn } from "../lib/training/trainer";

const CLASSES = 3;

function data(seed: number, dtype: DType): { x: Tensor; y: Int32Array } {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: 60 }, () => rng.int(CLASSES));
  const x = Tensor.randn([60, 6], rng, { dtype });
  for (let i = 0; i < 60; i++) for (let j = 0; j < 6; j++) x.data[i * 6 + j] += y[i]! * Math.cos(j);
  return { x, y };
}

/** Targets of the label's class: one-hot for BCE, +-1 for Huber, in the scores' dtype. */
function targets(y: Int32Array, like: Tensor, on: number, off: number): Tensor {
  const t = Tensor.full([y.length, CLASSES], off, like.dtype);
  y.forEach((c, i) => t.set(on, i, c));
  return t;
}

const runs: [string, (dtype: DType) => Layer, LossFn][] = [
  [
    "LayerNorm, BatchNorm1d (affine: false), LogSoftmax + nllLoss",
    (dtype) =>
      new Sequential(
        new Linear(6, 8, { rng: new Rng(1), dtype }),
        new LayerNorm(8, { dtype }),
        new ReLU(),
        new Linear(8, CLASSES, { rng: new Rng(2), dtype }),
        new BatchNorm1d(CLASSES, { affine: false, dtype }),
        new LogSoftmax(),
      ),
    (s, y) => nllLoss(s, y),
  ],
  [
    "LayerNorm without affine + bceWithLogitsLoss (posWeight)",
    (dtype) =>
      new Sequential(
        new Linear(6, 8, { rng: new Rng(3), dtype }),
        new LayerNorm(8, { elementwiseAffine: false }),
        new ReLU(),
        new Linear(8, CLASSES, { rng: new Rng(4), dtype }),
      ),
    (s, y) => bceWithLogitsLoss(s, targets(y, s, 1, 0), { posWeight: 2 }),
  ],
  [
    "huberLoss (sum) on +-1 targets",
    (dtype) => new Sequential(new Linear(6, CLASSES, { rng: new Rng(5), dtype })),
    (s, y) => huberLoss(s, targets(y, s, 1, -1), { delta: 0.5, reduction: "sum" }),
  ],
];

function fit(make: (dtype: DType) => Layer, loss: LossFn, dtype: DType, arena: boolean | StepArena): unknown {
  const model = make(dtype);
  const { history } = train({
    model,
    loss,
    optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
    train: data(1, dtype),
    epochs: 2,
    batchSize: 16,
    seed: 3,
    progress: false,
    arena,
  });
  return {
    history: history.map(({ seconds: _s, ...rest }) => rest),
    params: model.parameters().map((p) => Array.from(p.value.data)),
    buffers: model.buffers().map((b) => Array.from(b.value.data)),
    val: evaluate(model, data(2, dtype), loss, 16, arena !== false),
  };
}

describe("new layers and losses in the step arena", () => {
  for (const [name, make, loss] of runs)
    for (const dtype of ["float64", "float32"] as DType[])
      it(`${name} (${dtype}): the same numbers with a poisoned arena as without`, () => {
        const without = fit(make, loss, dtype, false);
        const poisoned = fit(make, loss, dtype, new StepArena(true));
        expect(poisoned).to.deep.equal(without);
        const losses = (without as { history: { trainLoss: number }[] }).history.map((h) => h.trainLoss);
        expect(losses.every(Number.isFinite)).to.equal(true);
        expect(losses[1]!).to.be.below(losses[0]!); // it learns
      });
});

describe("normalisation layers built inside a step", () => {
  it("keep their running statistics and constants: nothing a layer owns comes from the arena", () => {
    const arena = new StepArena(true);
    const layers = withArena(arena, () => [
      new BatchNorm1d(3),
      new BatchNorm2d(2, { affine: false, dtype: "float32" }),
      new LayerNorm([2, 2]),
    ]);
    // Two more rounds: the first round's storage is poisoned with NaN, then reused.
    withArena(arena, () => Tensor.zeros([256]));
    withArena(arena, () => Tensor.full([256], 7));
    for (const layer of layers) {
      for (const t of [...layer.parameters(), ...layer.buffers()])
        expect(Array.from(t.value.data).every(Number.isFinite), `${layer.describe()} ${t.name}`).to.equal(true);
    }
    const bn = layers[1] as BatchNorm2d<false>;
    expect(Array.from(bn.runningVar.data)).to.deep.equal([1, 1]);
    expect(
      bn.forward(Tensor.randn([2, 2, 2, 2], new Rng(1), { dtype: "float32" })).data.every(Number.isFinite),
    ).to.equal(true);
  });
});
