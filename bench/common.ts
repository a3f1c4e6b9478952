// Timing helpers shared by the benchmark sections.

/** Seconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed; returns every timed duration in seconds. */
export function timeRuns(fn: () => void, runs: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    fn();
    out.push(now() - t0);
  }
  return out;
}

/** Median and the spread (min..max) of a set of timings. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
  /** When the timing covers part of the work and was scaled up (e.g. 188 of 938 batches), the fraction timed. */
  fraction?: number;
}

export function summarize(xs: readonly number[], scale = 1, fraction?: number): Timing {
  const t: Timing = {
    median: median(xs) * scale,
    min: Math.min(...xs) * scale,
    max: Math.max(...xs) * scale,
    runs: xs.length,
  };
  if (fraction !== undefined && fraction < 1) t.fraction = fraction;
  return t;
}

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
