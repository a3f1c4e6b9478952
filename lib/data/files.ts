import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { gunzipSync } from "node:zlib";

/** Reads a file, gunzipping it when it starts with the gzip magic bytes 1f 8b. Errors name the file. */
export function readMaybeGzip(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new Error(`${basename(path)}: corrupt or truncated gzip data (${(e as Error).message}) in ${path}`);
    }
  }
  return raw;
}
