// What an assignment's graded cases are made of. Inputs come from a seeded generator, so fixtures can
// be rebuilt exactly (`npm run grading:fixtures`).
import { Rng } from "../../lib/random";
import { Tensor } from "../../lib/tensor/tensor";
import type { Json, WireTensor } from "../fixtures";

export interface CaseSpec {
  name: string;
  points: number;
  visibility: "visible" | "hidden";
  probe: string;
  kind: "value" | "gradient" | "training";
  generate: (rng: Rng) => Record<string, Json>;
  timeoutMs?: number;
  threshold?: number;
  hints?: Record<string, string>;
  minAccuracy?: number;
}

export interface AssignmentSpec {
  assignment: string;
  title: string;
  cases: CaseSpec[];
}

export function wire(t: Tensor): WireTensor {
  return { shape: [...t.shape], data: Array.from(t.data) };
}

export function randn(rng: Rng, shape: number[], std = 1): WireTensor {
  return wire(Tensor.randn(shape, rng, { std }));
}

/** Values with |x| >= 0.1 (away from the ReLU kink). */
export function awayFromZero(rng: Rng, shape: number[]): WireTensor {
  const t = Tensor.randn(shape, rng);
  t.mapInPlace((v) => (v >= 0 ? v + 0.1 : v - 0.1));
  return wire(t);
}

export function labels(rng: Rng, n: number, classes: number): number[] {
  return Array.from({ length: n }, () => rng.int(classes));
}
