// Softmax and LogSoftmax over any axis, and the functional softmax / logSoftmax: gradient checks
// (float64, <= 1e-8), agreement with the last-axis form on the transpose, stability, masking, errors.
// PyTorch's numbers: pytorch-reference.test.ts.
import { expect } from "chai";
import { checkLayer, relError } from "../lib/gradcheck";
import { LogSoftmax, Softmax, logSoftmax, softmax, softmaxAlong } from "../lib/layers/softmax";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";

describe("Softmax and LogSoftmax over any axis", () => {
  const rng = new Rng(77);

  it("backward matches centred differences in float64 (max rel error <= 1e-8) on every axis", () => {
    for (const make of [(axis: number) => new Softmax({ axis }), (axis: number) => new LogSoftmax({ axis })]) {
      for (const [shape, axes] of [
        [
          [2, 3, 4],
          [0, 1, 2, -1, -3],
        ],
        [
          [5, 3],
          [0, 1],
        ],
        [[6], [0]],
      ] as [number[], number[]][]) {
        for (const axis of axes) {
          const layer = make(axis);
          const report = checkLayer(layer, Tensor.randn(shape, rng, { std: 2 }), { seed: axis + 3 });
          expect(report.ok, `${layer.describe()} on [${shape.join(", ")}]\n${report.toString()}`).to.equal(true);
        }
      }
    }
  });

  it("along axis a equals the last-axis form with that axis moved last (output and dx)", () => {
    const x = Tensor.randn([3, 4, 5], rng, { std: 2 });
    const dout = Tensor.randn([3, 4, 5], rng);
    for (const make of [(axis: number) => new Softmax({ axis }), (axis: number) => new LogSoftmax({ axis })]) {
      const along = make(1);
      const last = make(-1);
      const y = along.forward(x);
      const dx = along.backward(dout);
      // Axis 1 to the end: [3, 4, 5] -> [3, 5, 4]; the same permutation swaps back.
      const move = (t: Tensor): Tensor => t.transpose(0, 2, 1);
      const y2 = last.forward(move(x));
      const dx2 = last.backward(move(dout));
      expect(move(y).toFlatArray(), along.describe()).to.deep.equal(y2.toFlatArray());
      expect(relError(move(dx), dx2), along.describe()).to.be.at.most(1e-15);
    }
  });

  it("softmax slices sum to 1 along the axis; logSoftmax is their log, and exact where softmax underflows", () => {
    const x = Tensor.randn([2, 3, 2], rng, { std: 3 });
    const p = softmax(x, 1);
    const sums = p.sum(1).toFlatArray();
    sums.forEach((s) => expect(s).to.be.closeTo(1, 1e-15));
    expect(relError(logSoftmax(x, 1), p.log())).to.be.at.most(1e-14);
    // softmax of (0, -1000) is (1, 0): log(0) = -Infinity, while logSoftmax keeps -1000.
    expect(logSoftmax(tensor([0, -1000])).toFlatArray()).to.deep.equal([0, -1000]);
    expect(softmax(tensor([0, -1000])).toFlatArray()).to.deep.equal([1, 0]);
    // Shift invariance, along the axis only.
    const shifted = x.add(tensor([[[100]], [[-50]]]));
    expect(relError(softmax(shifted, 1), p)).to.be.at.most(1e-14);
    // The lse of each slice, in the order of the input without the axis: x [2, 3, 2] along 1 gives [2, 2].
    const { lse } = softmaxAlong(x, 1);
    expect(lse.length).to.equal(4);
    expect(lse[3]).to.be.closeTo(Math.log([0, 1, 2].reduce((a, k) => a + Math.exp(x.get(1, k, 1)), 0)), 1e-14);
  });

  it("LogSoftmax backward is dx = dout - p sum(dout) by hand; a -Infinity (masked) entry gets p = 0", () => {
    const ls = new LogSoftmax();
    const y = ls.forward(tensor([[0, -Infinity, Math.log(3)]]));
    expect(y.get(0, 0)).to.be.closeTo(Math.log(0.25), 1e-15);
    expect(y.get(0, 1)).to.equal(-Infinity);
    expect(y.get(0, 2)).to.be.closeTo(Math.log(0.75), 1e-15);
    const dx = ls.backward(tensor([[1, 2, 3]]));
    // sum(dout) = 6: dx = dout - 6 p with p = (1/4, 0, 3/4).
    [1 - 1.5, 2, 3 - 4.5].forEach((v, j) => expect(dx.get(0, j)).to.be.closeTo(v, 1e-15));
  });

  it("float32 in gives float32 out and gradients, matching float64", () => {
    const x = Tensor.randn([3, 4], rng);
    const dout = Tensor.randn([3, 4], rng);
    for (const make of [() => new Softmax({ axis: 0 }), () => new LogSoftmax({ axis: 0 })]) {
      const l32 = make();
      const l64 = make();
      const y32 = l32.forward(x.astype("float32"));
      const dx32 = l32.backward(dout.astype("float32"));
      expect([y32.dtype, dx32.dtype]).to.deep.equal(["float32", "float32"]);
      const y64 = l64.forward(x);
      const dx64 = l64.backward(dout);
      y32.data.forEach((v, i) => expect(v).to.be.closeTo(y64.data[i]!, 1e-6));
      dx32.data.forEach((v, i) => expect(v).to.be.closeTo(dx64.data[i]!, 1e-5));
    }
  });

  it("errors name the axis, the slice without a finite maximum, and the shapes", () => {
    expect(() => new Softmax({ axis: 2 }).forward(Tensor.zeros([2, 3]))).to.throw(
      /Softmax\.forward: axis 2 is out of range for a tensor with 2 dimensions/,
    );
    expect(() => new LogSoftmax({ axis: 1.5 })).to.throw(/LogSoftmax: axis must be an integer, got 1\.5/);
    expect(() => logSoftmax(Tensor.scalar(1))).to.throw(/logSoftmax: expected an input with at least 1 dimension/);
    const x = Tensor.zeros([2, 3, 2]);
    x.set(-Infinity, 1, 0, 1);
    x.set(-Infinity, 1, 1, 1);
    x.set(-Infinity, 1, 2, 1);
    expect(() => new LogSoftmax({ axis: 1 }).forward(x)).to.throw(
      /LogSoftmax\.forward: slice \[1, :, 1\] of input \[2, 3, 2\] has no finite maximum \(values -Infinity, -Infinity, -Infinity\)/,
    );
    expect(() => new Softmax().forward(tensor([[0, Infinity, 1]]))).to.throw(
      /Softmax\.forward: row 0 of input \[1, 3\] has no finite maximum/,
    );
    const ls = new LogSoftmax();
    ls.forward(Tensor.zeros([2, 3]));
    expect(() => ls.backward(Tensor.zeros([3, 2]))).to.throw(
      /LogSoftmax\.backward: upstream gradient has shape \[3, 2\], expected the forward output's shape \[2, 3\]/,
    );
    expect(() => ls.backward(Tensor.zeros([2, 3], "float32"))).to.throw(/LogSoftmax\.backward: dtype mismatch/);
    expect(new Softmax({ axis: 0 }).describe()).to.equal("Softmax(axis=0)");
    expect(new LogSoftmax().describe()).to.equal("LogSoftmax(axis=-1)");
  });
});
