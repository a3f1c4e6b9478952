// The step arena (tensor/arena.ts): storage cut from reused chunks while withArena runs, zeroed and
// aligned, the same addresses every round, grown after a round that overflowed, poisoned with NaN in
// the tests' mode; and train()/evaluate()/predict() with it give exactly the same numbers as without,
// for models with every kind of layer and state (under the reference and the wasm kernels), even
// when the previous step's storage is poisoned, which would expose anything that outlived its step.
import { expect } from "chai";
import { setKernels } from "../lib/kernels/kernels";
import { setWasmThreads, wasmKernels, wasmKernelsSupported, isWasmStorage } from "../lib/kernels/wasm/index";
import { ReLU } from "../lib/layers/activations";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { Conv2d } from "../lib/layers/conv2d";
import { Dropout } from "../lib/layers/dropout";
import { Flatten } from "../lib/layers/flatten";
import { Layer } from "../lib/layers/layer";
import { Linear } from "../lib/layers/linear";
import { MaxPool2d } from "../lib/layers/pool";
import { Sequential } from "../lib/layers/sequential";
import { l2Regularization } from "../lib/losses/regularization";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Adam } from "../lib/optim/adam";
import { clipGradNorm } from "../lib/optim/clip";
import { SGD } from "../lib/optim/sgd";
import { Rng } from "../lib/random";
import { activeArena, outsideArena, StepArena, withArena } from "../lib/tensor/arena";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";
import type { Dataset } from "../lib/training/dataset";
import { evaluate, predict, train, type TrainResult } from "../lib/training/trainer";

function randomSet(n: number, shape: number[], classes: number, seed: number, dtype: DType): Dataset {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, () => Math.floor(rng.random() * classes));
  const x = Tensor.randn([n, ...shape], rng, { dtype });
  // Make the classes learnable: shift each example by its label.
  for (let i = 0; i < n; i++) {
    const size = x.size / n;
    for (let j = 0; j < size; j++) x.data[i * size + j] += 0.5 * y[i]! * Math.cos(j);
  }
  return { x, y };
}

interface Run {
  result: TrainResult;
  params: number[][];
  state: number[][];
  val: { loss: number; accuracy: number };
  predicted: Int32Array;
}

/** A CNN with every stateful layer, trained with Adam (lazy slots), L2, clipping and early stopping. */
function trainCnn(dtype: DType, arena: boolean | StepArena): Run {
  const rng = new Rng(3);
  const model = new Sequential(
    new Conv2d(2, 4, 3, { padding: 1, rng, dtype }),
    new BatchNorm2d(4, { dtype }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(4 * 4 * 4, 16, { rng, dtype }),
    new BatchNorm1d(16, { dtype }),
    new ReLU(),
    new Dropout(0.2, { seed: 5 }),
    new Linear(16, 3, { rng, dtype }),
  );
  const data = randomSet(96, [2, 8, 8], 3, 1, dtype);
  const val = randomSet(40, [2, 8, 8], 3, 2, dtype);
  const params = model.parameters();
  const result = train({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new Adam(params, { lr: 0.01 }),
    train: data,
    val,
    epochs: 4,
    batchSize: 16,
    seed: 7,
    regularize: (p) => l2Regularization(p, 1e-3),
    clip: (p) => void clipGradNorm(p, 5),
    earlyStopping: { patience: 2, monitor: "valAccuracy" },
    progress: false,
    arena,
  });
  const state = [(model.layers[1] as BatchNorm2d).runningMean, (model.layers[6] as BatchNorm1d).runningVar].map((t) =>
    Array.from(t.data),
  );
  return {
    result,
    params: params.map((p) => Array.from(p.value.data)),
    state,
    val: evaluate(model, val, softmaxCrossEntropy, 7, arena !== false),
    predicted: predict(model, val.x, 7, arena !== false),
  };
}

/** An MLP trained with Nesterov momentum and weight decay (the SGD kernel path). */
function trainMlp(dtype: DType, arena: boolean | StepArena): Run {
  const rng = new Rng(4);
  const model = new Sequential(new Linear(10, 32, { rng, dtype }), new ReLU(), new Linear(32, 4, { rng, dtype }));
  const data = randomSet(200, [10], 4, 3, dtype);
  const val = randomSet(50, [10], 4, 4, dtype);
  const params = model.parameters();
  const result = train({
    model,
    loss: softmaxCrossEntropy,
    optimizer: new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
    train: data,
    val,
    epochs: 3,
    batchSize: 32,
    seed: 1,
    progress: false,
    arena,
  });
  return {
    result,
    params: params.map((p) => Array.from(p.value.data)),
    state: [],
    val: evaluate(model, val, softmaxCrossEntropy, 16, arena !== false),
    predicted: predict(model, val.x, 16, arena !== false),
  };
}

function expectSameRun(got: Run, want: Run, what: string): void {
  const strip = (r: TrainResult): unknown => r.history.map(({ seconds: _s, ...rest }) => rest);
  expect(strip(got.result), `${what}: history`).to.deep.equal(strip(want.result));
  expect(got.result.bestEpoch, `${what}: best epoch`).to.equal(want.result.bestEpoch);
  expect(got.params, `${what}: parameters`).to.deep.equal(want.params);
  expect(got.state, `${what}: BatchNorm running statistics`).to.deep.equal(want.state);
  expect(got.val, `${what}: evaluate`).to.deep.equal(want.val);
  expect(Array.from(got.predicted), `${what}: predict`).to.deep.equal(Array.from(want.predicted));
  for (const v of got.params.flat()) if (!Number.isFinite(v)) expect.fail(`${what}: a parameter is ${v}`);
}

describe("step arena", () => {
  it("hands out zeroed, 64-byte aligned, disjoint storage, and the same storage every round", () => {
    const arena = new StepArena();
    const round = (): Array<Float64Array | Float32Array> =>
      withArena(arena, () =>
        [Tensor.zeros([3, 5]), Tensor.zeros([7], "float32"), Tensor.full([2, 2], 4)].map((t) => t.data),
      );
    const first = round();
    const second = round(); // overflowed the first time (no chunk yet): now one chunk holds it all
    const third = round();
    expect(arena.capacity).to.be.at.least(3 * 64 + 64);
    for (const [a, b] of second.map((s, i) => [s, third[i]!] as const)) {
      expect(b.buffer).to.equal(a.buffer);
      expect(b.byteOffset).to.equal(a.byteOffset);
    }
    const spans = third.map((s) => [s.byteOffset, s.byteOffset + s.byteLength] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 0; i < spans.length; i++) {
      expect(spans[i]![0] % 64, "aligned").to.equal(0);
      if (i > 0) expect(spans[i]![0], "disjoint").to.be.at.least(spans[i - 1]![1]);
    }
    expect(Array.from(third[0]!)).to.deep.equal(new Array(15).fill(0));
    expect(Array.from(third[1]!)).to.deep.equal(new Array(7).fill(0));
    expect(Array.from(third[2]!)).to.deep.equal([4, 4, 4, 4]);
    expect(first[0]!.buffer === third[0]!.buffer && first[0]!.byteOffset === third[0]!.byteOffset).to.equal(false);
  });

  it("zeroes storage that the previous round wrote", () => {
    const arena = new StepArena();
    withArena(arena, () => Tensor.full([100], 7));
    withArena(arena, () => Tensor.full([100], 7));
    const again = withArena(arena, () => Tensor.zeros([100]).data);
    expect(Array.from(again)).to.deep.equal(new Array(100).fill(0));
  });

  it("clone and astype inside a step copy into the arena; outsideArena(() => t.clone()) keeps a copy past it", () => {
    const arena = new StepArena(true);
    const src = Tensor.from([1, -2, 3.5], [3]);
    const { inside, cast, kept } = withArena(arena, () => ({
      inside: src.clone(),
      cast: src.astype("float32"),
      kept: outsideArena(() => src.clone()),
    }));
    expect(Array.from(inside.data)).to.deep.equal([1, -2, 3.5]);
    expect(Array.from(cast.data)).to.deep.equal([1, -2, 3.5]);
    withArena(arena, () => Tensor.zeros([1]));
    // The next round poisons the last one's storage: the arena copies are gone, the kept one is not.
    expect(Number.isNaN(inside.data[0])).to.equal(true);
    expect(Number.isNaN(cast.data[0])).to.equal(true);
    expect(Array.from(kept.data)).to.deep.equal([1, -2, 3.5]);
  });

  it("grows after a round that needed more, keeping the earlier rounds' room", () => {
    const arena = new StepArena();
    withArena(arena, () => Tensor.zeros([10]));
    withArena(arena, () => Tensor.zeros([10]));
    const small = arena.capacity;
    withArena(arena, () => [Tensor.zeros([1000]), Tensor.zeros([500], "float32")]);
    withArena(arena, () => Tensor.zeros([10]));
    expect(arena.capacity)
      .to.be.at.least(8000 + 2000)
      .and.above(small);
  });

  it("poison mode fills the last round's storage with NaN (float64 and float32)", () => {
    const arena = new StepArena(true);
    withArena(arena, () => Tensor.zeros([1]));
    const [a, b] = withArena(arena, () => [Tensor.full([4], 1), Tensor.full([4], 2, "float32")]);
    withArena(arena, () => 0);
    for (const v of [...a!.data, ...b!.data]) expect(v).to.be.NaN;
  });

  it("is only active inside withArena; nests; a null arena changes nothing; outsideArena allocates fresh storage; restores after a throw", () => {
    const outer = new StepArena();
    const inner = new StepArena();
    expect(activeArena()).to.equal(null);
    withArena(outer, () => {
      expect(activeArena()).to.equal(outer);
      withArena(inner, () => expect(activeArena()).to.equal(inner));
      expect(activeArena()).to.equal(outer);
      const kept = outsideArena(() => Tensor.zeros([4]));
      expect(activeArena()).to.equal(outer);
      const cut = Tensor.zeros([4]);
      expect(kept.data.buffer).to.not.equal(cut.data.buffer);
      // A null arena (an optional one left out) runs fn with the storage that is current.
      withArena(null, () => expect(activeArena()).to.equal(outer));
    });
    withArena(null, () => expect(activeArena()).to.equal(null));
    expect(() =>
      withArena(outer, () => {
        throw new Error("boom");
      }),
    ).to.throw("boom");
    expect(activeArena()).to.equal(null);
  });

  it("parameters and optimizer state made inside a step never come from it", () => {
    const arena = new StepArena(true);
    const p = withArena(arena, () => ({ w: Tensor.zerosForKernels([3]), lin: new Linear(2, 2) }));
    p.w.data.set([1, 2, 3]);
    withArena(arena, () => Tensor.zeros([64]));
    withArena(arena, () => Tensor.zeros([64]));
    expect(Array.from(p.w.data)).to.deep.equal([1, 2, 3]);
    for (const v of p.lin.weight.value.data) expect(Number.isFinite(v)).to.equal(true);
  });

  it("exposes a layer that keeps a tensor across steps (poison mode), which arena: false avoids", () => {
    /** Adds the previous batch's mean output: keeps a tensor from the last step, against the rule. */
    class Remember extends Layer {
      private last: Tensor | null = null;
      forward(x: Tensor): Tensor {
        const out = this.last === null ? x.mul(1) : x.add(this.last.mean());
        this.last = out;
        return out;
      }
      backward(dout: Tensor): Tensor {
        return dout;
      }
    }
    const fit = (arena: boolean | StepArena): number => {
      const rng = new Rng(1);
      const model = new Sequential(new Linear(4, 3, { rng }), new Remember());
      const { history } = train({
        model,
        loss: softmaxCrossEntropy,
        optimizer: new SGD(model.parameters(), { lr: 0.1 }),
        train: randomSet(64, [4], 3, 9, "float64"),
        epochs: 1,
        batchSize: 8,
        seed: 2,
        progress: false,
        arena,
      });
      return history[0]!.trainLoss;
    };
    expect(fit(false)).to.be.finite;
    expect(() => fit(new StepArena(true))).to.throw(/NaN/);
  });

  for (const dtype of ["float64", "float32"] as DType[]) {
    it(`train/evaluate/predict give the same numbers with the arena as without (reference kernels, ${dtype})`, () => {
      expectSameRun(trainCnn(dtype, new StepArena(true)), trainCnn(dtype, false), "CNN");
      expectSameRun(trainMlp(dtype, new StepArena(true)), trainMlp(dtype, false), "MLP");
      expectSameRun(trainMlp(dtype, true), trainMlp(dtype, false), "MLP, default arena");
    });
  }

  describe("under the wasm kernels", () => {
    before(function () {
      if (!wasmKernelsSupported()) this.skip();
      setKernels(wasmKernels);
      setWasmThreads(true, true);
    });
    after(() => {
      setKernels(null);
    });

    it("the arena's storage lives in the WebAssembly memory", () => {
      const arena = new StepArena();
      withArena(arena, () => Tensor.zeros([8]));
      const t = withArena(arena, () => Tensor.zeros([8], "float32"));
      expect(isWasmStorage(t.data)).to.equal(true);
    });

    it("zeroes storage in the memory that the previous round wrote (odd lengths, both dtypes)", () => {
      const arena = new StepArena(true);
      const shapes: [number[], "float64" | "float32"][] = [
        [[37], "float32"],
        [[3, 5], "float64"],
        [[1001], "float32"],
      ];
      withArena(arena, () => shapes.map(([shape, dtype]) => Tensor.full(shape, 7, dtype)));
      withArena(arena, () => shapes.map(([shape, dtype]) => Tensor.full(shape, -3, dtype)));
      const again = withArena(arena, () => shapes.map(([shape, dtype]) => Tensor.zeros(shape, dtype).data));
      for (const d of again) {
        expect(isWasmStorage(d)).to.equal(true);
        expect(
          Array.from(d).every((v) => Object.is(v, 0)),
          `${d.length} zeros`,
        ).to.equal(true);
      }
    });

    it("Conv2d writes its output and dx in place in the memory, with the copied path's bits", () => {
      for (const dtype of ["float64", "float32"] as DType[]) {
        const rng = new Rng(6);
        const conv = new Conv2d(3, 8, 3, { padding: 1, stride: 2, rng, dtype });
        const x = Tensor.randn([5, 3, 9, 9], rng, { dtype });
        const dout = Tensor.randn([5, 8, 5, 5], rng, { dtype });
        const pass = (): number[][] => {
          const out = conv.forward(x);
          const dx = conv.backward(dout);
          return [
            Array.from(out.data),
            Array.from(dx.data),
            Array.from(conv.weight.grad.data),
            Array.from(conv.bias!.grad.data),
          ];
        };
        const copied = pass();
        const arena = new StepArena(true);
        withArena(arena, pass);
        const inPlace = withArena(arena, () => {
          const out = conv.forward(x);
          expect(isWasmStorage(out.data)).to.equal(true);
          const dx = conv.backward(dout);
          expect(isWasmStorage(dx.data)).to.equal(true);
          return [
            Array.from(out.data),
            Array.from(dx.data),
            Array.from(conv.weight.grad.data),
            Array.from(conv.bias!.grad.data),
          ];
        });
        expect(inPlace, dtype).to.deep.equal(copied);
      }
    });

    for (const dtype of ["float64", "float32"] as DType[]) {
      it(`training with activations in the memory (products in place) matches copied operands (${dtype})`, () => {
        expectSameRun(trainCnn(dtype, new StepArena(true)), trainCnn(dtype, false), "CNN");
        expectSameRun(trainMlp(dtype, new StepArena(true)), trainMlp(dtype, false), "MLP");
      });
    }
  });
});
