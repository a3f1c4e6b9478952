import type { Rng } from "../random";

/** One image: a Float64Array in CHW layout (channel planes, rows top to bottom). */
export interface Image {
  data: Float64Array;
  channels: number;
  height: number;
  width: number;
}

/** A seeded transformation of one image (see augment.ts); all randomness comes from the Rng. */
export type Augmentation = (img: Image, rng: Rng) => Image;

/** Wraps a CHW Float64Array as an Image, checking its length. */
export function image(data: Float64Array, channels: number, height: number, width: number): Image {
  return checkImage({ data, channels, height, width }, "image");
}

/** Throws unless the image's dimensions are positive integers and its data has their product of values. */
export function checkImage(img: Image, where: string): Image {
  const { channels: c, height: h, width: w } = img;
  if (![c, h, w].every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`${where}: channels, height and width must be positive integers, got ${c}x${h}x${w}`);
  if (img.data.length !== c * h * w)
    throw new Error(`${where}: a ${c}x${h}x${w} image needs ${c * h * w} values, data has ${img.data.length}`);
  return img;
}
