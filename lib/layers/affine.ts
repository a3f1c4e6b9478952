import type { DType } from "../tensor/dtype";
import { Tensor } from "../tensor/tensor";
import { parameter, type Parameter } from "./layer";

/**
 * A normalisation layer's learnable scale gamma or shift beta: a Parameter when the layer is affine
 * (the default), null when it is built with the affine option false (it then only normalises, like
 * PyTorch's `affine=False` / `elementwise_affine=False`, whose weight and bias are None). The type
 * follows the option, so `new BatchNorm1d(4).gamma.value` needs no null check.
 */
export type AffineParameter<A extends boolean> = A extends false ? null : Parameter;

/** A normalisation layer's gamma and beta. */
export interface Affine {
  gamma: Parameter;
  beta: Parameter;
}

/** gamma = 1 and beta = 0 of the given shape, exempt from weight decay; null when affine is false. */
export function affineParameters(
  affine: boolean | undefined,
  shape: readonly number[],
  dtype: DType | undefined,
): Affine | null {
  if (affine === false) return null;
  return {
    gamma: parameter("gamma", Tensor.ones(shape, dtype), false),
    beta: parameter("beta", Tensor.zeros(shape, dtype), false),
  };
}
