import { maybeGunzip, readMaybeGzip } from "./files";

/*
 * IDX, the format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type byte,
 * the number of dimensions, then one u32 per dimension) followed by the values. The datasets use
 * unsigned bytes (type 0x08): images are 0x00000803 = 2051 (N, rows, cols), labels 0x00000801 = 2049 (N).
 */
export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;
const UBYTE = 0x08;

export type IdxKind = "images" | "labels";
const MAGIC: Record<IdxKind, number> = { images: IDX_IMAGES_MAGIC, labels: IDX_LABELS_MAGIC };
const KIND_OF: Record<number, IdxKind> = { [IDX_IMAGES_MAGIC]: "images", [IDX_LABELS_MAGIC]: "labels" };

export interface IdxArray {
  magic: number;
  dims: number[];
  /** The values, row-major; a plain Uint8Array view (not a Node Buffer, whose slice() does not copy). */
  data: Uint8Array;
}

export interface IdxImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Checks on the dimensions, so a wrong file fails at load time rather than deep inside training. */
export interface IdxExpect {
  count?: number;
  rows?: number;
  cols?: number;
}

function describeMagic(magic: number): string {
  const kind = KIND_OF[magic];
  return kind ? `${magic} (${kind})` : `${magic} (0x${magic.toString(16).padStart(8, "0")})`;
}

/**
 * Parses an IDX buffer (gzipped or not) of unsigned bytes. `name` (usually the file path) starts
 * every error message; `expect` checks the magic number before anything else.
 */
export function parseIdx(buffer: Uint8Array, name: string, expect?: IdxKind): IdxArray {
  const buf = maybeGunzip(buffer, name);
  if (buf.length < 4) throw new Error(`${name}: truncated: ${buf.length} bytes is too short for an IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (expect !== undefined && magic !== MAGIC[expect]) {
    throw new Error(`${name}: expected magic ${describeMagic(MAGIC[expect])}, got ${describeMagic(magic)}`);
  }
  const type = buf[2]!;
  const ndim = buf[3]!;
  if (buf[0] !== 0 || buf[1] !== 0 || ndim === 0) {
    throw new Error(
      `${name}: not an IDX file: expected magic ${IDX_IMAGES_MAGIC} (images) or ${IDX_LABELS_MAGIC} (labels), got ${describeMagic(magic)}`,
    );
  }
  if (type !== UBYTE)
    throw new Error(`${name}: IDX value type 0x${type.toString(16)} is not supported, expected 0x08 (unsigned bytes)`);
  const header = 4 + 4 * ndim;
  if (buf.length < header)
    throw new Error(
      `${name}: truncated: an IDX header with ${ndim} dimensions needs ${header} bytes, file has ${buf.length}`,
    );
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const got = buf.length - header;
  if (got !== expected) {
    const what = KIND_OF[magic] === "images" ? "pixels" : KIND_OF[magic] === "labels" ? "labels" : "data";
    const problem = got < expected ? "truncated" : `${got - expected} bytes of trailing data`;
    throw new Error(
      `${name}: ${problem}: header says ${dims.join("x")} = ${expected} bytes of ${what}, file has ${got}`,
    );
  }
  return { magic, dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, expected) };
}

function checkDim(name: string, what: string, want: number | undefined, got: number): void {
  if (want !== undefined && want !== got)
    throw new Error(`${name}: wrong dimensions: expected ${want} ${what}, got ${got}`);
}

/** Images from an IDX file (magic 2051), gzipped or not. */
export function readIdxImages(path: string, expect: IdxExpect = {}): IdxImages {
  return parseIdxImages(readMaybeGzip(path), path, expect);
}

export function parseIdxImages(buffer: Uint8Array, name: string, expect: IdxExpect = {}): IdxImages {
  const { dims, data } = parseIdx(buffer, name, "images");
  const [count, rows, cols] = dims as [number, number, number];
  checkDim(name, "images", expect.count, count);
  if ((expect.rows !== undefined && expect.rows !== rows) || (expect.cols !== undefined && expect.cols !== cols)) {
    throw new Error(
      `${name}: wrong dimensions: expected ${expect.rows ?? rows}x${expect.cols ?? cols} images, got ${rows}x${cols}`,
    );
  }
  return { images: data, count, rows, cols };
}

/** Labels from an IDX file (magic 2049), gzipped or not. */
export function readIdxLabels(path: string, expect: { count?: number } = {}): Uint8Array {
  return parseIdxLabels(readMaybeGzip(path), path, expect);
}

export function parseIdxLabels(buffer: Uint8Array, name: string, expect: { count?: number } = {}): Uint8Array {
  const { dims, data } = parseIdx(buffer, name, "labels");
  checkDim(name, "labels", expect.count, dims[0]!);
  return data;
}

/** Encodes unsigned bytes as IDX (1 dimension: labels, 3: images). Used to build test files. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length === 0 || dims.length > 255)
    throw new Error(`encodeIdx: need 1 to 255 dimensions, got ${dims.length}`);
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length)
    throw new Error(`encodeIdx: dimensions ${dims.join("x")} need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
