import { expect } from "chai";
import {
  Value,
  assignmentExpression,
  assignmentExpressionGradient,
  assignmentExpressionNumber,
} from "../lib/autodiff/index";
import { relError } from "../lib/gradcheck";
import { Linear } from "../lib/layers/linear";
import { Tanh } from "../lib/layers/activations";
import { softmaxCrossEntropy } from "../lib/losses/softmax-cross-entropy";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";

/**
 * Centred difference (f(x+h) - f(x-h)) / 2h. Divides by the step actually taken ((x+h) - (x-h) in
 * floating point), which removes the error of x + h not being exactly representable.
 */
function centred(f: (x: number) => number, x: number, h = 1e-6): number {
  const xp = x + h;
  const xm = x - h;
  return (f(xp) - f(xm)) / (xp - xm);
}

const sigmoid = (t: number): number => 1 / (1 + Math.exp(-t));

describe("Value (scalar autodiff)", () => {
  describe("each operation: forward value against Math, gradient against a centred difference (h = 1e-6)", () => {
    // [name, op on a Value, the same function in plain Math, points away from kinks and zero slopes]
    const unary: [string, (v: Value) => Value, (x: number) => number, number[]][] = [
      ["exp", (v) => v.exp(), Math.exp, [-2, 0.3, 1.5]],
      ["log", (v) => v.log(), Math.log, [0.2, 1, 7]],
      ["sin", (v) => v.sin(), Math.sin, [-1, 0.5, 3]],
      ["cos", (v) => v.cos(), Math.cos, [-1, 0.5, 3]],
      ["tanh", (v) => v.tanh(), Math.tanh, [-2, 0.1, 1]],
      ["sigmoid", (v) => v.sigmoid(), sigmoid, [-3, 0, 2]],
      ["relu", (v) => v.relu(), (x) => Math.max(0, x), [-1, 0.5, 2]],
      ["neg", (v) => v.neg(), (x) => -x, [-1, 2]],
      ["pow 3", (v) => v.pow(3), (x) => x ** 3, [-1.5, 0.5, 2]],
      ["pow 2 (negative base)", (v) => v.pow(2), (x) => x ** 2, [-3, -0.25, 1.5]],
      ["pow -0.5", (v) => v.pow(-0.5), (x) => x ** -0.5, [0.3, 1, 4]],
      ["pow 0.5", (v) => v.pow(0.5), Math.sqrt, [0.3, 2, 9]],
      ["add a number", (v) => v.add(2.5), (x) => x + 2.5, [-1, 3]],
      ["sub a number", (v) => v.sub(2.5), (x) => x - 2.5, [-1, 3]],
      ["mul by a number", (v) => v.mul(-3), (x) => -3 * x, [-1, 3]],
      ["div by a number", (v) => v.div(4), (x) => x / 4, [-1, 3]],
      ["number divided by it", (v) => Value.from(5).div(v), (x) => 5 / x, [-2, 0.7, 3]],
      ["number to its power", (v) => Value.from(1.7).pow(v), (x) => 1.7 ** x, [-2, 0.5, 3]],
    ];
    for (const [name, op, f, points] of unary) {
      it(name, () => {
        for (const p of points) {
          const x = new Value(p);
          const y = op(x);
          y.backward();
          expect(relError(y.data, f(p)), `${name}(${p}) value`).to.be.at.most(1e-15);
          const numeric = centred(f, p);
          // A slope that is tiny but not exactly 0 would make the relative error meaningless.
          expect(
            numeric === 0 || Math.abs(numeric) > 1e-3,
            `${name}'(${p}) = ${numeric} is a poor test point`,
          ).to.equal(true);
          expect(relError(x.grad, numeric), `${name}'(${p}): autodiff ${x.grad}, numeric ${numeric}`).to.be.at.most(
            1e-7,
          );
        }
      });
    }

    const binary: [string, (a: Value, b: Value) => Value, (a: number, b: number) => number][] = [
      ["add", (a, b) => a.add(b), (a, b) => a + b],
      ["sub", (a, b) => a.sub(b), (a, b) => a - b],
      ["mul", (a, b) => a.mul(b), (a, b) => a * b],
      ["div", (a, b) => a.div(b), (a, b) => a / b],
      ["pow with a Value exponent", (a, b) => a.pow(b), (a, b) => a ** b],
    ];
    for (const [name, op, f] of binary) {
      it(`${name}: both partial derivatives`, () => {
        for (const [a0, b0] of [
          [1.7, -0.6],
          [0.4, 2.5],
          [3, 1.25],
        ]) {
          const a = new Value(a0);
          const b = new Value(b0);
          const out = op(a, b);
          out.backward();
          expect(relError(out.data, f(a0, b0)), `${name}(${a0}, ${b0}) value`).to.be.at.most(1e-15);
          expect(
            relError(
              a.grad,
              centred((t) => f(t, b0), a0),
            ),
            `${name} d/da at (${a0}, ${b0})`,
          ).to.be.at.most(1e-7);
          expect(
            relError(
              b.grad,
              centred((t) => f(a0, t), b0),
            ),
            `${name} d/db at (${a0}, ${b0})`,
          ).to.be.at.most(1e-7);
        }
      });
    }

    it("Value.sum: value and a gradient of 1 per use", () => {
      const a = new Value(1.5);
      const b = new Value(-4);
      const s = Value.sum([a, b, a, 2]);
      s.backward();
      expect(s.data).to.equal(1);
      expect([a.grad, b.grad]).to.deep.equal([2, 1]);
      expect(Value.sum([]).data).to.equal(0);
    });

    it("relu has slope 0 at its kink and below it, 1 above", () => {
      for (const [p, slope] of [
        [-2, 0],
        [0, 0],
        [0.5, 1],
      ]) {
        const x = new Value(p);
        x.relu().backward();
        expect(x.grad, `relu'(${p})`).to.equal(slope);
      }
    });
  });

  describe("the assignment expression", () => {
    const points: [number, number, number][] = [
      [2, 4, 1],
      [9, 14, 3],
      [128, 42, 666],
      [52, 14, 28],
    ];
    // Pinned so that a silent change of the expression (which the notebook describes) is noticed.
    const expectedF = [1.199369548550568, 0.27117190680094794, 4.031724059299745, 2.7860142166185806];

    function atPoint(x0: number, y0: number, z0: number): { f: Value; grads: number[] } {
      const x = new Value(x0).named("x");
      const y = new Value(y0).named("y");
      const z = new Value(z0).named("z");
      const f = assignmentExpression(x, y, z);
      f.backward();
      return { f, grads: [x.grad, y.grad, z.grad] };
    }

    it("forward value equals the same formula in plain Math", () => {
      points.forEach(([x0, y0, z0], k) => {
        const { f } = atPoint(x0, y0, z0);
        expect(relError(f.data, assignmentExpressionNumber(x0, y0, z0)), `f(${x0}, ${y0}, ${z0})`).to.be.at.most(1e-14);
        expect(relError(f.data, expectedF[k]), `pinned f(${x0}, ${y0}, ${z0})`).to.be.at.most(1e-14);
      });
    });

    it("d/dx, d/dy, d/dz equal the hand-derived closed forms", () => {
      for (const [x0, y0, z0] of points) {
        const { grads } = atPoint(x0, y0, z0);
        const closed = assignmentExpressionGradient(x0, y0, z0);
        expect(
          relError(grads, closed),
          `(${x0}, ${y0}, ${z0}): autodiff ${grads}, closed form ${closed}`,
        ).to.be.at.most(1e-12);
      }
    });

    it("d/dx, d/dy, d/dz agree with centred differences", () => {
      for (const [x0, y0, z0] of points) {
        const { grads } = atPoint(x0, y0, z0);
        // The step is relative to each input (h = 1e-6 max(1, |v|)): at z = 666 with f ~ 4 and
        // df/dz ~ 2e-4, a fixed 1e-6 step leaves a rounding error near 1e-7 of the derivative.
        const step = (v: number): number => 1e-6 * Math.max(1, Math.abs(v));
        const numeric = [
          centred((t) => assignmentExpressionNumber(t, y0, z0), x0, step(x0)),
          centred((t) => assignmentExpressionNumber(x0, t, z0), y0, step(y0)),
          centred((t) => assignmentExpressionNumber(x0, y0, t), z0, step(z0)),
        ];
        expect(relError(grads, numeric), `(${x0}, ${y0}, ${z0}): autodiff ${grads}, numeric ${numeric}`).to.be.at.most(
          1e-7,
        );
      }
    });
  });

  describe("graph traversal and gradient accumulation", () => {
    it("a node used twice gets both contributions (a*a, a+a, a shared subexpression)", () => {
      const a = new Value(3);
      a.mul(a).backward();
      expect(a.grad).to.equal(6); // d(a^2)/da = 2a; overwriting instead of adding would give 3

      const b = new Value(3);
      b.add(b).backward();
      expect(b.grad).to.equal(2);

      // c = s*s + s with s = 2a: dc/da = (2s + 1) * 2 = 26 at a = 3.
      const c = new Value(3);
      const s = c.mul(2);
      s.mul(s).add(s).backward();
      expect(c.grad).to.equal(26);
      expect(s.grad).to.equal(13);
    });

    it("backward twice without zeroGrad adds the leaf gradients again; zeroGrad resets the whole graph", () => {
      const x = new Value(5);
      const y = x.mul(2);
      const z = y.mul(3).add(x.mul(x));
      z.backward();
      expect([x.grad, y.grad, z.grad]).to.deep.equal([16, 3, 1]); // dz/dx = 6 + 2x
      z.backward();
      // Leaves accumulate (16 + 16); intermediate nodes restart, so their grads stay those of one pass.
      expect([x.grad, y.grad, z.grad]).to.deep.equal([32, 3, 1]);
      z.zeroGrad();
      for (const node of z.topo()) expect(node.grad, String(node)).to.equal(0);
      z.backward();
      expect(x.grad).to.equal(16);
    });

    it("topo lists every node once, inputs before the nodes that use them, the output last", () => {
      const a = new Value(2);
      const b = new Value(-1);
      const ab = a.mul(b);
      const out = ab.add(a).mul(ab);
      const order = out.topo();
      // Nodes: a, b, ab, ab + a, (ab + a) * ab.
      expect(order.length).to.equal(5);
      expect(new Set(order).size).to.equal(5);
      expect(order[order.length - 1]).to.equal(out);
      const position = new Map(order.map((v, k) => [v, k]));
      for (const v of order) for (const c of v.children) expect(position.get(c)).to.be.below(position.get(v) ?? -1);
    });

    it("runs backward through a 100000-operation chain without recursion", () => {
      const x = new Value(1);
      let y = x;
      for (let i = 0; i < 100000; i++) y = y.mul(1.00001);
      expect(y.topo().length).to.equal(200001); // x, then a constant and a product per step
      y.backward();
      // d/dx of x * c^n is c^n; repeated multiplication drifts from Math.pow by at most ~n ulps.
      expect(relError(x.grad, Math.pow(1.00001, 100000))).to.be.at.most(1e-10);
      expect(relError(x.grad, y.data)).to.be.at.most(1e-15); // y = x * c^n with x = 1
      y.zeroGrad();
      expect(x.grad).to.equal(0);
    });
  });

  describe("numerical safety", () => {
    it("sigmoid is finite at +-1000 and exact in its tails", () => {
      for (const v of [-1000, 1000]) {
        const x = new Value(v);
        const s = x.sigmoid();
        s.backward();
        expect(s.data).to.equal(v > 0 ? 1 : 0);
        expect(x.grad).to.equal(0); // e^-1000 underflows to 0 in double precision
      }
      // At |x| = 40, s (1 - s) = e^-40 / (1 + e^-40)^2 ~ 4.2e-18; computing 1 - s would give 0 for x = 40.
      const tail = Math.exp(-40) / (1 + Math.exp(-40)) ** 2;
      for (const v of [-40, 40]) {
        const x = new Value(v);
        const s = x.sigmoid();
        s.backward();
        expect(x.grad).to.be.above(0);
        expect(relError(x.grad, tail), `sigmoid'(${v})`).to.be.at.most(1e-15);
      }
      expect(relError(new Value(-40).sigmoid().data, Math.exp(-40) / (1 + Math.exp(-40)))).to.be.at.most(1e-15);
    });

    it("refuses NaN and infinite inputs, naming the value", () => {
      expect(() => new Value(NaN)).to.throw(Error, /new Value\(NaN\).*finite/);
      expect(() => new Value(Infinity)).to.throw(Error, /new Value\(Infinity\)/);
      expect(() => new Value(1).add(NaN)).to.throw(Error, /add: operand NaN is not a finite number/);
      expect(() => new Value(2).pow(-Infinity)).to.throw(Error, /pow: exponent -Infinity/);
    });

    it("log of a non-positive number throws, naming it", () => {
      expect(() => new Value(0).log()).to.throw(Error, /log: input must be positive, got 0/);
      expect(() => new Value(-3).log()).to.throw(Error, /got -3/);
    });

    it("operations that would produce NaN or Infinity throw, naming the op and operands", () => {
      expect(() => new Value(0).div(0)).to.throw(Error, /0 \/ 0 = NaN/);
      expect(() => new Value(1).div(new Value(0))).to.throw(Error, /1 \/ 0 = Infinity/);
      expect(() => new Value(-1).pow(0.5)).to.throw(Error, /pow\(-1, 0\.5\) = NaN/);
      expect(() => new Value(1e308).mul(10)).to.throw(Error, /1e\+308 \* 10 = Infinity/);
      expect(() => new Value(1000).exp()).to.throw(Error, /exp\(1000\) = Infinity/);
      expect(() => new Value(-2).pow(new Value(0.5))).to.throw(Error, /positive base.*got base -2 with exponent 0\.5/);
    });

    it("backward refuses a non-finite local derivative (sqrt at 0), naming the node", () => {
      const x = new Value(0);
      const r = x.pow(0.5);
      expect(r.data).to.equal(0);
      expect(() => r.backward()).to.throw(Error, /pow\(0, 0\.5\) gave its input 0 a non-finite gradient Infinity/);
      // x^0 is the constant 1: slope 0 even at x = 0 (0 * 0^-1 would be NaN).
      const y = new Value(0);
      y.pow(0).backward();
      expect(y.grad).to.equal(0);
    });
  });

  it("agrees with the tensor layers on a tiny tanh MLP with softmax cross-entropy", () => {
    const rng = new Rng(3);
    const l1 = new Linear(3, 4, { rng });
    const l2 = new Linear(4, 2, { rng });
    if (l1.bias === null || l2.bias === null) throw new Error("Linear should have a bias by default");
    l1.bias.value.copyFrom(Tensor.randn([4], rng));
    const x = Tensor.randn([2, 3], rng);
    const labels = [1, 0];
    // Tensor path
    const act = new Tanh();
    const scores = l2.forward(act.forward(l1.forward(x)));
    const { loss, grad } = softmaxCrossEntropy(scores, labels);
    l1.backward(act.backward(l2.backward(grad)));
    // Value path: the same maths, one scalar at a time (weights are [in, out], row-major)
    const b1 = l1.bias.value;
    const b2 = l2.bias.value;
    const w1 = l1.weight.value.toFlatArray().map((v) => new Value(v));
    const w2 = l2.weight.value.toFlatArray().map((v) => new Value(v));
    const perExample = labels.map((label, n) => {
      const h = [0, 1, 2, 3].map((j) =>
        Value.sum([0, 1, 2].map((i) => w1[i * 4 + j].mul(x.get(n, i))))
          .add(b1.get(j))
          .tanh(),
      );
      const s = [0, 1].map((k) => Value.sum(h.map((hj, j) => hj.mul(w2[j * 2 + k]))).add(b2.get(k)));
      const lse = s[0].exp().add(s[1].exp()).log();
      return lse.sub(s[label]);
    });
    const mean = Value.sum(perExample).div(2);
    mean.backward();
    expect(relError(mean.data, loss)).to.be.at.most(1e-14);
    expect(
      relError(
        w1.map((v) => v.grad),
        l1.weight.grad,
      ),
    ).to.be.at.most(1e-12);
    expect(
      relError(
        w2.map((v) => v.grad),
        l2.weight.grad,
      ),
    ).to.be.at.most(1e-12);
  });

  describe("a 2-2-1 network of Values on XOR", () => {
    const data: [number, number, number][] = [
      [0, 0, 0],
      [0, 1, 1],
      [1, 0, 1],
      [1, 1, 0],
    ];

    /** Gradient descent on the summed squared error; `trainHidden: false` freezes the first layer. */
    function train(trainHidden: boolean): { first: number; final: number; outputs: number[] } {
      const rng = new Rng(1);
      const param = (): Value => new Value(rng.uniform(-1, 1));
      const w1 = Array.from({ length: 4 }, param);
      const b1 = Array.from({ length: 2 }, param);
      const w2 = Array.from({ length: 2 }, param);
      const b2 = param();
      const all = [...w1, ...b1, ...w2, b2];
      const updated = trainHidden ? all : [...w2, b2];
      const forward = (a: number, b: number): Value => {
        const h = [0, 1].map((j) =>
          w1[2 * j]
            .mul(a)
            .add(w1[2 * j + 1].mul(b))
            .add(b1[j])
            .tanh(),
        );
        return Value.sum([h[0].mul(w2[0]), h[1].mul(w2[1]), b2]).sigmoid();
      };
      const lossOf = (): Value => Value.sum(data.map(([a, b, t]) => forward(a, b).sub(t).pow(2)));
      const first = lossOf().data;
      for (let step = 0; step < 1000; step++) {
        const loss = lossOf();
        for (const p of all) p.grad = 0;
        loss.backward();
        for (const p of updated) p.data -= 1.0 * p.grad;
      }
      return { first, final: lossOf().data, outputs: data.map(([a, b]) => forward(a, b).data) };
    }

    it("drives the loss below 0.01, which needs correct gradients through the hidden layer", () => {
      const { first, final, outputs } = train(true);
      // Any model without a working hidden layer (linear in the inputs) is stuck at >= ~1: the best
      // constant output 0.5 already scores 4 * 0.25 = 1.
      expect(first).to.be.above(1);
      expect(final).to.be.below(0.01);
      outputs.forEach((o, k) => expect(Math.abs(o - data[k][2]), `output for ${data[k]}`).to.be.below(0.1));
    });

    it("control: with the hidden layer frozen (as a zero tanh gradient would leave it) the same run stays near 1", () => {
      const { final } = train(false);
      expect(final).to.be.above(0.9);
    });
  });

  it("draws its graph as Graphviz source, with label or op, data and grad in each box", () => {
    const x = new Value(2).named("x");
    const y = x.mul(3).named("y");
    const z = y.tanh();
    z.backward();
    const dot = z.toDot();
    expect(dot.startsWith("digraph G {")).to.equal(true);
    expect(dot.trimEnd().endsWith("}")).to.equal(true);
    expect(dot).to.contain("{ x | data 2 | grad ");
    expect(dot).to.contain(`{ y | data 6 | grad ${Number((1 - Math.tanh(6) ** 2).toPrecision(6))} }`);
    expect(dot).to.contain(`{ tanh | data ${Number(Math.tanh(6).toPrecision(6))} | grad 1 }`); // unlabelled: shows its op
    expect(dot).to.contain("{ data 3 | grad "); // the constant 3: neither label nor op
    expect(dot).to.contain('[label="*"]');
    // Four value boxes (x, 3, y, tanh) and two op ellipses, each op with its output edge and input edges.
    expect(dot.match(/shape=record/g)?.length).to.equal(4);
    expect(dot.match(/->/g)?.length).to.equal(2 + 2 + 1);
    expect(new Value(1).named('a|b{"c"}').toDot()).to.contain('a\\|b\\{\\"c\\"\\} | data 1');
  });
});
