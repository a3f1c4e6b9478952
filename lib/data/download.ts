import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { basename, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { checksumMismatch, type Checksums } from "./checksum";
import type { DatasetName } from "./datadir";
import { tarExtractor } from "./tar";

/*
 * Downloads with checksums. A file is fetched into `<name>.part` (resuming an earlier partial
 * download with an HTTP Range request), verified, and only then renamed into place, so a data
 * directory never holds a half-written or corrupt file under its real name.
 */
export interface DownloadOptions {
  /** Progress callback: bytes so far and total (total is null when the server does not say). */
  onProgress?: (file: string, received: number, total: number | null) => void;
  /** Redirects followed before giving up. */
  maxRedirects?: number;
  timeoutMs?: number;
}

export interface SourceSpec {
  folder: string;
  mirrors: string[];
  files?: Record<string, Checksums>;
  archive?: { name: string; md5?: string; sha256?: string; members: string[] };
}

export function loadSources(path = resolve(__dirname, "..", "..", "data", "sources.json")): Record<DatasetName, SourceSpec> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<DatasetName, SourceSpec>;
}

/** Fetches `url` into `dest` (resumable, verified, atomic). Tries nothing else; see downloadWithMirrors. */
export async function downloadFile(url: string, dest: string, checksums: Checksums, opts: DownloadOptions = {}): Promise<void> {
  const part = `${dest}.part`;
  mkdirSync(resolve(dest, ".."), { recursive: true });
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {}, opts.maxRedirects ?? 5, opts.timeoutMs ?? 60000);
  let append = false;
  if (res.statusCode === 206 && have > 0) {
    append = true;
  } else if (res.statusCode === 416 && have > 0) {
    res.resume(); // the part file is already complete
  } else if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`${url}: HTTP ${res.statusCode} ${res.statusMessage ?? ""}`.trim());
  }
  if (res.statusCode === 200 || res.statusCode === 206) {
    const length = Number(res.headers["content-length"]);
    const total = Number.isFinite(length) ? length + (append ? have : 0) : null;
    let received = append ? have : 0;
    res.on("data", (chunk: Buffer) => {
      received += chunk.length;
      opts.onProgress?.(basename(dest), received, total);
    });
    try {
      await pipeline(res, createWriteStream(part, { flags: append ? "a" : "w" }));
    } catch (e) {
      throw new Error(`${url}: download interrupted after ${received} bytes (${(e as Error).message}); run again to resume`);
    }
    if (total !== null && received < total) throw new Error(`${url}: connection closed after ${received} of ${total} bytes; run again to resume`);
  }
  const bad = await checksumMismatch(part, checksums);
  if (bad !== null) {
    unlinkSync(part);
    throw new Error(`${basename(dest)}: ${bad} (downloaded from ${url}; the corrupt file was deleted)`);
  }
  renameSync(part, dest);
}

/** Tries each mirror in turn; the error lists every failure. */
export async function downloadWithMirrors(name: string, mirrors: readonly string[], dest: string, checksums: Checksums, opts: DownloadOptions = {}): Promise<void> {
  const errors: string[] = [];
  for (const mirror of mirrors) {
    try {
      await downloadFile(new URL(name, mirror).toString(), dest, checksums, opts);
      return;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`could not download ${name}:\n  ${errors.join("\n  ")}`);
}

/** Downloads (or verifies) every file of a dataset into `<dataDir>/<folder>/`. Returns the folder. */
export async function downloadDataset(name: DatasetName, dataDir: string, opts: DownloadOptions & { sources?: Record<DatasetName, SourceSpec>; log?: (line: string) => void } = {}): Promise<string> {
  const spec = (opts.sources ?? loadSources())[name];
  if (spec === undefined) throw new Error(`download: unknown dataset "${name}"`);
  const folder = join(dataDir, spec.folder);
  const log = opts.log ?? ((l: string) => console.error(l));
  mkdirSync(folder, { recursive: true });
  for (const [file, sums] of Object.entries(spec.files ?? {})) {
    const dest = join(folder, file);
    if (existsSync(dest)) {
      const bad = await checksumMismatch(dest, sums);
      if (bad === null) {
        log(`${name}/${file}: present, checksum ok`);
        continue;
      }
      throw new Error(`${dest}: ${bad}. Delete it and run the download again.`);
    }
    await downloadWithMirrors(file, spec.mirrors, dest, sums, opts);
    log(`${name}/${file}: downloaded, checksum ok`);
  }
  if (spec.archive) {
    const { archive } = spec;
    const members = new Set(archive.members);
    if (archive.members.every((m) => existsSync(join(dataDir, m)))) {
      log(`${name}: all ${members.size} files present`);
      return folder;
    }
    const archivePath = join(dataDir, archive.name);
    if (!existsSync(archivePath)) await downloadWithMirrors(archive.name, spec.mirrors, archivePath, archive, opts);
    else {
      const bad = await checksumMismatch(archivePath, archive);
      if (bad !== null) throw new Error(`${archivePath}: ${bad}. Delete it and run the download again.`);
    }
    await extractTarGz(archivePath, dataDir, (member) => (members.has(member) ? member : null));
    const missing = archive.members.filter((m) => !existsSync(join(dataDir, m)));
    if (missing.length > 0) throw new Error(`${archivePath}: the archive lacks ${missing.join(", ")}`);
    unlinkSync(archivePath);
    log(`${name}: extracted ${members.size} files into ${folder}`);
  }
  return folder;
}

/** Extracts the wanted members of a .tar.gz (streaming; each file written atomically). */
export async function extractTarGz(path: string, destDir: string, wanted: (member: string) => string | null): Promise<string[]> {
  const extractor = tarExtractor(destDir, wanted);
  try {
    await pipeline(createReadStream(path), createGunzip(), extractor);
  } catch (e) {
    throw new Error(`${path}: cannot extract: ${(e as Error).message}`);
  }
  return extractor.extracted;
}

function request(url: string, headers: Record<string, string>, redirects: number, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const get = url.startsWith("https:") ? httpsGet : httpGet;
    const req = get(url, { headers }, (res) => {
      const location = res.headers.location;
      if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location) {
        res.resume();
        if (redirects <= 0) return reject(new Error(`${url}: too many redirects`));
        return resolvePromise(request(new URL(location, url).toString(), headers, redirects - 1, timeoutMs));
      }
      resolvePromise(res);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response for ${timeoutMs} ms`)));
    req.on("error", (e) => reject(new Error(`${url}: ${e.message}`)));
  });
}
