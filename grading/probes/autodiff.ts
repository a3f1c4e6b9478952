// Probes for the scalar autodiff engine: a fixed expression built from the student's Value operations.
import { Value } from "../../lib/autodiff/value";
import type { Json } from "../fixtures";
import { numericalDerivative } from "./wire";

/** f = tanh(x y + z) + exp(x / z) sin(y) - log(x^2 + 1) y^3 / z, written once for Values and once for numbers. */
function expression(x: Value, y: Value, z: Value): Value {
  const a = x.mul(y).add(z).tanh();
  const b = x.div(z).exp().mul(y.sin());
  const c = x.pow(2).add(1).log().mul(y.pow(3)).div(z);
  return a.add(b).sub(c);
}

function expressionNumber(x: number, y: number, z: number): number {
  return Math.tanh(x * y + z) + Math.exp(x / z) * Math.sin(y) - (Math.log(x * x + 1) * y ** 3) / z;
}

export function valueExpression(inp: Record<string, Json>): Record<string, Json> {
  const points = inp.points as number[][];
  const values: number[] = [];
  const grads: number[] = [];
  const numeric: number[] = [];
  for (const [px, py, pz] of points as [number, number, number][]) {
    const x = new Value(px),
      y = new Value(py),
      z = new Value(pz);
    const f = expression(x, y, z);
    f.backward();
    values.push(f.data);
    grads.push(x.grad, y.grad, z.grad);
    numeric.push(
      numericalDerivative((t) => expressionNumber(t, py, pz), px),
      numericalDerivative((t) => expressionNumber(px, t, pz), py),
      numericalDerivative((t) => expressionNumber(px, py, t), pz),
    );
  }
  return { values, grads, selfCheck: { grads: numeric } };
}
