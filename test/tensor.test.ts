import { expect } from "chai";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";
import { broadcastShapes } from "../lib/tensor/shape";
import { naiveMatmul } from "./helpers/reference";

describe("Tensor", () => {
  it("creates tensors with shapes, strides and dtypes", () => {
    const z = Tensor.zeros([2, 3, 4]);
    expect(z.shape).to.deep.equal([2, 3, 4]);
    expect(z.strides).to.deep.equal([12, 4, 1]);
    expect(z.dtype).to.equal("float64");
    expect(Tensor.ones([2], "float32").data).to.be.instanceOf(Float32Array);
    expect(Tensor.full([2, 2], 7).toFlatArray()).to.deep.equal([7, 7, 7, 7]);
    expect(Tensor.arange(5).toFlatArray()).to.deep.equal([0, 1, 2, 3, 4]);
    expect(Tensor.arange(1, 2, 0.25).toFlatArray()).to.deep.equal([1, 1.25, 1.5, 1.75]);
    expect(Tensor.linspace(0, 1, 5).toFlatArray()).to.deep.equal([0, 0.25, 0.5, 0.75, 1]);
    expect(Tensor.eye(3).toArray()).to.deep.equal([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(tensor([[1, 2], [3, 4]]).shape).to.deep.equal([2, 2]);
    expect(Tensor.scalar(3).item()).to.equal(3);
  });

  it("rejects ragged nested arrays and wrong data lengths, naming the position", () => {
    expect(() => tensor([[1, 2], [3]])).to.throw(/ragged.*\[1\].*expected length 2, got length 1/);
    expect(() => new Tensor(new Float64Array(5), [2, 3])).to.throw(/shape \[2, 3\] needs 6 elements, data has 5/);
  });

  it("samples randn and uniform reproducibly with the right moments", () => {
    const a = Tensor.randn([20000], new Rng(3));
    const b = Tensor.randn([20000], new Rng(3));
    expect(a.toFlatArray()).to.deep.equal(b.toFlatArray());
    expect(Math.abs(a.meanAll())).to.be.below(0.03);
    expect(Math.abs(a.variance().item() - 1)).to.be.below(0.05);
    const u = Tensor.uniform([20000], new Rng(4), -1, 3);
    expect(u.minAll()).to.be.at.least(-1);
    expect(u.maxAll()).to.be.below(3);
    expect(Math.abs(u.meanAll() - 1)).to.be.below(0.05);
  });

  it("gets and sets with negative indices and names out-of-range indices", () => {
    const t = Tensor.arange(6).reshape([2, 3]);
    expect(t.get(1, -1)).to.equal(5);
    t.set(42, -2, 0);
    expect(t.get(0, 0)).to.equal(42);
    expect(() => t.get(2, 0)).to.throw(/index 2 is out of range for axis 0 of shape \[2, 3\]/);
    expect(() => t.get(0)).to.throw(/expected 2 indices/);
  });

  it("reshape is a view and checks sizes", () => {
    const t = Tensor.arange(6);
    const r = t.reshape([2, -1]);
    expect(r.shape).to.deep.equal([2, 3]);
    r.set(100, 1, 2);
    expect(t.get(5)).to.equal(100);
    expect(() => t.reshape([4, 2])).to.throw(/cannot reshape \[6\].*into \[4, 2\]/);
    expect(() => t.reshape([4, -1])).to.throw(/cannot reshape/);
  });

  it("transposes any permutation like an index-by-index reference", () => {
    const t = Tensor.randn([2, 3, 4], new Rng(1));
    const p = t.transpose(2, 0, 1);
    expect(p.shape).to.deep.equal([4, 2, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(p.get(k, i, j)).to.equal(t.get(i, j, k));
    const m = Tensor.randn([37, 45], new Rng(2));
    const mt = m.T;
    for (let i = 0; i < 37; i++) for (let j = 0; j < 45; j++) expect(mt.get(j, i)).to.equal(m.get(i, j));
    expect(() => t.transpose(0, 0, 1)).to.throw(/not a permutation/);
  });

  it("slices, takes, concatenates and stacks", () => {
    const t = Tensor.arange(12).reshape([3, 4]);
    expect(t.slice(0, 1).toArray()).to.deep.equal([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(t.slice(1, -2).toArray()).to.deep.equal([[2, 3], [6, 7], [10, 11]]);
    expect(t.take([2, 0], 0).toArray()).to.deep.equal([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(t.take([3], 1).toArray()).to.deep.equal([[3], [7], [11]]);
    expect(() => t.take([3], 0)).to.throw(/index 3 is out of range for axis 0/);
    const c = Tensor.concat([t.slice(1, 0, 1), t.slice(1, 1)], 1);
    expect(c.toArray()).to.deep.equal(t.toArray());
    expect(Tensor.stack([tensor([1, 2]), tensor([3, 4])]).toArray()).to.deep.equal([[1, 2], [3, 4]]);
    expect(() => Tensor.concat([t, Tensor.zeros([3, 2, 1])])).to.throw(/does not match/);
  });

  it("broadcasts elementwise ops like an index-by-index reference", () => {
    const rng = new Rng(5);
    const cases: [number[], number[]][] = [[[4, 3], [3]], [[4, 1], [1, 5]], [[2, 3, 4], [3, 1]], [[1], [2, 2]], [[2, 1, 3], [4, 1]]];
    for (const [sa, sb] of cases) {
      const a = Tensor.randn(sa, rng);
      const b = Tensor.randn(sb, rng);
      const out = a.sub(b);
      const shape = broadcastShapes(sa, sb);
      expect(out.shape).to.deep.equal(shape);
      for (let flat = 0; flat < out.size; flat++) {
        const idx = unravel(flat, shape);
        const ia = idx.slice(idx.length - sa.length).map((v, i) => (sa[i] === 1 ? 0 : v));
        const ib = idx.slice(idx.length - sb.length).map((v, i) => (sb[i] === 1 ? 0 : v));
        expect(out.data[flat]).to.equal(a.get(...ia) - b.get(...ib));
      }
    }
  });

  it("names both shapes when broadcasting fails and both dtypes when they differ", () => {
    expect(() => Tensor.zeros([2, 3]).add(Tensor.zeros([4]))).to.throw(/\[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => Tensor.zeros([2, 3]).add(Tensor.zeros([3], "float32"))).to.throw(/dtype mismatch: float64 \[2, 3\] vs float32 \[3\]/);
    expect(() => Tensor.zeros([2, 3]).matmul(Tensor.zeros([2, 3]))).to.throw(/shapes \[2, 3\] and \[2, 3\] are not aligned/);
  });

  it("applies unary functions and scalars", () => {
    const t = tensor([-2, 0, 3]);
    expect(t.relu().toFlatArray()).to.deep.equal([0, 0, 3]);
    expect(t.abs().toFlatArray()).to.deep.equal([2, 0, 3]);
    expect(t.mul(2).add(1).toFlatArray()).to.deep.equal([-3, 1, 7]);
    expect(t.clip(-1, 1).toFlatArray()).to.deep.equal([-1, 0, 1]);
    expect(t.gt(0).toFlatArray()).to.deep.equal([0, 0, 1]);
    expect(tensor([-1000, 0, 1000]).sigmoid().toFlatArray()).to.deep.equal([0, 0.5, 1]);
    expect(t.exp().log().toFlatArray().map((v) => Math.round(v * 1e12) / 1e12)).to.deep.equal([-2, 0, 3]);
  });

  it("reduces over single and multiple axes, with keepdims", () => {
    const t = Tensor.arange(24).reshape([2, 3, 4]);
    const s1 = t.sum(1);
    expect(s1.shape).to.deep.equal([2, 4]);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) expect(s1.get(i, k)).to.equal(t.get(i, 0, k) + t.get(i, 1, k) + t.get(i, 2, k));
    const s02 = t.sum([0, 2], true);
    expect(s02.shape).to.deep.equal([1, 3, 1]);
    for (let j = 0; j < 3; j++) {
      let ref = 0;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) ref += t.get(i, j, k);
      expect(s02.get(0, j, 0)).to.equal(ref);
    }
    expect(t.sum().item()).to.equal(276);
    expect(t.max(-1).toArray()).to.deep.equal([[3, 7, 11], [15, 19, 23]]);
    expect(t.min(0).get(2, 3)).to.equal(11);
    expect(t.mean(2).get(1, 2)).to.equal((20 + 21 + 22 + 23) / 4);
    expect(tensor([[1, 3], [5, 7]]).variance(0).toFlatArray()).to.deep.equal([4, 4]);
    expect(() => t.sum(3)).to.throw(/axis 3 is out of range/);
  });

  it("argmax takes the first maximum on ties", () => {
    expect(Array.from(tensor([[1, 5, 5], [7, 0, 7]]).argmax(1))).to.deep.equal([1, 0]);
    expect(Array.from(tensor([[1, 5], [7, 0]]).argmax(0))).to.deep.equal([1, 0]);
  });

  it("multiplies matrices like a triple loop, with 1-D operands as vectors", () => {
    const rng = new Rng(9);
    const a = Tensor.randn([7, 5], rng);
    const b = Tensor.randn([5, 3], rng);
    const ref = naiveMatmul(a.toArray() as number[][], b.toArray() as number[][]);
    const c = a.matmul(b);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 3; j++) expect(c.get(i, j)).to.be.closeTo(ref[i]![j]!, 1e-12);
    const v = Tensor.randn([5], rng);
    expect(a.matmul(v).shape).to.deep.equal([7]);
    expect(v.matmul(b).shape).to.deep.equal([3]);
    expect(v.matmul(v).item()).to.be.closeTo(v.mul(v).sumAll(), 1e-12);
  });

  it("updates in place and keeps float32", () => {
    const w = Tensor.ones([2, 2], "float32");
    w.addInPlace(tensor([1, 2], undefined, "float32"), 0.5).mulInPlace(2);
    expect(w.toFlatArray()).to.deep.equal([3, 4, 3, 4]);
    expect(w.dtype).to.equal("float32");
    expect(w.add(1).dtype).to.equal("float32");
    expect(w.astype("float64").dtype).to.equal("float64");
    expect(() => w.addInPlace(Tensor.zeros([3, 2, 2], "float32"))).to.throw(/cannot broadcast \[3, 2, 2\] into the in-place target \[2, 2\]/);
  });

  it("finds NaN and non-finite entries by index", () => {
    const t = Tensor.zeros([2, 3]);
    t.set(NaN, 1, 2);
    expect(() => t.assertNoNaN("x")).to.throw(/x: NaN at index \[1, 2\] of shape \[2, 3\]/);
    t.set(0, 1, 2);
    t.set(Infinity, 0, 1);
    expect(t.firstNonFinite()).to.deep.equal([0, 1]);
    expect(() => t.assertShape([2, 4], "W")).to.throw(/W: expected shape \[2, 4\], got \[2, 3\]/);
  });

  it("prints readably", () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).to.equal("Tensor([[1, 2],\n [3, 4]], shape=[2, 2], dtype=float64)");
    expect(Tensor.arange(20).toString()).to.contain("...");
  });
});

function unravel(flat: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}
