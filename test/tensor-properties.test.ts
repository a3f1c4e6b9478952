import { expect } from "chai";
import fc from "fast-check";
import { Rng } from "../lib/random";
import { broadcastShapes } from "../lib/tensor/shape";
import { Tensor } from "../lib/tensor/tensor";

/*
 * Property tests (fast-check, fixed seed). Sizes stay small: at most 4 dimensions of at most 4.
 */
const params = { seed: 42, numRuns: 100 };

/** Independent statement of NumPy's rule: left-pad with 1s, then each pair is equal or one is 1. */
function numpyRule(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const pad = (s: readonly number[]): number[] => [...new Array<number>(n - s.length).fill(1), ...s];
  const pa = pad(a);
  const pb = pad(b);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else return null;
  }
  return out;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function randn(shape: readonly number[], seed: number): Tensor {
  return Tensor.randn(shape, new Rng(seed));
}

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });
const seedArb = fc.integer({ min: 0, max: 1_000_000 });

/** Shapes that broadcast: b is a with some dims set to 1 and some leading dims dropped, in either order. */
const compatiblePair = fc
  .tuple(shapeArb, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 4 }), fc.boolean())
  .map(([a, ones, drop, swap]): [number[], number[]] => {
    const b = a.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, a.length));
    return swap ? [b, a] : [a, b];
  });

/** Arbitrary pairs with small dims (0 included), most of which do not broadcast. */
const anyPair = fc.tuple(
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
);

/** A shape and a permutation of its axes. */
const shapeAndPerm = shapeArb.chain((s) =>
  fc.tuple(
    fc.constant(s),
    fc.shuffledSubarray(
      s.map((_, i) => i),
      { minLength: s.length, maxLength: s.length },
    ),
  ),
);

describe("Tensor properties (fast-check)", () => {
  it("broadcast result shapes follow NumPy's rule; mismatches throw naming both shapes", () => {
    fc.assert(
      fc.property(fc.oneof(compatiblePair, anyPair), ([a, b]) => {
        const expected = numpyRule(a, b);
        if (expected === null) {
          const both = `[${a.join(", ")}] and [${b.join(", ")}]`;
          expect(() => broadcastShapes(a, b)).to.throw(both);
          expect(() => Tensor.zeros(a).add(Tensor.zeros(b))).to.throw(both);
        } else {
          expect(broadcastShapes(a, b)).to.deep.equal(expected);
          expect(Tensor.zeros(a).mul(Tensor.zeros(b)).shape).to.deep.equal(expected);
        }
      }),
      params,
    );
  });

  it("add and mul are commutative under broadcasting, and every entry is op(broadcast a, broadcast b)", () => {
    fc.assert(
      fc.property(compatiblePair, seedArb, ([a, b], seed) => {
        const x = randn(a, seed);
        const y = randn(b, seed + 1);
        const shape = numpyRule(a, b)!;
        const xy = x.add(y);
        const px = x.mul(y);
        expect(xy.shape).to.deep.equal(shape);
        expect(xy.toFlatArray()).to.deep.equal(y.add(x).toFlatArray());
        expect(px.toFlatArray()).to.deep.equal(y.mul(x).toFlatArray());
        // Spot-check against an independent index computation.
        const read = (t: Tensor, idx: number[]): number => {
          const lead = idx.length - t.ndim;
          let off = 0;
          let stride = 1;
          for (let i = t.ndim - 1; i >= 0; i--) {
            off += (t.shape[i] === 1 ? 0 : idx[lead + i]!) * stride;
            stride *= t.shape[i]!;
          }
          return t.data[off]!;
        };
        for (let flat = 0; flat < xy.size; flat++) {
          const idx: number[] = [];
          let r = flat;
          for (let d = shape.length - 1; d >= 0; d--) {
            idx.unshift(r % shape[d]!);
            r = Math.floor(r / shape[d]!);
          }
          expect(xy.data[flat]).to.equal(read(x, idx) + read(y, idx));
          expect(px.data[flat]).to.equal(read(x, idx) * read(y, idx));
        }
      }),
      params,
    );
  });

  it("broadcasting with a shape of ones leaves a tensor unchanged (up to leading 1s)", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 5 }), seedArb, (a, rank, seed) => {
        const x = randn(a, seed);
        const ones = new Array<number>(rank).fill(1);
        const shape = numpyRule(a, ones)!;
        for (const out of [x.mul(Tensor.ones(ones)), x.add(Tensor.zeros(ones)), Tensor.ones(ones).mul(x)]) {
          expect(out.shape).to.deep.equal(shape);
          expect(out.toFlatArray()).to.deep.equal(x.toFlatArray());
        }
        // A size-1 tensor of any rank acts like the scalar it holds.
        expect(x.sub(Tensor.full(ones, 2.5)).toFlatArray()).to.deep.equal(x.sub(2.5).toFlatArray());
      }),
      params,
    );
  });

  it("reshape round trips through any factorisation, as a view", () => {
    // The target merges runs of shuffled dims of the source, so the sizes agree; one entry may be -1.
    const arb = fc.tuple(
      shapeArb,
      seedArb,
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: -1, max: 3 }),
    );
    fc.assert(
      fc.property(arb, ([a, seed, merge, unknown]) => {
        const x = randn(a, seed);
        const dims = new Rng(seed).shuffle([...a]);
        const target: number[] = [];
        dims.forEach((d, i) => {
          if (i > 0 && merge[i]) target[target.length - 1]! *= d;
          else target.push(d);
        });
        const spec = target.map((d, i) => (i === unknown ? -1 : d));
        const r = x.reshape(spec);
        expect(r.shape).to.deep.equal(target);
        expect(product(r.shape)).to.equal(x.size);
        expect(r.data).to.equal(x.data);
        const back = r.reshape(a);
        expect(back.shape).to.deep.equal(a);
        expect(back.toFlatArray()).to.deep.equal(x.toFlatArray());
        expect(x.reshape([-1]).reshape(a).toFlatArray()).to.deep.equal(x.toFlatArray());
      }),
      params,
    );
  });

  it("transposing twice is the identity (reversed axes, and any permutation then its inverse)", () => {
    fc.assert(
      fc.property(shapeAndPerm, seedArb, ([a, perm], seed) => {
        const x = randn(a, seed);
        const rev = x.transpose().transpose();
        expect(rev.shape).to.deep.equal(a);
        expect(rev.toFlatArray()).to.deep.equal(x.toFlatArray());
        const inverse = new Array<number>(perm.length);
        perm.forEach((p, i) => (inverse[p] = i));
        const t = x.transpose(...perm);
        expect(t.shape).to.deep.equal(perm.map((p) => a[p]));
        const back = t.transpose(...inverse);
        expect(back.shape).to.deep.equal(a);
        expect(back.toFlatArray()).to.deep.equal(x.toFlatArray());
      }),
      params,
    );
  });

  it("summing over all axes (in any order, with or without keepdims) equals sumAll", () => {
    fc.assert(
      fc.property(shapeAndPerm, seedArb, fc.boolean(), ([a, order], seed, keepdims) => {
        const x = randn(a, seed);
        const s = x.sum(order, keepdims);
        expect(s.shape).to.deep.equal(keepdims ? a.map(() => 1) : []);
        const scale = x.abs().sumAll();
        expect(s.item()).to.be.closeTo(x.sumAll(), 1e-13 * Math.max(1, scale));
        expect(x.sum().item()).to.be.closeTo(x.sumAll(), 1e-13 * Math.max(1, scale));
        // One axis at a time (always the last, so axis numbers stay valid).
        let r = x;
        while (r.ndim > 0) r = r.sum(-1);
        expect(r.item()).to.be.closeTo(x.sumAll(), 1e-13 * Math.max(1, scale));
        let naive = 0;
        for (let i = 0; i < x.size; i++) naive += x.data[i]!;
        expect(x.sumAll()).to.be.closeTo(naive, 1e-13 * Math.max(1, scale));
      }),
      params,
    );
  });

  it("matmul is associative within rounding: (AB)C = A(BC)", () => {
    const size = fc.integer({ min: 1, max: 8 });
    fc.assert(
      fc.property(size, size, size, size, seedArb, (m, k, n, p, seed) => {
        const rng = new Rng(seed);
        const a = Tensor.randn([m, k], rng);
        const b = Tensor.randn([k, n], rng);
        const c = Tensor.randn([n, p], rng);
        const left = a.matmul(b).matmul(c);
        const right = a.matmul(b.matmul(c));
        expect(left.shape).to.deep.equal([m, p]);
        // Rounding error is bounded by a few ulps of |A||B||C|, entry by entry.
        const bound = a.abs().matmul(b.abs()).matmul(c.abs());
        for (let i = 0; i < left.size; i++) {
          expect(Math.abs(left.data[i]! - right.data[i]!)).to.be.at.most(1e-14 * (k + n) * bound.data[i]! + 1e-300);
        }
      }),
      params,
    );
  });

  it("concat then slice recovers the parts, along any axis", () => {
    const arb = fc
      .tuple(fc.array(dim, { minLength: 1, maxLength: 4 }), seedArb, fc.array(dim, { minLength: 1, maxLength: 3 }))
      .chain(([a, seed, sizes]) =>
        fc.tuple(fc.constant(a), fc.constant(seed), fc.constant(sizes), fc.integer({ min: 0, max: a.length - 1 })),
      );
    fc.assert(
      fc.property(arb, ([a, seed, sizes, axis]) => {
        const parts = sizes.map((s, i) =>
          randn(
            a.map((d, j) => (j === axis ? s : d)),
            seed + i,
          ),
        );
        const c = Tensor.concat(parts, axis);
        const total = sizes.reduce((x, y) => x + y, 0);
        expect(c.shape).to.deep.equal(a.map((d, j) => (j === axis ? total : d)));
        let start = 0;
        for (const [i, part] of parts.entries()) {
          const back = c.slice(axis, start, start + sizes[i]!);
          expect(back.shape).to.deep.equal(part.shape);
          expect(back.toFlatArray()).to.deep.equal(part.toFlatArray());
          start += sizes[i]!;
        }
        // Negative axis counts from the end.
        expect(Tensor.concat(parts, axis - a.length).toFlatArray()).to.deep.equal(c.toFlatArray());
      }),
      params,
    );
  });
});
