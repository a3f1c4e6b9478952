import { convOutputSize, kernels, type ConvGeometry } from "../kernels/kernels";
import { shapeStr } from "./shape";
import { Tensor } from "./tensor";

export interface WindowSpec {
  kernel: [number, number];
  stride?: [number, number];
  padding?: [number, number];
}

/** The convolution geometry of an image [C, H, W] under a window spec. */
export function convGeometry(imageShape: readonly number[], spec: WindowSpec): ConvGeometry {
  if (imageShape.length !== 3)
    throw new Error(`convGeometry: expected an image shape [C, H, W], got ${shapeStr(imageShape)}`);
  const [channels, height, width] = imageShape as [number, number, number];
  const [kernelH, kernelW] = spec.kernel;
  const [strideH, strideW] = spec.stride ?? [1, 1];
  const [padH, padW] = spec.padding ?? [0, 0];
  // A zero stride would divide by zero in convOutputSize and surface later as a puzzling shape error.
  const positive = [kernelH, kernelW, strideH, strideW].every((v) => Number.isInteger(v) && v >= 1);
  if (!positive || ![padH, padW].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error(
      `convGeometry: kernel ${kernelH}x${kernelW} and stride ${strideH}x${strideW} must be positive integers, ` +
        `padding ${padH}x${padW} non-negative integers`,
    );
  }
  const outH = convOutputSize(height, kernelH, strideH, padH);
  const outW = convOutputSize(width, kernelW, strideW, padW);
  if (outH < 1 || outW < 1) {
    throw new Error(
      `convGeometry: kernel ${kernelH}x${kernelW} does not fit the padded image ${height + 2 * padH}x${width + 2 * padW}`,
    );
  }
  return { channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW };
}

/** Unrolls one image [C, H, W] into columns [C*kh*kw, outH*outW] (each column one receptive field). */
export function im2col(image: Tensor, spec: WindowSpec): Tensor {
  const g = convGeometry(image.shape, spec);
  const cols = Tensor.zeros([g.channels * g.kernelH * g.kernelW, g.outH * g.outW], image.dtype);
  kernels().im2col(image.data, 0, g, cols.data);
  return cols;
}

/** The adjoint of im2col: sums columns back into an image of the given shape [C, H, W]. */
export function col2im(cols: Tensor, imageShape: readonly number[], spec: WindowSpec): Tensor {
  const g = convGeometry(imageShape, spec);
  cols.assertShape([g.channels * g.kernelH * g.kernelW, g.outH * g.outW], "col2im columns");
  const image = Tensor.zeros(imageShape, cols.dtype);
  kernels().col2im(cols.data, g, image.data, 0);
  return image;
}
