import { checkImage, type Augmentation, type Image } from "./image";

/*
 * Seeded augmentations of one image (see image.ts): each returns a new image and never modifies its
 * input; all randomness comes from the Rng passed in, so a seed reproduces an epoch exactly.
 */
export { image, type Augmentation, type Image } from "./image";
// Kept here so existing `import { augmentBatch } from "./data/augment"` keeps working.
export { augmentBatch } from "./augment-batch";

function filled(img: Image, fill: number): Image {
  return {
    channels: img.channels,
    height: img.height,
    width: img.width,
    data: new Float64Array(img.data.length).fill(fill),
  };
}

function copy(img: Image): Image {
  return { channels: img.channels, height: img.height, width: img.width, data: img.data.slice() };
}

/** Mirrors left-right. */
export function flipHorizontal(img: Image): Image {
  checkImage(img, "flipHorizontal");
  const out = filled(img, 0);
  const { channels: c, height: h, width: w } = img;
  for (let row = 0; row < c * h; row++) {
    for (let x = 0; x < w; x++) out.data[row * w + x] = img.data[row * w + (w - 1 - x)]!;
  }
  return out;
}

/** Mirrors left-right with probability p (one rng draw per image, flipped or not). */
export function horizontalFlip(p = 0.5): Augmentation {
  if (!(p >= 0 && p <= 1)) throw new Error(`horizontalFlip: probability must be in [0, 1], got ${p}`);
  return (img, rng) => (rng.random() < p ? flipHorizontal(img) : copy(checkImage(img, "horizontalFlip")));
}

/**
 * Rotates by a uniform random angle in degrees: `degrees` d means [-d, d], a pair [lo, hi] that
 * range. Bilinear interpolation; `fill` where the source falls outside the image.
 */
export function randomRotation(degrees: number | readonly [number, number], fill = 0): Augmentation {
  const [lo, hi] = typeof degrees === "number" ? [-Math.abs(degrees), Math.abs(degrees)] : degrees;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
    throw new Error(`randomRotation: need a finite range lo <= hi, got [${lo}, ${hi}]`);
  return (img, rng) => rotate(img, rng.uniform(lo, hi), fill);
}

/**
 * Rotation about the image centre by `degrees`, counter-clockwise as displayed (rows go down):
 * by 90 the right column becomes the top row.
 */
export function rotate(img: Image, degrees: number, fill = 0): Image {
  checkImage(img, "rotate");
  const out = filled(img, fill);
  const { channels: c, height: h, width: w } = img;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const plane = h * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: the source point that lands on (x, y). Snapping to the pixel grid within
      // 1e-9 makes 0, 90 and 180 degrees exact copies despite cos(90 deg) = 6e-17.
      const dx = x - cx;
      const dy = y - cy;
      const sx = snap(cos * dx - sin * dy + cx);
      const sy = snap(sin * dx + cos * dy + cy);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < c; ch++) {
        const base = ch * plane;
        const at = (yy: number, xx: number): number =>
          yy >= 0 && yy < h && xx >= 0 && xx < w ? img.data[base + yy * w + xx]! : fill;
        // Skip zero-weight neighbours so an exact pixel position never reads past the edge.
        const top = fx > 0 ? at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx : at(y0, x0);
        const bottom = fy > 0 ? (fx > 0 ? at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx : at(y0 + 1, x0)) : 0;
        out.data[base + y * w + x] = fy > 0 ? top * (1 - fy) + bottom * fy : top;
      }
    }
  }
  return out;
}

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 ? r : v;
}

/**
 * Cutout (DeVries and Taylor 2017): fills a size x size square in every channel with `fill`. Its
 * centre is uniform over the image, so near the border the square is partly outside (clipped).
 */
export function cutout(size: number, fill = 0): Augmentation {
  if (!(Number.isInteger(size) && size >= 0))
    throw new Error(`cutout: size must be a non-negative integer, got ${size}`);
  return (img, rng) => {
    const out = copy(checkImage(img, "cutout"));
    const cy = rng.int(img.height);
    const cx = rng.int(img.width);
    cutoutAt(out, cy - Math.floor(size / 2), cx - Math.floor(size / 2), size, fill);
    return out;
  };
}

/** Fills, in place, the size x size square with top-left corner (top, left), clipped to the image. */
export function cutoutAt(img: Image, top: number, left: number, size: number, fill = 0): void {
  const { channels: c, height: h, width: w } = checkImage(img, "cutoutAt");
  for (let ch = 0; ch < c; ch++) {
    for (let y = Math.max(0, top); y < Math.min(h, top + size); y++) {
      for (let x = Math.max(0, left); x < Math.min(w, left + size); x++) img.data[(ch * h + y) * w + x] = fill;
    }
  }
}

/**
 * Random crop with padding: pads `padding` pixels of `fill` on every side, then crops a random
 * window of the original size (implemented as a shift by -padding..padding in each direction).
 */
export function randomCrop(padding: number, fill = 0): Augmentation {
  if (!(Number.isInteger(padding) && padding >= 0))
    throw new Error(`randomCrop: padding must be a non-negative integer, got ${padding}`);
  return (img, rng) => {
    const oy = rng.int(2 * padding + 1) - padding;
    const ox = rng.int(2 * padding + 1) - padding;
    return shift(img, oy, ox, fill);
  };
}

/** out(y, x) = in(y + oy, x + ox), `fill` where that falls outside the image. */
export function shift(img: Image, oy: number, ox: number, fill = 0): Image {
  checkImage(img, "shift");
  const out = filled(img, fill);
  const { channels: c, height: h, width: w } = img;
  for (let ch = 0; ch < c; ch++) {
    for (let y = Math.max(0, -oy); y < Math.min(h, h - oy); y++) {
      for (let x = Math.max(0, -ox); x < Math.min(w, w - ox); x++)
        out.data[(ch * h + y) * w + x] = img.data[(ch * h + y + oy) * w + x + ox]!;
    }
  }
  return out;
}

/** Contrast change by a uniform random factor in [low, high] (1 = unchanged, 0 = flat grey). */
export function randomContrast(low: number, high: number): Augmentation {
  if (!(low >= 0 && high >= low && Number.isFinite(high)))
    throw new Error(`randomContrast: need 0 <= low <= high, got [${low}, ${high}]`);
  return (img, rng) => contrast(img, rng.uniform(low, high));
}

/** Scales each channel's deviation from its own mean by `factor`; the per-channel mean is kept. */
export function contrast(img: Image, factor: number): Image {
  checkImage(img, "contrast");
  if (factor === 1) return copy(img); // exact: mean + (v - mean) can differ from v by an ulp
  const out = filled(img, 0);
  const plane = img.height * img.width;
  for (let ch = 0; ch < img.channels; ch++) {
    const base = ch * plane;
    let mean = 0;
    for (let i = 0; i < plane; i++) mean += img.data[base + i]!;
    mean /= plane;
    for (let i = 0; i < plane; i++) out.data[base + i] = mean + factor * (img.data[base + i]! - mean);
  }
  return out;
}

/** Applies augmentations in order, all drawing from the same Rng. */
export function compose(steps: readonly Augmentation[]): Augmentation {
  return (img, rng) => steps.reduce((acc, step) => step(acc, rng), copy(checkImage(img, "compose")));
}
