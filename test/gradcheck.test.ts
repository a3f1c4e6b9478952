import { expect } from "chai";
import { allclose, checkLayer, gradCheckSparse, maxAbsError, numericalGradient, numericalGradientArray, relError } from "../lib/gradcheck";
import { Layer } from "../lib/layers/layer";
import { Linear } from "../lib/layers/linear";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { col2im, im2col } from "../lib/tensor/im2col";

describe("gradient checker", () => {
  it("relError follows max |a-b| / max(1e-8, |a|+|b|), with 0/0 = 0 and NaN never passing", () => {
    expect(relError(0, 0)).to.equal(0);
    expect(relError(1, 3)).to.equal(0.5);
    expect(relError([1, 2], [1, 2.2])).to.be.closeTo(0.2 / 4.2, 1e-15);
    expect(relError(1e-10, 0)).to.be.closeTo(1e-2, 1e-15); // the 1e-8 floor
    expect(relError([1, NaN], [1, 1])).to.be.NaN;
    expect(() => relError([1], [1, 2])).to.throw(/sizes differ: \[1\] vs \[2\]/);
    expect(maxAbsError(tensor([1, 5]), tensor([2, 5]))).to.equal(1);
  });

  it("allclose follows NumPy's |a - b| <= atol + rtol |b|", () => {
    expect(allclose([1, 2], [1 + 1e-6, 2], { rtol: 1e-5, atol: 0 })).to.equal(true);
    expect(allclose([1, 2], [1 + 1e-4, 2], { rtol: 1e-5, atol: 0 })).to.equal(false);
    expect(allclose([0], [1e-9])).to.equal(true);
    expect(allclose([NaN], [NaN])).to.equal(false);
  });

  it("numericalGradient of sum(x^3) is 3x^2 (both stencils)", () => {
    const x = Tensor.randn([3, 4], new Rng(1));
    const exact = x.mul(x).mul(3);
    for (const order of [2, 4] as const) {
      const g = numericalGradient(() => x.pow(3).sumAll(), x, order === 2 ? 1e-5 : 1e-3, order);
      expect(relError(g, exact)).to.be.at.most(1e-8);
    }
  });

  it("numericalGradientArray of a linear map is W^T dout", () => {
    const rng = new Rng(2);
    const w = Tensor.randn([3, 5], rng);
    const x = Tensor.randn([5], rng);
    const dout = Tensor.randn([3], rng);
    const g = numericalGradientArray(() => w.matmul(x), x, dout);
    expect(relError(g, w.T.matmul(dout))).to.be.at.most(1e-9);
  });

  it("gradCheckSparse samples the requested number of entries", () => {
    const x = Tensor.randn([10, 10], new Rng(3));
    const checks = gradCheckSparse(() => x.pow(2).sumAll(), x, x.mul(2), 7, { seed: 4 });
    expect(checks.length).to.equal(7);
    for (const c of checks) {
      expect(c.index.length).to.equal(2);
      expect(c.analytic).to.equal(2 * x.get(...c.index));
      expect(c.relError).to.be.at.most(1e-8);
    }
  });

  it("checkLayer flags a wrong backward and shows FAIL beside the threshold", () => {
    class WrongSquare extends Layer {
      private cache: { x: Tensor; outShape: readonly number[] } | null = null;
      forward(x: Tensor): Tensor {
        const out = x.mul(x);
        this.cache = { x, outShape: out.shape };
        return out;
      }
      backward(dout: Tensor): Tensor {
        const { x } = this.checkBackward(this.cache, dout);
        return dout.mul(x); // should be 2x
      }
    }
    const report = checkLayer(new WrongSquare(), Tensor.randn([2, 3], new Rng(5)));
    expect(report.ok).to.equal(false);
    expect(report.rows[0]!.maxRelError).to.be.closeTo(1 / 3, 1e-6); // |x - 2x| / (|x| + |2x|)
    expect(report.toString()).to.match(/input\s+\[2, 3\]\s+max rel error 3\.33e-1 >  1e-8 FAIL/);
    const good = checkLayer(new Linear(3, 2, { rng: new Rng(6) }), Tensor.randn([4, 3], new Rng(7)));
    expect(good.ok).to.equal(true);
    expect(good.toString()).to.match(/W\s+\[3, 2\]\s+max rel error \d\.\d\de-\d+ <= 1e-8 ok/);
  });

  it("im2col and col2im on tensors: shapes, a known patch, and adjointness", () => {
    const img = Tensor.arange(2 * 4 * 4).reshape([2, 4, 4]);
    const cols = im2col(img, { kernel: [3, 3], stride: [1, 1] });
    expect(cols.shape).to.deep.equal([18, 4]);
    // Column 0 is the top-left 3x3 patch of each channel, channel-major.
    expect(cols.slice(1, 0, 1).toFlatArray()).to.deep.equal([0, 1, 2, 4, 5, 6, 8, 9, 10, 16, 17, 18, 20, 21, 22, 24, 25, 26]);
    const back = col2im(Tensor.ones([18, 4]), [2, 4, 4], { kernel: [3, 3] });
    expect(back.get(0, 1, 1)).to.equal(4); // the centre pixels lie in all four windows
    expect(back.get(0, 0, 0)).to.equal(1);
    expect(() => im2col(img, { kernel: [5, 5] })).to.throw(/kernel 5x5 does not fit the padded image 4x4/);
  });
});
