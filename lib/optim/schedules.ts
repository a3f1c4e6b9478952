/**
 * Learning-rate schedules: the learning rate as a function of the epoch (0-based; fractional epochs are
 * fine for per-iteration schedules). A Schedule is callable, `schedule(epoch)`, so it can be passed
 * wherever `(epoch) => number` is expected (the trainer's `schedule` option), and also has `lrAt(epoch)`
 * and a readable `label` for plots and logs.
 */
export interface Schedule {
  (epoch: number): number;
  lrAt(epoch: number): number;
  readonly label: string;
}

/** Wraps a rate function as a Schedule, checking the epoch it is asked about. */
export function schedule(label: string, rate: (epoch: number) => number): Schedule {
  const lrAt = (epoch: number): number => {
    if (!Number.isFinite(epoch) || epoch < 0)
      throw new Error(`${label}: epoch must be a finite number >= 0, got ${epoch}`);
    return rate(epoch);
  };
  return Object.assign((epoch: number) => lrAt(epoch), { lrAt, label });
}

/** Sets `optimizer.lr` to the schedule's rate for `epoch` (call at the start of each epoch) and returns it. */
export function applySchedule(optimizer: { lr: number }, sched: (epoch: number) => number, epoch: number): number {
  const lr = sched(epoch);
  optimizer.lr = lr;
  return lr;
}

function checkLr(where: string, lr: number): void {
  if (!Number.isFinite(lr) || lr < 0) throw new Error(`${where}: lr must be a finite number >= 0, got ${lr}`);
}

/** The same rate every epoch. */
export function constantLr(lr: number): Schedule {
  checkLr("constantLr", lr);
  return schedule(`constant(${lr})`, () => lr);
}

/** Step decay: lr * gamma^floor(epoch / stepSize), i.e. multiplied by gamma every stepSize epochs. */
export function stepDecay(lr: number, stepSize: number, gamma = 0.1): Schedule {
  checkLr("stepDecay", lr);
  if (!(stepSize >= 1)) throw new Error(`stepDecay: stepSize must be >= 1, got ${stepSize}`);
  if (!(gamma > 0)) throw new Error(`stepDecay: gamma must be > 0, got ${gamma}`);
  return schedule(
    `step(${lr}, x${gamma} every ${stepSize})`,
    (epoch) => lr * Math.pow(gamma, Math.floor(epoch / stepSize)),
  );
}

/** Exponential decay: lr * gamma^epoch. */
export function exponentialDecay(lr: number, gamma: number): Schedule {
  checkLr("exponentialDecay", lr);
  if (!(gamma > 0)) throw new Error(`exponentialDecay: gamma must be > 0, got ${gamma}`);
  return schedule(`exponential(${lr}, x${gamma})`, (epoch) => lr * Math.pow(gamma, epoch));
}

/**
 * Cosine annealing from lr down to minLr at `epochs` (and minLr after it), after an optional linear warm-up
 * of `warmup` epochs that reaches lr at epoch = warmup:
 *   e < w:   lr * (e + 1) / (w + 1)
 *   e >= w:  minLr + (lr - minLr) * (1 + cos(pi * min(1, (e - w) / (epochs - w)))) / 2
 */
export function cosineAnnealing(lr: number, epochs: number, opts: { minLr?: number; warmup?: number } = {}): Schedule {
  const minLr = opts.minLr ?? 0;
  const warmup = opts.warmup ?? 0;
  checkLr("cosineAnnealing", lr);
  if (!(minLr >= 0 && minLr <= lr)) throw new Error(`cosineAnnealing: minLr must be in [0, lr = ${lr}], got ${minLr}`);
  if (!(warmup >= 0)) throw new Error(`cosineAnnealing: warmup must be >= 0, got ${warmup}`);
  if (!(epochs > warmup)) throw new Error(`cosineAnnealing: epochs (${epochs}) must exceed warmup (${warmup})`);
  return schedule(`cosine(${lr} -> ${minLr} over ${epochs}${warmup > 0 ? `, warmup ${warmup}` : ""})`, (epoch) => {
    if (epoch < warmup) return (lr * (epoch + 1)) / (warmup + 1);
    const progress = Math.min(1, (epoch - warmup) / (epochs - warmup));
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  });
}
