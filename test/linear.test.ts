import { expect } from "chai";
import type * as tfjs from "@tensorflow/tfjs";
import { allclose, checkLayer, relError } from "../lib/gradcheck";
import { Linear } from "../lib/layers/linear";
import { Rng } from "../lib/random";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

/** A Linear layer with random (non-zero) weights and bias, so every gradient is exercised. */
function randomLinear(inF: number, outF: number, rng: Rng, opts: { bias?: boolean; dtype?: DType } = {}): Linear {
  const l = new Linear(inF, outF, { rng, bias: opts.bias ?? true, dtype: opts.dtype ?? "float64" });
  l.bias?.value.copyFrom(Tensor.randn([outF], rng));
  return l;
}

const tfOf = (t: Tensor): tfjs.Tensor => tf.tensor(Array.from(t.data), [...t.shape], "float32");

/** float32 agreement, scaled by the largest reference entry (sums of many terms lose relative precision). */
function expectCloseToTf(ours: Tensor, theirs: tfjs.Tensor, what: string): void {
  expect(ours.shape, what).to.deep.equal(theirs.shape);
  const ref = theirs.dataSync();
  let scale = 1;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  expect(allclose(ours, ref, { rtol: 1e-4, atol: 1e-5 * scale }), `${what}: max |diff| vs tfjs`).to.equal(true);
}

describe("Linear", function () {
  this.timeout(20000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });

  it("computes x W + b like an index-by-index loop", () => {
    const rng = new Rng(1);
    const l = randomLinear(5, 3, rng);
    const x = Tensor.randn([4, 5], rng);
    const out = l.forward(x);
    expect(out.shape).to.deep.equal([4, 3]);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        let s = l.bias!.value.get(j);
        for (let p = 0; p < 5; p++) s += x.get(i, p) * l.weight.value.get(p, j);
        expect(out.get(i, j)).to.be.closeTo(s, 1e-13);
      }
    }
    const noBias = randomLinear(5, 3, rng, { bias: false });
    const out2 = noBias.forward(x);
    expect(relError(out2, x.matmul(noBias.weight.value))).to.be.at.most(1e-14);
  });

  it("backward matches centred differences in float64 (max rel error <= 1e-8), with and without bias", () => {
    const rng = new Rng(2);
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [5, 6, 4],
      [3, 17, 9],
      [8, 2, 5],
    ];
    for (const bias of [true, false]) {
      for (const [n, inF, outF] of shapes) {
        const l = randomLinear(inF, outF, rng, { bias });
        const report = checkLayer(l, Tensor.randn([n, inF], rng), { seed: n + inF });
        expect(report.ok, report.toString()).to.equal(true);
        expect(report.rows.map((r) => r.name)).to.deep.equal(bias ? ["input", "W", "b"] : ["input", "W"]);
        expect(report.rows.map((r) => r.shape)).to.deep.equal(
          bias
            ? [[n, inF], [inF, outF], [outF]]
            : [
                [n, inF],
                [inF, outF],
              ],
        );
        for (const row of report.rows) expect(row.maxRelError, `${row.name} ${n}x${inF}->${outF}`).to.be.at.most(1e-8);
      }
    }
    // Also with the classic two-point stencil and h = 1e-5 (a linear map has no truncation error).
    const l = randomLinear(7, 3, rng);
    const report = checkLayer(l, Tensor.randn([4, 7], rng), { order: 2, h: 1e-5 });
    expect(report.ok, report.toString()).to.equal(true);
  });

  it("backward gives dW = x^T dout, db = column sums of dout, dx = dout W^T", () => {
    const rng = new Rng(3);
    const l = randomLinear(6, 4, rng);
    const x = Tensor.randn([5, 6], rng);
    const dout = Tensor.randn([5, 4], rng);
    l.forward(x);
    const dx = l.backward(dout);
    expect(relError(dx, dout.matmul(l.weight.value.T))).to.be.at.most(1e-14);
    expect(relError(l.weight.grad, x.T.matmul(dout))).to.be.at.most(1e-14);
    expect(relError(l.bias!.grad, dout.sum(0))).to.be.at.most(1e-14);
  });

  for (const dtype of ["float64", "float32"] as const) {
    for (const bias of [true, false]) {
      it(`forward and backward agree with tfjs (tf.matMul + bias, tf.grads): ${dtype}, ${bias ? "with" : "without"} bias`, () => {
        const rng = new Rng(bias ? 4 : 5);
        // 70 x 130 -> 66 crosses the gemm block edges.
        for (const [n, inF, outF] of [
          [5, 13, 7],
          [70, 130, 66],
        ] as [number, number, number][]) {
          const l = randomLinear(inF, outF, rng, { bias, dtype });
          const x = Tensor.randn([n, inF], rng, { dtype });
          const dout = Tensor.randn([n, outF], rng, { dtype });
          const out = l.forward(x);
          const dx = l.backward(dout);
          expect(out.dtype).to.equal(dtype);
          expect(dx.dtype).to.equal(dtype);
          const model = (a: tfjs.Tensor, w: tfjs.Tensor, b?: tfjs.Tensor): tfjs.Tensor =>
            b ? tf.add(tf.matMul(a, w), b) : tf.matMul(a, w);
          const inputs = [tfOf(x), tfOf(l.weight.value), ...(bias ? [tfOf(l.bias!.value)] : [])];
          const loss = (...args: tfjs.Tensor[]): tfjs.Tensor =>
            tf.sum(tf.mul(model(args[0]!, args[1]!, args[2]), tfOf(dout)));
          const grads = tf.grads(loss)(inputs);
          expectCloseToTf(out, model(inputs[0]!, inputs[1]!, inputs[2]), "out");
          expectCloseToTf(dx, grads[0]!, "dx");
          expectCloseToTf(l.weight.grad, grads[1]!, "dW");
          if (bias) expectCloseToTf(l.bias!.grad, grads[2]!, "db");
          tf.dispose([...inputs, ...grads]);
        }
      });
    }
  }

  it("backward SETS the gradients for the last forward (calling it twice does not accumulate)", () => {
    const rng = new Rng(6);
    const l = randomLinear(3, 2, rng);
    const x = Tensor.randn([4, 3], rng);
    const dout = Tensor.randn([4, 2], rng);
    l.forward(x);
    l.backward(dout);
    const dW = l.weight.grad.clone();
    const db = l.bias!.grad.clone();
    l.backward(dout);
    expect(l.weight.grad.toFlatArray()).to.deep.equal(dW.toFlatArray());
    expect(l.bias!.grad.toFlatArray()).to.deep.equal(db.toFlatArray());
    // Pre-existing garbage (even NaN) in the gradient buffers is overwritten.
    l.weight.grad.fill(NaN);
    l.bias!.grad.fill(NaN);
    l.backward(dout);
    expect(l.weight.grad.toFlatArray()).to.deep.equal(dW.toFlatArray());
    expect(l.bias!.grad.toFlatArray()).to.deep.equal(db.toFlatArray());
    // A new forward changes what backward uses.
    const x2 = Tensor.randn([2, 3], rng);
    l.forward(x2);
    l.backward(Tensor.ones([2, 2]));
    expect(relError(l.weight.grad, x2.T.matmul(Tensor.ones([2, 2])))).to.be.at.most(1e-14);
    expect(l.bias!.grad.toFlatArray()).to.deep.equal([2, 2]);
  });

  it("initialises W with the requested std and b with zeros; lists its parameters", () => {
    const rng = new Rng(7);
    const std = (t: Tensor): number => Math.sqrt(t.variance().item());
    expect(std(new Linear(200, 300, { rng }).weight.value)).to.be.closeTo(Math.sqrt(2 / 200), 0.003);
    expect(std(new Linear(200, 300, { rng, init: "xavier" }).weight.value)).to.be.closeTo(Math.sqrt(1 / 200), 0.002);
    expect(std(new Linear(200, 300, { rng, init: 0.5 }).weight.value)).to.be.closeTo(0.5, 0.01);
    const l = new Linear(4, 3);
    expect(l.weight.value.shape).to.deep.equal([4, 3]);
    expect(l.bias!.value.toFlatArray()).to.deep.equal([0, 0, 0]);
    expect(l.parameters().map((p) => [p.name, p.decay])).to.deep.equal([
      ["W", true],
      ["b", false],
    ]);
    expect(l.parameterCount()).to.equal(15);
    expect(l.describe()).to.equal("Linear(4 -> 3)");
    const nb = new Linear(4, 3, { bias: false });
    expect(nb.bias).to.equal(null);
    expect(nb.parameters().map((p) => p.name)).to.deep.equal(["W"]);
    expect(nb.describe()).to.equal("Linear(4 -> 3, no bias)");
    // Seeded: same rng seed, same weights.
    expect(new Linear(3, 2, { rng: new Rng(9) }).weight.value.toFlatArray()).to.deep.equal(
      new Linear(3, 2, { rng: new Rng(9) }).weight.value.toFlatArray(),
    );
  });

  it("names expected vs got shapes on bad input and bad upstream gradients", () => {
    const l = new Linear(4, 2);
    expect(() => l.forward(Tensor.zeros([3, 5]))).to.throw(
      /Linear\.forward: expected input of shape \[N, 4\] \(batch x inFeatures\), got \[3, 5\]/,
    );
    expect(() => l.forward(Tensor.zeros([4]))).to.throw(/expected input of shape \[N, 4\].*got \[4\]/);
    expect(() => l.forward(Tensor.zeros([2, 3, 4]))).to.throw(/expected input of shape \[N, 4\].*got \[2, 3, 4\]/);
    expect(() => new Linear(4, 2).backward(Tensor.zeros([3, 2]))).to.throw(/Linear\.backward: called before forward/);
    l.forward(Tensor.zeros([3, 4]));
    expect(() => l.backward(Tensor.zeros([3, 3]))).to.throw(
      /Linear\.backward: upstream gradient has shape \[3, 3\], expected the forward output's shape \[3, 2\]/,
    );
    expect(() => l.backward(Tensor.zeros([2, 2]))).to.throw(/shape \[2, 2\], expected.*\[3, 2\]/);
    const x = Tensor.ones([2, 4]);
    x.set(NaN, 1, 3);
    expect(() => l.forward(x)).to.throw(/Linear\.forward input: NaN at index \[1, 3\] of shape \[2, 4\]/);
  });

  it("refuses mixed dtypes, naming both dtypes and shapes", () => {
    const l = new Linear(4, 2); // float64
    expect(() => l.forward(Tensor.zeros([3, 4], "float32"))).to.throw(
      /Linear\.forward: dtype mismatch: input float32 \[3, 4\] vs weight float64 \[4, 2\]/,
    );
    l.forward(Tensor.zeros([3, 4]));
    expect(() => l.backward(Tensor.zeros([3, 2], "float32"))).to.throw(
      /Linear\.backward: dtype mismatch: upstream gradient float32 \[3, 2\] vs weight float64 \[4, 2\]/,
    );
    const l32 = new Linear(4, 2, { dtype: "float32" });
    expect(() => l32.forward(Tensor.zeros([3, 4]))).to.throw(/input float64 \[3, 4\] vs weight float32 \[4, 2\]/);
  });

  it("a float32 model works end to end: float32 everywhere, close to float64, and it learns", () => {
    const rng = new Rng(8);
    const l64 = randomLinear(6, 3, rng);
    const l32 = new Linear(6, 3, { dtype: "float32" });
    expect(l32.weight.value.dtype).to.equal("float32");
    expect(l32.bias!.value.dtype).to.equal("float32");
    l32.weight.value.copyFrom(l64.weight.value);
    l32.bias!.value.copyFrom(l64.bias!.value);
    const x = Tensor.randn([10, 6], rng);
    const dout = Tensor.randn([10, 3], rng);
    const out32 = l32.forward(x.astype("float32"));
    const dx32 = l32.backward(dout.astype("float32"));
    const out64 = l64.forward(x);
    const dx64 = l64.backward(dout);
    for (const t of [out32, dx32, l32.weight.grad, l32.bias!.grad]) expect(t.data).to.be.instanceOf(Float32Array);
    expect(allclose(out32, out64, { rtol: 1e-5, atol: 1e-5 })).to.equal(true);
    expect(allclose(dx32, dx64, { rtol: 1e-5, atol: 1e-5 })).to.equal(true);
    expect(allclose(l32.weight.grad, l64.weight.grad, { rtol: 1e-5, atol: 1e-5 })).to.equal(true);
    expect(allclose(l32.bias!.grad, l64.bias!.grad, { rtol: 1e-5, atol: 1e-5 })).to.equal(true);

    // Fit a known linear map y = x A + c by gradient descent on the mean squared error, in float32.
    const a = Tensor.randn([6, 3], rng, { dtype: "float32" });
    const c = Tensor.randn([3], rng, { dtype: "float32" });
    const xs = Tensor.randn([64, 6], rng, { dtype: "float32" });
    const ys = xs.matmul(a).add(c);
    const model = new Linear(6, 3, { dtype: "float32", rng: new Rng(9) });
    const mse = (): number => model.forward(xs).sub(ys).square().meanAll();
    const initial = mse();
    for (let step = 0; step < 300; step++) {
      const diff = model.forward(xs).sub(ys);
      model.backward(diff.mul(2 / diff.size));
      for (const p of model.parameters()) {
        expect(p.grad.dtype).to.equal("float32");
        p.value.addInPlace(p.grad, -0.1);
      }
    }
    const final = mse();
    expect(final).to.be.below(1e-6 * initial);
    expect(allclose(model.weight.value, a, { rtol: 1e-3, atol: 1e-3 })).to.equal(true);
    expect(allclose(model.bias!.value, c, { rtol: 1e-3, atol: 1e-3 })).to.equal(true);
  });
});
