import { expect } from "chai";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { naiveMatmul } from "./helpers/reference";

/*
 * The references below are written from scratch (own strides, own index arithmetic) so that a bug
 * shared by the tensor's helpers cannot hide itself.
 */
function refStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function refUnravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

/** Reads t at an index of the broadcast output (right-aligned, size-1 dims repeat). */
function readBroadcast(t: Tensor, outIdx: readonly number[]): number {
  const strides = refStrides(t.shape);
  const lead = outIdx.length - t.shape.length;
  let off = 0;
  for (let i = 0; i < t.shape.length; i++) off += (t.shape[i] === 1 ? 0 : outIdx[lead + i]!) * strides[i]!;
  return t.data[off]!;
}

function all(shape: readonly number[]): number[][] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => refUnravel(i, shape));
}

function at(t: Tensor, idx: readonly number[]): number {
  const s = refStrides(t.shape);
  return t.data[idx.reduce((o, v, i) => o + v * s[i]!, 0)]!;
}

describe("Tensor", () => {
  describe("creation", () => {
    it("zeros, ones and full have the right shapes, strides, dtypes and values", () => {
      const z = Tensor.zeros([2, 3, 4]);
      expect(z.shape).to.deep.equal([2, 3, 4]);
      expect(z.strides).to.deep.equal([12, 4, 1]);
      expect(z.size).to.equal(24);
      expect(z.ndim).to.equal(3);
      expect(z.dtype).to.equal("float64");
      expect(z.data).to.be.instanceOf(Float64Array);
      expect(z.data.every((v) => v === 0)).to.equal(true);
      const o = Tensor.ones([2], "float32");
      expect(o.data).to.be.instanceOf(Float32Array);
      expect(o.dtype).to.equal("float32");
      expect(o.toFlatArray()).to.deep.equal([1, 1]);
      expect(Tensor.full([2, 2], 7).toFlatArray()).to.deep.equal([7, 7, 7, 7]);
      expect(Tensor.full([3], 0.1, "float32").get(0)).to.equal(Math.fround(0.1));
      expect(Tensor.zeros([0, 3]).size).to.equal(0);
      const s = Tensor.scalar(3);
      expect(s.shape).to.deep.equal([]);
      expect(s.item()).to.equal(3);
      expect(() => Tensor.zeros([2, -1])).to.throw(/invalid shape \[2, -1\]/);
      expect(() => Tensor.zeros([1.5])).to.throw(/invalid shape \[1\.5\]/);
      expect(() => Tensor.ones([2]).item()).to.throw(/shape \[2\] has 2 elements, not 1/);
      expect(() => new Tensor(new Float64Array(5), [2, 3])).to.throw(/shape \[2, 3\] needs 6 elements, data has 5/);
    });

    it("arange follows NumPy: stop only, start/stop/step, negative steps, empty ranges", () => {
      expect(Tensor.arange(5).toFlatArray()).to.deep.equal([0, 1, 2, 3, 4]);
      expect(Tensor.arange(2, 5).toFlatArray()).to.deep.equal([2, 3, 4]);
      expect(Tensor.arange(1, 2, 0.25).toFlatArray()).to.deep.equal([1, 1.25, 1.5, 1.75]);
      expect(Tensor.arange(5, 0, -2).toFlatArray()).to.deep.equal([5, 3, 1]);
      expect(Tensor.arange(3, 3).shape).to.deep.equal([0]);
      expect(Tensor.arange(5, 0).shape).to.deep.equal([0]);
      expect(Tensor.arange(0, 1, 0.1).size).to.equal(10);
      expect(Tensor.arange(4, undefined, 1, "float32").dtype).to.equal("float32");
      expect(() => Tensor.arange(0, 1, 0)).to.throw(/step must be finite and non-zero, got 0/);
    });

    it("linspace includes both ends exactly and spaces points evenly", () => {
      expect(Tensor.linspace(0, 1, 5).toFlatArray()).to.deep.equal([0, 0.25, 0.5, 0.75, 1]);
      expect(Tensor.linspace(2, 2, 3).toFlatArray()).to.deep.equal([2, 2, 2]);
      expect(Tensor.linspace(3, -1, 3).toFlatArray()).to.deep.equal([3, 1, -1]);
      expect(Tensor.linspace(4, 9, 1).toFlatArray()).to.deep.equal([4]);
      expect(Tensor.linspace(0, 1, 0).shape).to.deep.equal([0]);
      // The naive start + (stop - start) * i / (n - 1) misses the endpoint by an ulp for many inputs.
      for (let s = 0; s < 20; s++) {
        for (const n of [2, 3, 7, 10, 29]) {
          const start = 0.3 + 0.1 * s;
          const stop = 0.11 + 0.37 * s;
          const l = Tensor.linspace(start, stop, n);
          expect(l.get(0)).to.equal(start);
          expect(l.get(n - 1), `linspace(${start}, ${stop}, ${n})`).to.equal(stop);
          for (let i = 1; i < n; i++) expect(l.get(i) - l.get(i - 1)).to.be.closeTo((stop - start) / (n - 1), 1e-12);
        }
      }
    });

    it("eye is the identity (and the identity for matmul)", () => {
      expect(Tensor.eye(3).toArray()).to.deep.equal([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]);
      expect(Tensor.eye(2, "float32").dtype).to.equal("float32");
      const a = Tensor.randn([4, 4], new Rng(1));
      expect(Tensor.eye(4).matmul(a).toFlatArray()).to.deep.equal(a.toFlatArray());
    });

    it("builds from nested arrays, typed arrays and flat arrays with a shape", () => {
      expect(tensor(5).shape).to.deep.equal([]);
      const v = tensor([1, 2, 3]);
      expect(v.shape).to.deep.equal([3]);
      const m = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(m.shape).to.deep.equal([2, 3]);
      expect(m.toFlatArray()).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(m.get(1, 0)).to.equal(4);
      const c = tensor([[[1, 2]], [[3, 4]], [[5, 6]]]);
      expect(c.shape).to.deep.equal([3, 1, 2]);
      expect(c.get(2, 0, 1)).to.equal(6);
      expect(c.toArray()).to.deep.equal([[[1, 2]], [[3, 4]], [[5, 6]]]);
      expect(tensor([[], []]).shape).to.deep.equal([2, 0]);
      expect(tensor([]).shape).to.deep.equal([0]);
      expect(tensor(Int32Array.of(4, 5)).toFlatArray()).to.deep.equal([4, 5]);
      expect(tensor([1, 2, 3, 4, 5, 6], [3, 2]).toArray()).to.deep.equal([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(tensor(Float64Array.of(1, 2, 3, 4), [2, 2], "float32").dtype).to.equal("float32");
      expect(tensor([[0.1]], undefined, "float32").get(0, 0)).to.equal(Math.fround(0.1));
      // The data is copied, not aliased.
      const src = Float64Array.of(1, 2);
      const t = tensor(src);
      src[0] = 9;
      expect(t.get(0)).to.equal(1);
      expect(() => tensor([1, 2, 3], [2, 2])).to.throw(/shape \[2, 2\] needs 4 elements, data has 3/);
    });

    it("rejects ragged nested arrays, naming the position", () => {
      expect(() => tensor([[1, 2], [3]])).to.throw(/ragged nested array at \[1\]: expected length 2, got length 1/);
      expect(() =>
        tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [[5, 6], [7]],
        ]),
      ).to.throw(/ragged nested array at \[1, 1\]: expected length 2, got length 1/);
      expect(() => tensor([[1], 2])).to.throw(/ragged nested array at \[1\]: expected length 1, got a number/);
      expect(() => tensor([1, [2]])).to.throw(/ragged nested array at \[1\]: expected a number/);
      expect(() =>
        tensor([
          [1, 2],
          [3, 4],
          [5, 6, 7],
        ]),
      ).to.throw(/at \[2\].*got length 3/);
    });

    it("samples randn and uniform reproducibly with the right moments and dtypes", () => {
      const a = Tensor.randn([20000], new Rng(3));
      const b = Tensor.randn([20000], new Rng(3));
      expect(a.toFlatArray()).to.deep.equal(b.toFlatArray());
      expect(Math.abs(a.meanAll())).to.be.below(0.03);
      expect(Math.abs(a.variance().item() - 1)).to.be.below(0.05);
      const shifted = Tensor.randn([20000], new Rng(3), { mean: 5, std: 2, dtype: "float32" });
      expect(shifted.dtype).to.equal("float32");
      expect(shifted.meanAll()).to.be.closeTo(5, 0.06);
      expect(Math.sqrt(shifted.variance().item())).to.be.closeTo(2, 0.05);
      const u = Tensor.uniform([20000], new Rng(4), -1, 3);
      expect(u.minAll()).to.be.at.least(-1);
      expect(u.maxAll()).to.be.below(3);
      expect(Math.abs(u.meanAll() - 1)).to.be.below(0.05);
      expect(Tensor.uniform([3], new Rng(4), 0, 1, "float32").dtype).to.equal("float32");
    });
  });

  describe("element access", () => {
    it("gets and sets with negative indices", () => {
      const t = Tensor.arange(24).reshape([2, 3, 4]);
      expect(t.get(1, -1, -1)).to.equal(23);
      expect(t.get(-2, 0, -4)).to.equal(0);
      expect(t.get(-1, -2, 1)).to.equal(12 + 4 + 1);
      t.set(42, -2, 0, 1);
      expect(t.get(0, 0, 1)).to.equal(42);
      expect(t.data[1]).to.equal(42);
    });

    it("names out-of-range, wrong-count and non-integer indices", () => {
      const t = Tensor.arange(6).reshape([2, 3]);
      expect(() => t.get(2, 0)).to.throw(/Tensor\.get: index 2 is out of range for axis 0 of shape \[2, 3\]/);
      expect(() => t.get(0, 3)).to.throw(/index 3 is out of range for axis 1 of shape \[2, 3\]/);
      expect(() => t.get(0, -4)).to.throw(/index -4 is out of range for axis 1/);
      expect(() => t.get(-3, 0)).to.throw(/index -3 is out of range for axis 0/);
      expect(() => t.get(0, 1.5)).to.throw(/index 1\.5 is out of range/);
      expect(() => t.get(0)).to.throw(/expected 2 indices for shape \[2, 3\], got 1/);
      expect(() => t.set(1, 0, 0, 0)).to.throw(/Tensor\.set: expected 2 indices for shape \[2, 3\], got 3/);
      expect(() => t.set(1, 5, 0)).to.throw(/Tensor\.set: index 5 is out of range for axis 0/);
    });
  });

  describe("shape manipulation", () => {
    it("reshape (with -1) is a view: writes go both ways", () => {
      const t = Tensor.arange(6);
      const r = t.reshape([2, -1]);
      expect(r.shape).to.deep.equal([2, 3]);
      expect(r.strides).to.deep.equal([3, 1]);
      r.set(100, 1, 2);
      expect(t.get(5)).to.equal(100);
      t.set(-7, 0);
      expect(r.get(0, 0)).to.equal(-7);
      expect(t.reshape([-1, 1, 2]).shape).to.deep.equal([3, 1, 2]);
      expect(t.reshape([1, 6, 1]).shape).to.deep.equal([1, 6, 1]);
      expect(Tensor.scalar(4).reshape([1, 1]).shape).to.deep.equal([1, 1]);
      expect(Tensor.zeros([0, 3]).reshape([-1, 3]).shape).to.deep.equal([0, 3]);
    });

    it("reshape errors name both shapes", () => {
      const t = Tensor.arange(6).reshape([2, 3]);
      expect(() => t.reshape([4, 2])).to.throw(/cannot reshape \[2, 3\] \(6 elements\) into \[4, 2\] \(8 elements\)/);
      expect(() => t.reshape([4, -1])).to.throw(/cannot reshape \[2, 3\] \(6 elements\) into \[4, -1\]/);
      expect(() => t.reshape([-1, -1])).to.throw(/only one -1 allowed in \[-1, -1\]/);
      expect(() => t.reshape([-2, -3])).to.throw(/invalid shape/);
    });

    it("transposes every permutation of 3-D and 4-D tensors like an index-by-index reference", () => {
      const perms3 = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
      ];
      const t3 = Tensor.randn([2, 3, 4], new Rng(1));
      const perms4 = [
        [3, 1, 0, 2],
        [1, 3, 2, 0],
        [0, 2, 3, 1],
        [3, 2, 1, 0],
      ];
      const t4 = Tensor.randn([2, 1, 3, 5], new Rng(2));
      for (const [t, perms] of [
        [t3, perms3],
        [t4, perms4],
      ] as const) {
        for (const perm of perms) {
          const p = t.transpose(...perm);
          expect(p.shape).to.deep.equal(perm.map((a) => t.shape[a]));
          // out[i_0, ..., i_n] = in[j] where j[perm[d]] = i[d]
          for (const idx of all(p.shape)) {
            const src = new Array<number>(t.ndim);
            perm.forEach((a, d) => (src[a] = idx[d]!));
            expect(at(p, idx)).to.equal(at(t, src));
          }
        }
      }
      // Negative axes and the default (reversed) order.
      expect(t3.transpose(-1, 0, 1).toFlatArray()).to.deep.equal(t3.transpose(2, 0, 1).toFlatArray());
      expect(t3.transpose().toFlatArray()).to.deep.equal(t3.transpose(2, 1, 0).toFlatArray());
      expect(() => t3.transpose(0, 0, 1)).to.throw(
        /axes \[0, 0, 1\] are not a permutation of the 3 axes of \[2, 3, 4\]/,
      );
      expect(() => t3.transpose(0, 1)).to.throw(/not a permutation/);
      expect(() => t3.transpose(0, 1, 3)).to.throw(/axis 3 is out of range/);
    });

    it("T transposes matrices (including sizes past the 32-block) and returns a copy", () => {
      for (const [r, c] of [
        [1, 1],
        [1, 7],
        [37, 45],
        [64, 33],
      ]) {
        const m = Tensor.randn([r!, c!], new Rng(r! * 100 + c!));
        const mt = m.T;
        expect(mt.shape).to.deep.equal([c, r]);
        for (let i = 0; i < r!; i++) for (let j = 0; j < c!; j++) expect(at(mt, [j, i])).to.equal(at(m, [i, j]));
      }
      const m = tensor([
        [1, 2],
        [3, 4],
      ]);
      const mt = m.T;
      mt.set(99, 0, 0);
      expect(m.get(0, 0)).to.equal(1);
      expect(() => Tensor.zeros([2, 3, 4]).T).to.throw(/Tensor\.T: expected a 2-D tensor, got shape \[2, 3, 4\]/);
    });

    it("slices along any axis with negative and clamped bounds, as copies", () => {
      const t = Tensor.arange(24).reshape([2, 3, 4]);
      expect(t.slice(0, 1).toArray()).to.deep.equal([
        [
          [12, 13, 14, 15],
          [16, 17, 18, 19],
          [20, 21, 22, 23],
        ],
      ]);
      expect(t.slice(1, 1, 2).toArray()).to.deep.equal([[[4, 5, 6, 7]], [[16, 17, 18, 19]]]);
      expect(t.slice(-1, -2).toArray()).to.deep.equal([
        [
          [2, 3],
          [6, 7],
          [10, 11],
        ],
        [
          [14, 15],
          [18, 19],
          [22, 23],
        ],
      ]);
      expect(t.slice(2, 1, -1).shape).to.deep.equal([2, 3, 2]);
      expect(t.slice(2, 0, 100).shape).to.deep.equal([2, 3, 4]);
      expect(t.slice(2, 3, 1).shape).to.deep.equal([2, 3, 0]);
      const s = t.slice(0, 0, 1);
      s.fill(-1);
      expect(t.get(0, 0, 0)).to.equal(0);
      expect(() => t.slice(3, 0, 1)).to.throw(/slice: axis 3 is out of range for a tensor with 3 dimensions/);
    });

    it("takes entries by index along an axis (with repeats)", () => {
      const t = Tensor.arange(12).reshape([3, 4]);
      expect(t.take([2, 0, 2], 0).toArray()).to.deep.equal([
        [8, 9, 10, 11],
        [0, 1, 2, 3],
        [8, 9, 10, 11],
      ]);
      expect(t.take([3], 1).toArray()).to.deep.equal([[3], [7], [11]]);
      expect(t.take(Int32Array.of(1, 0), -1).toArray()).to.deep.equal([
        [1, 0],
        [5, 4],
        [9, 8],
      ]);
      expect(t.take([], 0).shape).to.deep.equal([0, 4]);
      expect(() => t.take([3], 0)).to.throw(/take: index 3 is out of range for axis 0 of shape \[3, 4\]/);
      expect(() => t.take([-1], 0)).to.throw(/index -1 is out of range/);
    });

    it("concatenates along any axis and stacks along a new one", () => {
      const rng = new Rng(3);
      const a = Tensor.randn([2, 3, 4], rng);
      const b = Tensor.randn([2, 1, 4], rng);
      const c = Tensor.concat([a, b, a], 1);
      expect(c.shape).to.deep.equal([2, 7, 4]);
      for (const [i, j, k] of all(c.shape) as [number, number, number][]) {
        const expected = j < 3 ? at(a, [i, j, k]) : j < 4 ? at(b, [i, j - 3, k]) : at(a, [i, j - 4, k]);
        expect(at(c, [i, j, k])).to.equal(expected);
      }
      expect(Tensor.concat([a, a], -1).get(1, 2, 7)).to.equal(a.get(1, 2, 3));
      expect(Tensor.concat([a, a], 0).get(3, 2, 1)).to.equal(a.get(1, 2, 1));
      expect(Tensor.concat([a]).toFlatArray()).to.deep.equal(a.toFlatArray());
      const st = Tensor.stack([tensor([[1, 2]]), tensor([[3, 4]]), tensor([[5, 6]])]);
      expect(st.shape).to.deep.equal([3, 1, 2]);
      expect(st.toArray()).to.deep.equal([[[1, 2]], [[3, 4]], [[5, 6]]]);
      expect(() => Tensor.concat([a, b], 0)).to.throw(
        /float64 \[2, 1, 4\] does not match float64 \[2, 3, 4\] off axis 0/,
      );
      expect(() => Tensor.concat([a, a.astype("float32")], 0)).to.throw(
        /float32 \[2, 3, 4\] does not match float64 \[2, 3, 4\]/,
      );
      expect(() => Tensor.concat([])).to.throw(/no tensors given/);
      expect(() => Tensor.stack([tensor([1, 2]), tensor([1, 2, 3])])).to.throw(/does not match/);
    });

    it("flattens trailing axes into one view", () => {
      const t = Tensor.arange(24).reshape([2, 3, 4]);
      expect(t.flatten().shape).to.deep.equal([2, 12]);
      expect(t.flatten(0).shape).to.deep.equal([24]);
      expect(t.flatten().data).to.equal(t.data);
    });
  });

  describe("elementwise", () => {
    const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
      ["add", (a, b) => a.add(b), (x, y) => x + y],
      ["sub", (a, b) => a.sub(b), (x, y) => x - y],
      ["mul", (a, b) => a.mul(b), (x, y) => x * y],
      ["div", (a, b) => a.div(b), (x, y) => x / y],
      ["maximum", (a, b) => a.maximum(b), (x, y) => (x > y ? x : y)],
      ["minimum", (a, b) => a.minimum(b), (x, y) => (x < y ? x : y)],
      ["gt", (a, b) => a.gt(b), (x, y) => (x > y ? 1 : 0)],
    ];
    const cases: [number[], number[], number[]][] = [
      [[5, 3], [3], [5, 3]], // [N, D] + [D] (the bias pattern)
      [[3], [5, 3], [5, 3]],
      [
        [4, 1],
        [1, 6],
        [4, 6],
      ], // [N, 1] * [1, D] (outer product)
      [
        [1, 6],
        [4, 1],
        [4, 6],
      ],
      [
        [2, 3, 4],
        [3, 1],
        [2, 3, 4],
      ],
      [
        [2, 1, 4],
        [3, 1],
        [2, 3, 4],
      ],
      [
        [1, 3, 1],
        [2, 1, 5],
        [2, 3, 5],
      ],
      [
        [2, 3, 4],
        [2, 3, 4],
        [2, 3, 4],
      ],
      [
        [2, 3, 4],
        [1, 1, 1],
        [2, 3, 4],
      ],
      [[1], [2, 2], [2, 2]],
      [
        [2, 1, 3],
        [4, 1],
        [2, 4, 3],
      ],
      [
        [3, 1, 2, 1],
        [4, 1, 5],
        [3, 4, 2, 5],
      ],
      [[], [2, 3], [2, 3]], // a 0-d tensor
      [[0, 3], [3], [0, 3]],
    ];
    for (const [name, op, ref] of ops) {
      it(`${name} broadcasts like an index-by-index reference`, () => {
        const rng = new Rng(5);
        for (const [sa, sb, so] of cases) {
          const a = Tensor.randn(sa, rng);
          const b = Tensor.randn(sb, rng, { mean: 3 }); // away from 0 for div
          const out = op(a, b);
          expect(out.shape, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`).to.deep.equal(so);
          for (const idx of all(so)) expect(at(out, idx)).to.equal(ref(readBroadcast(a, idx), readBroadcast(b, idx)));
        }
      });
    }

    it("works with plain numbers and 0-d tensors as scalars (on either side)", () => {
      const t = tensor([
        [-2, 0],
        [3, 4],
      ]);
      expect(t.mul(2).add(1).toFlatArray()).to.deep.equal([-3, 1, 7, 9]);
      expect(t.sub(1).toFlatArray()).to.deep.equal([-3, -1, 2, 3]);
      expect(t.div(2).toFlatArray()).to.deep.equal([-1, 0, 1.5, 2]);
      expect(t.pow(2).toFlatArray()).to.deep.equal([4, 0, 9, 16]);
      expect(t.maximum(1).toFlatArray()).to.deep.equal([1, 1, 3, 4]);
      expect(t.minimum(1).toFlatArray()).to.deep.equal([-2, 0, 1, 1]);
      expect(t.eq(3).toFlatArray()).to.deep.equal([0, 0, 1, 0]);
      expect(Tensor.scalar(10).sub(t).toArray()).to.deep.equal([
        [12, 10],
        [7, 6],
      ]);
      expect(t.sub(Tensor.scalar(10)).toArray()).to.deep.equal([
        [-12, -10],
        [-7, -6],
      ]);
      // pow with a tensor exponent broadcasts too.
      expect(
        tensor([2, 3])
          .pow(tensor([[1], [2]]))
          .toArray(),
      ).to.deep.equal([
        [2, 3],
        [4, 9],
      ]);
    });

    it("applies unary functions", () => {
      const t = tensor([-2, 0, 3]);
      expect(t.relu().toFlatArray()).to.deep.equal([0, 0, 3]);
      expect(t.abs().toFlatArray()).to.deep.equal([2, 0, 3]);
      expect(t.neg().toFlatArray()).to.deep.equal([2, -0, -3]);
      expect(t.sign().toFlatArray()).to.deep.equal([-1, 0, 1]);
      expect(t.square().toFlatArray()).to.deep.equal([4, 0, 9]);
      expect(t.clip(-1, 1).toFlatArray()).to.deep.equal([-1, 0, 1]);
      expect(() => t.clip(1, -1)).to.throw(/clip: low 1 is greater than high -1/);
      expect(t.gt(0).toFlatArray()).to.deep.equal([0, 0, 1]);
      expect(t.exp().toFlatArray()).to.deep.equal([Math.exp(-2), 1, Math.exp(3)]);
      expect(tensor([1, 4]).sqrt().toFlatArray()).to.deep.equal([1, 2]);
      expect(tensor([1, Math.E]).log().toFlatArray()).to.deep.equal([0, 1]);
      expect(t.tanh().toFlatArray()).to.deep.equal([Math.tanh(-2), 0, Math.tanh(3)]);
      expect(t.map((x) => 2 * x + 1).toFlatArray()).to.deep.equal([-3, 1, 7]);
      // Stable sigmoid: no NaN or overflow at the extremes, symmetric around 0.
      expect(tensor([-1000, 0, 1000]).sigmoid().toFlatArray()).to.deep.equal([0, 0.5, 1]);
      const s = tensor([-3, 3]).sigmoid();
      expect(s.get(0) + s.get(1)).to.be.closeTo(1, 1e-15);
      expect(s.get(1)).to.be.closeTo(1 / (1 + Math.exp(-3)), 1e-15);
    });

    it("names both shapes when broadcasting fails", () => {
      expect(() => Tensor.zeros([2, 3]).add(Tensor.zeros([4]))).to.throw(
        /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/,
      );
      expect(() => Tensor.zeros([2, 3, 4]).mul(Tensor.zeros([3, 3, 1]))).to.throw(
        /mul: shapes \[2, 3, 4\] and \[3, 3, 1\] cannot be broadcast/,
      );
      expect(() => Tensor.zeros([5, 1]).sub(Tensor.zeros([2, 3]))).to.throw(
        /\[5, 1\] and \[2, 3\].*dimension 0.*5 vs 2/,
      );
      expect(() => Tensor.zeros([2]).add([1, 2] as unknown as Tensor)).to.throw(
        /expected a Tensor or a number, got an array/,
      );
    });
  });

  describe("reductions", () => {
    const rng = new Rng(7);
    const t = Tensor.randn([3, 4, 5], rng);

    /** Reference reduction by looping over every element and its kept-axes index. */
    function refReduce(x: Tensor, axes: number[], init: number, fn: (acc: number, v: number) => number): Tensor {
      const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const out = Tensor.full(outShape, init);
      for (const idx of all(x.shape)) {
        const o = idx.map((v, i) => (axes.includes(i) ? 0 : v));
        const s = refStrides(outShape);
        const off = o.reduce((acc, v, i) => acc + v * s[i]!, 0);
        out.data[off] = fn(out.data[off]!, at(x, idx));
      }
      return out;
    }

    const axisSets = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
    it("sum, max, min and mean over single and multiple axes, with and without keepdims", () => {
      for (const axes of axisSets) {
        const kept = t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const dropped = t.shape.filter((_, i) => !axes.includes(i));
        const arg = axes.length === 1 ? axes[0]! : axes;
        const refs: [string, Tensor, Tensor, number][] = [
          ["sum", t.sum(arg, true), refReduce(t, axes, 0, (a, v) => a + v), 1e-12],
          ["max", t.max(arg, true), refReduce(t, axes, -Infinity, Math.max), 0],
          ["min", t.min(arg, true), refReduce(t, axes, Infinity, Math.min), 0],
          [
            "mean",
            t.mean(arg, true),
            refReduce(t, axes, 0, (a, v) => a + v).div(axes.reduce((n, a) => n * t.shape[a]!, 1)),
            1e-12,
          ],
        ];
        for (const [name, got, ref, tol] of refs) {
          expect(got.shape, `${name} ${axes}`).to.deep.equal(kept);
          for (let i = 0; i < ref.size; i++)
            expect(got.data[i], `${name} over ${axes}`).to.be.closeTo(ref.data[i]!, tol);
        }
        expect(t.sum(arg).shape).to.deep.equal(dropped);
        expect(t.sum(arg).toFlatArray()).to.deep.equal(t.sum(arg, true).toFlatArray());
      }
      // Negative axes and axis order do not matter.
      expect(t.sum(-1).toFlatArray()).to.deep.equal(t.sum(2).toFlatArray());
      expect(t.max([2, 0]).toFlatArray()).to.deep.equal(t.max([0, 2]).toFlatArray());
      expect(t.sum().shape).to.deep.equal([]);
      expect(t.sum().item()).to.be.closeTo(t.sumAll(), 1e-12);
      expect(t.maxAll()).to.equal(Math.max(...t.toFlatArray()));
      expect(t.minAll()).to.equal(Math.min(...t.toFlatArray()));
      expect(t.meanAll()).to.be.closeTo(t.toFlatArray().reduce((a, b) => a + b, 0) / 60, 1e-14);
      expect(t.norm()).to.be.closeTo(Math.sqrt(t.toFlatArray().reduce((a, b) => a + b * b, 0)), 1e-12);
    });

    it("variance is the population variance (divides by N), over any axes", () => {
      expect(
        tensor([
          [1, 3],
          [5, 7],
        ])
          .variance(0)
          .toFlatArray(),
      ).to.deep.equal([4, 4]);
      expect(
        tensor([
          [1, 3],
          [5, 7],
        ])
          .variance(1)
          .toFlatArray(),
      ).to.deep.equal([1, 1]);
      expect(
        tensor([
          [1, 3],
          [5, 7],
        ])
          .variance()
          .item(),
      ).to.equal(5);
      for (const axes of axisSets) {
        const v = t.variance(axes, true);
        const count = axes.reduce((n, a) => n * t.shape[a]!, 1);
        const mean = refReduce(t, axes, 0, (a, x) => a + x).div(count);
        const sq = Tensor.zeros(mean.shape);
        for (const idx of all(t.shape)) {
          const o = idx.map((x, i) => (axes.includes(i) ? 0 : x));
          const m = at(mean, o);
          const s = refStrides(mean.shape);
          sq.data[o.reduce((acc, x, i) => acc + x * s[i]!, 0)] += (at(t, idx) - m) ** 2 / count;
        }
        for (let i = 0; i < sq.size; i++) expect(v.data[i]).to.be.closeTo(sq.data[i]!, 1e-12);
      }
    });

    it("argmax along any axis takes the first maximum on ties", () => {
      expect(
        Array.from(
          tensor([
            [1, 5, 5],
            [7, 0, 7],
          ]).argmax(1),
        ),
      ).to.deep.equal([1, 0]);
      expect(
        Array.from(
          tensor([
            [1, 5],
            [7, 0],
          ]).argmax(0),
        ),
      ).to.deep.equal([1, 0]);
      expect(Array.from(tensor([3, 3, 3]).argmax())).to.deep.equal([0]);
      expect(Array.from(tensor([-5, -1, -1, -9]).argmax())).to.deep.equal([1]);
      for (let axis = 0; axis < 3; axis++) {
        // Rounded values make ties frequent.
        const r = t.mul(2).map(Math.round);
        const got = r.argmax(axis);
        const outShape = r.shape.filter((_, i) => i !== axis);
        expect(got.length).to.equal(outShape.reduce((a, b) => a * b, 1));
        all(outShape).forEach((o, flat) => {
          let best = 0;
          for (let i = 1; i < r.shape[axis]!; i++) {
            const idx = [...o.slice(0, axis), i, ...o.slice(axis)];
            const bestIdx = [...o.slice(0, axis), best, ...o.slice(axis)];
            if (at(r, idx) > at(r, bestIdx)) best = i;
          }
          expect(got[flat]).to.equal(best);
        });
      }
      expect(got(t.argmax(-1))).to.deep.equal(got(t.argmax(2)));
      // NaN wins, like max() (which propagates it) and NumPy.
      expect(Array.from(tensor([1, NaN, 3, NaN]).argmax())).to.deep.equal([1]);
      expect(Array.from(tensor([NaN, 9]).argmax())).to.deep.equal([0]);
      expect(tensor([1, NaN, 3]).max().item()).to.be.NaN;
      expect(() => Tensor.zeros([2, 0]).argmax(1)).to.throw(/argmax over an empty axis/);
      function got(a: Int32Array): number[] {
        return Array.from(a);
      }
    });

    it("rejects bad axes and empty max/mean, and sums of nothing are new zero tensors", () => {
      expect(() => t.sum(3)).to.throw(/sum: axis 3 is out of range for a tensor with 3 dimensions/);
      expect(() => t.max(-4)).to.throw(/axis -4 is out of range/);
      expect(() => t.sum([0, -3])).to.throw(/repeated axis in \[0, -3\]/);
      expect(() => Tensor.zeros([0, 2]).max(0)).to.throw(/cannot take max over an empty axis 0/);
      expect(() => Tensor.zeros([0]).maxAll()).to.throw(/cannot take max of an empty tensor/);
      expect(() => Tensor.zeros([0, 2]).mean(0)).to.throw(/mean: no elements to average in shape \[0, 2\]/);
      expect(Tensor.zeros([0, 2]).sum(0).toFlatArray()).to.deep.equal([0, 0]);
      // Reducing nothing (a 0-d tensor, or axis []) still returns a new tensor, not a view.
      const s = Tensor.scalar(3);
      s.sum().fill(0);
      expect(s.item()).to.equal(3);
      const m = Tensor.ones([2, 2]);
      const none = m.sum([]);
      expect(none.shape).to.deep.equal([2, 2]);
      none.fill(5);
      expect(m.toFlatArray()).to.deep.equal([1, 1, 1, 1]);
    });
  });

  describe("matmul", () => {
    it("multiplies 2-D matrices like a triple loop", () => {
      const rng = new Rng(9);
      for (const [m, k, n] of [
        [1, 1, 1],
        [7, 5, 3],
        [1, 9, 4],
        [6, 1, 6],
        [33, 70, 5],
      ]) {
        const a = Tensor.randn([m!, k!], rng);
        const b = Tensor.randn([k!, n!], rng);
        const ref = naiveMatmul(a.toArray() as number[][], b.toArray() as number[][]);
        const c = a.matmul(b);
        expect(c.shape).to.deep.equal([m, n]);
        for (let i = 0; i < m!; i++) for (let j = 0; j < n!; j++) expect(c.get(i, j)).to.be.closeTo(ref[i]![j]!, 1e-12);
      }
    });

    it("treats 1-D operands as row or column vectors and drops their axis", () => {
      const rng = new Rng(10);
      const a = Tensor.randn([7, 5], rng);
      const b = Tensor.randn([5, 3], rng);
      const v = Tensor.randn([5], rng);
      const av = a.matmul(v);
      expect(av.shape).to.deep.equal([7]);
      for (let i = 0; i < 7; i++) {
        let s = 0;
        for (let p = 0; p < 5; p++) s += a.get(i, p) * v.get(p);
        expect(av.get(i)).to.be.closeTo(s, 1e-12);
      }
      const vb = v.matmul(b);
      expect(vb.shape).to.deep.equal([3]);
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let p = 0; p < 5; p++) s += v.get(p) * b.get(p, j);
        expect(vb.get(j)).to.be.closeTo(s, 1e-12);
      }
      const vv = v.matmul(v);
      expect(vv.shape).to.deep.equal([]);
      expect(vv.item()).to.be.closeTo(
        v.toFlatArray().reduce((s, x) => s + x * x, 0),
        1e-12,
      );
      expect(v.dot(v).item()).to.equal(vv.item());
      expect(
        Tensor.zeros([2, 0])
          .matmul(Tensor.zeros([0, 3]))
          .toArray(),
      ).to.deep.equal([
        [0, 0, 0],
        [0, 0, 0],
      ]);
    });

    it("names both shapes (and dtypes) when operands do not fit", () => {
      expect(() => Tensor.zeros([2, 3]).matmul(Tensor.zeros([2, 3]))).to.throw(
        /matmul: shapes \[2, 3\] and \[2, 3\] are not aligned/,
      );
      expect(() => Tensor.zeros([4]).matmul(Tensor.zeros([3]))).to.throw(/shapes \[4\] and \[3\] are not aligned/);
      expect(() => Tensor.zeros([2, 2, 2]).matmul(Tensor.zeros([2, 2]))).to.throw(/shapes \[2, 2, 2\] and \[2, 2\]/);
      expect(() => Tensor.zeros([2, 3]).matmul(Tensor.zeros([3, 2], "float32"))).to.throw(
        /matmul: dtype mismatch: float64 \[2, 3\] vs float32 \[3, 2\]/,
      );
    });
  });

  describe("in-place updates", () => {
    it("addInPlace (with alpha), subInPlace, mulInPlace, divInPlace broadcast into the target and return it", () => {
      const w = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const data = w.data;
      expect(w.addInPlace(tensor([10, 20, 30]), 0.5)).to.equal(w);
      expect(w.toArray()).to.deep.equal([
        [6, 12, 18],
        [9, 15, 21],
      ]);
      w.subInPlace(tensor([[1], [2]]));
      expect(w.toArray()).to.deep.equal([
        [5, 11, 17],
        [7, 13, 19],
      ]);
      w.mulInPlace(2).divInPlace(
        tensor([
          [1, 2, 4],
          [1, 2, 4],
        ]),
      );
      expect(w.toArray()).to.deep.equal([
        [10, 11, 8.5],
        [14, 13, 9.5],
      ]);
      w.addInPlace(1);
      expect(w.toArray()).to.deep.equal([
        [11, 12, 9.5],
        [15, 14, 10.5],
      ]);
      w.addInPlace(w.clone(), -1);
      expect(w.toFlatArray()).to.deep.equal([0, 0, 0, 0, 0, 0]);
      expect(w.data).to.equal(data); // no reallocation
      // A 3-D in-place broadcast against an index-by-index reference.
      const rng = new Rng(11);
      const x = Tensor.randn([2, 3, 4], rng);
      const b = Tensor.randn([3, 1], rng);
      const ref = x.toFlatArray();
      x.addInPlace(b, 2);
      all([2, 3, 4]).forEach((idx, flat) => expect(x.data[flat]).to.equal(ref[flat]! + 2 * readBroadcast(b, idx)));
    });

    it("fill, mapInPlace and copyFrom write into the existing storage", () => {
      const t = Tensor.zeros([2, 2], "float32");
      expect(t.fill(3)).to.equal(t);
      expect(t.toFlatArray()).to.deep.equal([3, 3, 3, 3]);
      expect(t.mapInPlace((v) => v * v).toFlatArray()).to.deep.equal([9, 9, 9, 9]);
      t.copyFrom(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ); // any dtype
      expect(t.toFlatArray()).to.deep.equal([1, 2, 3, 4]);
      expect(t.dtype).to.equal("float32");
      expect(() => t.copyFrom(Tensor.zeros([4]))).to.throw(
        /copyFrom: source shape \[4\] does not match target \[2, 2\]/,
      );
    });

    it("refuses to grow the target, naming both shapes", () => {
      const w = Tensor.ones([2, 2]);
      expect(() => w.addInPlace(Tensor.zeros([3, 2, 2]))).to.throw(
        /addInPlace: cannot broadcast \[3, 2, 2\] into the in-place target \[2, 2\]/,
      );
      expect(() => w.mulInPlace(Tensor.zeros([3]))).to.throw(
        /mulInPlace: shapes \[2, 2\] and \[3\] cannot be broadcast/,
      );
      expect(w.toFlatArray()).to.deep.equal([1, 1, 1, 1]);
    });
  });

  describe("dtypes", () => {
    it("float32 is preserved by every operation", () => {
      const rng = new Rng(12);
      const a = Tensor.randn([3, 4], rng, { dtype: "float32" });
      const b = Tensor.randn([4], rng, { dtype: "float32" });
      const results: [string, Tensor][] = [
        ["add", a.add(b)],
        ["mul scalar", a.mul(2)],
        ["div", a.div(b)],
        ["pow", a.pow(2)],
        ["gt", a.gt(0)],
        ["exp", a.exp()],
        ["sigmoid", a.sigmoid()],
        ["relu", a.relu()],
        ["clip", a.clip(0, 1)],
        ["map", a.map((v) => v)],
        ["sum", a.sum(0)],
        ["max", a.max(1, true)],
        ["mean", a.mean()],
        ["variance", a.variance(0)],
        ["matmul", a.matmul(a.T)],
        ["transpose", a.transpose()],
        ["reshape", a.reshape([-1])],
        ["slice", a.slice(0, 1)],
        ["take", a.take([0], 1)],
        ["concat", Tensor.concat([a, a])],
        ["stack", Tensor.stack([b, b])],
        ["clone", a.clone()],
        ["zerosLike", Tensor.zerosLike(a)],
        ["addInPlace", a.clone().addInPlace(b)],
      ];
      for (const [name, t] of results) {
        expect(t.dtype, name).to.equal("float32");
        expect(t.data, name).to.be.instanceOf(Float32Array);
      }
      // Values are rounded to float32 (not silently kept in double).
      const third = Tensor.ones([1], "float32").div(3);
      expect(third.get(0)).to.equal(Math.fround(1 / 3));
      expect(a.astype("float64").dtype).to.equal("float64");
      expect(a.astype("float64").toFlatArray()).to.deep.equal(a.toFlatArray());
      expect(
        tensor([1 / 3])
          .astype("float32")
          .get(0),
      ).to.equal(Math.fround(1 / 3));
    });

    it("mixed dtypes throw, naming both dtypes and both shapes", () => {
      const d = Tensor.zeros([2, 3]);
      const f = Tensor.zeros([3], "float32");
      for (const [name, fn] of [
        ["add", () => d.add(f)],
        ["sub", () => d.sub(f)],
        ["mul", () => d.mul(f)],
        ["div", () => d.div(f)],
        ["maximum", () => d.maximum(f)],
        ["gt", () => d.gt(f)],
        ["addInPlace", () => d.addInPlace(f)],
        ["mulInPlace", () => d.mulInPlace(f)],
      ] as [string, () => Tensor][]) {
        expect(fn, name).to.throw(new RegExp(`${name}: dtype mismatch: float64 \\[2, 3\\] vs float32 \\[3\\]`));
      }
      expect(() => f.add(d)).to.throw(/dtype mismatch: float32 \[3\] vs float64 \[2, 3\]/);
    });
  });

  describe("checks and printing", () => {
    it("assertNoNaN names the index; firstNonFinite finds NaN and infinities; assertShape names both shapes", () => {
      const t = Tensor.zeros([2, 3]);
      expect(t.assertNoNaN()).to.equal(t);
      expect(t.firstNonFinite()).to.equal(null);
      t.set(NaN, 1, 2);
      expect(() => t.assertNoNaN("x")).to.throw(/x: NaN at index \[1, 2\] of shape \[2, 3\]/);
      const c = Tensor.zeros([2, 3, 4]);
      c.set(NaN, 1, 0, 3);
      c.set(NaN, 1, 2, 0);
      expect(() => c.assertNoNaN()).to.throw(/tensor: NaN at index \[1, 0, 3\] of shape \[2, 3, 4\]/);
      t.set(0, 1, 2);
      t.set(Infinity, 0, 1);
      expect(t.firstNonFinite()).to.deep.equal([0, 1]);
      expect(() => t.assertNoNaN()).not.to.throw(); // infinities are not NaN
      expect(t.assertShape([2, -1])).to.equal(t);
      expect(() => t.assertShape([2, 4], "W")).to.throw(/W: expected shape \[2, 4\], got \[2, 3\]/);
      expect(() => t.assertShape([2, 3, 1], "W")).to.throw(/expected shape \[2, 3, 1\], got \[2, 3\]/);
    });

    it("the one-pass checks find a NaN or infinity at every position of a longer tensor (every partial sum and the tail)", () => {
      for (const dtype of ["float64", "float32"] as const) {
        for (let i = 0; i < 11; i++) {
          const t = Tensor.zeros([11], dtype).fill(0.5);
          expect(t.firstNonFinite()).to.equal(null);
          t.set(-Infinity, i);
          expect(t.firstNonFinite(), `${dtype} -Inf at ${i}`).to.deep.equal([i]);
          expect(() => t.assertNoNaN()).not.to.throw();
          t.set(NaN, i);
          expect(() => t.assertNoNaN("g"), `${dtype} NaN at ${i}`).to.throw(`g: NaN at index [${i}] of shape [11]`);
          expect(t.firstNonFinite()).to.deep.equal([i]);
        }
      }
    });

    it("prints readably: values, nesting, shape and dtype; long axes are elided", () => {
      expect(
        tensor([
          [1, 2],
          [3, 4],
        ]).toString(),
      ).to.equal("Tensor([[1, 2],\n [3, 4]], shape=[2, 2], dtype=float64)");
      expect(tensor([1.5, -2]).toString()).to.match(/^Tensor\(\[1\.50*, -2\], shape=\[2\], dtype=float64\)$/);
      expect(Tensor.scalar(7, "float32").toString()).to.equal("Tensor(7, shape=[], dtype=float32)");
      expect(Tensor.arange(8).reshape([2, 2, 2]).toString()).to.equal(
        "Tensor([[[0, 1],\n  [2, 3]],\n [[4, 5],\n  [6, 7]]], shape=[2, 2, 2], dtype=float64)",
      );
      expect(Tensor.arange(20).toString()).to.equal("Tensor([0, 1, 2, ..., 17, 18, 19], shape=[20], dtype=float64)");
      const big = Tensor.arange(100 * 100)
        .reshape([100, 100])
        .toString();
      expect(big.split("\n").length).to.equal(7);
      expect(big).to.contain("[9900, 9901, 9902, ..., 9997, 9998, 9999]");
      expect(big.length).to.be.below(400);
      expect(String(tensor([1]))).to.equal("Tensor([1], shape=[1], dtype=float64)");
    });
  });
});
