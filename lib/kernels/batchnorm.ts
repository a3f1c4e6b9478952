import type { Storage } from "../tensor/dtype";
import type { BatchNormBackwardArgs, BatchNormNormalizeArgs, ChannelReduceArgs } from "./interface";
import { kernels } from "./kernels";
import { wasmBatchNormBackward, wasmBatchNormNormalize, wasmChannelReduce } from "./wasm/batchnorm";

/*
 * BatchNorm's passes over raw storage laid out [n, C, inner], for the BatchNorm layers. Each function
 * runs the active kernels' fused version if they have one, else the WebAssembly loop when the values
 * live in its memory, else the plain loop here, which defines the result bit for bit.
 */

/** Per-channel sums in float64 (see ChannelReduceArgs). */
export function channelReduce(p: ChannelReduceArgs): void {
  checkChannelReduce(p);
  const fused = kernels().fused?.channelReduce;
  if (fused !== undefined) fused(p);
  else if (!wasmChannelReduce(p)) channelReduceReference(p);
}

/** xhat and the output (see BatchNormNormalizeArgs). */
export function batchNormNormalize(p: BatchNormNormalizeArgs): void {
  checkLayout("batchNormNormalize", p, [p.x, p.xhat, p.out], [p.gamma, p.beta, p.mean, p.invstd]);
  const fused = kernels().fused?.batchNormNormalize;
  if (fused !== undefined) fused(p);
  else if (!wasmBatchNormNormalize(p)) batchNormNormalizeReference(p);
}

/** dx (see BatchNormBackwardArgs). */
export function batchNormBackward(p: BatchNormBackwardArgs): void {
  checkLayout("batchNormBackward", p, [p.dy, p.xhat, p.dx], [p.k1, p.k0, p.k2]);
  const fused = kernels().fused?.batchNormBackward;
  if (fused !== undefined) fused(p);
  else if (!wasmBatchNormBackward(p)) batchNormBackwardReference(p);
}

/**
 * BatchNorm's per-channel sums (see ChannelReduceArgs). A plane's four partial sums take entries
 * j = 0, 1, 2, 3 mod 4 (the tail goes to the first) and are added as ((s0 + s1) + s2) + s3: one running
 * sum would wait on every add.
 */
export function channelReduceReference(p: ChannelReduceArgs): void {
  checkChannelReduce(p);
  const { term, a, n, C, inner, out } = p;
  const b = p.b ?? a,
    mean = p.mean ?? out;
  out.fill(0, 0, C);
  for (let s = 0, start = 0; s < n; s++) {
    for (let f = 0; f < C; f++, start += inner) {
      const mu = term === "squaredDeviation" ? mean[f]! : 0;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let j = 0;
      if (term === "sum") {
        for (; j + 4 <= inner; j += 4) {
          const i = start + j;
          s0 += a[i]!;
          s1 += a[i + 1]!;
          s2 += a[i + 2]!;
          s3 += a[i + 3]!;
        }
        for (; j < inner; j++) s0 += a[start + j]!;
      } else if (term === "squaredDeviation") {
        for (; j + 4 <= inner; j += 4) {
          const i = start + j;
          const d0 = a[i]! - mu,
            d1 = a[i + 1]! - mu,
            d2 = a[i + 2]! - mu,
            d3 = a[i + 3]! - mu;
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
        for (; j < inner; j++) s0 += (a[start + j]! - mu) * (a[start + j]! - mu);
      } else {
        for (; j + 4 <= inner; j += 4) {
          const i = start + j;
          s0 += a[i]! * b[i]!;
          s1 += a[i + 1]! * b[i + 1]!;
          s2 += a[i + 2]! * b[i + 2]!;
          s3 += a[i + 3]! * b[i + 3]!;
        }
        for (; j < inner; j++) s0 += a[start + j]! * b[start + j]!;
      }
      out[f] += s0 + s1 + s2 + s3;
    }
  }
}

/** BatchNorm's forward pass over the values (see BatchNormNormalizeArgs); out uses xhat before rounding. */
export function batchNormNormalizeReference(p: BatchNormNormalizeArgs): void {
  const { x, n, C, inner, mean, invstd, gamma, beta, xhat, out } = p;
  for (let s = 0, i = 0; s < n; s++) {
    for (let f = 0; f < C; f++) {
      // Constants hoisted per plane: the inner loop is two multiply-adds per value.
      const mu = mean[f]!,
        is = invstd[f]!,
        g = gamma[f]!,
        b = beta[f]!;
      for (const end = i + inner; i < end; i++) {
        const h = (x[i]! - mu) * is;
        xhat[i] = h;
        out[i] = g * h + b;
      }
    }
  }
}

/** BatchNorm's dx (see BatchNormBackwardArgs). */
export function batchNormBackwardReference(p: BatchNormBackwardArgs): void {
  const { dy, xhat, n, C, inner, k1, k0, k2, dx } = p;
  for (let s = 0, i = 0; s < n; s++) {
    for (let f = 0; f < C; f++) {
      const a = k1[f]!,
        c = k0[f]!,
        e = k2[f]!;
      for (const end = i + inner; i < end; i++) dx[i] = a * dy[i]! + c + e * xhat[i]!;
    }
  }
}

function checkChannelReduce(p: ChannelReduceArgs): void {
  if ((p.term === "product" && p.b === null) || (p.term === "squaredDeviation" && p.mean === null)) {
    throw new Error(`channelReduce: "${p.term}" needs ${p.term === "product" ? "b" : "mean"}`);
  }
  checkLayout("channelReduce", p, p.b === null ? [p.a] : [p.a, p.b], p.mean === null ? [p.out] : [p.out, p.mean]);
}

/** The values hold n C inner entries and the per-channel vectors C, or a clear error. */
function checkLayout(
  what: string,
  { n, C, inner }: { n: number; C: number; inner: number },
  values: readonly (Storage | Float64Array)[],
  perChannel: readonly (Storage | Float64Array)[],
): void {
  if (![n, C, inner].every((d) => Number.isInteger(d) && d >= 0))
    throw new Error(`${what}: n, C and inner must be non-negative integers, got ${n}, ${C}, ${inner}`);
  const short = values.find((s) => s.length < n * C * inner) ?? perChannel.find((s) => s.length < C);
  if (short !== undefined) {
    throw new Error(
      `${what}: [${n}, ${C}, ${inner}] needs ${n * C * inner} values and ${C} per channel, got an array of ${short.length}`,
    );
  }
}
