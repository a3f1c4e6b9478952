import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { basename, dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { checksumMismatch, type Checksums } from "./checksum";

/*
 * One file over HTTP(S). The body goes to `<dest>.part`; an existing part file is resumed with a
 * Range request. Only after the checksums match is the part renamed to `dest`, so `dest` never
 * holds a partial or corrupt file.
 */
export interface DownloadOptions {
  /** Called as bytes arrive; `total` is null when the server does not say. */
  onProgress?: (file: string, received: number, total: number | null) => void;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** Idle time after which the connection is dropped (default 60 s). */
  timeoutMs?: number;
  /** Automatic resumes after a dropped connection, within one call (default 3). */
  retries?: number;
}

/** A dropped connection: the part file is kept, so the download can resume. */
class Interrupted extends Error {}

/** Fetches `url` into `dest`: resumable, verified against `checksums`, atomic. */
export async function downloadFile(
  url: string,
  dest: string,
  checksums: Checksums,
  opts: DownloadOptions = {},
): Promise<void> {
  const part = `${dest}.part`;
  mkdirSync(dirname(dest), { recursive: true });
  let retries = opts.retries ?? 3;
  // A resumed part may be stale (left by another version of the file): when it cannot be resumed
  // or the result does not verify, start once more from byte 0. A fresh download that fails its
  // checksum is not fetched again.
  let restarts = 1;
  let resumed = false;
  for (;;) {
    let outcome: Outcome;
    try {
      outcome = await fetchToPart(url, part, opts);
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      if (retries-- <= 0) throw new Error(`${e.message}; run the same command again to resume`);
      continue;
    }
    if (outcome === "resumed") resumed = true;
    if (outcome === "unresumable") {
      unlinkSync(part);
      if (restarts-- > 0) continue;
      throw new Error(`${url}: the server does not resume the download, even from byte 0`);
    }
    const bad = await checksumMismatch(part, checksums);
    if (bad === null) break;
    unlinkSync(part);
    if (resumed && restarts-- > 0) {
      resumed = false;
      continue;
    }
    throw new Error(`${basename(dest)}: ${bad} (downloaded from ${url}; the corrupt file was deleted)`);
  }
  renameSync(part, dest);
}

type Outcome = "fresh" | "resumed" | "unresumable";

/**
 * Writes the rest of the file to `part`: "resumed" when appended to an existing part, "fresh"
 * when written from byte 0, "unresumable" when the server answered 416 or with another range.
 * Throws Interrupted on a dropped connection.
 */
async function fetchToPart(url: string, part: string, opts: DownloadOptions): Promise<Outcome> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await request(
    url,
    have > 0 ? { Range: `bytes=${have}-` } : {},
    opts.maxRedirects ?? 5,
    opts.timeoutMs ?? 60000,
  );
  const status = res.statusCode ?? 0;
  if (have > 0 && status === 416) {
    res.resume();
    // 416 with "bytes */<size>" equal to what we have: the part file is already complete.
    const size = /^bytes \*\/(\d+)$/.exec(res.headers["content-range"] ?? "");
    return size !== null && Number(size[1]) === have ? "resumed" : "unresumable";
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new Error(`${url}: HTTP ${status} ${res.statusMessage ?? ""}`.trim());
  }
  let append = false;
  if (status === 206) {
    const start = /^bytes (\d+)-/.exec(res.headers["content-range"] ?? "");
    if (have === 0 || start === null || Number(start[1]) !== have) {
      res.resume();
      return "unresumable";
    }
    append = true;
  } // else 200: the server ignored the Range header (or there was none), so start over.
  const length = Number(res.headers["content-length"]);
  const total =
    Number.isFinite(length) && res.headers["content-length"] !== undefined ? length + (append ? have : 0) : null;
  let received = append ? have : 0;
  const file = basename(part, ".part");
  res.on("data", (chunk: Buffer) => {
    received += chunk.length;
    opts.onProgress?.(file, received, total);
  });
  try {
    await pipeline(res, createWriteStream(part, { flags: append ? "a" : "w" }));
  } catch (e) {
    throw new Interrupted(
      `${url}: download interrupted after ${received}${total === null ? "" : ` of ${total}`} bytes (${(e as Error).message})`,
    );
  }
  if (total !== null && received < total)
    throw new Interrupted(`${url}: connection closed after ${received} of ${total} bytes`);
  return append ? "resumed" : "fresh";
}

/** GET with redirects (bounded); rejects with the URL on network errors. */
function request(
  url: string,
  headers: Record<string, string>,
  redirects: number,
  timeoutMs: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let get: typeof httpGet;
    if (url.startsWith("https:")) get = httpsGet;
    else if (url.startsWith("http:")) get = httpGet;
    else return reject(new Error(`${url}: only http and https URLs are supported`));
    const req = get(url, { headers: { "User-Agent": "tsdl-course-kit", ...headers } }, (res) => {
      const location = res.headers.location;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (redirects <= 0) return reject(new Error(`${url}: too many redirects`));
        let next: string;
        try {
          next = new URL(location, url).toString();
        } catch {
          return reject(new Error(`${url}: bad redirect location "${location}"`));
        }
        return resolve(request(next, headers, redirects - 1, timeoutMs));
      }
      resolve(res);
    });
    // The socket timeout also covers stalls in the middle of the body.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    // Before the response (refused, DNS): a plain error, so the caller moves on to the next mirror.
    req.on("error", (e) => reject(new Error(`${url}: ${e.message}`)));
  });
}
