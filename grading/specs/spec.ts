// Helpers for the case generators. Every generator draws from the Rng it is given and from nothing
// else, so a seed reproduces a case exactly (grading/reference.ts says which seeds are used).
import { Rng } from "../../lib/random";
import { Tensor } from "../../lib/tensor/tensor";
import type { WireTensor } from "../fixtures";

export type { AssignmentSpec, CaseSpec } from "../case-spec";

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

/**
 * Interleaved spirals, one arm per class: `perClass` training points per arm at evenly spaced radii,
 * and `test` held-out points at random radii on random arms (so their labels come in no order).
 */
export function spirals(
  rng: Rng,
  opts: { classes: number; perClass: number; test: number; noise: number },
): { trainX: WireTensor; trainY: number[]; testX: WireTensor; testY: number[] } {
  const point = (c: number, r: number): [number, number] => {
    const t = (c * 4 * Math.PI) / opts.classes + r * 4 + rng.normal() * opts.noise;
    return [r * Math.sin(t), r * Math.cos(t)];
  };
  const trainX: number[] = [];
  const trainY: number[] = [];
  for (let c = 0; c < opts.classes; c++) {
    for (let i = 0; i < opts.perClass; i++) {
      trainX.push(...point(c, i / opts.perClass));
      trainY.push(c);
    }
  }
  const testX: number[] = [];
  const testY: number[] = [];
  for (let i = 0; i < opts.test; i++) {
    const c = rng.int(opts.classes);
    testX.push(...point(c, rng.random()));
    testY.push(c);
  }
  return {
    trainX: { shape: [trainY.length, 2], data: trainX },
    trainY,
    testX: { shape: [opts.test, 2], data: testX },
    testY,
  };
}
