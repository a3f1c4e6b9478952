import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readMaybeGzip } from "./files";
import type { RawImageDataset, Split } from "./types";

/*
 * CIFAR-10, binary version: each batch file is a run of 3073-byte records, 1 label byte (0..9)
 * then a 32x32 image as 1024 R, 1024 G and 1024 B bytes (CHW, rows top to bottom).
 */
export const CIFAR_IMAGE_BYTES = 3072;
export const CIFAR_RECORD_BYTES = 3073;
/** The standard class names, used when batches.meta.txt is missing. */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

export interface CifarBatch {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Splits a batch buffer into images and labels. `name` (usually the path) starts every error. */
export function parseCifarBatch(buf: Uint8Array, name: string): CifarBatch {
  if (buf.length === 0)
    throw new Error(
      `${name}: empty file, expected records of ${CIFAR_RECORD_BYTES} bytes (1 label + ${CIFAR_IMAGE_BYTES} pixels)`,
    );
  const whole = Math.floor(buf.length / CIFAR_RECORD_BYTES);
  const extra = buf.length - whole * CIFAR_RECORD_BYTES;
  if (extra !== 0) {
    throw new Error(
      `${name}: size ${buf.length} is not a multiple of ${CIFAR_RECORD_BYTES} (1 label + ${CIFAR_IMAGE_BYTES} pixels): record ${whole} is incomplete, ${extra} of ${CIFAR_RECORD_BYTES} bytes (truncated file?)`,
    );
  }
  const images = new Uint8Array(whole * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(whole);
  for (let r = 0; r < whole; r++) {
    const at = r * CIFAR_RECORD_BYTES;
    const label = buf[at]!;
    // A label above 9 means a CIFAR-100 file (2 label bytes) or misaligned data: stop before training on it.
    if (label > 9)
      throw new Error(
        `${name}: record ${r} (byte ${at}) has label ${label}, expected 0..9 (not a CIFAR-10 binary batch?)`,
      );
    labels[r] = label;
    images.set(buf.subarray(at + 1, at + CIFAR_RECORD_BYTES), r * CIFAR_IMAGE_BYTES);
  }
  return { images, labels, count: whole };
}

/** Reads one batch file (gzipped or not). */
export function readCifarBatch(path: string): CifarBatch {
  return parseCifarBatch(readMaybeGzip(path), path);
}

export function cifarBatchFiles(split: Split): string[] {
  return split === "train" ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
}

/** Class names from `dir`/batches.meta.txt (one per line), else the standard list. */
export function cifarClassNames(dir: string): string[] {
  const meta = join(dir, "batches.meta.txt");
  if (!existsSync(meta)) return [...CIFAR10_CLASSES];
  const names = readFileSync(meta, "utf8")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== 10) throw new Error(`${meta}: expected 10 class names, one per line, found ${names.length}`);
  return names;
}

/** Loads a split from a cifar-10-batches-bin folder, concatenating the batches in order. */
export function loadCifar10(dir: string, split: Split): RawImageDataset {
  const batches = cifarBatchFiles(split).map((f) => readCifarBatch(join(dir, f)));
  const count = batches.reduce((n, b) => n + b.count, 0);
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const b of batches) {
    images.set(b.images, offset * CIFAR_IMAGE_BYTES);
    labels.set(b.labels, offset);
    offset += b.count;
  }
  return { images, labels, count, channels: 3, height: 32, width: 32, classNames: cifarClassNames(dir) };
}
