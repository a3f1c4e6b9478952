import { expect } from "chai";
import { Value, assignmentExpression, assignmentExpressionGradient, assignmentExpressionNumber } from "../lib/autodiff";
import { relError } from "../lib/gradcheck";
import { Linear } from "../lib/layers/linear";
import { Tanh } from "../lib/layers/activations";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";

/** Fourth-order centred difference of a scalar function of one variable. */
function derivative(f: (x: number) => number, x: number, h = 1e-3): number {
  return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
}

describe("Value (scalar autodiff)", () => {
  const unary: [string, (v: Value) => Value, (x: number) => number, number[]][] = [
    ["exp", (v) => v.exp(), Math.exp, [-2, 0.3, 1.5]],
    ["log", (v) => v.log(), Math.log, [0.2, 1, 7]],
    ["sin", (v) => v.sin(), Math.sin, [-1, 0.5, 3]],
    ["cos", (v) => v.cos(), Math.cos, [-1, 0.5, 3]],
    ["tanh", (v) => v.tanh(), Math.tanh, [-2, 0.1, 1]],
    ["sigmoid", (v) => v.sigmoid(), (x) => 1 / (1 + Math.exp(-x)), [-3, 0, 2]],
    ["relu", (v) => v.relu(), (x) => Math.max(0, x), [-1, 0.5, 2]],
    ["pow 3", (v) => v.pow(3), (x) => x ** 3, [-1.5, 0.5, 2]],
    ["pow -0.5", (v) => v.pow(-0.5), (x) => x ** -0.5, [0.3, 1, 4]],
    ["neg", (v) => v.neg(), (x) => -x, [-1, 2]],
  ];
  for (const [name, op, f, points] of unary) {
    it(`${name}: value and gradient match the numerical derivative`, () => {
      for (const p of points) {
        const x = new Value(p);
        const y = op(x);
        y.backward();
        expect(y.data).to.be.closeTo(f(p), 1e-15 * Math.max(1, Math.abs(f(p))));
        expect(relError(x.grad, derivative(f, p))).to.be.at.most(1e-8);
      }
    });
  }

  it("binary ops, including a Value exponent", () => {
    const cases: [string, (a: Value, b: Value) => Value, (a: number, b: number) => number][] = [
      ["add", (a, b) => a.add(b), (a, b) => a + b],
      ["sub", (a, b) => a.sub(b), (a, b) => a - b],
      ["mul", (a, b) => a.mul(b), (a, b) => a * b],
      ["div", (a, b) => a.div(b), (a, b) => a / b],
      ["pow", (a, b) => a.pow(b), (a, b) => a ** b],
    ];
    for (const [name, op, f] of cases) {
      const [a0, b0] = [1.7, -0.6];
      const a = new Value(a0);
      const b = new Value(b0);
      op(a, b).backward();
      expect(relError(a.grad, derivative((t) => f(t, b0), a0)), `${name} d/da`).to.be.at.most(1e-8);
      expect(relError(b.grad, derivative((t) => f(a0, t), b0)), `${name} d/db`).to.be.at.most(1e-8);
    }
  });

  it("the assignment expression: forward values and gradients agree with closed forms and numerical differences", () => {
    for (const [x0, y0, z0] of [[2, 4, 1], [9, 14, 3], [128, 42, 666], [52, 14, 28]] as [number, number, number][]) {
      const [x, y, z] = [new Value(x0, [], "", "x"), new Value(y0, [], "", "y"), new Value(z0, [], "", "z")];
      const f = assignmentExpression(x, y, z);
      f.backward();
      expect(f.data).to.be.closeTo(assignmentExpressionNumber(x0, y0, z0), 1e-13);
      const closed = assignmentExpressionGradient(x0, y0, z0);
      const numeric = [
        derivative((t) => assignmentExpressionNumber(t, y0, z0), x0),
        derivative((t) => assignmentExpressionNumber(x0, t, z0), y0),
        derivative((t) => assignmentExpressionNumber(x0, y0, t), z0),
      ];
      [x.grad, y.grad, z.grad].forEach((g, i) => {
        expect(relError(g, closed[i]!), `(${x0},${y0},${z0}) closed form ${i}`).to.be.at.most(1e-12);
        expect(relError(g, numeric[i]!), `(${x0},${y0},${z0}) numerical ${i}`).to.be.at.most(1e-7);
      });
    }
  });

  it("accumulates gradients of nodes used twice, and zeroGrad resets them", () => {
    const a = new Value(3);
    const sq = a.mul(a);
    sq.backward();
    expect(a.grad).to.equal(6);
    const b = new Value(3);
    b.add(b).backward();
    expect(b.grad).to.equal(2);
    sq.backward(); // without zeroGrad: adds up
    expect(a.grad).to.equal(12);
    sq.zeroGrad();
    expect(a.grad).to.equal(0);
  });

  it("runs backward through a 100000-node chain without recursion", () => {
    const x = new Value(1);
    let y = x;
    for (let i = 0; i < 100000; i++) y = y.mul(1.00001);
    y.backward();
    expect(x.grad).to.be.closeTo(Math.pow(1.00001, 100000), 1e-6);
  });

  it("sigmoid stays finite at +-1000", () => {
    for (const v of [-1000, 1000]) {
      const x = new Value(v);
      const s = x.sigmoid();
      s.backward();
      expect(s.data).to.equal(v > 0 ? 1 : 0);
      expect(x.grad).to.equal(0);
    }
  });

  it("refuses NaN, log of non-positive numbers and division by zero, naming the values", () => {
    expect(() => new Value(NaN)).to.throw(/new Value\(NaN\) is not a finite number/);
    expect(() => new Value(0).log()).to.throw(/log of a non-positive number 0/);
    expect(() => new Value(0).div(0)).to.throw(/division of 0 by zero/);
    expect(() => new Value(-2).pow(new Value(0.5))).to.throw(/positive base.*got base -2/);
    expect(() => new Value(1e308).mul(10)).to.throw(/\*\(1e\+308, 10\) = Infinity is not a finite number/);
  });

  it("agrees with the tensor layers on the same expression (a tiny tanh MLP with softmax cross-entropy)", () => {
    const rng = new Rng(3);
    const l1 = new Linear(3, 4, { rng });
    const l2 = new Linear(4, 2, { rng });
    l1.bias!.value.copyFrom(Tensor.randn([4], rng));
    const x = Tensor.randn([2, 3], rng);
    const labels = [1, 0];
    // Tensor path
    const act = new Tanh();
    const scores = l2.forward(act.forward(l1.forward(x)));
    const { loss, grad } = softmaxCrossEntropy(scores, labels);
    l1.backward(act.backward(l2.backward(grad)));
    // Value path: the same maths, one scalar at a time
    const W1 = l1.weight.value, b1 = l1.bias!.value, W2 = l2.weight.value, b2 = l2.bias!.value;
    const w1 = W1.toFlatArray().map((v) => new Value(v));
    const w2 = W2.toFlatArray().map((v) => new Value(v));
    let total = new Value(0);
    for (let n = 0; n < 2; n++) {
      const h = [0, 1, 2, 3].map((j) => Value.sum([0, 1, 2].map((i) => w1[i * 4 + j]!.mul(x.get(n, i)))).add(b1.get(j)).tanh());
      const s = [0, 1].map((k) => Value.sum(h.map((hj, j) => hj.mul(w2[j * 2 + k]!))).add(b2.get(k)));
      const lse = s[0]!.exp().add(s[1]!.exp()).log();
      total = total.add(lse.sub(s[labels[n]!]!));
    }
    const mean = total.div(2);
    mean.backward();
    expect(mean.data).to.be.closeTo(loss, 1e-14);
    expect(relError(w1.map((v) => v.grad), l1.weight.grad)).to.be.at.most(1e-12);
    expect(relError(w2.map((v) => v.grad), l2.weight.grad)).to.be.at.most(1e-12);
  });

  it("trains a 2-4-1 network of Values on XOR", () => {
    const rng = new Rng(1);
    const param = (): Value => new Value(rng.uniform(-1, 1));
    const w1 = Array.from({ length: 8 }, param), b1 = Array.from({ length: 4 }, param);
    const w2 = Array.from({ length: 4 }, param), b2 = param();
    const params = [...w1, ...b1, ...w2, b2];
    const data: [number, number, number][] = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]];
    const lossOf = (): Value => Value.sum(data.map(([a, b, t]) => {
      const h = [0, 1, 2, 3].map((j) => w1[j]!.mul(a).add(w1[4 + j]!.mul(b)).add(b1[j]!).tanh());
      const y = Value.sum(h.map((hj, j) => hj.mul(w2[j]!))).add(b2).sigmoid();
      return y.sub(t).pow(2);
    }));
    const first = lossOf().data;
    let last = first;
    for (let step = 0; step < 500; step++) {
      const loss = lossOf();
      for (const p of params) p.grad = 0;
      loss.backward();
      for (const p of params) p.data -= 0.5 * p.grad;
      last = loss.data;
    }
    expect(first).to.be.above(0.5);
    expect(last).to.be.below(0.02);
  });

  it("draws its graph as Graphviz source", () => {
    const x = new Value(2).named("x");
    const y = x.mul(3).named("y");
    y.backward();
    const dot = y.toDot();
    expect(dot).to.match(/^digraph G \{/);
    expect(dot).to.contain("x | data 2 | grad 3");
    expect(dot).to.contain("y | data 6 | grad 1");
    expect(dot).to.contain('[label="*"]');
  });
});
