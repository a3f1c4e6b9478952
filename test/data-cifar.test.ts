import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CIFAR10_CLASSES, cifarClassNames, loadCifar10, parseCifarBatch, readCifarBatch } from "../lib/data/cifar";
import { realDataDir } from "./helpers/data-dir";

const tmp = mkdtempSync(join(tmpdir(), "tsdl-cifar-"));
const write = (name: string, data: Uint8Array | string): string => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};
/** One record: a label byte, then R, G and B planes filled with r, g, b. */
const record = (label: number, r: number, g = r, b = r): number[] => [
  label,
  ...new Array<number>(1024).fill(r),
  ...new Array<number>(1024).fill(g),
  ...new Array<number>(1024).fill(b),
];
const real = realDataDir();
const CIFAR = join(real ?? "/nonexistent", "cifar-10-batches-bin");

describe("CIFAR-10 binary batches (generated)", () => {
  it("splits records into labels and CHW images, gzipped or not", () => {
    const bytes = Uint8Array.from([...record(3, 1, 2, 3), ...record(9, 4, 5, 6)]);
    for (const p of [write("b.bin", bytes), write("b.bin.gz", gzipSync(bytes))]) {
      const b = readCifarBatch(p);
      expect(b.count).to.equal(2);
      expect(Array.from(b.labels)).to.deep.equal([3, 9]);
      expect(b.images.length).to.equal(2 * 3072);
      expect([b.images[0], b.images[1024], b.images[2048], b.images[3072], b.images[3072 + 2047]]).to.deep.equal([
        1, 2, 3, 4, 5,
      ]);
    }
  });

  it("a size that is not a multiple of 3073 names the file and the incomplete record", () => {
    const short = write("short.bin", Uint8Array.from([...record(3, 1), ...record(4, 1)]).subarray(0, 3073 + 3000));
    expect(() => readCifarBatch(short)).to.throw(
      `${short}: size 6073 is not a multiple of 3073 (1 label + 3072 pixels): record 1 is incomplete, 3000 of 3073 bytes (truncated file?)`,
    );
    expect(() => readCifarBatch(write("empty.bin", new Uint8Array(0)))).to.throw(
      /empty\.bin: empty file, expected records of 3073 bytes/,
    );
    expect(() => readCifarBatch(join(tmp, "missing.bin"))).to.throw(/missing\.bin: cannot read: ENOENT/);
  });

  it("a label above 9 names the file, the record and its byte offset", () => {
    const bad = write("bad.bin", Uint8Array.from([...record(3, 1), ...record(1, 1), ...record(12, 1)]));
    expect(() => readCifarBatch(bad)).to.throw(
      `${bad}: record 2 (byte 6146) has label 12, expected 0..9 (not a CIFAR-10 binary batch?)`,
    );
    expect(() => parseCifarBatch(Uint8Array.from(record(10, 0)), "mem")).to.throw(
      /^mem: record 0 \(byte 0\) has label 10/,
    );
  });

  it("class names come from batches.meta.txt, else the standard list; a bad meta file is named", () => {
    expect(cifarClassNames(tmp)).to.deep.equal([...CIFAR10_CLASSES]);
    const withMeta = join(tmp, "with-meta");
    mkdirSync(withMeta);
    writeFileSync(join(withMeta, "batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
    expect(cifarClassNames(withMeta)).to.deep.equal(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
    const badMeta = join(tmp, "bad-meta");
    mkdirSync(badMeta);
    writeFileSync(join(badMeta, "batches.meta.txt"), "a\r\nb\r\n");
    expect(() => cifarClassNames(badMeta)).to.throw(
      `${join(badMeta, "batches.meta.txt")}: expected 10 class names, one per line, found 2`,
    );
  });

  it("loadCifar10(dir, split) concatenates data_batch_1..5 in order", () => {
    const dir = join(tmp, "five");
    mkdirSync(dir);
    for (let i = 1; i <= 5; i++)
      writeFileSync(
        join(dir, `data_batch_${i}.bin`),
        Uint8Array.from([...record(i, i * 10), ...record(i - 1, i * 10 + 1)]),
      );
    writeFileSync(join(dir, "test_batch.bin"), Uint8Array.from(record(7, 70)));
    const train = loadCifar10(dir, "train");
    expect([train.count, train.channels, train.height, train.width]).to.deep.equal([10, 3, 32, 32]);
    expect(Array.from(train.labels)).to.deep.equal([1, 0, 2, 1, 3, 2, 4, 3, 5, 4]);
    expect(Array.from({ length: 10 }, (_, i) => train.images[i * 3072])).to.deep.equal([
      10, 11, 20, 21, 30, 31, 40, 41, 50, 51,
    ]);
    expect(train.classNames).to.deep.equal([...CIFAR10_CLASSES]);
    const test = loadCifar10(dir, "test");
    expect([test.count, test.labels[0], test.images[3071]]).to.deep.equal([1, 7, 70]);
  });
});

describe("CIFAR-10: the real batches", function () {
  before(function () {
    if (!existsSync(join(CIFAR, "test_batch.bin"))) {
      console.log(
        `      (skipped: no CIFAR-10 in ${real === null ? "$TSDL_DATA or ../shared/data" : CIFAR}; set TSDL_DATA to a data directory with cifar-10-batches-bin/)`,
      );
      this.skip();
    }
  });

  it("data_batch_1..5: 10000 records each, first labels, per-batch label counts from the README", () => {
    const expected: Record<string, number[]> = {
      data_batch_1: [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981],
      data_batch_2: [984, 1007, 1010, 995, 1010, 988, 1008, 1026, 987, 985],
      data_batch_3: [994, 1042, 965, 997, 990, 1029, 978, 1015, 961, 1029],
      data_batch_4: [1003, 963, 1041, 976, 1004, 1021, 1004, 981, 1024, 983],
      data_batch_5: [1014, 1014, 952, 1016, 997, 1025, 980, 977, 1003, 1022],
    };
    for (const [name, want] of Object.entries(expected)) {
      const b = readCifarBatch(join(CIFAR, `${name}.bin`));
      expect(b.count, name).to.equal(10000);
      const counts = new Array<number>(10).fill(0);
      for (const l of b.labels) counts[l]!++;
      expect(counts, name).to.deep.equal(want);
      if (name === "data_batch_1")
        expect(Array.from(b.labels.subarray(0, 10))).to.deep.equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    }
  });

  it("loadCifar10: train 50000 (5000 per class), test 10000 (1000 per class), names from batches.meta.txt", () => {
    const train = loadCifar10(CIFAR, "train");
    expect(train.count).to.equal(50000);
    expect(Array.from(train.labels.subarray(0, 10))).to.deep.equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(Array.from(train.labels.subarray(10000, 10001))).to.deep.equal([
      readCifarBatch(join(CIFAR, "data_batch_2.bin")).labels[0],
    ]);
    const perClass = new Array<number>(10).fill(0);
    for (const l of train.labels) perClass[l]!++;
    expect(perClass).to.deep.equal(new Array<number>(10).fill(5000));
    const test = loadCifar10(CIFAR, "test");
    expect(test.count).to.equal(10000);
    expect(Array.from(test.labels.subarray(0, 10))).to.deep.equal([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    expect(test.classNames).to.deep.equal([
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
    ]);
    // Natural photos: every channel uses most of 0..255 and its mean is mid-grey-ish.
    for (let ch = 0; ch < 3; ch++) {
      const plane = test.images.subarray(ch * 1024, (ch + 1) * 1024);
      const mean = plane.reduce((a, b) => a + b, 0) / 1024;
      expect(mean, `channel ${ch}`).to.be.within(30, 225);
    }
  });
});
