import { expect } from "chai";
import {
  allclose,
  checkLayer,
  gradCheckSparse,
  makeReport,
  maxAbsError,
  numericalGradient,
  numericalGradientArray,
  relError,
} from "../lib/gradcheck";
import { Layer } from "../lib/layers/layer";
import { Linear } from "../lib/layers/linear";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { WrongScale } from "./helpers/wrong-scale";

/** out = x * x, but backward returns dout * x (the factor 2 is missing). */
class WrongSquare extends Layer {
  private cache: { x: Tensor; outShape: readonly number[] } | null = null;
  forward(x: Tensor): Tensor {
    const out = x.mul(x);
    this.cache = { x, outShape: out.shape };
    return out;
  }
  backward(dout: Tensor): Tensor {
    const { x } = this.checkBackward(this.cache, dout);
    return dout.mul(x); // should be 2 x dout
  }
}

describe("gradient checker", () => {
  describe("relError", () => {
    it("is max |a-b| / max(1e-8, |a|+|b|) elementwise, with known values", () => {
      expect(relError(1, 3)).to.equal(0.5);
      expect(relError(2, 2)).to.equal(0);
      expect(relError(-1, 1)).to.equal(1);
      expect(relError([1, 2], [1, 2.2])).to.be.closeTo(0.2 / 4.2, 1e-15);
      // The worst entry counts, not an average.
      expect(relError([1, 1, 1, 1], [1, 1, 1, 3])).to.equal(0.5);
      expect(relError(1e-10, 0)).to.be.closeTo(1e-2, 1e-15); // the 1e-8 floor on the denominator
      expect(relError(1e-3, 0)).to.equal(1);
      expect(
        relError(
          tensor([
            [1, 2],
            [3, 4],
          ]),
          Float64Array.of(1, 2, 3, 5),
        ),
      ).to.be.closeTo(1 / 9, 1e-15);
      expect(relError([], [])).to.equal(0);
    });

    it("gives 0 for 0/0 and propagates NaN (never a false pass)", () => {
      expect(relError(0, 0)).to.equal(0);
      expect(relError([0, 0, 0], [0, 0, 0])).to.equal(0);
      expect(relError(NaN, 1)).to.be.NaN;
      expect(relError(1, NaN)).to.be.NaN;
      expect(relError(NaN, NaN)).to.be.NaN;
      expect(relError([1, NaN], [1, 1])).to.be.NaN;
      expect(relError([NaN, 5], [1, 1])).to.be.NaN; // even when a later entry has a larger error
      expect(relError([5, 1], [1, NaN])).to.be.NaN;
      expect(relError(Infinity, Infinity)).to.be.NaN;
    });

    it("refuses different sizes, naming both; maxAbsError is max |a - b|", () => {
      expect(() => relError([1], [1, 2])).to.throw(/relError: sizes differ: \[1\] vs \[2\]/);
      expect(() => relError(Tensor.zeros([2, 3]), Tensor.zeros([5]))).to.throw(/sizes differ: \[2, 3\] vs \[5\]/);
      expect(maxAbsError(tensor([1, 5]), tensor([2, 5]))).to.equal(1);
      expect(maxAbsError([1, -3], [1, 3])).to.equal(6);
      expect(maxAbsError([1, NaN], [1, 1])).to.be.NaN;
      expect(() => maxAbsError([1], [1, 2])).to.throw(/maxAbsError: sizes differ/);
    });
  });

  describe("allclose", () => {
    it("follows NumPy's |a - b| <= atol + rtol |b| (defaults rtol 1e-5, atol 1e-8)", () => {
      expect(allclose([1, 2], [1 + 1e-6, 2], { rtol: 1e-5, atol: 0 })).to.equal(true);
      expect(allclose([1, 2], [1 + 1e-4, 2], { rtol: 1e-5, atol: 0 })).to.equal(false);
      expect(allclose([0], [1e-9])).to.equal(true); // atol 1e-8
      expect(allclose([0], [1e-7])).to.equal(false);
      expect(allclose([1e6], [1e6 + 9])).to.equal(true); // rtol 1e-5 of 1e6 = 10
      expect(allclose([1e6], [1e6 + 11])).to.equal(false);
      // Asymmetric like NumPy: the tolerance scales with |b| only.
      expect(allclose([0.5], [1], { rtol: 0.5, atol: 0 })).to.equal(true); // 0.5 <= 0.5 * 1
      expect(allclose([1], [0.5], { rtol: 0.5, atol: 0 })).to.equal(false); // 0.5 > 0.5 * 0.5
      expect(allclose([3], [2], { rtol: 0, atol: 1 })).to.equal(true); // the bound is inclusive
      expect(allclose(tensor([[1, 2]]), Float32Array.of(1, 2))).to.equal(true);
    });

    it("NaN is never close; equal infinities are; different sizes are not", () => {
      expect(allclose([NaN], [NaN])).to.equal(false);
      expect(allclose([1, NaN], [1, 1])).to.equal(false);
      expect(allclose([Infinity, -Infinity], [Infinity, -Infinity])).to.equal(true);
      expect(allclose([Infinity], [-Infinity])).to.equal(false);
      expect(allclose([Infinity], [1e308])).to.equal(false);
      expect(allclose([5], [Infinity])).to.equal(false); // not |5 - inf| <= rtol * inf
      expect(allclose([-Infinity], [Infinity], { rtol: 1 })).to.equal(false);
      expect(allclose([1, 2], [1, 2, 3])).to.equal(false);
    });
  });

  describe("numerical gradients", () => {
    it("numericalGradient of sum(x^3) is 3x^2 to 1e-8 (both stencils), and x is restored exactly", () => {
      const x = Tensor.randn([3, 4], new Rng(1));
      const before = x.toFlatArray();
      const exact = x.mul(x).mul(3);
      for (const [order, h] of [
        [2, 1e-5],
        [4, 1e-3],
      ] as const) {
        const g = numericalGradient(() => x.pow(3).sumAll(), x, h, order);
        expect(g.shape).to.deep.equal([3, 4]);
        expect(relError(g, exact), `order ${order}, h ${h}`).to.be.at.most(1e-8);
        expect(x.toFlatArray()).to.deep.equal(before);
      }
      // A function of x[0] only: the other entries get exactly zero.
      const g = numericalGradient(() => x.data[0]! ** 2, x);
      expect(g.get(0, 0)).to.be.closeTo(2 * before[0]!, 1e-8);
      expect(
        g
          .toFlatArray()
          .slice(1)
          .every((v) => v === 0),
      ).to.equal(true);
    });

    it("restores x even when f throws", () => {
      const x = tensor([1, 2, 3]);
      let calls = 0;
      const f = (): number => {
        if (++calls === 2) throw new Error("boom");
        return x.sumAll();
      };
      expect(() => numericalGradient(f, x)).to.throw("boom");
      expect(x.toFlatArray()).to.deep.equal([1, 2, 3]);
    });

    it("numericalGradientArray of a linear map is W^T dout", () => {
      const rng = new Rng(2);
      const w = Tensor.randn([3, 5], rng);
      const x = Tensor.randn([5], rng);
      const dout = Tensor.randn([3], rng);
      for (const order of [2, 4] as const) {
        const g = numericalGradientArray(() => w.matmul(x), x, dout, order === 2 ? 1e-5 : 1e-3, order);
        const expected = w.T.matmul(dout);
        expect(g.shape).to.deep.equal([5]);
        for (let i = 0; i < 5; i++) {
          let s = 0;
          for (let j = 0; j < 3; j++) s += w.get(j, i) * dout.get(j);
          expect(expected.get(i)).to.be.closeTo(s, 1e-14); // the reference itself, by hand
        }
        expect(relError(g, expected)).to.be.at.most(1e-9);
      }
      // Batched: out = X W^T, so d<out, dout>/dX = dout W.
      const xs = Tensor.randn([4, 5], rng);
      const douts = Tensor.randn([4, 3], rng);
      const gx = numericalGradientArray(() => xs.matmul(w.T), xs, douts);
      expect(relError(gx, douts.matmul(w))).to.be.at.most(1e-9);
      // ... and with respect to W: dout^T X.
      const gw = numericalGradientArray(() => xs.matmul(w.T), w, douts);
      expect(relError(gw, douts.T.matmul(xs))).to.be.at.most(1e-9);
      expect(() => numericalGradientArray(() => w.matmul(x), x, Tensor.zeros([4]))).to.throw(
        /f returned \[3\], dout is \[4\]/,
      );
      expect(x.toFlatArray()).to.deep.equal(x.clone().toFlatArray());
    });

    it("gradCheckSparse returns the requested number of checks at valid indices, reproducibly", () => {
      const x = Tensor.randn([10, 10], new Rng(3));
      const f = (): number => x.pow(2).sumAll();
      for (const count of [1, 7, 25]) {
        const checks = gradCheckSparse(f, x, x.mul(2), count, { seed: 4 });
        expect(checks.length).to.equal(count);
        for (const c of checks) {
          expect(c.index.length).to.equal(2);
          expect(c.index.every((v) => Number.isInteger(v) && v >= 0 && v < 10)).to.equal(true);
          expect(c.analytic).to.equal(2 * x.get(...c.index));
          expect(c.numerical).to.be.closeTo(c.analytic, 1e-8);
          expect(c.relError).to.equal(relError(c.numerical, c.analytic));
          expect(c.relError).to.be.at.most(1e-8);
        }
      }
      expect(gradCheckSparse(f, x, x.mul(2), 5, { seed: 9 })).to.deep.equal(
        gradCheckSparse(f, x, x.mul(2), 5, { seed: 9 }),
      );
      expect(gradCheckSparse(f, x, x.mul(2)).length).to.equal(10); // the default count
      // A wrong analytic gradient is caught on every sampled entry.
      for (const c of gradCheckSparse(f, x, x.mul(3), 5, { seed: 1, order: 4, h: 1e-3 }))
        expect(c.relError).to.be.closeTo(0.2, 1e-6);
      expect(() => gradCheckSparse(f, x, Tensor.zeros([3]), 2)).to.throw(
        /analytic gradient \[3\] does not match x \[10, 10\]/,
      );
    });
  });

  describe("checkLayer", () => {
    it("flags a deliberately wrong backward with ok = false and a FAIL line beside the threshold", () => {
      const report = checkLayer(new WrongSquare(), Tensor.randn([2, 3], new Rng(5)));
      expect(report.ok).to.equal(false);
      expect(report.rows.length).to.equal(1);
      expect(report.rows[0]!.name).to.equal("input");
      expect(report.rows[0]!.ok).to.equal(false);
      expect(report.rows[0]!.threshold).to.equal(1e-8);
      expect(report.rows[0]!.maxRelError).to.be.closeTo(1 / 3, 1e-6); // |x - 2x| / (|x| + |2x|)
      expect(report.toString()).to.match(/^input\s+\[2, 3\]\s+max rel error 3\.33e-1 > {2}1e-8 FAIL$/);
    });

    it("pinpoints a wrong parameter gradient while the input gradient passes", () => {
      const layer = new WrongScale(4, new Rng(6));
      const report = checkLayer(layer, Tensor.randn([5, 4], new Rng(7)));
      expect(report.ok).to.equal(false);
      const [input, s] = report.rows;
      expect(input!.ok, report.toString()).to.equal(true);
      expect(input!.maxRelError).to.be.at.most(1e-8);
      expect(s!.name).to.equal("s");
      expect(s!.shape).to.deep.equal([4]);
      expect(s!.ok).to.equal(false);
      expect(s!.maxRelError).to.be.above(1e-3);
      const lines = report.toString().split("\n");
      expect(lines[0]).to.match(/^input\s+\[5, 4\]\s+max rel error \d\.\d\de-\d+ <= 1e-8 ok$/);
      expect(lines[1]).to.match(/^s\s+\[4\]\s+max rel error \d\.\d\de[+-]\d+ > {2}1e-8 FAIL$/);
      // The parameter values are restored after the check.
      const before = layer.s.value.toFlatArray();
      checkLayer(layer, Tensor.randn([5, 4], new Rng(8)));
      expect(layer.s.value.toFlatArray()).to.deep.equal(before);
    });

    it("passes a correct layer, and honours threshold and checkInput", () => {
      const good = checkLayer(new Linear(3, 2, { rng: new Rng(6) }), Tensor.randn([4, 3], new Rng(7)));
      expect(good.ok, good.toString()).to.equal(true);
      expect(good.rows.map((r) => r.name)).to.deep.equal(["input", "W", "b"]);
      expect(good.toString()).to.match(/W\s+\[3, 2\]\s+max rel error \d\.\d\de-\d+ <= 1e-8 ok/);
      const noInput = checkLayer(new Linear(3, 2, { rng: new Rng(6) }), Tensor.randn([4, 3], new Rng(7)), {
        checkInput: false,
      });
      expect(noInput.rows.map((r) => r.name)).to.deep.equal(["W", "b"]);
      // A threshold above the wrong layer's error lets it pass: the verdict follows the threshold.
      const lax = checkLayer(new WrongSquare(), Tensor.randn([2, 3], new Rng(5)), { threshold: 0.5 });
      expect(lax.ok).to.equal(true);
      expect(lax.toString()).to.match(/<= 5e-1 ok$/);
    });

    it("a NaN error fails the check; makeReport summarises rows", () => {
      const report = makeReport([
        { name: "input", shape: [2], maxRelError: 1e-10, threshold: 1e-8, ok: true },
        { name: "gamma", shape: [2], maxRelError: NaN, threshold: 1e-8, ok: false },
      ]);
      expect(report.ok).to.equal(false);
      expect(report.toString()).to.contain("gamma [2]");
      expect(report.toString()).to.match(/NaN > {2}1e-8 FAIL/);
      expect(makeReport([]).ok).to.equal(true);
    });
  });
});
