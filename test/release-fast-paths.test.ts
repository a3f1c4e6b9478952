// Linear, ReLU and Conv2d each have a solution region of plain Tensor code (what the student kit stubs)
// and an instructor-only fast path on the kernels (lib/layers/fast/). Both must compute the same thing:
// these tests run each side through the switch on the same kernels and inputs, compare them to rounding,
// and check the plain regions' gradients numerically.
import { expect } from "chai";
import { setKernels } from "../lib/kernels/kernels";
import { wasmKernels, wasmKernelsSupported } from "../lib/kernels/wasm/index";
import { ReLU } from "../lib/layers/activations";
import { Conv2d } from "../lib/layers/conv2d";
import { fastPath, setFastPaths, withFastPaths, type FastPathMode } from "../lib/layers/fast/mode";
import type { Layer } from "../lib/layers/layer";
import { Linear } from "../lib/layers/linear";
import { checkLayer, relError } from "../lib/gradcheck";
import { Rng } from "../lib/random";
import type { DType } from "../lib/tensor/dtype";
import { Tensor } from "../lib/tensor/tensor";

interface Pass {
  out: Tensor;
  dx: Tensor;
  grads: Tensor[];
}

/** forward + backward of a fresh layer with the given mode; parameters are copied out. */
function pass(make: () => Layer, x: Tensor, dout: Tensor, mode: FastPathMode, inputGrad = true): Pass {
  return withFastPaths(mode, () => {
    const layer = make();
    layer.inputGrad = inputGrad;
    const out = layer.forward(x).clone();
    const dx = layer.backward(dout).clone();
    return { out, dx, grads: layer.parameters().map((p) => p.grad.clone()) };
  });
}

function expectSame(a: Pass, b: Pass, tol: number, what: string): void {
  expect(a.out.shape, `${what}: out shape`).to.deep.equal(b.out.shape);
  expect(a.dx.shape, `${what}: dx shape`).to.deep.equal(b.dx.shape);
  expect(relError(a.out, b.out), `${what}: out`).to.be.at.most(tol);
  if (a.dx.size > 0) expect(relError(a.dx, b.dx), `${what}: dx`).to.be.at.most(tol);
  a.grads.forEach((g, i) => expect(relError(g, b.grads[i]!), `${what}: grad ${i}`).to.be.at.most(tol));
}

/** Values kept at |v| >= 0.1, away from ReLU's kink. */
function awayFromZero(shape: number[], rng: Rng, dtype: DType): Tensor {
  return Tensor.randn(shape, rng, { dtype }).map((v) => (v >= 0 ? v + 0.1 : v - 0.1));
}

const CONVS = [
  { c: 3, f: 4, k: 3, stride: 1, padding: 1, hw: [6, 6], bias: true },
  {
    c: 2,
    f: 3,
    k: [2, 4] as [number, number],
    stride: [2, 1] as [number, number],
    padding: [0, 2] as [number, number],
    hw: [7, 5],
    bias: false,
  },
  { c: 1, f: 2, k: 5, stride: 2, padding: 2, hw: [9, 7], bias: true },
];

function cases(dtype: DType): { name: string; make: () => Layer; x: Tensor; dout: Tensor }[] {
  const rng = new Rng(11);
  const out: { name: string; make: () => Layer; x: Tensor; dout: Tensor }[] = [];
  for (const bias of [true, false]) {
    out.push({
      name: `Linear(7 -> 5${bias ? "" : ", no bias"})`,
      make: () => new Linear(7, 5, { rng: new Rng(3), dtype, bias }),
      x: Tensor.randn([6, 7], rng, { dtype }),
      dout: Tensor.randn([6, 5], rng, { dtype }),
    });
  }
  out.push({
    name: "ReLU",
    make: () => new ReLU(),
    x: awayFromZero([4, 9], rng, dtype),
    dout: Tensor.randn([4, 9], rng, { dtype }),
  });
  for (const s of CONVS) {
    const probe = new Conv2d(s.c, s.f, s.k, { stride: s.stride, padding: s.padding });
    const x = Tensor.randn([3, s.c, s.hw[0]!, s.hw[1]!], rng, { dtype });
    const g = probe.geometry(x);
    out.push({
      name: probe.describe(),
      make: () =>
        new Conv2d(s.c, s.f, s.k, { stride: s.stride, padding: s.padding, bias: s.bias, rng: new Rng(5), dtype }),
      x,
      dout: Tensor.randn([3, s.f, g.outH, g.outW], rng, { dtype }),
    });
  }
  return out;
}

const KERNELS = [
  { name: "reference kernels", use: () => setKernels(null), available: () => true },
  { name: "wasm kernels", use: () => setKernels(wasmKernels), available: wasmKernelsSupported },
];

describe("layers' fast paths and solution regions", () => {
  afterEach(() => {
    setKernels(null);
    setFastPaths("auto");
  });

  it('"auto" takes the fast paths under the wasm kernels only; "always" and "never" force a side', function () {
    expect(fastPath()).to.equal(false);
    expect(withFastPaths("always", fastPath)).to.equal(true);
    if (!wasmKernelsSupported()) this.skip();
    setKernels(wasmKernels);
    expect(fastPath()).to.equal(true);
    expect(withFastPaths("never", fastPath)).to.equal(false);
    expect(() => setFastPaths("fast" as FastPathMode)).to.throw(/mode must be "auto", "always" or "never", got "fast"/);
  });

  for (const k of KERNELS) {
    for (const dtype of ["float64", "float32"] as const) {
      const tol = dtype === "float64" ? 1e-12 : 1e-5;
      it(`agree to rounding (${dtype}, ${k.name}), with and without the input's gradient`, function () {
        if (!k.available()) this.skip();
        k.use();
        for (const c of cases(dtype)) {
          for (const inputGrad of [true, false]) {
            const plain = pass(c.make, c.x, c.dout, "never", inputGrad);
            const fast = pass(c.make, c.x, c.dout, "always", inputGrad);
            expectSame(plain, fast, tol, `${c.name}, inputGrad ${inputGrad}`);
            expect(plain.out.dtype).to.equal(dtype);
            expect(plain.grads.every((g) => g.dtype === dtype)).to.equal(true);
            if (!inputGrad && !(c.make() instanceof ReLU)) expect(plain.dx.size).to.equal(0);
          }
        }
      });
    }
  }

  it("the plain regions' gradients match centred differences (float64, max rel error <= 1e-8)", () => {
    withFastPaths("never", () => {
      for (const c of cases("float64")) {
        const report = checkLayer(c.make(), c.x);
        expect(report.ok, `${c.name}\n${report.toString()}`).to.equal(true);
      }
    });
  });

  it("the plain regions set (not accumulate) the gradients and handle an empty batch", () => {
    withFastPaths("never", () => {
      const lin = new Linear(3, 2, { rng: new Rng(1) });
      const x = Tensor.randn([4, 3], new Rng(2));
      const dout = Tensor.randn([4, 2], new Rng(3));
      lin.forward(x);
      lin.backward(dout);
      const first = lin.weight.grad.clone();
      lin.forward(x);
      lin.backward(dout);
      expect(relError(lin.weight.grad, first)).to.equal(0);
      // dW = x^T dout and db = column sums, by hand for one entry each.
      let w01 = 0;
      let b1 = 0;
      for (let i = 0; i < 4; i++) {
        w01 += x.get(i, 0) * dout.get(i, 1);
        b1 += dout.get(i, 1);
      }
      expect(lin.weight.grad.get(0, 1)).to.be.closeTo(w01, 1e-12);
      expect(lin.bias!.grad.get(1)).to.be.closeTo(b1, 1e-12);

      const conv = new Conv2d(1, 2, 3);
      const out = conv.forward(Tensor.zeros([0, 1, 4, 4]));
      expect(out.shape).to.deep.equal([0, 2, 2, 2]);
      conv.weight.grad.fill(7);
      expect(conv.backward(Tensor.zeros([0, 2, 2, 2])).shape).to.deep.equal([0, 1, 4, 4]);
      expect(conv.weight.grad.maxAll()).to.equal(0);
    });
  });
});
