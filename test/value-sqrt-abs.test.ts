// Value.sqrt and Value.abs: values against Math, derivatives against a fourth-order centred difference
// (float64, relative error <= 1e-8), their edges (sqrt at 0 and below, abs' kink at 0) and use in a
// graph. PyTorch's numbers: pytorch-reference.test.ts.
import { expect } from "chai";
import { Value } from "../lib/autodiff/value";
import { relError } from "../lib/gradcheck";

/** Five-point centred difference (error O(h^4)), h = 1e-3 as checkLayer's default. */
function centred4(f: (x: number) => number, x: number, h = 1e-3): number {
  return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
}

describe("Value.sqrt and Value.abs", () => {
  const ops: [string, (v: Value) => Value, (x: number) => number, number[]][] = [
    // Points well away from 0, where sqrt's derivatives blow up (and with them the stencil's h^4 error).
    ["sqrt", (v) => v.sqrt(), Math.sqrt, [0.3, 0.5, 2, 30]],
    // Points 2h = 2e-3 or more from abs' kink at 0.
    ["abs", (v) => v.abs(), Math.abs, [-3, -0.01, 0.01, 2.5]],
  ];
  for (const [name, op, f, points] of ops) {
    it(`${name}: value equals Math.${name}, derivative matches a centred difference (<= 1e-8)`, () => {
      for (const p of points) {
        const x = new Value(p);
        const y = op(x);
        y.backward();
        expect(y.data, `${name}(${p})`).to.equal(f(p));
        expect(relError(x.grad, centred4(f, p)), `${name}'(${p}) = ${x.grad}`).to.be.at.most(1e-8);
      }
    });
  }

  it("by hand: d sqrt(x)/dx = 1 / (2 sqrt(x)), d|x|/dx = sign(x), and 0 at the kink x = 0", () => {
    const four = new Value(4);
    four.sqrt().backward();
    expect(four.grad).to.equal(0.25);
    for (const [p, slope] of [
      [-2, -1],
      [0, 0],
      [3, 1],
    ]) {
      const x = new Value(p);
      x.abs().backward();
      expect(x.grad, `abs'(${p})`).to.equal(slope);
    }
  });

  it("sqrt of a negative number throws; sqrt(0) is 0, but backward through it throws naming the node", () => {
    expect(() => new Value(-1).sqrt()).to.throw(/Value\.sqrt: input must be >= 0, got -1/);
    const zero = new Value(0);
    const r = zero.sqrt();
    expect(r.data).to.equal(0);
    expect(() => r.backward()).to.throw(/Value\.backward: sqrt\(0\) gave its input 0 a non-finite gradient Infinity/);
  });

  it("compose in a graph: the Euclidean norm sqrt(x^2 + y^2) and an L1 sum |a - b| + |c|", () => {
    const x = new Value(3);
    const y = new Value(-4);
    const r = x.mul(x).add(y.mul(y)).sqrt();
    r.backward();
    expect(r.data).to.equal(5);
    // (x, y) / r, through d(x^2)/dx = 2x and d sqrt(s)/ds = 1 / (2 sqrt(s)).
    expect(x.grad).to.be.closeTo(0.6, 1e-15);
    expect(y.grad).to.be.closeTo(-0.8, 1e-15);
    const a = new Value(1);
    const b = new Value(2.5);
    const c = new Value(-0.5);
    const l1 = Value.sum([a.sub(b).abs(), c.abs()]);
    l1.backward();
    expect(l1.data).to.equal(2);
    expect([a.grad, b.grad, c.grad]).to.deep.equal([-1, 1, -1]);
    expect(r.toDot()).to.contain('label="sqrt"');
    expect(l1.toDot()).to.contain('label="abs"');
  });
});
