import { expect } from "chai";
import fc from "fast-check";
import { Tensor } from "../lib/tensor/tensor";
import { broadcastShapes } from "../lib/tensor/shape";

// Independent statement of NumPy's rule: right-align, each pair equal or one of them 1.
function numpyRule(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return null;
    out.push(Math.max(pa[i], pb[i]));
  }
  return out;
}

const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });
/** A pair of shapes that often broadcast: b is a, possibly with dims set to 1 and leading dims dropped. */
const shapePair = fc.tuple(dims, fc.array(fc.boolean(), { maxLength: 4 }), fc.integer({ min: 0, max: 4 }), fc.boolean()).map(
  ([a, ones, drop, random]) => {
    if (random) return [a, a.map((d, i) => (ones[i] ? 1 : d + (i % 2)))] as [number[], number[]];
    const b = a.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, a.length));
    return [a, b] as [number[], number[]];
  },
);

function filled(shape: number[], seed: number): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = ((i * 7919 + seed * 104729) % 1000) / 100 - 5;
  return t;
}

const params = { seed: 42, numRuns: 150 };

describe("Tensor properties (fast-check)", () => {
  it("broadcast shapes follow NumPy's rule, and mismatches throw naming both shapes", () => {
    fc.assert(fc.property(shapePair, ([a, b]) => {
      const expected = numpyRule(a, b);
      if (expected === null) {
        expect(() => broadcastShapes(a, b)).to.throw(`[${a.join(", ")}] and [${b.join(", ")}]`);
      } else {
        expect(broadcastShapes(a, b)).to.deep.equal(expected);
        expect(filled(a, 1).add(filled(b, 2)).shape).to.deep.equal(expected);
      }
    }), params);
  });

  it("add and mul are commutative under broadcasting", () => {
    fc.assert(fc.property(shapePair, ([a, b]) => {
      fc.pre(numpyRule(a, b) !== null);
      const x = filled(a, 3);
      const y = filled(b, 4);
      expect(x.add(y).toFlatArray()).to.deep.equal(y.add(x).toFlatArray());
      expect(x.mul(y).toFlatArray()).to.deep.equal(y.mul(x).toFlatArray());
    }), params);
  });

  it("broadcasting against a tensor of ones changes nothing", () => {
    fc.assert(fc.property(dims, (a) => {
      const x = filled(a, 5);
      expect(x.mul(Tensor.ones(a.map(() => 1))).toFlatArray()).to.deep.equal(x.toFlatArray());
    }), params);
  });

  it("reshape round trips, transpose twice is the identity, and sum over all axes equals sumAll", () => {
    fc.assert(fc.property(dims, fc.integer({ min: 0, max: 1000 }), (a, seed) => {
      const x = filled(a, seed);
      expect(x.reshape([-1]).reshape(a).toFlatArray()).to.deep.equal(x.toFlatArray());
      expect(x.transpose().transpose().toFlatArray()).to.deep.equal(x.toFlatArray());
      const axes = a.map((_, i) => i);
      expect(x.sum(axes).item()).to.be.closeTo(x.sumAll(), 1e-9);
    }), params);
  });

  it("matrix products are associative within rounding", () => {
    const size = fc.integer({ min: 1, max: 9 });
    fc.assert(fc.property(size, size, size, size, (m, k, n, p) => {
      const a = filled([m, k], 1);
      const b = filled([k, n], 2);
      const c = filled([n, p], 3);
      const left = a.matmul(b).matmul(c);
      const right = a.matmul(b.matmul(c));
      const scale = Math.max(1, left.abs().maxAll());
      for (let i = 0; i < left.size; i++) expect(Math.abs(left.data[i]! - right.data[i]!) / scale).to.be.below(1e-12);
    }), params);
  });

  it("concat then slice recovers the parts", () => {
    fc.assert(fc.property(dims.filter((d) => d.length > 0), fc.integer({ min: 1, max: 3 }), (a, extra) => {
      const axis = a.length - 1;
      const x = filled(a, 6);
      const yShape = [...a];
      yShape[axis] = extra;
      const y = filled(yShape, 7);
      const c = Tensor.concat([x, y], axis);
      expect(c.slice(axis, 0, a[axis]).toFlatArray()).to.deep.equal(x.toFlatArray());
      expect(c.slice(axis, a[axis]!).toFlatArray()).to.deep.equal(y.toFlatArray());
    }), params);
  });
});
