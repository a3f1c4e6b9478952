import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";

function predictions(scores: Tensor | Int32Array): Int32Array {
  return scores instanceof Tensor ? scores.argmax(-1) : scores;
}

/** Fraction of correct predictions; `scores` are [N, C] class scores or predicted labels. */
export function accuracy(scores: Tensor | Int32Array, labels: ArrayLike<number>): number {
  const pred = predictions(scores);
  if (pred.length !== labels.length)
    throw new Error(`accuracy: ${pred.length} predictions for ${labels.length} labels`);
  if (pred.length === 0) throw new Error("accuracy: no examples");
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
  return correct / pred.length;
}

/** counts[true][predicted]. */
export function confusionMatrix(
  scores: Tensor | Int32Array,
  labels: ArrayLike<number>,
  numClasses: number,
): number[][] {
  const pred = predictions(scores);
  if (pred.length !== labels.length)
    throw new Error(`confusionMatrix: ${pred.length} predictions for ${labels.length} labels`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < pred.length; i++) {
    const t = labels[i]!;
    const p = pred[i]!;
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) {
      throw new Error(`confusionMatrix: label ${t} or prediction ${p} at index ${i} is outside 0..${numClasses - 1}`);
    }
    m[t]![p]!++;
  }
  return m;
}

export interface PerClassAccuracy {
  /** Accuracy per true class (NaN for a class with no examples). */
  perClass: number[];
  best: { label: number; accuracy: number };
  worst: { label: number; accuracy: number };
}

export function perClassAccuracy(
  scores: Tensor | Int32Array,
  labels: ArrayLike<number>,
  numClasses: number,
): PerClassAccuracy {
  const m = confusionMatrix(scores, labels, numClasses);
  const perClass = m.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[c]! / total;
  });
  const present = perClass.map((a, label) => ({ label, accuracy: a })).filter((r) => !Number.isNaN(r.accuracy));
  if (present.length === 0) throw new Error("perClassAccuracy: no examples");
  const best = present.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const worst = present.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
  return { perClass, best, worst };
}

export function checkScores(scores: Tensor, n: number, where: string): void {
  if (scores.ndim !== 2 || scores.shape[0] !== n)
    throw new Error(`${where}: expected scores [${n}, C], got ${shapeStr(scores.shape)}`);
}
