/** Learning-rate schedules: functions from the epoch (0-based) to a learning rate. */
export type Schedule = (epoch: number) => number;

/** lr * gamma^floor(epoch / stepSize). */
export function stepDecay(lr: number, stepSize: number, gamma = 0.1): Schedule {
  if (!(stepSize >= 1)) throw new Error(`stepDecay: stepSize must be >= 1, got ${stepSize}`);
  return (epoch) => lr * Math.pow(gamma, Math.floor(epoch / stepSize));
}

/** lr * gamma^epoch. */
export function exponentialDecay(lr: number, gamma: number): Schedule {
  return (epoch) => lr * Math.pow(gamma, epoch);
}

/**
 * Cosine annealing from lr to minLr over `epochs`, after an optional linear warm-up:
 *   warm-up (e < w): lr * (e + 1) / w;  then minLr + (lr - minLr) * (1 + cos(pi * (e - w) / (epochs - w))) / 2.
 */
export function cosineAnnealing(lr: number, epochs: number, opts: { minLr?: number; warmup?: number } = {}): Schedule {
  const minLr = opts.minLr ?? 0;
  const warmup = opts.warmup ?? 0;
  if (!(epochs > warmup)) throw new Error(`cosineAnnealing: epochs (${epochs}) must exceed warmup (${warmup})`);
  return (epoch) => {
    if (epoch < warmup) return (lr * (epoch + 1)) / warmup;
    const progress = Math.min(1, (epoch - warmup) / (epochs - warmup));
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}
