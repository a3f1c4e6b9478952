import { existsSync, mkdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { checksumMismatch, type Checksums } from "./checksum";
import type { DatasetName } from "./datadir";
import { downloadFile, type DownloadOptions } from "./http-download";
import { loadSources, type SourceSpec, type Sources } from "./sources";
import { extractTarGz } from "./tar";

// Re-exported so callers (and the CLI) need only this module.
export { downloadFile, type DownloadOptions } from "./http-download";
export { extractTarGz } from "./tar";
export { loadSources, type SourceSpec, type Sources } from "./sources";

export interface DatasetDownloadOptions extends DownloadOptions {
  /** Dataset table (default: lib/data/sources.json). */
  sources?: Sources;
  /** One line per file: downloaded, present, extracted. */
  log?: (line: string) => void;
}

/** Tries each mirror in turn; the error lists every mirror's failure. */
export async function downloadWithMirrors(
  file: string,
  mirrors: readonly string[],
  dest: string,
  checksums: Checksums,
  opts: DownloadOptions = {},
): Promise<string> {
  const errors: string[] = [];
  for (const mirror of mirrors) {
    const url = new URL(file, mirror.endsWith("/") ? mirror : `${mirror}/`).toString();
    try {
      await downloadFile(url, dest, checksums, opts);
      return url;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`could not download ${file}:\n  ${errors.join("\n  ")}`);
}

/** True when `path` exists and matches its checksums; throws when it exists but does not. */
async function presentAndVerified(path: string, sums: Checksums): Promise<boolean> {
  if (!existsSync(path)) return false;
  const bad = await checksumMismatch(path, sums);
  // Never delete a file we did not just download: it may be the user's own copy.
  if (bad !== null) throw new Error(`${path}: ${bad}. Delete it and run the download again.`);
  return true;
}

/**
 * Downloads (or verifies) every file of a dataset into `<dataDir>/<folder>/`; verified files are
 * skipped. Archives are downloaded, verified, extracted (wanted members only) and deleted.
 * Returns the dataset folder.
 */
export async function downloadDataset(
  name: DatasetName,
  dataDir: string,
  opts: DatasetDownloadOptions = {},
): Promise<string> {
  const spec: SourceSpec | undefined = (opts.sources ?? loadSources())[name];
  if (spec === undefined) throw new Error(`download: no sources for dataset "${name}"`);
  const folder = join(dataDir, spec.folder);
  const log = opts.log ?? ((l: string) => console.error(l));
  mkdirSync(folder, { recursive: true });
  for (const [file, sums] of Object.entries(spec.files ?? {})) {
    const dest = join(folder, file);
    if (await presentAndVerified(dest, sums)) {
      log(`${name}/${file}: present, checksum ok`);
      continue;
    }
    const url = await downloadWithMirrors(file, spec.mirrors, dest, sums, opts);
    log(`${name}/${file}: downloaded from ${url}, checksum ok`);
  }
  if (spec.archive !== undefined) {
    const { archive } = spec;
    const members = new Set(archive.members);
    if (archive.members.every((m) => existsSync(join(dataDir, m)))) {
      log(`${name}: all ${members.size} files present`);
      return folder;
    }
    const archivePath = join(dataDir, archive.name);
    if (!(await presentAndVerified(archivePath, archive))) {
      const url = await downloadWithMirrors(archive.name, spec.mirrors, archivePath, archive, opts);
      log(`${name}/${archive.name}: downloaded from ${url}, checksum ok`);
    }
    await extractTarGz(archivePath, dataDir, (member) => (members.has(member) ? member : null));
    const missing = archive.members.filter((m) => !existsSync(join(dataDir, m)));
    if (missing.length > 0)
      throw new Error(
        `${archivePath}: the archive lacks ${missing.join(", ")} (truncated, or not the expected archive?)`,
      );
    unlinkSync(archivePath); // the extracted files are what the loaders read
    log(`${name}: extracted ${members.size} files into ${folder}`);
  }
  return folder;
}
