import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readMaybeGzip } from "./files";

/** CIFAR-10 binary version: records of 1 label byte and 3072 pixel bytes (1024 R, 1024 G, 1024 B). */
export const CIFAR_RECORD = 3073;
export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

export function readCifarBatch(path: string): { images: Uint8Array; labels: Uint8Array; count: number } {
  const buf = readMaybeGzip(path);
  if (buf.length === 0 || buf.length % CIFAR_RECORD !== 0) {
    const whole = Math.floor(buf.length / CIFAR_RECORD);
    throw new Error(`${path}: size ${buf.length} is not a whole number of ${CIFAR_RECORD}-byte records (${whole} records and ${buf.length - whole * CIFAR_RECORD} bytes left over: truncated?)`);
  }
  const count = buf.length / CIFAR_RECORD;
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const label = buf[r * CIFAR_RECORD]!;
    if (label > 9) throw new Error(`${path}: record ${r} has label ${label}, expected 0..9 (not a CIFAR-10 batch?)`);
    labels[r] = label;
    images.set(buf.subarray(r * CIFAR_RECORD + 1, (r + 1) * CIFAR_RECORD), r * 3072);
  }
  return { images, labels, count };
}

export function cifarBatchFiles(split: "train" | "test"): string[] {
  return split === "train" ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
}

/** Class names from batches.meta.txt when present, else the standard list. */
export function cifarClassNames(dir: string): string[] {
  const meta = join(dir, "batches.meta.txt");
  if (!existsSync(meta)) return [...CIFAR10_CLASSES];
  const names = readFileSync(meta, "utf8").split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== 10) throw new Error(`${meta}: expected 10 class names, found ${names.length}`);
  return names;
}
