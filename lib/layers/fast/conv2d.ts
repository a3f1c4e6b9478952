// INSTRUCTOR ONLY: Conv2d's fast path (the student kit has only the plain solution regions).
/**
 * Conv2d's passes as one call each into lib/kernels/conv.ts, the same maths as the solution regions in
 * ../conv2d.ts: the WebAssembly kernels run the whole batch in their memory (im2col, GEMM and the bias
 * sums fused, shared with the worker thread), other kernels loop over images on their gemm and im2col.
 */
import { conv2dBackward, conv2dForward } from "../../kernels/conv";
import type { ConvGeometry } from "../../kernels/kernels";
import { allocatePersistent, type DType, type Storage } from "../../tensor/dtype";
import { Tensor } from "../../tensor/tensor";
import { skippedInputGrad, type Parameter } from "../layer";

/** One layer's scratch buffer for cols (and dcols in backward), reused across calls and images. */
export class ConvWorkspace {
  private buffer: Storage | null = null;

  /** The buffer, grown (or re-typed) when a call needs more than it holds. */
  take(length: number, dtype: DType): Storage {
    const w = this.buffer;
    if (w === null || w.length < length || w instanceof Float64Array !== (dtype === "float64")) {
      this.buffer = allocatePersistent(dtype, length); // kept across steps: never from a step arena
    }
    return this.buffer!.subarray(0, length);
  }
}

export interface ConvParts {
  weight: Parameter;
  bias: Parameter | null;
  outChannels: number;
  workspace: ConvWorkspace;
}

export function convForwardFast(layer: ConvParts, x: Tensor, g: ConvGeometry): Tensor {
  const n = x.shape[0]!;
  const out = Tensor.zeros([n, layer.outChannels, g.outH, g.outW], x.dtype);
  conv2dForward({
    x: x.data,
    n,
    g,
    filters: layer.outChannels,
    weight: layer.weight.value.data,
    bias: layer.bias?.value.data ?? null,
    out: out.data,
    workspace: layer.workspace.take(g.channels * g.kernelH * g.kernelW * g.outH * g.outW, x.dtype),
  });
  return out;
}

/** Sets weight.grad and bias.grad; returns dx, or the empty tensor when inputGrad is off. */
export function convBackwardFast(
  layer: ConvParts,
  x: Tensor,
  g: ConvGeometry,
  dout: Tensor,
  inputGrad: boolean,
): Tensor {
  const dx = inputGrad ? Tensor.zerosLike(x) : null;
  conv2dBackward({
    x: x.data,
    n: x.shape[0]!,
    g,
    filters: layer.outChannels,
    weight: layer.weight.value.data,
    dout: dout.data,
    dWeight: layer.weight.grad.data,
    dBias: layer.bias?.grad.data ?? null,
    dx: dx?.data ?? null,
    workspace: layer.workspace.take(2 * g.channels * g.kernelH * g.kernelW * g.outH * g.outW, x.dtype),
  });
  return dx ?? skippedInputGrad(x.dtype);
}
