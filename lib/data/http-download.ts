import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { checksumMismatch, type Checksums } from "./checksum";

/*
 * One file over HTTP(S) with Node's fetch. The body goes to `<dest>.part`; an existing part file
 * is resumed with a Range request. Only after the checksums match is the part renamed to `dest`,
 * so `dest` never holds a partial or corrupt file.
 */
export interface DownloadOptions {
  /** Called as bytes arrive; `total` is null when the server does not say. */
  onProgress?: (file: string, received: number, total: number | null) => void;
  /** Time without a byte after which the connection is dropped (default 60 s). */
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

/** fetch's errors say "fetch failed" and keep the reason in `cause`: the reason, with its own cause. */
function reason(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  if (err.message === "fetch failed" && err.cause instanceof Error) return reason(err.cause);
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : String(err.message ?? e);
}

/** An AbortController that fires when `arm` is not called again within `ms`. */
function idleTimeout(ms: number): { signal: AbortSignal; arm: () => void; stop: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => clearTimeout(timer);
  const arm = (): void => {
    stop();
    timer = setTimeout(() => controller.abort(new Error(`no data for ${ms} ms`)), ms);
  };
  arm();
  return { signal: controller.signal, arm, stop };
}

/**
 * Writes the rest of the file to `part`: "resumed" when appended to an existing part, "fresh"
 * when written from byte 0, "unresumable" when the server answered 416 or with another range.
 * Throws Interrupted when the connection drops or stalls during the body, a plain Error (so that
 * the caller moves on to the next mirror) when there is no answer or an HTTP error.
 */
async function fetchToPart(url: string, part: string, opts: DownloadOptions): Promise<Outcome> {
  if (!/^https?:/.test(url)) throw new Error(`${url}: only http and https URLs are supported`);
  const have = existsSync(part) ? statSync(part).size : 0;
  const idle = idleTimeout(opts.timeoutMs ?? 60000);
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          "User-Agent": "tsdl-course-kit",
          // The bytes as stored: the checksums are of the files, not of a re-encoded transfer.
          "Accept-Encoding": "identity",
          ...(have > 0 ? { Range: `bytes=${have}-` } : {}),
        },
        signal: idle.signal,
      });
    } catch (e) {
      throw new Error(`${url}: ${reason(e)}`);
    }
    if (have > 0 && res.status === 416) {
      await res.body?.cancel();
      // 416 with "bytes */<size>" equal to what we have: the part file is already complete.
      const size = /^bytes \*\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
      return size !== null && Number(size[1]) === have ? "resumed" : "unresumable";
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
    }
    let append = false;
    if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
      if (have === 0 || start === null || Number(start[1]) !== have) {
        await res.body?.cancel();
        return "unresumable";
      }
      append = true;
    } // else 200: the server ignored the Range header (or there was none), so start over.
    const length = res.headers.get("content-length");
    const total = length !== null && Number.isFinite(Number(length)) ? Number(length) + (append ? have : 0) : null;
    let received = append ? have : 0;
    const file = basename(part, ".part");
    const body = res.body;
    try {
      await pipeline(
        async function* () {
          if (body === null) return;
          for await (const chunk of body) {
            idle.arm();
            received += chunk.length;
            opts.onProgress?.(file, received, total);
            yield chunk;
          }
        },
        createWriteStream(part, { flags: append ? "a" : "w" }),
      );
    } catch (e) {
      const of = total === null ? "" : ` of ${total}`;
      throw new Interrupted(`${url}: download interrupted after ${received}${of} bytes (${reason(e)})`);
    }
    if (total !== null && received < total)
      throw new Interrupted(`${url}: connection closed after ${received} of ${total} bytes`);
    return append ? "resumed" : "fresh";
  } finally {
    idle.stop();
  }
}
