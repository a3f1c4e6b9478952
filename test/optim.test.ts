import { expect } from "chai";
import { parameter, type Parameter } from "../lib/layers/layer";
import { Adam } from "../lib/optim/adam";
import { clipGradNorm, clipGradValue } from "../lib/optim/clip";
import { RMSProp } from "../lib/optim/rmsprop";
import { cosineAnnealing, exponentialDecay, stepDecay } from "../lib/optim/schedules";
import { SGD } from "../lib/optim/sgd";
import type { Optimizer } from "../lib/optim/optimizer";
import { Tensor, tensor } from "../lib/tensor/tensor";

/** Runs `steps` updates with gradients from gradFn(w) and returns the scalar weight after each. */
function trace(make: (p: Parameter[]) => Optimizer, w0: number, gradFn: (w: number) => number, steps: number): number[] {
  const p = parameter("w", tensor([w0]));
  const opt = make([p]);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    p.grad.data[0] = gradFn(p.value.data[0]!);
    opt.step();
    out.push(p.value.data[0]!);
  }
  return out;
}

const g = (w: number): number => 2 * w; // gradient of w^2

describe("optimizers match hand-computed steps", () => {
  it("SGD: w -= lr g", () => {
    // w = 1, lr 0.1: 1 - 0.2 = 0.8; 0.8 - 0.16 = 0.64
    expect(trace((p) => new SGD(p, { lr: 0.1 }), 1, g, 2)).to.deep.equal([0.8, 0.64]);
  });

  it("momentum and Nesterov", () => {
    // momentum 0.9, lr 0.1: v1 = 2, w1 = 0.8; g = 1.6, v2 = 1.8 + 1.6 = 3.4, w2 = 0.8 - 0.34 = 0.46
    const m = trace((p) => new SGD(p, { lr: 0.1, momentum: 0.9 }), 1, g, 2);
    expect(m[0]).to.be.closeTo(0.8, 1e-15);
    expect(m[1]).to.be.closeTo(0.46, 1e-15);
    // Nesterov: v1 = 2, w1 = 1 - 0.1 (2 + 1.8) = 0.62; g = 1.24, v2 = 1.8 + 1.24 = 3.04, w2 = 0.62 - 0.1 (1.24 + 2.736) = 0.2224
    const n = trace((p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), 1, g, 2);
    expect(n[0]).to.be.closeTo(0.62, 1e-15);
    expect(n[1]).to.be.closeTo(0.2224, 1e-15);
  });

  it("RMSProp", () => {
    // rho 0.9, lr 0.01, eps 1e-8: c1 = 0.1 * 4 = 0.4, w1 = 1 - 0.01 * 2 / (sqrt(0.4) + 1e-8)
    const r = trace((p) => new RMSProp(p, { lr: 0.01, decayRate: 0.9 }), 1, g, 2);
    const w1 = 1 - (0.01 * 2) / (Math.sqrt(0.4) + 1e-8);
    const c2 = 0.9 * 0.4 + 0.1 * (2 * w1) ** 2;
    expect(r[0]).to.be.closeTo(w1, 1e-15);
    expect(r[1]).to.be.closeTo(w1 - (0.01 * 2 * w1) / (Math.sqrt(c2) + 1e-8), 1e-15);
  });

  it("Adam: the first step is lr * sign(g) whatever the gradient's size (while |g| >> eps); the second follows the formula", () => {
    for (const scale of [1e-2, 1, 1e6, -3]) {
      const a = trace((p) => new Adam(p, { lr: 0.01 }), 1, () => scale, 1);
      expect(a[0]).to.be.closeTo(1 - 0.01 * Math.sign(scale), 1e-8);
    }
    const a = trace((p) => new Adam(p, { lr: 0.1, beta1: 0.9, beta2: 0.999 }), 1, g, 2);
    const m1 = 0.1 * 2, v1 = 0.001 * 4;
    const w1 = 1 - (0.1 * (m1 / 0.1)) / (Math.sqrt(v1 / 0.001) + 1e-8);
    const g2 = 2 * w1;
    const m2 = 0.9 * m1 + 0.1 * g2, v2 = 0.999 * v1 + 0.001 * g2 * g2;
    const w2 = w1 - (0.1 * (m2 / (1 - 0.81))) / (Math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8);
    expect(a[0]).to.be.closeTo(w1, 1e-15);
    expect(a[1]).to.be.closeTo(w2, 1e-14);
  });

  it("weight decay shrinks decaying weights by the stated factor and skips the others", () => {
    const w = parameter("w", tensor([2]));
    const b = parameter("b", tensor([2]), false);
    new SGD([w, b], { lr: 0.1, weightDecay: 0.5 }).step(); // zero gradients
    expect(w.value.data[0]).to.be.closeTo(2 * (1 - 0.1 * 0.5), 1e-15);
    expect(b.value.data[0]).to.equal(2);
    const v = parameter("v", tensor([2]));
    new Adam([v], { lr: 0.1, decoupledWeightDecay: 0.5 }).step(); // AdamW: gradient 0 -> only the decay moves w
    expect(v.value.data[0]).to.be.closeTo(2 - 0.1 * 0.5 * 2, 1e-15);
  });

  it("every optimizer minimises a convex quadratic", () => {
    const target = tensor([1, -2, 3]);
    const makers: [string, (p: Parameter[]) => Optimizer, number][] = [
      ["SGD", (p) => new SGD(p, { lr: 0.1 }), 300],
      ["momentum", (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }), 300],
      ["Nesterov", (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }), 300],
      ["RMSProp", (p) => new RMSProp(p, { lr: 0.01 }), 2000],
      ["Adam", (p) => new Adam(p, { lr: 0.05 }), 2000],
    ];
    for (const [name, make, steps] of makers) {
      const w = parameter("w", Tensor.zeros([3]));
      const opt = make([w]);
      for (let i = 0; i < steps; i++) {
        w.grad.copyFrom(w.value.sub(target).mul(2));
        opt.step();
      }
      expect(w.value.sub(target).abs().maxAll(), name).to.be.below(1e-3);
    }
  });

  it("state saves and restores the velocities", () => {
    const make = (): [Parameter, SGD] => { const p = parameter("w", tensor([1])); return [p, new SGD([p], { lr: 0.1, momentum: 0.9 })]; };
    const [p1, o1] = make();
    p1.grad.fill(1); o1.step(); o1.step();
    const [p2, o2] = make();
    p2.value.copyFrom(p1.value);
    o2.loadState(JSON.parse(JSON.stringify(o1.state())));
    p1.grad.fill(1); o1.step();
    p2.grad.fill(1); o2.step();
    expect(p2.value.data[0]).to.equal(p1.value.data[0]);
  });

  it("a NaN gradient stops the step with the parameter's name", () => {
    const p = parameter("layer1.W", tensor([1, 2]));
    p.grad.data[1] = NaN;
    expect(() => new SGD([p], { lr: 0.1 }).step()).to.throw(/gradient of "layer1\.W" is NaN at \[1\]/);
    expect(() => clipGradNorm([p], 1)).to.throw(/gradient of "layer1\.W" is NaN/);
  });
});

describe("gradient clipping", () => {
  it("by value clamps entries", () => {
    const p = parameter("w", Tensor.zeros([4]));
    p.grad.copyFrom(tensor([-3, -0.5, 0.5, 3]));
    clipGradValue([p], 1);
    expect(p.grad.toFlatArray()).to.deep.equal([-1, -0.5, 0.5, 1]);
  });

  it("by global norm rescales to maxNorm and keeps the direction", () => {
    const a = parameter("a", Tensor.zeros([2]));
    const b = parameter("b", Tensor.zeros([1]));
    a.grad.copyFrom(tensor([3, 0]));
    b.grad.copyFrom(tensor([4]));
    expect(clipGradNorm([a, b], 1)).to.equal(5);
    expect(a.grad.toFlatArray()[0]).to.be.closeTo(0.6, 1e-15);
    expect(b.grad.toFlatArray()[0]).to.be.closeTo(0.8, 1e-15);
    expect(clipGradNorm([a, b], 10)).to.be.closeTo(1, 1e-15); // below the limit: unchanged
    expect(a.grad.toFlatArray()[0]).to.be.closeTo(0.6, 1e-15);
  });
});

describe("learning-rate schedules", () => {
  it("step, exponential and cosine give the expected rates", () => {
    const step = stepDecay(0.1, 10, 0.5);
    expect([0, 9, 10, 25].map(step)).to.deep.equal([0.1, 0.1, 0.05, 0.025]);
    expect(exponentialDecay(1, 0.9)(2)).to.be.closeTo(0.81, 1e-15);
    const cos = cosineAnnealing(0.1, 10, { minLr: 0.01 });
    expect(cos(0)).to.be.closeTo(0.1, 1e-15);
    expect(cos(5)).to.be.closeTo(0.055, 1e-15);
    expect(cos(10)).to.be.closeTo(0.01, 1e-15);
    const warm = cosineAnnealing(0.1, 12, { warmup: 2 });
    expect([warm(0), warm(1)]).to.deep.equal([0.05, 0.1]);
    expect(warm(7)).to.be.closeTo(0.05, 1e-15);
  });
});
