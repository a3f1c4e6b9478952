import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DEBIAN_FASHION_MNIST } from "../lib/data/datadir";
import {
  FASHION_MNIST_CLASSES,
  loadCifar10,
  loadFashionMnist,
  loadMnist,
  toDataset,
  type RawImageDataset,
} from "../lib/data/datasets";
import { encodeIdx } from "../lib/data/idx";
import { realDataDir } from "./helpers/data-dir";

const tmp = mkdtempSync(join(tmpdir(), "tsdl-datasets-"));
const home = join(tmp, "home");

/** A data directory with a tiny MNIST-layout dataset: n images of rows x cols, label i % 10. */
function fakeIdxDir(name: string, folder: string, opts: { n?: number; rows?: number; labels?: number[] } = {}): string {
  const n = opts.n ?? 3;
  const rows = opts.rows ?? 28;
  const dir = join(tmp, name);
  mkdirSync(join(dir, folder), { recursive: true });
  for (const prefix of ["train", "t10k"]) {
    const pixels = Uint8Array.from({ length: n * rows * 28 }, (_, i) => i % 256);
    writeFileSync(join(dir, folder, `${prefix}-images-idx3-ubyte.gz`), gzipSync(encodeIdx([n, rows, 28], pixels)));
    const labels = opts.labels ?? Array.from({ length: n }, (_, i) => i % 10);
    writeFileSync(
      join(dir, folder, `${prefix}-labels-idx1-ubyte.gz`),
      gzipSync(encodeIdx([labels.length], Uint8Array.from(labels))),
    );
  }
  return dir;
}

function labelCounts(d: RawImageDataset): number[] {
  const counts = new Array<number>(d.classNames.length).fill(0);
  for (const l of d.labels) counts[l]!++;
  return counts;
}

describe("dataset loaders (generated files)", () => {
  it("loadMnist and loadFashionMnist return one RawImageDataset shape, found through the data directory", () => {
    const dir = fakeIdxDir("ok", "mnist");
    fakeIdxDir("ok", "fashion-mnist");
    const m = loadMnist("train", { dataDir: dir, env: {}, home });
    expect([m.count, m.channels, m.height, m.width, m.images.length]).to.deep.equal([3, 1, 28, 28, 3 * 784]);
    expect(Array.from(m.labels)).to.deep.equal([0, 1, 2]);
    expect(m.classNames).to.deep.equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    const f = loadFashionMnist("test", { env: { TSDL_DATA: dir }, home, systemDirs: false });
    expect(f.classNames).to.deep.equal([...FASHION_MNIST_CLASSES]);
    expect(Object.keys(f).sort()).to.deep.equal(Object.keys(m).sort());
  });

  it("checks that the images are 28x28 and that labels match the images", () => {
    const wide = fakeIdxDir("wide", "mnist", { rows: 32 });
    expect(() => loadMnist("train", { dataDir: wide, env: {}, home })).to.throw(
      /train-images-idx3-ubyte\.gz: wrong dimensions: expected 28x28 images, got 32x28/,
    );
    const fewer = fakeIdxDir("fewer", "mnist", { labels: [1, 2] });
    expect(() => loadMnist("test", { dataDir: fewer, env: {}, home })).to.throw(
      /t10k-labels-idx1-ubyte\.gz: wrong dimensions: expected 3 labels \(one per image in .*t10k-images-idx3-ubyte\.gz\), got 2/,
    );
    const big = fakeIdxDir("big", "mnist", { labels: [1, 12, 3] });
    expect(() => loadMnist("train", { dataDir: big, env: {}, home })).to.throw(
      /train-labels-idx1-ubyte\.gz: label 1 is 12, expected 0\.\.9/,
    );
  });

  it("toDataset scales bytes to [0, 1] as an [N, C, H, W] or flattened tensor", () => {
    const m = loadMnist("train", { dataDir: join(tmp, "ok"), env: {}, home });
    const d = toDataset(m, { flatten: true, limit: 2 });
    expect(d.x.shape).to.deep.equal([2, 784]);
    expect(d.x.data[255]).to.equal(1);
    expect(Array.from(d.y)).to.deep.equal([0, 1]);
    expect(toDataset(m).x.shape).to.deep.equal([3, 1, 28, 28]);
  });
});

describe("dataset loaders (real data)", function () {
  const real = realDataDir();
  before(function () {
    if (real === null) {
      console.log(
        "      (skipped: no real data directory; set TSDL_DATA to one with mnist/ and cifar-10-batches-bin/)",
      );
      this.skip();
    }
  });

  it("MNIST through TSDL_DATA: 60000 + 10000, first labels, per-digit counts", () => {
    const train = loadMnist("train", { env: { TSDL_DATA: real! }, home });
    expect([train.count, train.channels, train.height, train.width]).to.deep.equal([60000, 1, 28, 28]);
    expect(Array.from(train.labels.subarray(0, 10))).to.deep.equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(labelCounts(train)).to.deep.equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const test = loadMnist("test", { dataDir: real!, env: {}, home });
    expect(test.count).to.equal(10000);
    expect(labelCounts(test)).to.deep.equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it("CIFAR-10 through TSDL_DATA: 50000 + 10000, first labels, class names", function () {
    if (!existsSync(join(real!, "cifar-10-batches-bin"))) this.skip();
    const train = loadCifar10("train", { env: { TSDL_DATA: real! }, home });
    expect([train.count, train.channels, train.height, train.width, train.images.length]).to.deep.equal([
      50000,
      3,
      32,
      32,
      50000 * 3072,
    ]);
    expect(Array.from(train.labels.subarray(0, 10))).to.deep.equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(train.classNames[6]).to.equal("frog");
    const test = loadCifar10("test", { dataDir: real!, env: {}, home });
    expect(Array.from(test.labels.subarray(0, 10))).to.deep.equal([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    expect(labelCounts(test)).to.deep.equal(new Array<number>(10).fill(1000));
  });
});

describe("dataset loaders: Fashion-MNIST from Debian's package", function () {
  before(function () {
    if (!existsSync(join(DEBIAN_FASHION_MNIST, "t10k-labels-idx1-ubyte.gz"))) {
      console.log(`      (skipped: ${DEBIAN_FASHION_MNIST} is absent; apt-get install dataset-fashion-mnist)`);
      this.skip();
    }
  });

  it("60000 + 10000 images, balanced classes, first labels 9 0 0 3 0 2 7 2 5 5 (train) and 9 2 1 1 6 1 4 6 5 7 (test)", () => {
    // An empty data directory, so the Debian folder is the one found (unless data/cache has a copy, which is equivalent).
    const opts = { dataDir: join(tmp, "no-data"), env: {}, home };
    const train = loadFashionMnist("train", opts);
    expect([train.count, train.height, train.width]).to.deep.equal([60000, 28, 28]);
    expect(Array.from(train.labels.subarray(0, 10))).to.deep.equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(labelCounts(train)).to.deep.equal(new Array<number>(10).fill(6000));
    const test = loadFashionMnist("test", opts);
    expect(Array.from(test.labels.subarray(0, 10))).to.deep.equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    expect(labelCounts(test)).to.deep.equal(new Array<number>(10).fill(1000));
    expect(test.classNames[9]).to.equal("Ankle boot");
  });
});
