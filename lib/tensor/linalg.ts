import { kernels } from "../kernels/kernels";
import { allocate } from "./arena";
import type { DType } from "./dtype";
import type { Raw } from "./elementwise";
import { shapeStr } from "./shape";

/**
 * Matrix product: [m, k] x [k, n] -> [m, n], on the active kernels' GEMM. A 1-D operand acts as a row
 * (on the left) or column (on the right) vector, and its axis is dropped from the result, as in NumPy.
 */
export function matmulRaw(a: Raw, b: Raw, dtype: DType): Raw {
  const left = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const right = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  if (left.length !== 2 || right.length !== 2 || left[1] !== right[0]) {
    throw new Error(
      `matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} are not aligned (inner dimensions must match)`,
    );
  }
  const [m, k] = left as [number, number];
  const n = right[1]!;
  const out = allocate(dtype, m * n);
  kernels().gemm({
    transA: false,
    transB: false,
    m,
    n,
    k,
    alpha: 1,
    a: a.data,
    aOffset: 0,
    lda: k,
    b: b.data,
    bOffset: 0,
    ldb: n,
    beta: 0,
    c: out,
    cOffset: 0,
    ldc: n,
  });
  const vecA = a.shape.length === 1,
    vecB = b.shape.length === 1;
  const shape = vecA && vecB ? [] : vecA ? [n] : vecB ? [m] : [m, n];
  return { data: out, shape };
}
