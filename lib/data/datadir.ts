import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export type DatasetName = "mnist" | "fashion-mnist" | "cifar-10";

/** Files that must be present for each dataset, and its folder name inside a data directory. */
export const DATASET_FILES: Record<DatasetName, { folder: string; files: string[] }> = {
  mnist: {
    folder: "mnist",
    files: ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
  },
  "fashion-mnist": {
    folder: "fashion-mnist",
    files: ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
  },
  "cifar-10": {
    folder: "cifar-10-batches-bin",
    files: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
  },
};

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

export const DATA_ENV = "TSDL_DATA";

export interface DataDirOptions {
  /** An explicit data directory (from a --data-dir flag); wins over everything else. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** The repository's own cache folder (data/cache beside lib/). */
export function repoCacheDir(): string {
  return resolve(__dirname, "..", "..", "data", "cache");
}

/** Candidate data directories, in the order they are searched: flag, $TSDL_DATA, data/cache, ~/.cache/tsdl-data. */
export function dataDirCandidates(opts: DataDirOptions = {}): string[] {
  const env = opts.env ?? process.env;
  const out: string[] = [];
  if (opts.dataDir) out.push(resolve(opts.dataDir));
  if (env[DATA_ENV]) out.push(resolve(env[DATA_ENV]!));
  out.push(repoCacheDir(), join(homedir(), ".cache", "tsdl-data"));
  return out;
}

/** The directory downloads go to: the flag, else $TSDL_DATA, else data/cache. */
export function downloadDir(opts: DataDirOptions = {}): string {
  return dataDirCandidates(opts)[0]!;
}

/** The folder holding every file of a dataset, or an error listing each place looked and how to get it. */
export function findDataset(name: DatasetName, opts: DataDirOptions = {}): string {
  const spec = DATASET_FILES[name];
  if (spec === undefined) throw new Error(`findDataset: unknown dataset "${name}" (known: ${Object.keys(DATASET_FILES).join(", ")})`);
  const places = dataDirCandidates(opts).map((d) => join(d, spec.folder));
  if (name === "fashion-mnist") places.push(DEBIAN_FASHION_MNIST);
  for (const dir of places) {
    if (spec.files.every((f) => existsSync(join(dir, f)))) return dir;
  }
  const hint = name === "fashion-mnist" ? ", or apt-get install dataset-fashion-mnist" : "";
  throw new Error(
    `${name} not found. Looked for ${spec.files.join(", ")} in:\n` +
      places.map((p) => `  ${p}`).join("\n") +
      `\nDownload it with: npm run download -- ${name}${hint}; or set ${DATA_ENV} to a data directory that has ${spec.folder}/.`,
  );
}
