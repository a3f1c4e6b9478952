import type { DType } from "./tensor/dtype";
import { Tensor } from "./tensor/tensor";

/**
 * A normalised size x size Gaussian filter: k[i, j] proportional to exp(-(di^2 + dj^2) / (2 sigma^2))
 * with di, dj measured from the centre, scaled so the entries sum to 1 (a blur keeps brightness).
 */
export function gaussianKernel(size: number, sigma: number, dtype: DType = "float64"): Tensor {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0)
    throw new Error(`gaussianKernel: size must be a positive odd integer, got ${size}`);
  if (!(sigma > 0 && Number.isFinite(sigma)))
    throw new Error(`gaussianKernel: sigma must be a finite number > 0, got ${sigma}`);
  const k = Tensor.zeros([size, size], dtype);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const v = Math.exp(-((i - c) ** 2 + (j - c) ** 2) / (2 * sigma * sigma));
      k.data[i * size + j] = v;
      sum += v;
    }
  }
  return k.mulInPlace(1 / sum);
}
