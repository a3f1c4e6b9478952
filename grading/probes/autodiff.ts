// Probe for the scalar autodiff engine: a fixed expression built from the student's Value operations.
import { Value } from "../../lib/autodiff/value";
import type { Json } from "../fixtures";
import * as wire from "./wire";

// Captured when this module loads (before any student module in the sandbox): the numerical
// derivative below must not use a Math the student replaced.
const { tanh, exp, sin, log } = Math;

/** f = tanh(x y + z) + exp(x / z) sin(y) - log(x^2 + 1) y^3 / z, written once for Values and once for numbers. */
function expression(x: Value, y: Value, z: Value): Value {
  const a = x.mul(y).add(z).tanh();
  const b = x.div(z).exp().mul(y.sin());
  const c = x.pow(2).add(1).log().mul(y.pow(3)).div(z);
  return a.add(b).sub(c);
}

function expressionNumber(x: number, y: number, z: number): number {
  return tanh(x * y + z) + exp(x / z) * sin(y) - (log(x * x + 1) * y * y * y) / z;
}

export function valueExpression(inp: Record<string, Json>, w: typeof wire = wire): wire.ProbeOutputs {
  const list = Array.isArray(inp.points) ? inp.points : [];
  const n = list.length;
  const points = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = w.numbers(list[i], `points[${i}]`);
    if (p.length !== 3) throw new Error(`probe input points[${i}] is not a point (x, y, z)`);
    points.set(p, 3 * i);
  }
  const values = new Float64Array(n);
  const grads = new Float64Array(3 * n);
  const numeric = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const px = points[3 * i]!,
      py = points[3 * i + 1]!,
      pz = points[3 * i + 2]!;
    const x = new Value(px),
      y = new Value(py),
      z = new Value(pz);
    const f = expression(x, y, z);
    f.backward();
    values[i] = w.numberOf(f.data, "the expression's Value.data");
    grads[3 * i] = w.numberOf(x.grad, "x.grad");
    grads[3 * i + 1] = w.numberOf(y.grad, "y.grad");
    grads[3 * i + 2] = w.numberOf(z.grad, "z.grad");
    numeric[3 * i] = w.numericalDerivative((t) => expressionNumber(t, py, pz), px);
    numeric[3 * i + 1] = w.numericalDerivative((t) => expressionNumber(px, t, pz), py);
    numeric[3 * i + 2] = w.numericalDerivative((t) => expressionNumber(px, py, t), pz);
  }
  return { values: w.fromNumbers(values), grads: w.fromNumbers(grads), selfCheck: { grads: w.fromNumbers(numeric) } };
}
