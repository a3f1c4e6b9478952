import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Checksums } from "./checksum";
import { repoRoot, type DatasetName } from "./datadir";

/** Where a dataset comes from: mirrors (base URLs, tried in order) and the checksum of each file. */
export interface SourceSpec {
  /** Folder inside the data directory. */
  folder: string;
  mirrors: string[];
  /** Files downloaded one by one, by name relative to a mirror. */
  files?: Record<string, Checksums>;
  /** Or one archive whose `members` (paths relative to the data directory) are extracted. */
  archive?: Checksums & { name: string; members: string[] };
  homepage?: string;
}

export type Sources = Partial<Record<DatasetName, SourceSpec>>;

/** The table the library ships beside this module: every dataset's mirrors and checksums. */
const SOURCES_FILE = join("lib", "data", "sources.json");

/** Reads a dataset table (default: lib/data/sources.json in the kit). */
export function loadSources(path = join(repoRoot(), SOURCES_FILE)): Sources {
  let parsed: { datasets?: Sources };
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as { datasets?: Sources };
  } catch (e) {
    throw new Error(`${path}: cannot read the download sources: ${(e as Error).message}`);
  }
  if (parsed.datasets === undefined) throw new Error(`${path}: expected an object with a "datasets" key`);
  return parsed.datasets;
}
