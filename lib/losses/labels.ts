import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";

/** Class labels as given by a user: integer arrays, or a one-hot Tensor [N, C]. */
export type Labels = Int32Array | readonly number[] | Tensor;

/**
 * Validates labels against scores [N, C] and returns them as integer class indices. `ignoreIndex`, when
 * given, is accepted as a label too (outside 0..C-1 or not): the losses that take it skip those samples.
 */
export function classIndices(labels: Labels, n: number, c: number, where: string, ignoreIndex?: number): Int32Array {
  if (labels instanceof Tensor) {
    if (labels.ndim !== 2 || labels.shape[0] !== n || labels.shape[1] !== c) {
      throw new Error(
        `${where}: one-hot labels must have shape [${n}, ${c}] like the scores, got ${shapeStr(labels.shape)}`,
      );
    }
    // Soft or malformed rows would be silently read as their argmax: refuse them.
    const d = labels.data;
    for (let i = 0; i < n; i++) {
      let ones = 0;
      let others = 0;
      for (let j = 0; j < c; j++) {
        const v = d[i * c + j]!;
        if (v === 1) ones++;
        else if (v !== 0) others++;
      }
      if (ones !== 1 || others !== 0)
        throw new Error(
          `${where}: one-hot label row ${i} is not a one-hot vector (needs a single 1 and zeros elsewhere)`,
        );
    }
    return labels.argmax(-1);
  }
  if (labels.length !== n) throw new Error(`${where}: ${labels.length} labels for ${n} rows of scores`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y === ignoreIndex) {
      out[i] = y;
      continue;
    }
    if (!Number.isInteger(y) || y < 0 || y >= c) {
      throw new Error(`${where}: label ${y} at index ${i} is outside the ${c} classes 0..${c - 1}`);
    }
    out[i] = y;
  }
  return out;
}

/** Throws naming the first NaN / infinite entry (a NaN loss later is much harder to trace). */
export function checkFinite(t: Tensor, what: string): void {
  const bad = t.firstNonFinite();
  if (bad !== null) throw new Error(`${what}: ${t.get(...bad)} at [${bad.join(", ")}] of shape ${shapeStr(t.shape)}`);
}

/** Validates scores [N, C] (non-empty, finite) and returns N and C. */
export function checkScores(scores: Tensor, where: string): [number, number] {
  if (!(scores instanceof Tensor) || scores.ndim !== 2) {
    throw new Error(
      `${where}: expected scores of shape [N, C], got ${scores instanceof Tensor ? shapeStr(scores.shape) : typeof scores}`,
    );
  }
  const [n, c] = scores.shape as [number, number];
  if (n === 0 || c === 0) throw new Error(`${where}: empty scores ${shapeStr(scores.shape)}`);
  checkFinite(scores, `${where} scores`);
  return [n, c];
}
