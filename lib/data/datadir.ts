import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

export type DatasetName = "mnist" | "fashion-mnist" | "cifar-10";
export const DATASET_NAMES: readonly DatasetName[] = ["mnist", "fashion-mnist", "cifar-10"];

const IDX_FILES = [
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
];

/** Each dataset's folder inside a data directory and the files it needs (the official file names). */
export const DATASET_LAYOUT: Record<DatasetName, { folder: string; files: readonly string[] }> = {
  mnist: { folder: "mnist", files: IDX_FILES },
  "fashion-mnist": { folder: "fashion-mnist", files: IDX_FILES },
  "cifar-10": {
    folder: "cifar-10-batches-bin",
    files: [
      "data_batch_1.bin",
      "data_batch_2.bin",
      "data_batch_3.bin",
      "data_batch_4.bin",
      "data_batch_5.bin",
      "test_batch.bin",
    ],
  },
};

/** Where Debian's dataset-fashion-mnist package installs the four gz files. */
export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";
export const DATA_ENV = "TSDL_DATA";

export interface DataDirOptions {
  /** A data directory given explicitly (a --dir or --data-dir flag): searched first, and downloads go there. */
  dataDir?: string;
  /** Environment to read TSDL_DATA from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Home directory for ~/.cache/tsdl-data (default os.homedir()). */
  home?: string;
  /** Also look in system folders such as Debian's /usr/share/datasets (default true). */
  systemDirs?: boolean;
}

export interface Place {
  dir: string;
  /** Why this place is searched, for error messages. */
  source: string;
}

/**
 * The repository root: the folder above lib/ that holds package.json. Falls back to the working
 * directory, since a notebook kernel may compile lib/ somewhere else.
 */
export function repoRoot(): string {
  const fromHere = resolve(__dirname, "..", "..");
  if (existsSync(join(fromHere, "package.json")) && existsSync(join(fromHere, "lib", "data"))) return fromHere;
  for (let d = process.cwd(); ; d = dirname(d)) {
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "lib", "data"))) return d;
    if (dirname(d) === d) return process.cwd();
  }
}

/** Data directories in search order: explicit flag, $TSDL_DATA, <repo>/data/cache, ~/.cache/tsdl-data. */
export function dataDirPlaces(opts: DataDirOptions = {}): Place[] {
  const env = opts.env ?? process.env;
  const places: Place[] = [];
  if (opts.dataDir) places.push({ dir: resolve(opts.dataDir), source: "--dir" });
  const fromEnv = env[DATA_ENV];
  if (fromEnv) places.push({ dir: resolve(fromEnv), source: `$${DATA_ENV}` });
  places.push({ dir: join(repoRoot(), "data", "cache"), source: "repository cache" });
  places.push({ dir: join(opts.home ?? homedir(), ".cache", "tsdl-data"), source: "user cache" });
  return places;
}

export function dataDirCandidates(opts: DataDirOptions = {}): string[] {
  return dataDirPlaces(opts).map((p) => p.dir);
}

/** The data directory downloads go to: the flag, else $TSDL_DATA, else <repo>/data/cache. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  return dataDirPlaces(opts)[0]!.dir;
}

/** Folders that may hold a dataset, in search order. */
export function datasetPlaces(name: DatasetName, opts: DataDirOptions = {}): Place[] {
  const layout = DATASET_LAYOUT[name];
  if (layout === undefined) throw new Error(`unknown dataset "${String(name)}" (known: ${DATASET_NAMES.join(", ")})`);
  const places = dataDirPlaces(opts).map((p) => ({ dir: join(p.dir, layout.folder), source: p.source }));
  if (name === "fashion-mnist" && opts.systemDirs !== false)
    places.push({ dir: DEBIAN_FASHION_MNIST, source: "apt-get install dataset-fashion-mnist" });
  return places;
}

/** The path of `file` in `dir`, also accepting the un-gzipped name of a .gz file; null when absent. */
export function datasetFile(dir: string, file: string): string | null {
  for (const candidate of file.endsWith(".gz") ? [file, file.slice(0, -3)] : [file]) {
    const p = join(dir, candidate);
    if (existsSync(p)) return p;
  }
  return null;
}

/** The shell command that downloads a dataset (into `dir` when one was given explicitly); it runs anywhere in the kit. */
export function downloadCommand(name: DatasetName, dir?: string): string {
  return `npm run download -- ${name}${dir === undefined ? "" : ` --dir ${JSON.stringify(resolve(dir))}`}`;
}

/**
 * The folder holding every file of a dataset. When none does, the error lists every place looked
 * (and what was missing there) and the command that downloads the dataset.
 */
export function findDataset(name: DatasetName, opts: DataDirOptions = {}): string {
  const layout = DATASET_LAYOUT[name];
  const places = datasetPlaces(name, opts);
  const report: string[] = [];
  for (const place of places) {
    const isDir = existsSync(place.dir) && statSync(place.dir).isDirectory();
    const missing = isDir ? layout.files.filter((f) => datasetFile(place.dir, f) === null) : [];
    if (isDir && missing.length === 0) return place.dir;
    const why = isDir ? `missing ${missing.join(", ")}` : "no such folder";
    report.push(`  ${place.dir} (${place.source}): ${why}`);
  }
  const command = downloadCommand(name, opts.dataDir);
  const apt = name === "fashion-mnist" ? "\nOr install Debian's copy: apt-get install dataset-fashion-mnist" : "";
  throw new Error(
    `${name} not found; download it with: ${command}\n` +
      `Looked for ${layout.files.join(", ")} in:\n${report.join("\n")}\n` +
      `The download goes to ${join(resolveDataDir(opts), layout.folder)}. ` +
      `Or set ${DATA_ENV} to a data directory that has ${layout.folder}/ in it.${apt}`,
  );
}
