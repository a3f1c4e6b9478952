// checkLayer on float32: the report says why float32 cannot reach the float64 threshold 1e-8, and
// checks a float32 input to a layer without float32 state as a float64 copy, or a float32 layer in
// float32 with an error relative to each tensor's largest entry against 1e-3.
import { expect } from "chai";
import { checkLayer } from "../lib/gradcheck";
import { BatchNorm1d } from "../lib/layers/batchnorm";
import { LayerNorm } from "../lib/layers/layernorm";
import { Linear } from "../lib/layers/linear";
import { LogSoftmax } from "../lib/layers/softmax";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { WrongScale } from "./helpers/wrong-scale";

const WHY =
  "float32 keeps about 7 significant digits (eps 1.2e-7), so a centred difference of float32 outputs cannot reach the float64 threshold 1e-8";

describe("checkLayer on float32", () => {
  const rng = new Rng(32);

  it("a float32 layer: checked in float32 against 1e-3 relative to the largest entry, and the report says why", () => {
    const report = checkLayer(
      new Linear(6, 4, { rng, dtype: "float32" }),
      Tensor.randn([5, 6], rng, { dtype: "float32" }),
    );
    expect(report.ok, report.toString()).to.equal(true);
    expect(report.dtype).to.equal("float32");
    expect(report.rows.map((r) => [r.name, r.threshold])).to.deep.equal([
      ["input", 1e-3],
      ["W", 1e-3],
      ["b", 1e-3],
    ]);
    // Correct float32 layers land around 1e-6 to 2e-5 on this measure (measured on every built-in layer).
    for (const r of report.rows) expect(r.maxRelError, r.name).to.be.below(1e-4);
    expect(report.notes).to.deep.equal([
      `the layer is float32 (W is float32): ${WHY}; checked in float32 with h = 0.01, each error relative to the ` +
        `tensor's largest entry (max |a - b| / max(|a| + |b|)) against 1e-3; for the float64 check, build the ` +
        `layer with { dtype: "float64" }`,
    ]);
    const lines = report.toString().split("\n");
    expect(lines[0]).to.match(/^input\s+\[5, 6\]\s+max rel error \d\.\d\de-\d+ <= 1e-3 ok$/);
    expect(lines[3]).to.equal(`note: ${report.notes[0]}`);
  });

  it("float32 layers with buffers or several parameters pass too (BatchNorm, LayerNorm)", () => {
    for (const layer of [new BatchNorm1d(4, { dtype: "float32" }), new LayerNorm([2, 3], { dtype: "float32" })]) {
      const shape = layer instanceof LayerNorm ? [4, 2, 3] : [6, 4];
      const report = checkLayer(layer, Tensor.randn(shape, rng, { std: 2, dtype: "float32" }));
      expect(report.ok, `${layer.describe()}\n${report.toString()}`).to.equal(true);
      expect(report.notes[0]).to.match(/^the layer is float32 \(gamma is float32\)/);
    }
  });

  it("still catches a wrong float32 gradient", () => {
    const report = checkLayer(new WrongScale(4, rng, "float32"), Tensor.randn([5, 4], rng, { dtype: "float32" }));
    expect(report.ok).to.equal(false);
    expect(report.rows[0]!.ok, report.toString()).to.equal(true);
    expect(report.rows[1]!.ok).to.equal(false);
    expect(report.rows[1]!.maxRelError).to.be.above(1e-2);
    expect(report.toString()).to.match(/^s\s+\[4\]\s+max rel error \d\.\d\de-\d+ > {2}1e-3 FAIL$/m);
  });

  it("a float32 layer held to the float64 threshold fails, and the note explains that it cannot pass", () => {
    const report = checkLayer(
      new Linear(6, 4, { rng, dtype: "float32" }),
      Tensor.randn([5, 6], rng, { dtype: "float32" }),
      {
        threshold: 1e-8,
      },
    );
    expect(report.ok).to.equal(false);
    expect(report.notes[0]).to.contain(WHY);
    expect(report.notes[0]).to.contain("against 1e-8");
  });

  it("a float32 input to a layer without float32 state is checked as a float64 copy, to 1e-8", () => {
    const x = Tensor.randn([3, 5], rng, { dtype: "float32" });
    const report = checkLayer(new LogSoftmax(), x);
    expect(report.ok, report.toString()).to.equal(true);
    expect(report.dtype).to.equal("float64");
    expect(report.rows[0]!.threshold).to.equal(1e-8);
    expect(report.rows[0]!.maxRelError).to.be.below(1e-9);
    expect(report.notes).to.deep.equal([`the input is float32: ${WHY}; checked on a float64 copy of it`]);
    expect(x.dtype).to.equal("float32");
    // A float64 layer given a float32 input is checked the same way (its forward would refuse the float32 input).
    const lin = checkLayer(new Linear(5, 2, { rng }), x);
    expect(lin.ok, lin.toString()).to.equal(true);
    expect(lin.notes.length).to.equal(1);
  });

  it("float64: no notes, and the report prints only its rows", () => {
    const report = checkLayer(new Linear(3, 2, { rng }), Tensor.randn([4, 3], rng));
    expect([report.dtype, report.notes]).to.deep.equal(["float64", []]);
    expect(report.toString().split("\n").length).to.equal(3);
  });
});
