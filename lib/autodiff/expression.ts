import { Value } from "./value";

/*
 * The scalar-backprop assignment's expression, mixing +, *, /, pow, exp, log, sin, tanh and sigmoid:
 *
 *   f(x, y, z) = log(x^2 + y^2 + 1) * sigmoid(z / y) + sin(x / z) * tanh(y / x) - sqrt(x) / (1 + exp(-y / z))
 *
 * It is finite at the report's inputs (2,4,1), (9,14,3), (128,42,666), (52,14,28) (it needs x > 0 and y, z != 0).
 */
export function assignmentExpression(x: Value, y: Value, z: Value): Value {
  const a = x.pow(2).add(y.pow(2)).add(1).log().mul(z.div(y).sigmoid());
  const b = x.div(z).sin().mul(y.div(x).tanh());
  const c = x.pow(0.5).div(y.neg().div(z).exp().add(1));
  return a.add(b).sub(c);
}

/** The same expression with plain numbers (for checking the graph's forward value). */
export function assignmentExpressionNumber(x: number, y: number, z: number): number {
  const sigmoid = (t: number): number => 1 / (1 + Math.exp(-t));
  return (
    Math.log(x * x + y * y + 1) * sigmoid(z / y) +
    Math.sin(x / z) * Math.tanh(y / x) -
    Math.sqrt(x) / (1 + Math.exp(-y / z))
  );
}

/** Hand-derived partial derivatives of the expression, independent of the autodiff engine. */
export function assignmentExpressionGradient(x: number, y: number, z: number): [number, number, number] {
  const sig = (t: number): number => 1 / (1 + Math.exp(-t));
  const L = Math.log(x * x + y * y + 1);
  const q = x * x + y * y + 1;
  const s = sig(z / y);
  const ds = s * (1 - s);
  const S = Math.sin(x / z);
  const C = Math.cos(x / z);
  const T = Math.tanh(y / x);
  const dT = 1 - T * T;
  const E = 1 + Math.exp(-y / z);
  const r = Math.sqrt(x);
  // d/dE of r / E is -r / E^2; dE/dy = -exp(-y/z)/z, dE/dz = exp(-y/z) * y / z^2.
  const e = Math.exp(-y / z);
  const dfdx = ((2 * x) / q) * s + (C / z) * T + S * dT * (-y / (x * x)) - 1 / (2 * r * E);
  const dfdy = ((2 * y) / q) * s + L * ds * (-z / (y * y)) + S * dT * (1 / x) + (r / (E * E)) * (-e / z);
  const dfdz = L * ds * (1 / y) + C * (-x / (z * z)) * T + (r / (E * E)) * ((e * y) / (z * z));
  return [dfdx, dfdy, dfdz];
}
