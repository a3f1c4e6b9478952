import type { Parameter } from "../layers/layer";

function checkFinite(params: readonly Parameter[], where: string): void {
  for (const p of params) {
    const bad = p.grad.firstNonFinite();
    if (bad !== null)
      throw new Error(
        `${where}: gradient of "${p.name}" is ${p.grad.get(...bad)} at [${bad.join(", ")}]; clipping cannot repair it`,
      );
  }
}

/** Clamps every gradient entry to [-clip, clip]. */
export function clipGradValue(params: readonly Parameter[], clip: number): void {
  if (!(clip > 0)) throw new Error(`clipGradValue: clip must be > 0, got ${clip}`);
  checkFinite(params, "clipGradValue");
  for (const p of params) p.grad.mapInPlace((g) => (g > clip ? clip : g < -clip ? -clip : g));
}

/** Rescales all gradients together so their global L2 norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  checkFinite(params, "clipGradNorm");
  let sq = 0;
  for (const p of params) for (let i = 0; i < p.grad.size; i++) sq += p.grad.data[i]! * p.grad.data[i]!;
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const p of params) p.grad.mulInPlace(scale);
  }
  return norm;
}
