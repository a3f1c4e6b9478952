import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReLU } from "../lib/layers/activations";
import { BatchNorm1d } from "../lib/layers/batchnorm";
import { Linear } from "../lib/layers/linear";
import { Sequential } from "../lib/layers/sequential";
import { loadModel, loadStateDict, saveModel, stateDict } from "../lib/layers/serialize";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";

function model(seed: number, hidden = 5): Sequential {
  const rng = new Rng(seed);
  return new Sequential(new Linear(3, hidden, { rng }), new BatchNorm1d(hidden), new ReLU(), new Linear(hidden, 2, { rng }));
}

describe("save and load", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsdl-serialize-"));

  it("round-trips parameters and BatchNorm running statistics exactly", () => {
    const a = model(1);
    a.forward(Tensor.randn([8, 3], new Rng(2))); // moves the running statistics
    a.eval();
    const path = join(dir, "model.json");
    saveModel(a, path);
    const b = model(99).eval();
    const x = Tensor.randn([4, 3], new Rng(3));
    expect(b.forward(x).toFlatArray()).to.not.deep.equal(a.forward(x).toFlatArray());
    loadModel(b, path);
    expect(b.forward(x).toFlatArray()).to.deep.equal(a.forward(x).toFlatArray());
    const names = Object.keys(stateDict(a).tensors);
    expect(names).to.deep.equal(["0.W", "0.b", "1.gamma", "1.beta", "3.W", "3.b", "1.runningMean", "1.runningVar"]);
  });

  it("refuses a different architecture, naming the key and both shapes, and leaves the model untouched", () => {
    const saved = stateDict(model(1, 5));
    const other = model(2, 6);
    const before = other.parameters().map((p) => p.value.toFlatArray());
    expect(() => loadStateDict(other, saved)).to.throw(/"0\.W" has shape \[3, 5\] in the file, the model expects \[3, 6\]/);
    expect(other.parameters().map((p) => p.value.toFlatArray())).to.deep.equal(before);
    const missing = stateDict(model(1));
    delete missing.tensors["3.b"];
    expect(() => loadStateDict(model(1), missing)).to.throw(/missing key "3\.b" \(model expects shape \[2\]\)/);
    const extra = stateDict(model(1));
    extra.tensors["9.W"] = { shape: [1], dtype: "float64", values: [0] };
    expect(() => loadStateDict(model(1), extra)).to.throw(/unexpected key\(s\) "9\.W"/);
  });

  it("names the file when it is not valid JSON", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, readFileSync(join(dir, "model.json"), "utf8").slice(0, 50));
    expect(() => loadModel(model(1), path)).to.throw(new RegExp(`cannot read ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });
});
