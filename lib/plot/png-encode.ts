import { PNG } from "pngjs";

/**
 * A PNG of 8-bit RGB pixels (row by row, 3 bytes a pixel), as a `data:` URI: image traces carry
 * their pixels this way (a few KB where Plotly's JSON `z` takes ten times as much), and the static
 * pictures of figures embed them.
 */
export function pngDataUri(width: number, height: number, rgb: Uint8Array): string {
  return `data:image/png;base64,${encodePng(width, height, rgb).toString("base64")}`;
}

/** The bytes of a PNG file of 8-bit RGB pixels (rows top to bottom, 3 bytes a pixel), written by pngjs. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`encodePng: bad size ${width}x${height}`);
  if (rgb.length !== width * height * 3)
    throw new Error(
      `encodePng: ${rgb.length} bytes for ${width}x${height} RGB pixels (expected ${width * height * 3})`,
    );
  const rgbIn = { colorType: 2, inputColorType: 2, inputHasAlpha: false } as const;
  const png = new PNG({ width, height, ...rgbIn });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length);
  return PNG.sync.write(png, { ...rgbIn, deflateLevel: 9 });
}
