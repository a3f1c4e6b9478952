import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { cifarClassNames, readCifarBatch } from "../lib/data/cifar";
import { parseCsvDataset, readCsvDataset } from "../lib/data/csv";
import { findDataset } from "../lib/data/datadir";
import { loadCifar10, loadFashionMnist, loadMnist, toDataset } from "../lib/data/datasets";
import { encodeIdx, readIdxImages, readIdxLabels } from "../lib/data/idx";
import { realDataDir } from "./helpers/data-dir";

const dir = mkdtempSync(join(tmpdir(), "tsdl-data-"));
const write = (name: string, data: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe("IDX files", () => {
  const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => i * 10);
  it("reads images and labels, gzipped or not", () => {
    for (const gz of [false, true]) {
      const raw = encodeIdx([3, 2, 4], pixels);
      const p = write(`imgs${gz}.idx`, gz ? gzipSync(raw) : raw);
      const r = readIdxImages(p);
      expect([r.count, r.rows, r.cols]).to.deep.equal([3, 2, 4]);
      expect(Array.from(r.images)).to.deep.equal(Array.from(pixels));
    }
    expect(Array.from(readIdxLabels(write("labels.idx", encodeIdx([3], Uint8Array.of(7, 0, 9)))))).to.deep.equal([7, 0, 9]);
  });

  it("names the file and the problem for wrong magic, truncation and corrupt gzip", () => {
    const labels = write("l.idx", encodeIdx([3], Uint8Array.of(1, 2, 3)));
    expect(() => readIdxImages(labels)).to.throw(/l\.idx: expected magic 2051 \(images\), got 2049/);
    const truncated = write("t.idx", encodeIdx([3, 2, 4], pixels).subarray(0, 30));
    expect(() => readIdxImages(truncated)).to.throw(/t\.idx: truncated: header says 3x2x4 = 24 bytes of data, file has 14/);
    const garbage = write("g.idx", Uint8Array.of(0, 0, 1, 2, 0, 0, 0, 1, 5));
    expect(() => readIdxImages(garbage)).to.throw(/g\.idx: not an IDX file.*got 258/);
    const gz = gzipSync(encodeIdx([3, 2, 4], pixels));
    const cut = write("cut.idx.gz", gz.subarray(0, gz.length - 10));
    expect(() => readIdxImages(cut)).to.throw(/cut\.idx\.gz: corrupt or truncated gzip data/);
    expect(() => readIdxImages(join(dir, "missing.gz"))).to.throw(/missing\.gz: cannot read/);
  });
});

describe("CIFAR-10 binary batches", () => {
  it("reads records and rejects broken files by record", () => {
    const rec = (label: number, v: number): number[] => [label, ...new Array<number>(3072).fill(v)];
    const p = write("b.bin", Uint8Array.from([...rec(3, 1), ...rec(9, 2)]));
    const b = readCifarBatch(p);
    expect(b.count).to.equal(2);
    expect(Array.from(b.labels)).to.deep.equal([3, 9]);
    expect(b.images[3072]).to.equal(2);
    expect(() => readCifarBatch(write("short.bin", Uint8Array.from(rec(3, 1)).subarray(0, 3000)))).to.throw(/short\.bin: size 3000 is not a whole number of 3073-byte records/);
    expect(() => readCifarBatch(write("bad.bin", Uint8Array.from([...rec(3, 1), ...rec(12, 1)])))).to.throw(/bad\.bin: record 1 has label 12/);
    expect(cifarClassNames(dir)[0]).to.equal("airplane");
  });
});

describe("CSV datasets", () => {
  it("reads the MNIST-as-CSV layout and feature CSVs with a named label column", () => {
    const mnistLike = parseCsvDataset("label,1x1,1x2\n5,0,255\n0,12,3\n", "m.csv");
    expect(mnistLike.count).to.equal(2);
    expect(Array.from(mnistLike.labels)).to.deep.equal([5, 0]);
    expect(Array.from(mnistLike.features)).to.deep.equal([0, 255, 12, 3]);
    expect(mnistLike.columnNames).to.deep.equal(["1x1", "1x2"]);
    const feats = readCsvDataset(write("f.csv", "f0,f1,class\n0.5,-1.25e-3,2\n1,2,0\n"), { labelColumn: "class" });
    expect(Array.from(feats.features)).to.deep.equal([0.5, -0.00125, 1, 2]);
    expect(Array.from(feats.labels)).to.deep.equal([2, 0]);
    const noHeader = parseCsvDataset("1,0.1,0.2\n0,0.3,0.4", "n.csv");
    expect(noHeader.count).to.equal(2);
  });

  it("names file, line and column for bad cells and ragged rows", () => {
    expect(() => parseCsvDataset("label,a,b\n1,2,x\n", "bad.csv")).to.throw(/bad\.csv: line 2, column 3 \(b\): "x" is not a number/);
    expect(() => parseCsvDataset("label,a,b\n1,2,3\n1,2\n", "rag.csv")).to.throw(/rag\.csv: line 3 has 2 columns, expected 3/);
    expect(() => parseCsvDataset("a,b\n1.5,2\n", "lab.csv")).to.throw(/lab\.csv: line 2: label "1\.5" is not a non-negative integer/);
    expect(() => parseCsvDataset("a,b\n1,2\n", "x.csv", { labelColumn: "y" })).to.throw(/no column named "y"/);
  });
});

describe("the data directory", () => {
  it("lists every place it looked and the download command when a dataset is missing", () => {
    expect(() => findDataset("cifar-10", { dataDir: dir, env: {} })).to.throw(/cifar-10 not found[\s\S]*tsdl-data-[\s\S]*npm run download -- cifar-10/);
  });
});

describe("real datasets (from the data directory)", function () {
  this.timeout(60000);
  const real = realDataDir();
  before(function () {
    if (real === null) {
      console.log("    (skipped: no real data directory; set TSDL_DATA)");
      this.skip();
    }
  });

  it("MNIST: counts, first labels and per-digit counts", () => {
    const train = loadMnist("train", { dataDir: real! });
    expect([train.count, train.height, train.width, train.channels]).to.deep.equal([60000, 28, 28, 1]);
    expect(Array.from(train.labels.subarray(0, 10))).to.deep.equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    const counts = new Array<number>(10).fill(0);
    for (const l of train.labels) counts[l]!++;
    expect(counts).to.deep.equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const test = loadMnist("test", { dataDir: real! });
    expect(test.count).to.equal(10000);
    const d = toDataset(test, { flatten: true, limit: 100 });
    expect(d.x.shape).to.deep.equal([100, 784]);
    expect(d.x.maxAll()).to.equal(1);
    expect(d.x.minAll()).to.equal(0);
  });

  it("CIFAR-10: counts, first labels, class names", () => {
    const test = loadCifar10("test", { dataDir: real! });
    expect([test.count, test.channels, test.height, test.width]).to.deep.equal([10000, 3, 32, 32]);
    expect(Array.from(test.labels.subarray(0, 10))).to.deep.equal([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    expect(test.classNames[3]).to.equal("cat");
    const train = loadCifar10("train", { dataDir: real! });
    expect(train.count).to.equal(50000);
    expect(Array.from(train.labels.subarray(0, 10))).to.deep.equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  });

  it("Fashion-MNIST from Debian's package when installed", function () {
    let fashion;
    try {
      fashion = loadFashionMnist("test", { dataDir: real!, env: {} });
    } catch (e) {
      console.log(`    (skipped: ${(e as Error).message.split("\n")[0]}; apt-get install dataset-fashion-mnist)`);
      this.skip();
    }
    expect(fashion.count).to.equal(10000);
    expect(fashion.classNames[9]).to.equal("Ankle boot");
    const counts = new Array<number>(10).fill(0);
    for (const l of fashion.labels) counts[l]!++;
    expect(counts).to.deep.equal(new Array<number>(10).fill(1000));
  });
});
