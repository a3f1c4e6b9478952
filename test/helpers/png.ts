import { PNG } from "pngjs";

/** Decodes a PNG (any bit depth, colour type or interlacing) into 8-bit RGBA pixels. Errors say why. */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const { width, height, data } = PNG.sync.read(png);
  return { width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Fraction of pixels that are not (near-)white. */
export function inkFraction(img: { rgba: Uint8Array }): number {
  let ink = 0;
  const n = img.rgba.length / 4;
  for (let i = 0; i < n; i++)
    if (img.rgba[4 * i]! < 200 || img.rgba[4 * i + 1]! < 200 || img.rgba[4 * i + 2]! < 200) ink++;
  return ink / n;
}
