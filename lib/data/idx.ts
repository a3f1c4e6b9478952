import { readMaybeGzip } from "./files";

/*
 * IDX, the format of MNIST and Fashion-MNIST: a big-endian header (magic, then one u32 per
 * dimension) followed by unsigned bytes. Images have magic 2051 and dimensions N, rows, cols;
 * labels have magic 2049 and dimension N.
 */
export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Parses an IDX buffer of images or labels; `name` is used in error messages. */
export function parseIdx(buf: Uint8Array, name: string): { magic: number; dims: number[]; data: Uint8Array } {
  if (buf.length < 8) throw new Error(`${name}: too short for an IDX header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (magic !== IDX_IMAGES_MAGIC && magic !== IDX_LABELS_MAGIC) {
    throw new Error(`${name}: not an IDX file of unsigned bytes: expected magic ${IDX_IMAGES_MAGIC} (images) or ${IDX_LABELS_MAGIC} (labels), got ${magic}`);
  }
  const ndim = magic & 0xff;
  const header = 4 + 4 * ndim;
  if (buf.length < header) throw new Error(`${name}: truncated header: ${ndim} dimensions need ${header} bytes, file has ${buf.length}`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const got = buf.length - header;
  if (got !== expected) {
    const what = got < expected ? "truncated" : "trailing data";
    throw new Error(`${name}: ${what}: header says ${dims.join("x")} = ${expected} bytes of data, file has ${got}`);
  }
  return { magic, dims, data: buf.subarray(header) };
}

export function readIdxImages(path: string): IdxImages {
  const { magic, dims, data } = parseIdx(readMaybeGzip(path), path);
  if (magic !== IDX_IMAGES_MAGIC) throw new Error(`${path}: expected magic ${IDX_IMAGES_MAGIC} (images), got ${magic} (labels?)`);
  const [count, rows, cols] = dims as [number, number, number];
  return { images: data, count, rows, cols };
}

export function readIdxLabels(path: string): Uint8Array {
  const { magic, data } = parseIdx(readMaybeGzip(path), path);
  if (magic !== IDX_LABELS_MAGIC) throw new Error(`${path}: expected magic ${IDX_LABELS_MAGIC} (labels), got ${magic} (images?)`);
  return data;
}

/** Writes an IDX buffer (used to build small test files and by tools). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const magic = dims.length === 1 ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
