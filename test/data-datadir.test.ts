import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  DATASET_LAYOUT,
  DEBIAN_FASHION_MNIST,
  dataDirPlaces,
  datasetFile,
  datasetPlaces,
  downloadCommand,
  findDataset,
  repoRoot,
  resolveDataDir,
  type DatasetName,
} from "../lib/data/datadir";

const tmp = mkdtempSync(join(tmpdir(), "tsdl-datadir-"));
/** A data directory holding empty placeholder files for the given datasets (the layout is all findDataset checks). */
function dataDir(name: string, datasets: DatasetName[], opts: { gunzipped?: boolean } = {}): string {
  const dir = join(tmp, name);
  for (const d of datasets) {
    const folder = join(dir, DATASET_LAYOUT[d].folder);
    mkdirSync(folder, { recursive: true });
    for (const f of DATASET_LAYOUT[d].files)
      writeFileSync(join(folder, opts.gunzipped ? f.replace(/\.gz$/, "") : f), "");
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}
const home = join(tmp, "home");
const REPO = resolve(__dirname, "..");

describe("the data directory", () => {
  it("is searched in order: explicit --dir, $TSDL_DATA, <repo>/data/cache, ~/.cache/tsdl-data", () => {
    const places = dataDirPlaces({ dataDir: "flagdir", env: { TSDL_DATA: "/env/data" }, home });
    expect(places).to.deep.equal([
      { dir: resolve("flagdir"), source: "--dir" },
      { dir: "/env/data", source: "$TSDL_DATA" },
      { dir: join(REPO, "data", "cache"), source: "repository cache" },
      { dir: join(home, ".cache", "tsdl-data"), source: "user cache" },
    ]);
    expect(repoRoot()).to.equal(REPO);
    expect(dataDirPlaces({ env: {}, home }).map((p) => p.source)).to.deep.equal(["repository cache", "user cache"]);
  });

  it("downloads go to the first of: --dir, $TSDL_DATA, <repo>/data/cache", () => {
    expect(resolveDataDir({ dataDir: "/a", env: { TSDL_DATA: "/b" } })).to.equal("/a");
    expect(resolveDataDir({ env: { TSDL_DATA: "/b" } })).to.equal("/b");
    expect(resolveDataDir({ env: {} })).to.equal(join(REPO, "data", "cache"));
  });

  it("findDataset returns the first folder holding every file; --dir wins over $TSDL_DATA", () => {
    const a = dataDir("a", ["mnist", "cifar-10"]);
    const b = dataDir("b", ["mnist", "fashion-mnist"]);
    expect(findDataset("mnist", { dataDir: a, env: { TSDL_DATA: b }, home })).to.equal(join(a, "mnist"));
    expect(findDataset("mnist", { dataDir: b, env: { TSDL_DATA: a }, home })).to.equal(join(b, "mnist"));
    // Falls through to $TSDL_DATA when the explicit directory lacks the dataset.
    expect(findDataset("cifar-10", { dataDir: b, env: { TSDL_DATA: a }, home })).to.equal(
      join(a, "cifar-10-batches-bin"),
    );
    expect(findDataset("fashion-mnist", { env: { TSDL_DATA: b }, home })).to.equal(join(b, "fashion-mnist"));
    // ~/.cache/tsdl-data is the last resort.
    const h = dataDir("h", []);
    dataDir(join("h", ".cache", "tsdl-data"), ["cifar-10"]);
    const repoCopy = join(REPO, "data", "cache", "cifar-10-batches-bin");
    const inRepo = DATASET_LAYOUT["cifar-10"].files.every((f) => existsSync(join(repoCopy, f))); // someone ran the download
    expect(findDataset("cifar-10", { env: {}, home: h })).to.equal(
      inRepo ? repoCopy : join(h, ".cache", "tsdl-data", "cifar-10-batches-bin"),
    );
  });

  it("accepts un-gzipped IDX files under their usual names", () => {
    const raw = dataDir("raw", ["mnist"], { gunzipped: true });
    expect(findDataset("mnist", { dataDir: raw, env: {}, home })).to.equal(join(raw, "mnist"));
    expect(datasetFile(join(raw, "mnist"), "train-images-idx3-ubyte.gz")).to.equal(
      join(raw, "mnist", "train-images-idx3-ubyte"),
    );
    expect(datasetFile(join(raw, "mnist"), "nothing.gz")).to.equal(null);
  });

  it("a missing dataset: the error lists every place looked, what was missing there, and the download command", () => {
    const partial = dataDir("partial", []);
    mkdirSync(join(partial, "cifar-10-batches-bin"));
    writeFileSync(join(partial, "cifar-10-batches-bin", "data_batch_1.bin"), "");
    let message = "";
    try {
      findDataset("cifar-10", { dataDir: partial, env: { TSDL_DATA: join(tmp, "nowhere") }, home });
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).to.equal(`cifar-10 not found; download it with: npm run download -- cifar-10 --dir "${partial}"`);
    expect(lines[1]).to.equal(
      "Looked for data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin in:",
    );
    expect(lines[2]).to.equal(
      `  ${join(partial, "cifar-10-batches-bin")} (--dir): missing data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin`,
    );
    expect(lines[3]).to.equal(`  ${join(tmp, "nowhere", "cifar-10-batches-bin")} ($TSDL_DATA): no such folder`);
    expect(lines[4]).to.match(/^ {2}.*data\/cache\/cifar-10-batches-bin \(repository cache\): /);
    expect(lines[5]).to.equal(
      `  ${join(home, ".cache", "tsdl-data", "cifar-10-batches-bin")} (user cache): no such folder`,
    );
    expect(lines[6]).to.equal(
      `The download goes to ${join(partial, "cifar-10-batches-bin")}. Or set TSDL_DATA to a data directory that has cifar-10-batches-bin/ in it.`,
    );
    expect(downloadCommand("mnist")).to.equal("npm run download -- mnist");
  });

  it("Fashion-MNIST is also looked for in Debian's folder, unless system folders are off", () => {
    expect(datasetPlaces("fashion-mnist", { env: {}, home }).map((p) => p.dir)).to.include(DEBIAN_FASHION_MNIST);
    expect(datasetPlaces("fashion-mnist", { env: {}, home, systemDirs: false }).map((p) => p.dir)).to.not.include(
      DEBIAN_FASHION_MNIST,
    );
    expect(datasetPlaces("mnist", { env: {}, home }).map((p) => p.dir)).to.not.include(DEBIAN_FASHION_MNIST);
    expect(() => findDataset("fashion-mnist", { dataDir: tmp, env: {}, home, systemDirs: false })).to.throw(
      /fashion-mnist not found[\s\S]*Or install Debian's copy: apt-get install dataset-fashion-mnist$/,
    );
    expect(() => findDataset("svhn" as DatasetName, { env: {} })).to.throw(
      'unknown dataset "svhn" (known: mnist, fashion-mnist, cifar-10)',
    );
  });

  it("finds Debian's Fashion-MNIST when the package is installed", function () {
    if (!existsSync(join(DEBIAN_FASHION_MNIST, "train-images-idx3-ubyte.gz"))) {
      console.log(`      (skipped: ${DEBIAN_FASHION_MNIST} is absent; apt-get install dataset-fashion-mnist)`);
      this.skip();
    }
    expect(findDataset("fashion-mnist", { dataDir: dataDir("empty", []), env: {}, home })).to.be.oneOf([
      DEBIAN_FASHION_MNIST,
      join(REPO, "data", "cache", "fashion-mnist"),
    ]);
  });
});
