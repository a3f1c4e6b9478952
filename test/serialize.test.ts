// stateDict / loadStateDict / saveModel / loadModel: exact round trips and errors that name the key and shapes.
import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReLU } from "../lib/layers/activations";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { Dropout } from "../lib/layers/dropout";
import { Flatten } from "../lib/layers/flatten";
import { Linear } from "../lib/layers/linear";
import { Sequential } from "../lib/layers/sequential";
import { loadModel, loadStateDict, saveModel, stateDict, type StateDict } from "../lib/layers/serialize";
import { Rng } from "../lib/random";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";

function mlp(seed: number, hidden = 5, dtype: DType = "float64"): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    new Linear(3, hidden, { rng, dtype }),
    new BatchNorm1d(hidden, { dtype }),
    new ReLU(),
    new Dropout(0.5, { seed }),
    new Linear(hidden, 2, { rng, dtype }),
  );
}

/** Moves every parameter and buffer away from its initial value, as training would. */
function perturb(model: Sequential, seed: number): void {
  const rng = new Rng(seed);
  for (const t of [...model.parameters(), ...model.buffers()])
    t.value.addInPlace(Tensor.randn(t.value.shape, rng, { dtype: t.value.dtype, std: 0.3 }));
}

const bits = (model: Sequential): number[][] =>
  [...model.parameters(), ...model.buffers()].map((t) => t.value.toFlatArray());
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("save and load", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsdl-serialize-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("the state dict names parameters then buffers, with shapes, dtypes and copied values", () => {
    const a = mlp(1);
    const dict = stateDict(a);
    expect(dict.format).to.equal("tsdl-state-dict");
    expect(Object.keys(dict.tensors)).to.deep.equal([
      "0.W",
      "0.b",
      "1.gamma",
      "1.beta",
      "4.W",
      "4.b",
      "1.runningMean",
      "1.runningVar",
    ]);
    expect(dict.tensors["0.W"]!.shape).to.deep.equal([3, 5]);
    expect(dict.tensors["1.runningVar"]).to.deep.equal({ shape: [5], dtype: "float64", values: [1, 1, 1, 1, 1] });
    const w = (a.layers[0] as Linear).weight.value;
    expect(dict.tensors["0.W"]!.values).to.deep.equal(w.toFlatArray());
    w.data[0] = 42; // the dict is a copy, not a view
    expect(dict.tensors["0.W"]!.values[0]).to.not.equal(42);
  });

  it("save -> load into a fresh model gives identical outputs (train and eval) and identical bits", () => {
    const a = mlp(1);
    perturb(a, 2);
    a.forward(Tensor.randn([8, 3], new Rng(3))); // moves the running statistics too
    const path = join(dir, "mlp.json");
    saveModel(a, path);
    const b = mlp(99);
    const x = Tensor.randn([6, 3], new Rng(4));
    a.eval();
    b.eval();
    expect(b.forward(x).toFlatArray()).to.not.deep.equal(a.forward(x).toFlatArray());
    loadModel(b, path);
    expect(bits(b)).to.deep.equal(bits(a));
    expect(b.forward(x).toFlatArray()).to.deep.equal(a.forward(x).toFlatArray());
    // In training mode too (same dropout seed 1 in both, rebuilt so the masks start together).
    const c = mlp(1);
    const d = mlp(1);
    perturb(c, 5);
    loadStateDict(d, JSON.parse(JSON.stringify(stateDict(c))) as StateDict);
    expect(d.forward(x).toFlatArray()).to.deep.equal(c.forward(x).toFlatArray());
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).to.deep.equal([]);
  });

  it("a CNN head with BatchNorm2d round-trips through a file", () => {
    const make = (seed: number): Sequential =>
      new Sequential(new BatchNorm2d(2), new ReLU(), new Flatten(), new Linear(2 * 3 * 3, 4, { rng: new Rng(seed) }));
    const a = make(1);
    perturb(a, 6);
    a.forward(Tensor.randn([4, 2, 3, 3], new Rng(7)));
    a.eval();
    const path = join(dir, "cnn.json");
    saveModel(a, path);
    const b = make(2).eval();
    loadModel(b, path);
    const x = Tensor.randn([3, 2, 3, 3], new Rng(8));
    expect(b.forward(x).toFlatArray()).to.deep.equal(a.forward(x).toFlatArray());
  });

  it("values round-trip float64 exactly, including subnormals, extremes, -0, NaN and infinities", () => {
    const special = [
      0.1 + 0.2,
      1 / 3,
      Math.PI,
      -Number.MIN_VALUE,
      Number.MAX_VALUE,
      2.2250738585072014e-308,
      1 + Number.EPSILON,
      -0,
      NaN,
      Infinity,
      -Infinity,
      0,
      123456789.12345679,
      -1e-300,
      5e-324,
    ];
    const model = new Sequential(new Linear(3, 5));
    const w = (model.layers[0] as Linear).weight.value;
    for (let i = 0; i < w.size; i++) w.data[i] = special[i]!;
    const path = join(dir, "special.json");
    saveModel(model, path);
    const text = readFileSync(path, "utf8");
    expect(text).to.not.include("null"); // JSON.stringify would have written NaN and infinities as null
    const back = new Sequential(new Linear(3, 5));
    loadModel(back, path);
    const got = (back.layers[0] as Linear).weight.value;
    for (let i = 0; i < special.length; i++)
      expect(Object.is(got.data[i], special[i]), `entry ${i}: ${got.data[i]} vs ${special[i]}`).to.equal(true);
    // Random doubles over many magnitudes, compared bit for bit.
    const rng = new Rng(9);
    for (let i = 0; i < w.size; i++) w.data[i] = rng.normal() * 10 ** (rng.int(600) - 300);
    loadStateDict(back, JSON.parse(JSON.stringify(stateDict(model))) as StateDict);
    expect(Buffer.from(got.data.buffer).equals(Buffer.from(w.data.buffer))).to.equal(true);
  });

  it("float32 models round-trip exactly and keep their dtype", () => {
    const a = mlp(3, 4, "float32");
    perturb(a, 10);
    const dict = JSON.parse(JSON.stringify(stateDict(a))) as StateDict;
    expect(dict.tensors["0.W"]!.dtype).to.equal("float32");
    const b = mlp(4, 4, "float32");
    loadStateDict(b, dict);
    expect(bits(b)).to.deep.equal(bits(a));
    expect(b.parameters().every((p) => p.value.dtype === "float32")).to.equal(true);
  });

  it("loading into a model of a different shape throws naming the key and both shapes, and changes nothing", () => {
    const path = join(dir, "hidden5.json");
    saveModel(mlp(1, 5), path);
    const other = mlp(2, 6);
    const before = bits(other);
    let message = "";
    try {
      loadModel(other, path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.include(path);
    expect(message).to.match(/"0\.W": shape mismatch: expected \[3, 6\] \(model\), got \[3, 5\] \(saved\)/);
    expect(message).to.match(/"1\.gamma": shape mismatch: expected \[6\] \(model\), got \[5\] \(saved\)/);
    expect(message).to.match(/"1\.runningMean": shape mismatch: expected \[6\] \(model\), got \[5\] \(saved\)/);
    expect(message).to.match(/"4\.W": shape mismatch: expected \[6, 2\] \(model\), got \[5, 2\] \(saved\)/);
    expect(message).to.not.match(/"4\.b"/); // [2] in both: only real problems are listed
    expect(message).to.match(/nothing was loaded/);
    expect(bits(other)).to.deep.equal(before);
  });

  it("missing and unexpected keys, dtype mismatches and malformed entries are named", () => {
    const fresh = (): StateDict => JSON.parse(JSON.stringify(stateDict(mlp(1)))) as StateDict;
    const missing = fresh();
    delete missing.tensors["4.b"];
    expect(() => loadStateDict(mlp(1), missing)).to.throw(/missing key "4\.b" \(the model expects shape \[2\]\)/);
    const extra = fresh();
    extra.tensors["9.W"] = { shape: [1], dtype: "float64", values: [0] };
    expect(() => loadStateDict(mlp(1), extra)).to.throw(/unexpected key "9\.W" \(not in the model\)/);
    // A model without BatchNorm given a dict with one: the extra layer's keys are unexpected, the shifted ones missing.
    const noBn = new Sequential(new Linear(3, 5), new ReLU(), new Linear(5, 2));
    expect(() => loadStateDict(noBn, fresh())).to.throw(
      /unexpected key "1\.gamma"[\s\S]*missing key "2\.W" \(the model expects shape \[5, 2\]\)/,
    );
    expect(() => loadStateDict(mlp(1, 5, "float32"), fresh())).to.throw(
      /"0\.W": dtype mismatch: expected float32 \(model\), got float64 \(saved\)/,
    );
    const short = fresh();
    short.tensors["0.b"]!.values.pop();
    expect(() => loadStateDict(mlp(1), short)).to.throw(/"0\.b": 4 values, shape \[5\] needs 5/);
    const junk = fresh();
    (junk.tensors["0.b"]!.values as unknown[])[2] = "abc";
    expect(() => loadStateDict(mlp(1), junk)).to.throw(/"0\.b": value 2 is "abc", not a number/);
    expect(() => loadStateDict(mlp(1), { tensors: {} } as unknown as StateDict)).to.throw(/not a tsdl state dict/);
    expect(() => loadStateDict(mlp(1), { ...fresh(), version: 2 } as unknown as StateDict)).to.throw(
      /unsupported state dict version 2/,
    );
  });

  it("file errors name the file", () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, JSON.stringify(stateDict(mlp(1))).slice(0, 50));
    expect(() => loadModel(mlp(1), broken)).to.throw(new RegExp(`loadModel: ${escape(broken)} is not valid JSON`));
    const absent = join(dir, "absent.json");
    expect(() => loadModel(mlp(1), absent)).to.throw(new RegExp(`loadModel: cannot read ${escape(absent)}`));
    const badDir = join(dir, "no-such-dir", "m.json");
    expect(() => saveModel(mlp(1), badDir)).to.throw(new RegExp(`saveModel: cannot write ${escape(badDir)}`));
    expect(existsSync(join(dir, "no-such-dir"))).to.equal(false);
  });
});
