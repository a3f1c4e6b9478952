import { expect } from "chai";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx, parseIdx, parseIdxImages, readIdxImages, readIdxLabels } from "../lib/data/idx";
import { realDataDir } from "./helpers/data-dir";

const tmp = mkdtempSync(join(tmpdir(), "tsdl-idx-"));
const write = (name: string, data: Uint8Array): string => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};
const real = realDataDir();
const MNIST = join(real ?? "/nonexistent", "mnist");

describe("IDX files (generated)", () => {
  const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => i * 10);
  const raw = encodeIdx([3, 2, 4], pixels);

  it("writes the header the format specifies: 00 00 08 03, then big-endian dimensions", () => {
    expect(Array.from(raw.subarray(0, 16))).to.deep.equal([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4]);
    expect(parseIdx(raw, "x").magic).to.equal(2051);
    expect(parseIdx(encodeIdx([2], Uint8Array.of(1, 2)), "x").magic).to.equal(2049);
  });

  it("reads images and labels from plain and gzipped files (gzip found by its magic bytes, not the name)", () => {
    for (const [name, data] of [
      ["plain.idx", raw],
      ["gz-without-suffix.idx", gzipSync(raw)],
      ["x.gz", gzipSync(raw)],
    ] as const) {
      const r = readIdxImages(write(name, data));
      expect([r.count, r.rows, r.cols], name).to.deep.equal([3, 2, 4]);
      expect(Array.from(r.images), name).to.deep.equal(Array.from(pixels));
    }
    const labels = readIdxLabels(write("labels.idx.gz", gzipSync(encodeIdx([3], Uint8Array.of(7, 0, 9)))));
    expect(Array.from(labels)).to.deep.equal([7, 0, 9]);
  });

  it("returns plain Uint8Arrays whose slice() copies (a Node Buffer's would not)", () => {
    const r = readIdxImages(write("plain2.idx", raw));
    expect(Object.getPrototypeOf(r.images)).to.equal(Uint8Array.prototype);
    const s = r.images.slice(0, 2);
    s[0] = 255;
    expect(r.images[0]).to.equal(0);
  });

  it("wrong magic: names the file, the expected and the actual magic", () => {
    const labels = write("train-labels.idx", encodeIdx([3], Uint8Array.of(1, 2, 3)));
    expect(() => readIdxImages(labels)).to.throw(`${labels}: expected magic 2051 (images), got 2049 (labels)`);
    const images = write("imgs.idx", raw);
    expect(() => readIdxLabels(images)).to.throw(`${images}: expected magic 2049 (labels), got 2051 (images)`);
    const png = write("picture.png", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0));
    expect(() => readIdxImages(png)).to.throw(`${png}: expected magic 2051 (images), got 2303741511 (0x89504e47)`);
    expect(() => parseIdx(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0), "p.png")).to.throw(
      /p\.png: not an IDX file: expected magic 2051 \(images\) or 2049 \(labels\), got 2303741511/,
    );
    expect(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0), "f.idx")).to.throw(
      /f\.idx: IDX value type 0xd is not supported, expected 0x08/,
    );
  });

  it("truncated or oversized data: names the file, the header's dimensions and the bytes present", () => {
    const truncated = write("t.idx", raw.subarray(0, 16 + 10));
    expect(() => readIdxImages(truncated)).to.throw(
      `${truncated}: truncated: header says 3x2x4 = 24 bytes of pixels, file has 10`,
    );
    const long = write("long.idx", Uint8Array.from([...raw, 1, 2]));
    expect(() => readIdxImages(long)).to.throw(
      `${long}: 2 bytes of trailing data: header says 3x2x4 = 24 bytes of pixels, file has 26`,
    );
    const shortLabels = write("l.idx", encodeIdx([5], Uint8Array.of(1, 2, 3, 4, 5)).subarray(0, 10));
    expect(() => readIdxLabels(shortLabels)).to.throw(
      `${shortLabels}: truncated: header says 5 = 5 bytes of labels, file has 2`,
    );
    expect(() => readIdxImages(write("h.idx", raw.subarray(0, 9)))).to.throw(
      /h\.idx: truncated: an IDX header with 3 dimensions needs 16 bytes, file has 9/,
    );
    expect(() => readIdxImages(write("empty.idx", new Uint8Array(0)))).to.throw(
      /empty\.idx: truncated: 0 bytes is too short for an IDX header/,
    );
  });

  it("wrong dimensions: checks rows, cols and count when asked", () => {
    const p = write("dims.idx", raw);
    expect(() => readIdxImages(p, { rows: 28, cols: 28 })).to.throw(
      `${p}: wrong dimensions: expected 28x28 images, got 2x4`,
    );
    expect(() => readIdxImages(p, { count: 60000 })).to.throw(`${p}: wrong dimensions: expected 60000 images, got 3`);
    expect(() => readIdxLabels(write("lab.idx", encodeIdx([2], Uint8Array.of(1, 2))), { count: 3 })).to.throw(
      /lab\.idx: wrong dimensions: expected 3 labels, got 2/,
    );
    expect(parseIdxImages(raw, "ok", { count: 3, rows: 2, cols: 4 }).count).to.equal(3);
  });

  it("corrupt or truncated gzip and missing files: names the file", () => {
    const gz = gzipSync(raw);
    const cut = write("cut.idx.gz", gz.subarray(0, gz.length - 10));
    expect(() => readIdxImages(cut)).to.throw(`${cut}: corrupt or truncated gzip data`);
    const flipped = Buffer.from(gz);
    flipped[12] = flipped[12]! ^ 0xff;
    const bad = write("bad.idx.gz", flipped);
    expect(() => readIdxImages(bad)).to.throw(`${bad}: corrupt or truncated gzip data`);
    expect(() => readIdxImages(join(tmp, "missing.gz"))).to.throw(/missing\.gz: cannot read: ENOENT/);
  });
});

describe("IDX files: the real MNIST", function () {
  before(function () {
    if (!existsSync(join(MNIST, "train-labels-idx1-ubyte.gz"))) {
      console.log(
        `      (skipped: no MNIST in ${real === null ? "$TSDL_DATA or ../shared/data" : MNIST}; set TSDL_DATA to a data directory with mnist/)`,
      );
      this.skip();
    }
  });

  it("train: 60000 28x28 images, first labels 5 0 4 1 9 2 1 3 1 4, per-digit counts from the README", () => {
    const imgs = readIdxImages(join(MNIST, "train-images-idx3-ubyte.gz"), { rows: 28, cols: 28 });
    expect([imgs.count, imgs.rows, imgs.cols, imgs.images.length]).to.deep.equal([60000, 28, 28, 47040000]);
    const labels = readIdxLabels(join(MNIST, "train-labels-idx1-ubyte.gz"), { count: 60000 });
    expect(Array.from(labels.subarray(0, 10))).to.deep.equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    const counts = new Array<number>(10).fill(0);
    for (const l of labels) counts[l]!++;
    expect(counts).to.deep.equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // MNIST digits are centred in a blank 4-pixel frame: the first image's border rows are all 0.
    expect(imgs.images.subarray(0, 28 * 4).every((v) => v === 0)).to.equal(true);
    expect(Math.max(...imgs.images.subarray(0, 784))).to.equal(255);
  });

  it("test: 10000 images, first labels 7 2 1 0 4 1 4 9 5 9, per-digit counts from the README", () => {
    expect(readIdxImages(join(MNIST, "t10k-images-idx3-ubyte.gz")).count).to.equal(10000);
    const labels = readIdxLabels(join(MNIST, "t10k-labels-idx1-ubyte.gz"));
    expect(Array.from(labels.subarray(0, 10))).to.deep.equal([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const counts = new Array<number>(10).fill(0);
    for (const l of labels) counts[l]!++;
    expect(counts).to.deep.equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });
});
