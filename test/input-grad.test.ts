// Skipping the input's gradient where nothing needs it (Layer.inputGrad): Linear and Conv2d then leave
// out their largest product and return an empty tensor, with the same parameter gradients; Sequential
// works out which layers need it and restores the layers' own settings; a layer handed the empty
// tensor says why; train() uses it and gives exactly the same training as computing everything.
import { expect } from "chai";
import { blobs } from "../lib/data/synthetic";
import { ReLU } from "../lib/layers/activations";
import { Conv2d } from "../lib/layers/conv2d";
import { Flatten } from "../lib/layers/flatten";
import { Layer } from "../lib/layers/layer";
import { Linear } from "../lib/layers/linear";
import { Sequential } from "../lib/layers/sequential";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { SGD } from "../lib/optim/sgd";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { train } from "../lib/training/trainer";

function sameBits(a: Tensor, b: Tensor, what: string): void {
  expect(a.shape, what).to.deep.equal(b.shape);
  for (let i = 0; i < a.size; i++)
    if (!Object.is(a.data[i], b.data[i])) expect.fail(`${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`);
}

/** Records which layers were asked for their input's gradient. */
class Probe extends Layer {
  calls: boolean[] = [];
  forward(x: Tensor): Tensor {
    return x;
  }
  backward(dout: Tensor): Tensor {
    this.calls.push(this.inputGrad);
    return dout;
  }
}

describe("skipping the input's gradient (inputGrad)", () => {
  it("Linear: the same dW and db, and an empty tensor instead of dx", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const rng = new Rng(1);
      const lin = new Linear(7, 4, { rng, dtype });
      const x = Tensor.randn([5, 7], rng, { dtype });
      const dout = Tensor.randn([5, 4], rng, { dtype });
      lin.forward(x);
      const dx = lin.backward(dout);
      expect(dx.shape).to.deep.equal([5, 7]);
      const dW = lin.weight.grad.clone(),
        db = lin.bias!.grad.clone();
      lin.inputGrad = false;
      lin.forward(x);
      const skipped = lin.backward(dout);
      expect(skipped.shape).to.deep.equal([0]);
      expect(skipped.dtype).to.equal(dtype);
      sameBits(lin.weight.grad, dW, "dW");
      sameBits(lin.bias!.grad, db, "db");
    }
  });

  it("Conv2d: the same dW and db without dx (reference kernels and the per-image loop)", () => {
    const rng = new Rng(2);
    const conv = new Conv2d(3, 5, 3, { padding: 1, stride: 2, rng });
    const x = Tensor.randn([2, 3, 7, 6], rng);
    const out = conv.forward(x);
    const dout = Tensor.randn(out.shape, rng);
    expect(conv.backward(dout).shape).to.deep.equal([2, 3, 7, 6]);
    const dW = conv.weight.grad.clone(),
      db = conv.bias!.grad.clone();
    conv.weight.grad.fill(NaN);
    conv.inputGrad = false;
    conv.forward(x);
    expect(conv.backward(dout).shape).to.deep.equal([0]);
    sameBits(conv.weight.grad, dW, "dW");
    sameBits(conv.bias!.grad, db, "db");
  });

  it("a layer handed the empty tensor as its upstream gradient names the cause", () => {
    const rng = new Rng(3);
    const relu = new ReLU();
    const lin = new Linear(3, 2, { rng });
    lin.inputGrad = false;
    const h = relu.forward(Tensor.randn([4, 3], rng));
    lin.forward(h);
    const dh = lin.backward(Tensor.ones([4, 2]));
    expect(() => relu.backward(dh)).to.throw(
      "ReLU.backward: the upstream gradient is empty: the layer after this one skipped its input's gradient",
    );
  });

  it("Sequential asks only layers with parameters before them (or all, when its own input's gradient is wanted) and stops there; backward changes no setting", () => {
    const rng = new Rng(4);
    const p0 = new Probe(),
      p1 = new Probe(),
      p2 = new Probe(),
      p3 = new Probe();
    const first = new Linear(6, 5, { rng });
    const model = new Sequential(p0, new Flatten(), p1, first, p2, new ReLU(), new Linear(5, 3, { rng }), p3);
    const x = Tensor.randn([2, 6], rng);
    model.forward(x);
    const dx = model.backward(Tensor.ones([2, 3]));
    expect(dx.shape).to.deep.equal([2, 6]);
    model.inputGrad = false;
    model.forward(x);
    const skipped = model.backward(Tensor.ones([2, 3]));
    expect(skipped.shape).to.deep.equal([0]);
    // Below the first Linear nothing has parameters: those layers are not run at all.
    expect([p0.calls, p1.calls, p2.calls, p3.calls]).to.deep.equal([[true], [true], [true, true], [true, true]]);
    // The model set its layers' inputGrad when its own changed (the first Linear and what comes before
    // it do without), and backward left them as they were.
    expect(model.layers.map((l) => l.inputGrad)).to.deep.equal([false, false, false, false, true, true, true, true]);
    // And the parameter gradients are the same either way.
    const dW = first.weight.grad.clone();
    model.inputGrad = true;
    expect(model.layers.every((l) => l.inputGrad)).to.equal(true);
    model.forward(x);
    model.backward(Tensor.ones([2, 3]));
    sameBits(first.weight.grad, dW, "first layer dW");
  });

  it("a Sequential inside a Sequential passes the setting on to its own layers", () => {
    const rng = new Rng(7);
    const inner = new Sequential(new Flatten(), new Linear(4, 3, { rng }), new ReLU());
    const model = new Sequential(new Flatten(), inner, new Linear(3, 2, { rng }));
    model.inputGrad = false;
    expect([model.layers[0]!.inputGrad, inner.inputGrad, model.layers[2]!.inputGrad]).to.deep.equal([
      false,
      false,
      true,
    ]);
    expect(inner.layers.map((l) => l.inputGrad)).to.deep.equal([false, false, true]);
    const x = Tensor.randn([2, 2, 2], rng);
    model.forward(x);
    expect(model.backward(Tensor.ones([2, 2])).shape).to.deep.equal([0]);
    model.inputGrad = true;
    expect(inner.layers.every((l) => l.inputGrad)).to.equal(true);
    model.forward(x);
    expect(model.backward(Tensor.ones([2, 2])).shape).to.deep.equal([2, 2, 2]);
  });

  it("train() skips the model's input gradient, with the weights of a loop that computes it, and leaves inputGrad as it was", () => {
    const data = blobs(
      [
        [0, 0],
        [3, 1],
        [1, 4],
      ],
      { perClass: 20, seed: 5 },
    );
    const build = (): Sequential => {
      const rng = new Rng(6);
      return new Sequential(new Linear(2, 8, { rng }), new ReLU(), new Linear(8, 3, { rng }));
    };
    const viaTrain = build();
    const probe = viaTrain.layers[0]!;
    const asked: boolean[] = [];
    const original = probe.backward.bind(probe);
    probe.backward = (dout: Tensor): Tensor => {
      asked.push(probe.inputGrad);
      return original(dout);
    };
    train({
      model: viaTrain,
      train: data,
      epochs: 2,
      batchSize: 60,
      loss: softmaxCrossEntropy,
      optimizer: new SGD(viaTrain.parameters(), { lr: 0.1 }),
      seed: 1,
      progress: false,
    });
    expect(asked).to.deep.equal([false, false]);
    expect(viaTrain.inputGrad).to.equal(true);
    // The same two full-batch steps by hand, computing every gradient.
    const byHand = build();
    const opt = new SGD(byHand.parameters(), { lr: 0.1 });
    for (let epoch = 0; epoch < 2; epoch++) {
      const { grad } = softmaxCrossEntropy(byHand.forward(data.x), data.y);
      expect(byHand.backward(grad).shape).to.deep.equal(data.x.shape);
      opt.step();
    }
    // train() shuffles the one batch, which only reorders the sums: equal within rounding.
    viaTrain.parameters().forEach((p, i) => {
      const q = byHand.parameters()[i]!.value;
      for (let j = 0; j < p.value.size; j++)
        expect(Math.abs(p.value.data[j]! - q.data[j]!), `${p.name}[${j}]`).to.be.below(1e-12);
    });
  });

  it("train() gives the model its inputGrad back when a run fails, and keeps it off through onEpoch", () => {
    const data = blobs(
      [
        [0, 0],
        [3, 1],
      ],
      { perClass: 10, seed: 2 },
    );
    const model = new Sequential(new Linear(2, 2, { rng: new Rng(1) }));
    const during: boolean[] = [];
    const run = (loss = softmaxCrossEntropy): void => {
      train({
        model,
        train: data,
        epochs: 1,
        batchSize: 20,
        loss,
        optimizer: new SGD(model.parameters(), { lr: 0.1 }),
        onEpoch: () => during.push(model.inputGrad),
        progress: false,
      });
    };
    run();
    expect(during).to.deep.equal([false]);
    expect(model.inputGrad).to.equal(true);
    model.inputGrad = false;
    run();
    expect(model.inputGrad).to.equal(false);
    model.inputGrad = true;
    expect(() =>
      run(() => {
        throw new Error("a loss that fails");
      }),
    ).to.throw("a loss that fails");
    expect(model.inputGrad).to.equal(true);
  });
});
