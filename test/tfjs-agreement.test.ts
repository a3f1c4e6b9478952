// Forward and backward passes agree with TensorFlow.js (float32) on random inputs.
import { expect } from "chai";
import type * as tfjs from "@tensorflow/tfjs";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { Conv2d } from "../lib/layers/conv2d";
import { Linear } from "../lib/layers/linear";
import { AvgPool2d, MaxPool2d } from "../lib/layers/pool";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { loadTfjs, type Tfjs } from "../lib/tfjs";

/** TensorFlow.js for the agreement checks (lib/tfjs.ts: tfjs-node when installed, else the cpu backend). */
let tf: Tfjs;

/** float32 agreement: |a - b| <= atol + rtol * max|b| (scaled, since sums of many terms lose relative precision). */
function expectClose(ours: Tensor, theirs: tfjs.Tensor, what: string, rtol = 1e-4): void {
  expect(ours.shape, what).to.deep.equal(theirs.shape);
  const ref = theirs.dataSync();
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  const tol = rtol * Math.max(1, scale);
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(ours.data[i]! - ref[i]!);
    if (!(diff <= tol))
      expect.fail(
        `${what}: entry ${i}: ours ${ours.data[i]}, tfjs ${ref[i]} (|diff| ${diff.toExponential(2)} > ${tol.toExponential(2)})`,
      );
  }
}

const tfOf = (t: Tensor): tfjs.Tensor => tf.tensor(Array.from(t.data), [...t.shape], "float32");
/** NCHW (ours) <-> NHWC (tfjs). */
const toNHWC = (t: tfjs.Tensor): tfjs.Tensor => tf.transpose(t, [0, 2, 3, 1]);
const toNCHW = (t: tfjs.Tensor): tfjs.Tensor => tf.transpose(t, [0, 3, 1, 2]);

describe("agreement with TensorFlow.js", function () {
  this.timeout(30000);
  before(async () => {
    ({ tf } = await loadTfjs());
  });
  const rng = new Rng(99);

  it("Linear: out, dx, dW, db", () => {
    const lin = new Linear(13, 7, { rng });
    lin.bias!.value.copyFrom(Tensor.randn([7], rng));
    const x = Tensor.randn([5, 13], rng);
    const dout = Tensor.randn([5, 7], rng);
    const out = lin.forward(x);
    const dx = lin.backward(dout);
    const f = (a: tfjs.Tensor, w: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor =>
      tf.sum(tf.mul(tf.add(tf.matMul(a, w), b), tfOf(dout)));
    const [gx, gw, gb] = tf.grads(f as (...args: tfjs.Tensor[]) => tfjs.Tensor)([
      tfOf(x),
      tfOf(lin.weight.value),
      tfOf(lin.bias!.value),
    ]);
    expectClose(out, tf.add(tf.matMul(tfOf(x), tfOf(lin.weight.value)), tfOf(lin.bias!.value)), "Linear out");
    expectClose(dx, gx!, "Linear dx");
    expectClose(lin.weight.grad, gw!, "Linear dW");
    expectClose(lin.bias!.grad, gb!, "Linear db");
  });

  for (const { stride, pad, k } of [
    { stride: 1, pad: 0, k: 3 },
    { stride: 2, pad: 1, k: 3 },
    { stride: 1, pad: 2, k: 5 },
  ]) {
    it(`Conv2d (kernel ${k}, stride ${stride}, padding ${pad}): out, dx, dW, db`, () => {
      const conv = new Conv2d(3, 4, k, { stride, padding: pad, rng });
      conv.bias!.value.copyFrom(Tensor.randn([4], rng));
      const x = Tensor.randn([2, 3, 9, 8], rng);
      const out = conv.forward(x);
      const dout = Tensor.randn(out.shape, rng);
      const dx = conv.backward(dout);
      const padding: [[number, number], [number, number], [number, number], [number, number]] = [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ];
      const forward = (a: tfjs.Tensor, w: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor =>
        toNCHW(
          tf.add(
            tf.conv2d(toNHWC(a) as tfjs.Tensor4D, tf.transpose(w, [2, 3, 1, 0]) as tfjs.Tensor4D, stride, padding),
            b,
          ),
        );
      const f = (a: tfjs.Tensor, w: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor =>
        tf.sum(tf.mul(forward(a, w, b), tfOf(dout)));
      const inputs = [tfOf(x), tfOf(conv.weight.value), tfOf(conv.bias!.value)];
      const [gx, gw, gb] = tf.grads(f as (...args: tfjs.Tensor[]) => tfjs.Tensor)(inputs);
      expectClose(out, forward(inputs[0]!, inputs[1]!, inputs[2]!), "Conv2d out");
      expectClose(dx, gx!, "Conv2d dx");
      expectClose(conv.weight.grad, gw!, "Conv2d dW");
      expectClose(conv.bias!.grad, gb!, "Conv2d db");
    });
  }

  it("MaxPool2d and AvgPool2d: out and dx", () => {
    const x = Tensor.randn([2, 3, 6, 6], rng);
    for (const [layer, tfPool] of [
      [new MaxPool2d(2), tf.maxPool],
      [new AvgPool2d(3, 1), tf.avgPool],
    ] as const) {
      const out = layer.forward(x);
      const dout = Tensor.randn(out.shape, rng);
      const dx = layer.backward(dout);
      const [k, s] = [layer.kernelSize, layer.stride];
      const forward = (a: tfjs.Tensor): tfjs.Tensor => toNCHW(tfPool(toNHWC(a) as tfjs.Tensor4D, k, s, "valid"));
      const gx = tf.grad((a: tfjs.Tensor) => tf.sum(tf.mul(forward(a), tfOf(dout))))(tfOf(x));
      expectClose(out, forward(tfOf(x)), `${layer.name} out`);
      expectClose(dx, gx, `${layer.name} dx`);
    }
  });

  it("BatchNorm1d and BatchNorm2d (training mode): out, dx, dgamma, dbeta", () => {
    const cases: [BatchNorm1d | BatchNorm2d, number[], number[]][] = [
      [new BatchNorm1d(6), [10, 6], [0]],
      [new BatchNorm2d(3), [4, 3, 5, 5], [0, 2, 3]],
    ];
    for (const [bn, shape, axes] of cases) {
      bn.gamma.value.copyFrom(Tensor.randn(bn.gamma.value.shape, rng));
      bn.beta.value.copyFrom(Tensor.randn(bn.beta.value.shape, rng));
      const x = Tensor.randn(shape, rng, { mean: 2, std: 3 });
      const out = bn.forward(x);
      const dout = Tensor.randn(out.shape, rng);
      const dx = bn.backward(dout);
      const bshape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      // Written from elementary ops (tf.batchNorm's gradient mishandles a broadcast scale in tfjs 4.22).
      const forward = (a: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor => {
        const { mean, variance } = tf.moments(a, axes, true);
        const xhat = tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, bn.eps)));
        return tf.add(tf.mul(xhat, tf.reshape(g, bshape)), tf.reshape(b, bshape));
      };
      const f = (a: tfjs.Tensor, g: tfjs.Tensor, b: tfjs.Tensor): tfjs.Tensor =>
        tf.sum(tf.mul(forward(a, g, b), tfOf(dout)));
      const inputs = [tfOf(x), tfOf(bn.gamma.value), tfOf(bn.beta.value)];
      const [gx, gg, gb] = tf.grads(f as (...args: tfjs.Tensor[]) => tfjs.Tensor)(inputs);
      expectClose(out, forward(inputs[0]!, inputs[1]!, inputs[2]!), `${bn.name} out`);
      expectClose(dx, gx!, `${bn.name} dx`);
      expectClose(bn.gamma.grad, gg!, `${bn.name} dgamma`);
      expectClose(bn.beta.grad, gb!, `${bn.name} dbeta`);
    }
  });

  it("softmax cross-entropy: loss and dlogits", () => {
    const logits = Tensor.randn([8, 10], rng, { std: 3 });
    const labels = Int32Array.from({ length: 8 }, () => rng.int(10));
    const { loss, grad } = softmaxCrossEntropy(logits, labels);
    const onehot = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
    const f = (z: tfjs.Tensor): tfjs.Scalar => tf.losses.softmaxCrossEntropy(onehot, z) as tfjs.Scalar;
    const ref = f(tfOf(logits)).dataSync()[0]!;
    expect(loss).to.be.closeTo(ref, 1e-5 * Math.max(1, ref));
    expectClose(grad, tf.grad(f)(tfOf(logits)), "softmaxCrossEntropy dlogits");
  });
});
