import { expect } from "chai";
import { parameter, type Parameter } from "../lib/layers/layer";
import { Adam } from "../lib/optim/adam";
import { clipGradNorm, clipGradValue } from "../lib/optim/clip";
import type { Optimizer } from "../lib/optim/optimizer";
import { RMSProp } from "../lib/optim/rmsprop";
import { applySchedule, constantLr, cosineAnnealing, exponentialDecay, stepDecay } from "../lib/optim/schedules";
import { SGD } from "../lib/optim/sgd";
import { Rng } from "../lib/random";
import { Tensor, tensor } from "../lib/tensor/tensor";

/** Runs `steps` updates of a scalar parameter with gradients gradFn(w) and returns w after each step. */
function trace(
  make: (p: Parameter[]) => Optimizer,
  w0: number,
  gradFn: (w: number) => number,
  steps: number,
): number[] {
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

const g = (w: number): number => 2 * w; // gradient of f(w) = w^2

function expectAll(actual: number[], expected: number[], tol: number): void {
  expect(actual.length).to.equal(expected.length);
  actual.forEach((a, i) => expect(a, `step ${i + 1}`).to.be.closeTo(expected[i]!, tol));
}

describe("optimizers match hand-computed steps", () => {
  it("SGD: w -= lr g, three steps", () => {
    // w0 = 1, lr 0.1, g = 2w: each step multiplies w by 1 - 0.2 = 0.8.
    expectAll(
      trace((p) => new SGD(p, { lr: 0.1 }), 1, g, 3),
      [0.8, 0.64, 0.512],
      1e-15,
    );
  });

  it("momentum and Nesterov, and how they differ", () => {
    // Momentum 0.9, lr 0.1: v1 = 2, w1 = 1 - 0.2 = 0.8; g2 = 1.6, v2 = 1.8 + 1.6 = 3.4, w2 = 0.8 - 0.34 = 0.46;
    // g3 = 0.92, v3 = 3.06 + 0.92 = 3.98, w3 = 0.46 - 0.398 = 0.062.
    const m = trace((p) => new SGD(p, { lr: 0.1, momentum: 0.9 }), 1, g, 3);
    expectAll(m, [0.8, 0.46, 0.062], 1e-15);
    // Nesterov: v1 = 2, w1 = 1 - 0.1 (2 + 0.9 * 2) = 0.62; g2 = 1.24, v2 = 1.8 + 1.24 = 3.04,
    // w2 = 0.62 - 0.1 (1.24 + 2.736) = 0.2224.
    const n = trace((p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), 1, g, 2);
    expectAll(n, [0.62, 0.2224], 1e-15);
    // The look-ahead makes Nesterov's first step (1 + mu) times as long as plain momentum's.
    expect((1 - n[0]!) / (1 - m[0]!)).to.be.closeTo(1.9, 1e-14);
    // With the same gradient sequence, momentum (mu = 0) is plain SGD.
    expectAll(
      trace((p) => new SGD(p, { lr: 0.1, momentum: 0 }), 1, g, 3),
      [0.8, 0.64, 0.512],
      1e-15,
    );
  });

  it("RMSProp, two steps", () => {
    // rho 0.9, lr 0.01, eps 1e-8: c1 = 0.1 * 2^2 = 0.4, w1 = 1 - 0.01 * 2 / (sqrt(0.4) + 1e-8);
    // c2 = 0.9 c1 + 0.1 (2 w1)^2, w2 = w1 - 0.01 * 2 w1 / (sqrt(c2) + 1e-8).
    const r = trace((p) => new RMSProp(p, { lr: 0.01, decayRate: 0.9 }), 1, g, 2);
    const w1 = 1 - (0.01 * 2) / (Math.sqrt(0.4) + 1e-8);
    const c2 = 0.9 * 0.4 + 0.1 * (2 * w1) ** 2;
    expectAll(r, [w1, w1 - (0.01 * 2 * w1) / (Math.sqrt(c2) + 1e-8)], 1e-15);
  });

  it("Adam: step 1 is lr * sign(g) for any gradient size (|g| >> eps); steps 2-3 follow the formula", () => {
    for (const scale of [1e-3, 1, 1e6, -3]) {
      // m1 / (1 - b1) = g and sqrt(v1 / (1 - b2)) = |g|, so the step is lr * g / (|g| + eps).
      const a = trace(
        (p) => new Adam(p, { lr: 0.01 }),
        1,
        () => scale,
        1,
      );
      expect(a[0], `g = ${scale}`).to.be.closeTo(1 - 0.01 * Math.sign(scale), 1e-7);
    }
    // A constant gradient keeps giving lr * sign(g) steps (bias correction is exact for constant g).
    expectAll(
      trace(
        (p) => new Adam(p, { lr: 0.01 }),
        1,
        () => 0.5,
        3,
      ),
      [0.99, 0.98, 0.97],
      1e-9,
    );
    // Varying gradient g = 2w, b1 0.9, b2 0.999, lr 0.1, written out with scalar arithmetic.
    const a = trace((p) => new Adam(p, { lr: 0.1, beta1: 0.9, beta2: 0.999 }), 1, g, 3);
    let w = 1,
      m = 0,
      v = 0;
    const expected: number[] = [];
    for (let t = 1; t <= 3; t++) {
      const gt = 2 * w;
      m = 0.9 * m + 0.1 * gt;
      v = 0.999 * v + 0.001 * gt * gt;
      w -= (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
      expected.push(w);
    }
    expect(expected[0]).to.be.closeTo(0.9, 1e-8); // step 1 = lr * sign(g)
    expectAll(a, expected, 1e-14);
  });

  it("updates float32 parameters in float32", () => {
    const p = parameter("w", tensor([1, -1], undefined, "float32"));
    const opt = new Adam([p], { lr: 0.1 });
    p.grad.copyFrom(tensor([0.5, -2], undefined, "float32"));
    opt.step();
    expect(p.value.dtype).to.equal("float32");
    expect(p.value.data[0]).to.be.closeTo(0.9, 1e-6);
    expect(p.value.data[1]).to.be.closeTo(-0.9, 1e-6);
  });
});

describe("weight decay", () => {
  it("SGD (L2-style, through the gradient) shrinks by (1 - lr wd) on a zero gradient and skips decay=false", () => {
    const w = parameter("w", tensor([2, -4]));
    const b = parameter("b", tensor([2]), false);
    const opt = new SGD([w, b], { lr: 0.1, weightDecay: 0.5 });
    opt.step();
    opt.step();
    expect(w.value.data[0]).to.be.closeTo(2 * 0.95 ** 2, 1e-15);
    expect(w.value.data[1]).to.be.closeTo(-4 * 0.95 ** 2, 1e-15);
    expect(b.value.data[0]).to.equal(2);
  });

  it("Adam: decoupled (AdamW) shrinks by lr * wd * w; L2-style goes through the moments and moves lr * sign(w)", () => {
    // Zero data gradient, w = 4, lr 0.1, wd 0.5.
    const dec = parameter("w", tensor([4]));
    new Adam([dec], { lr: 0.1, decoupledWeightDecay: 0.5 }).step();
    expect(dec.value.data[0]).to.be.closeTo(4 - 0.1 * 0.5 * 4, 1e-15); // 3.8
    const l2 = parameter("w", tensor([4]));
    new Adam([l2], { lr: 0.1, weightDecay: 0.5 }).step();
    expect(l2.value.data[0]).to.be.closeTo(4 - 0.1, 1e-8); // g = wd * w = 2, first Adam step lr * sign(g)
    const bias = parameter("b", tensor([4]), false);
    new Adam([bias], { lr: 0.1, weightDecay: 0.5, decoupledWeightDecay: 0.5 }).step();
    expect(bias.value.data[0]).to.equal(4);
  });

  it("RMSProp L2-style decay on a zero gradient moves lr / sqrt(1 - rho) at step 1", () => {
    const w = parameter("w", tensor([3]));
    new RMSProp([w], { lr: 0.01, decayRate: 0.99, weightDecay: 0.1 }).step();
    // g = 0.3, c = 0.01 * 0.09, step = 0.01 * 0.3 / (0.03 + 1e-8)
    expect(w.value.data[0]).to.be.closeTo(3 - (0.01 * 0.3) / (Math.sqrt(0.01 * 0.09) + 1e-8), 1e-15);
  });
});

describe("optimizers minimise a convex quadratic", () => {
  it("f(w) = 0.5 sum a_i (w_i - t_i)^2 with curvatures 1..10: every optimizer ends within 1e-3 of t", () => {
    const target = tensor([1, -2, 3]);
    const a = tensor([1, 4, 10]);
    const makers: [string, (p: Parameter[]) => Optimizer, number][] = [
      ["SGD", (p) => new SGD(p, { lr: 0.15 }), 300],
      ["momentum", (p) => new SGD(p, { lr: 0.02, momentum: 0.9 }), 300],
      ["Nesterov", (p) => new SGD(p, { lr: 0.02, momentum: 0.9, nesterov: true }), 300],
      ["RMSProp", (p) => new RMSProp(p, { lr: 0.01 }), 2000],
      ["Adam", (p) => new Adam(p, { lr: 0.05 }), 2000],
      ["AdamW (tiny decay)", (p) => new Adam(p, { lr: 0.05, decoupledWeightDecay: 1e-5 }), 2000],
    ];
    for (const [name, make, steps] of makers) {
      const w = parameter("w", Tensor.zeros([3]));
      const opt = make([w]);
      for (let i = 0; i < steps; i++) {
        opt.zeroGrad();
        w.grad.addInPlace(w.value.sub(target).mul(a));
        opt.step();
      }
      expect(w.value.sub(target).abs().maxAll(), name).to.be.below(1e-3);
    }
  });
});

describe("optimizer state and errors", () => {
  function resumeMatches(make: (p: Parameter[]) => Optimizer): void {
    const p1 = parameter("w", tensor([1, -2]));
    const o1 = make([p1]);
    for (let i = 0; i < 3; i++) {
      p1.grad.copyFrom(p1.value.mul(2));
      o1.step();
    }
    const p2 = parameter("w", p1.value.clone());
    const o2 = make([p2]);
    o2.loadState(JSON.parse(JSON.stringify(o1.state())));
    expect(o2.t).to.equal(3);
    for (let i = 0; i < 2; i++) {
      p1.grad.copyFrom(p1.value.mul(2));
      o1.step();
      p2.grad.copyFrom(p2.value.mul(2));
      o2.step();
    }
    expect(p2.value.toFlatArray()).to.deep.equal(p1.value.toFlatArray());
    // Without the state the continuation differs (so the check above is not vacuous).
    const p3 = parameter("w", tensor([1, -2]));
    const o3 = make([p3]);
    for (let i = 0; i < 3; i++) {
      p3.grad.copyFrom(p3.value.mul(2));
      o3.step();
    }
    const p4 = parameter("w", p3.value.clone());
    const o4 = make([p4]);
    for (let i = 0; i < 2; i++) {
      p4.grad.copyFrom(p4.value.mul(2));
      o4.step();
    }
    expect(p4.value.toFlatArray()).to.not.deep.equal(p1.value.toFlatArray());
  }

  it("state()/loadState() resume SGD momentum, RMSProp and Adam exactly (through JSON)", () => {
    resumeMatches((p) => new SGD(p, { lr: 0.1, momentum: 0.9 }));
    resumeMatches((p) => new RMSProp(p, { lr: 0.01 }));
    resumeMatches((p) => new Adam(p, { lr: 0.1 }));
  });

  it("loadState refuses another optimizer's state, unknown parameters and wrong sizes", () => {
    const p = parameter("w", tensor([1, 2]));
    const sgd = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad.fill(1);
    sgd.step();
    const adam = new Adam([p], { lr: 0.1 });
    expect(() => adam.loadState(sgd.state())).to.throw(/saved by SGD/);
    const other = new SGD([parameter("v", tensor([1, 2]))], { lr: 0.1, momentum: 0.9 });
    expect(() => other.loadState(sgd.state())).to.throw(/unknown parameter\(s\) "w"/);
    const small = new SGD([parameter("w", tensor([1]))], { lr: 0.1, momentum: 0.9 });
    expect(() => small.loadState(sgd.state())).to.throw(/slot 0 of "w" has 2 values, the parameter has 1/);
  });

  it("a NaN or infinite gradient stops the step, naming the parameter, before any weight moves", () => {
    const a = parameter("layer0.W", tensor([1, 2]));
    const p = parameter("layer1.W", tensor([1, 2]));
    a.grad.fill(1);
    p.grad.data[1] = NaN;
    const opt = new SGD([a, p], { lr: 0.1 });
    expect(() => opt.step()).to.throw(/gradient of "layer1\.W" is NaN at \[1\]/);
    expect(a.value.toFlatArray()).to.deep.equal([1, 2]);
    expect(opt.t).to.equal(0);
    p.grad.data[1] = Infinity;
    expect(() => new Adam([p], { lr: 0.1 }).step()).to.throw(/gradient of "layer1\.W" is Infinity/);
  });

  it("lr is settable but must be finite and >= 0; options are range-checked; zeroGrad zeroes", () => {
    const p = parameter("w", tensor([1, 2]));
    const opt = new SGD([p], { lr: 0.1 });
    opt.lr = 0.5;
    p.grad.fill(1);
    opt.step();
    expect(p.value.toFlatArray()).to.deep.equal([0.5, 1.5]);
    expect(() => {
      opt.lr = -1;
    }).to.throw(/learning rate must be a finite number >= 0, got -1/);
    expect(() => {
      opt.lr = NaN;
    }).to.throw(/got NaN/);
    opt.zeroGrad();
    expect(p.grad.toFlatArray()).to.deep.equal([0, 0]);
    expect(() => new SGD([p], { lr: 0.1, momentum: 1 })).to.throw(/momentum must be in \[0, 1\)/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).to.throw(/Nesterov momentum needs momentum > 0/);
    expect(() => new Adam([p], { lr: 0.1, beta2: 1 })).to.throw(/beta2 must be in \[0, 1\)/);
    expect(() => new RMSProp([p], { lr: 0.1, decayRate: -0.1 })).to.throw(/decayRate must be in/);
    expect(() => new SGD([p, parameter("w", tensor([0]))], { lr: 0.1 })).to.throw(/two parameters are named "w"/);
  });
});

describe("gradient clipping", () => {
  it("by value clamps every entry to [-clip, clip]", () => {
    const p = parameter("w", Tensor.zeros([5]));
    p.grad.copyFrom(tensor([-3, -0.5, 0.5, 3, 1]));
    clipGradValue([p], 1);
    expect(p.grad.toFlatArray()).to.deep.equal([-1, -0.5, 0.5, 1, 1]);
    expect(() => clipGradValue([p], 0)).to.throw(/clip must be > 0/);
  });

  it("by global norm: returns the norm before, the norm after is maxNorm, the direction is unchanged", () => {
    const rng = new Rng(5);
    const params = [
      parameter("a", Tensor.zeros([3, 4])),
      parameter("b", Tensor.zeros([4])),
      parameter("c", Tensor.zeros([2, 2])),
    ];
    for (const p of params) p.grad.copyFrom(Tensor.randn(p.value.shape, rng, { std: 3 }));
    const before = params.map((p) => p.grad.toFlatArray());
    let sq = 0;
    for (const gs of before) for (const x of gs) sq += x * x;
    const norm = Math.sqrt(sq);
    expect(norm).to.be.above(2); // so clipping to 2 really rescales
    expect(clipGradNorm(params, 2)).to.be.closeTo(norm, 1e-12);
    let after = 0;
    params.forEach((p, k) =>
      p.grad.data.forEach((x, i) => {
        after += x * x;
        expect(x).to.be.closeTo((before[k]![i]! * 2) / norm, 1e-14); // same direction, scaled by maxNorm / norm
      }),
    );
    expect(Math.sqrt(after)).to.be.closeTo(2, 1e-12);
    // Already within the limit: left exactly as it is.
    const kept = params.map((p) => p.grad.toFlatArray());
    expect(clipGradNorm(params, 10)).to.be.closeTo(2, 1e-12);
    expect(params.map((p) => p.grad.toFlatArray())).to.deep.equal(kept);
  });

  it("a 3-4-5 example and NaN gradients name the parameter", () => {
    const a = parameter("a", Tensor.zeros([2]));
    const b = parameter("b", Tensor.zeros([1]));
    a.grad.copyFrom(tensor([3, 0]));
    b.grad.copyFrom(tensor([4]));
    expect(clipGradNorm([a, b], 1)).to.equal(5);
    expect(a.grad.data[0]).to.be.closeTo(0.6, 1e-15);
    expect(b.grad.data[0]).to.be.closeTo(0.8, 1e-15);
    b.grad.data[0] = NaN;
    expect(() => clipGradNorm([a, b], 1)).to.throw(/gradient of "b" is NaN at \[0\]/);
    expect(() => clipGradValue([a, b], 1)).to.throw(/gradient of "b" is NaN/);
  });
});

describe("learning-rate schedules", () => {
  it("step decay multiplies by gamma every k epochs", () => {
    const s = stepDecay(0.1, 10, 0.5);
    expect([0, 9, 10, 19, 20, 25].map((e) => s.lrAt(e))).to.deep.equal([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(s(25)).to.equal(s.lrAt(25));
  });

  it("exponential decay is lr * gamma^epoch", () => {
    const s = exponentialDecay(1, 0.9);
    expect(s.lrAt(0)).to.equal(1);
    expect(s.lrAt(2)).to.be.closeTo(0.81, 1e-15);
    expect(s.lrAt(10)).to.be.closeTo(0.3486784401, 1e-12);
  });

  it("cosine annealing reaches minLr at the end, half-way at the middle, and warms up linearly", () => {
    const cos = cosineAnnealing(0.1, 10, { minLr: 0.01 });
    expect(cos.lrAt(0)).to.be.closeTo(0.1, 1e-15);
    expect(cos.lrAt(5)).to.be.closeTo(0.055, 1e-15); // (0.1 + 0.01) / 2
    expect(cos.lrAt(10)).to.be.closeTo(0.01, 1e-15);
    expect(cos.lrAt(15)).to.be.closeTo(0.01, 1e-15); // stays at minLr afterwards
    // 1/4 of the way: 0.01 + 0.09 * (1 + cos(pi / 4)) / 2
    expect(cos.lrAt(2.5)).to.be.closeTo(0.01 + (0.09 * (1 + Math.SQRT1_2)) / 2, 1e-15);
    // Warm-up of 2 epochs: 0.1/3, 0.2/3, then the cosine from 0.1 over the remaining 10 epochs.
    const warm = cosineAnnealing(0.1, 12, { warmup: 2 });
    expect(warm.lrAt(0)).to.be.closeTo(0.1 / 3, 1e-15);
    expect(warm.lrAt(1)).to.be.closeTo(0.2 / 3, 1e-15);
    expect(warm.lrAt(2)).to.be.closeTo(0.1, 1e-15);
    expect(warm.lrAt(7)).to.be.closeTo(0.05, 1e-15);
    expect(warm.lrAt(12)).to.be.closeTo(0, 1e-15);
  });

  it("applySchedule sets the optimizer's lr, which the next step uses", () => {
    const p = parameter("w", tensor([1]));
    const opt = new SGD([p], { lr: 1 });
    const s = stepDecay(0.1, 2, 0.5);
    expect(applySchedule(opt, s, 3)).to.equal(0.05);
    expect(opt.lr).to.equal(0.05);
    p.grad.fill(1);
    opt.step();
    expect(p.value.data[0]).to.be.closeTo(0.95, 1e-15);
    expect(applySchedule(opt, constantLr(0.2), 7)).to.equal(0.2);
  });

  it("refuses bad arguments", () => {
    expect(() => stepDecay(0.1, 0)).to.throw(/stepSize must be >= 1/);
    expect(() => exponentialDecay(0.1, 0)).to.throw(/gamma must be > 0/);
    expect(() => cosineAnnealing(0.1, 5, { warmup: 5 })).to.throw(/epochs \(5\) must exceed warmup \(5\)/);
    expect(() => cosineAnnealing(0.1, 5, { minLr: 0.2 })).to.throw(/minLr must be in/);
    expect(() => stepDecay(0.1, 2).lrAt(-1)).to.throw(/epoch must be a finite number >= 0, got -1/);
  });
});
