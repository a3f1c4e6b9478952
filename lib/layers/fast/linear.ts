// INSTRUCTOR ONLY: Linear's fast path (the student kit has only the plain solution regions).
/**
 * Linear's passes straight on the kernels, the same maths as the solution regions in ../linear.ts:
 *   out = x W + b     one gemm, the bias seeded into the output (beta = 1) instead of a second pass
 *   dW = x^T dout     the transpose folded into the gemm (transA), no transposed copy of x
 *   db = column sums of dout, in the kernels' storage
 *   dx = dout W^T     transB, no transposed copy of W
 */
import { columnSums } from "../../kernels/bias-grad";
import { kernels } from "../../kernels/kernels";
import { Tensor } from "../../tensor/tensor";
import { skippedInputGrad, type Parameter } from "../layer";

export function linearForwardFast(x: Tensor, W: Tensor, b: Tensor | null): Tensor {
  const [n, k] = x.shape as [number, number];
  const m = W.shape[1]!;
  const out = Tensor.zeros([n, m], x.dtype);
  // Seed every row with the bias, then accumulate x W on top (beta = 1).
  if (b !== null) for (let i = 0; i < n; i++) out.data.set(b.data, i * m);
  kernels().gemm({
    transA: false,
    transB: false,
    m: n,
    n: m,
    k,
    alpha: 1,
    a: x.data,
    aOffset: 0,
    lda: k,
    b: W.data,
    bOffset: 0,
    ldb: m,
    beta: b === null ? 0 : 1,
    c: out.data,
    cOffset: 0,
    ldc: m,
  });
  return out;
}

/** Sets weight.grad and bias.grad; returns dx, or the empty tensor when inputGrad is off. */
export function linearBackwardFast(
  x: Tensor,
  dout: Tensor,
  weight: Parameter,
  bias: Parameter | null,
  inputGrad: boolean,
): Tensor {
  const [n, inF] = x.shape as [number, number];
  const outF = weight.value.shape[1]!;
  const k = kernels();
  k.gemm({
    transA: true,
    transB: false,
    m: inF,
    n: outF,
    k: n,
    alpha: 1,
    a: x.data,
    aOffset: 0,
    lda: inF,
    b: dout.data,
    bOffset: 0,
    ldb: outF,
    beta: 0,
    c: weight.grad.data,
    cOffset: 0,
    ldc: outF,
  });
  if (bias !== null) columnSums(dout.data, n, outF, bias.grad.data);
  if (!inputGrad) return skippedInputGrad(x.dtype);
  const dx = Tensor.zeros(x.shape, x.dtype);
  k.gemm({
    transA: false,
    transB: true,
    m: n,
    n: inF,
    k: outF,
    alpha: 1,
    a: dout.data,
    aOffset: 0,
    lda: outF,
    b: weight.value.data,
    bOffset: 0,
    ldb: outF,
    beta: 0,
    c: dx.data,
    cOffset: 0,
    ldc: inF,
  });
  return dx;
}
