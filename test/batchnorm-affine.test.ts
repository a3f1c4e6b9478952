// BatchNorm1d/2d with affine: false (PyTorch's affine=False): no gamma and beta, the output is xhat;
// gradient checks (float64, <= 1e-8), the same numbers as an affine layer at gamma = 1, beta = 0 under
// the reference and the wasm kernels, state dicts. PyTorch's numbers: pytorch-reference.test.ts.
import { expect } from "chai";
import { checkLayer } from "../lib/gradcheck";
import { setKernels } from "../lib/kernels/kernels";
import { BatchNorm1d, BatchNorm2d } from "../lib/layers/batchnorm";
import { stateDict } from "../lib/layers/serialize";
import { useWasmKernels } from "../lib/index";
import { Rng } from "../lib/random";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";

type BN = BatchNorm1d<boolean> | BatchNorm2d<boolean>;

/** Forward and backward of an affine: false layer and of a default one (gamma 1, beta 0), in train or eval. */
function bothWays(
  make: (affine: boolean) => BN,
  shape: number[],
  seed: number,
  dtype: DType = "float64",
): { plain: number[][]; affine: number[][] } {
  const run = (affine: boolean): number[][] => {
    const rng = new Rng(seed);
    const bn = make(affine);
    const warm = bn.forward(Tensor.randn(shape, rng, { mean: 1, std: 2, dtype }));
    expect(warm.dtype).to.equal(dtype);
    bn.eval();
    const x = Tensor.randn(shape, rng, { mean: -1, dtype });
    const evalOut = [Array.from(bn.forward(x).data), Array.from(bn.backward(Tensor.randn(shape, rng, { dtype })).data)];
    bn.train();
    const trainOut = [
      Array.from(bn.forward(x).data),
      Array.from(bn.backward(Tensor.randn(shape, rng, { dtype })).data),
    ];
    return [...evalOut, ...trainOut, Array.from(bn.runningMean.data), Array.from(bn.runningVar.data)];
  };
  return { plain: run(false), affine: run(true) };
}

const makers: [string, (affine: boolean, dtype?: DType) => BN, number[]][] = [
  ["BatchNorm1d", (affine, dtype) => new BatchNorm1d(5, { affine, dtype }), [6, 5]],
  ["BatchNorm2d", (affine, dtype) => new BatchNorm2d(3, { affine, dtype, momentum: 0.3 }), [2, 3, 4, 3]],
];

describe("BatchNorm with affine: false", () => {
  it("has no gamma, beta or parameters; keeps its running statistics as buffers, and only those in a state dict", () => {
    const bn = new BatchNorm2d(3, { affine: false });
    expect([bn.gamma, bn.beta, bn.parameters().length]).to.deep.equal([null, null, 0]);
    expect(bn.buffers().map((b) => b.name)).to.deep.equal(["runningMean", "runningVar"]);
    expect(Object.keys(stateDict(bn).tensors)).to.deep.equal(["runningMean", "runningVar"]);
    expect(bn.describe()).to.equal("BatchNorm2d(3, eps=0.00001, momentum=0.1, affine=false)");
    expect(new BatchNorm1d(3, { affine: true }).parameters().map((p) => p.name)).to.deep.equal(["gamma", "beta"]);
  });

  it("backward matches centred differences in float64 (max rel error <= 1e-8), training and eval", () => {
    const rng = new Rng(31);
    for (const [name, make, shape] of makers) {
      const bn = make(false);
      let report = checkLayer(bn, Tensor.randn(shape, rng, { mean: 1, std: 2 }), { seed: 1 });
      expect(report.ok, `${name} train\n${report.toString()}`).to.equal(true);
      expect(report.rows.map((r) => r.name)).to.deep.equal(["input"]);
      report = checkLayer(bn.eval(), Tensor.randn(shape, rng), { seed: 2 });
      expect(report.ok, `${name} eval\n${report.toString()}`).to.equal(true);
    }
  });

  it("gives exactly the numbers of an affine layer with gamma = 1 and beta = 0 (reference kernels, both dtypes)", () => {
    for (const [name, make, shape] of makers)
      for (const dtype of ["float64", "float32"] as DType[]) {
        const { plain, affine } = bothWays((a) => make(a, dtype), shape, 4, dtype);
        expect(plain, `${name} ${dtype}`).to.deep.equal(affine);
      }
  });

  it("errors say running statistics, not parameters, on a dtype mismatch", () => {
    expect(() => new BatchNorm1d(2, { affine: false }).forward(Tensor.zeros([3, 2], "float32"))).to.throw(
      /BatchNorm1d\.forward: dtype mismatch: input float32 \[3, 2\] vs running statistics float64/,
    );
  });

  describe("under the wasm kernels", () => {
    before(function () {
      if (!useWasmKernels({ threads: false })) this.skip();
    });
    after(() => {
      setKernels(null);
    });

    it("gives the same numbers as an affine layer at gamma = 1, beta = 0, and as the reference kernels", () => {
      for (const [name, make, shape] of makers) {
        const wasm = bothWays((a) => make(a), shape, 5);
        expect(wasm.plain, name).to.deep.equal(wasm.affine);
        const previous = setKernels(null);
        const reference = bothWays((a) => make(a), shape, 5);
        setKernels(previous);
        expect(wasm.plain, `${name}: wasm vs reference`).to.deep.equal(reference.plain);
      }
    });
  });
});
