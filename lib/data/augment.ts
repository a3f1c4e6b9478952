import type { Rng } from "../random";
import { Tensor } from "../tensor/tensor";
import { shapeStr } from "../tensor/shape";
import type { Dataset } from "../training/dataset";

/** One image in CHW layout. Augmentations return a new image and never modify their input. */
export interface Image {
  data: Float64Array;
  channels: number;
  height: number;
  width: number;
}

export type Augmentation = (img: Image, rng: Rng) => Image;

function blank(img: Image, fill = 0): Image {
  return { ...img, data: new Float64Array(img.data.length).fill(fill) };
}

/** Mirrors left-right with probability p. */
export function horizontalFlip(p = 0.5): Augmentation {
  return (img, rng) => {
    if (rng.random() >= p) return { ...img, data: img.data.slice() };
    const out = blank(img);
    const { channels: c, height: h, width: w } = img;
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      out.data[(ch * h + y) * w + x] = img.data[(ch * h + y) * w + (w - 1 - x)]!;
    }
    return out;
  };
}

/** Rotates about the centre by a uniform angle in [-maxDegrees, maxDegrees], bilinear, `fill` outside. */
export function randomRotation(maxDegrees: number, fill = 0): Augmentation {
  return (img, rng) => rotate(img, rng.uniform(-maxDegrees, maxDegrees), fill);
}

/** Rotation by a fixed angle (counter-clockwise in image coordinates, y pointing down). */
export function rotate(img: Image, degrees: number, fill = 0): Image {
  const out = blank(img, fill);
  const { channels: c, height: h, width: w } = img;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: which source point lands on (x, y)?
      const dx = x - cx;
      const dy = y - cy;
      // Snap coordinates within 1e-9 of a pixel so exact angles (0, 90, 180 degrees) copy pixels exactly.
      const sx = snap(cos * dx - sin * dy + cx);
      const sy = snap(sin * dx + cos * dy + cy);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < c; ch++) {
        const at = (yy: number, xx: number): number => (yy >= 0 && yy < h && xx >= 0 && xx < w ? img.data[(ch * h + yy) * w + xx]! : fill);
        const top = at(y0, x0) * (1 - fx) + (fx > 0 ? at(y0, x0 + 1) * fx : 0);
        const bottom = fy > 0 ? at(y0 + 1, x0) * (1 - fx) + (fx > 0 ? at(y0 + 1, x0 + 1) * fx : 0) : 0;
        out.data[(ch * h + y) * w + x] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 ? r : v;
}

/** Fills a size x size square at a random centre (possibly partly outside the image) with `fill`. */
export function cutout(size: number, fill = 0): Augmentation {
  return (img, rng) => {
    const out = { ...img, data: img.data.slice() };
    const cy = rng.int(img.height);
    const cx = rng.int(img.width);
    cutoutAt(out, cy - Math.floor(size / 2), cx - Math.floor(size / 2), size, fill);
    return out;
  };
}

/** Fills the square with top-left corner (top, left) in place, clipped to the image. */
export function cutoutAt(img: Image, top: number, left: number, size: number, fill = 0): void {
  const { channels: c, height: h, width: w } = img;
  for (let ch = 0; ch < c; ch++) {
    for (let y = Math.max(0, top); y < Math.min(h, top + size); y++) {
      for (let x = Math.max(0, left); x < Math.min(w, left + size); x++) img.data[(ch * h + y) * w + x] = fill;
    }
  }
}

/** Pads by `padding` on every side with `fill`, then crops a random window of the original size. */
export function randomCrop(padding: number, fill = 0): Augmentation {
  return (img, rng) => {
    const oy = rng.int(2 * padding + 1) - padding;
    const ox = rng.int(2 * padding + 1) - padding;
    return shift(img, oy, ox, fill);
  };
}

/** out(y, x) = in(y + oy, x + ox), `fill` where that falls outside. */
export function shift(img: Image, oy: number, ox: number, fill = 0): Image {
  const out = blank(img, fill);
  const { channels: c, height: h, width: w } = img;
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sy = y + oy;
    const sx = x + ox;
    if (sy >= 0 && sy < h && sx >= 0 && sx < w) out.data[(ch * h + y) * w + x] = img.data[(ch * h + sy) * w + sx]!;
  }
  return out;
}

/** Scales each channel's deviation from its mean by a factor drawn from [low, high] (the mean is kept). */
export function randomContrast(low: number, high: number): Augmentation {
  if (!(low >= 0 && high >= low)) throw new Error(`randomContrast: need 0 <= low <= high, got [${low}, ${high}]`);
  return (img, rng) => contrast(img, rng.uniform(low, high));
}

export function contrast(img: Image, factor: number): Image {
  const out = blank(img);
  const plane = img.height * img.width;
  for (let ch = 0; ch < img.channels; ch++) {
    let mean = 0;
    for (let i = 0; i < plane; i++) mean += img.data[ch * plane + i]!;
    mean /= plane;
    for (let i = 0; i < plane; i++) out.data[ch * plane + i] = mean + factor * (img.data[ch * plane + i]! - mean);
  }
  return out;
}

/** Applies augmentations in order. */
export function compose(steps: readonly Augmentation[]): Augmentation {
  return (img, rng) => steps.reduce((acc, step) => step(acc, rng), img);
}

/**
 * Augments every image of a batch whose x is [N, C, H, W] or flattened [N, C*H*W] (give the
 * image shape); labels are unchanged. Plugs into the trainer's `augment` option.
 */
export function augmentBatch(aug: Augmentation, imageShape: readonly [number, number, number]): (batch: Dataset, rng: Rng) => Dataset {
  const [channels, height, width] = imageShape;
  const size = channels * height * width;
  return (batch, rng) => {
    const n = batch.x.shape[0] ?? 0;
    if (batch.x.size !== n * size) throw new Error(`augmentBatch: x ${shapeStr(batch.x.shape)} does not hold images of shape [${imageShape.join(", ")}]`);
    const out = Tensor.zerosLike(batch.x);
    for (let i = 0; i < n; i++) {
      const img = { data: Float64Array.from(batch.x.data.subarray(i * size, (i + 1) * size)), channels, height, width };
      out.data.set(aug(img, rng).data, i * size);
    }
    return { x: out, y: batch.y };
  };
}
