import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** gzip streams start with the bytes 1f 8b, whatever the file is called. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Gunzips `buf` when it is gzip data, else returns it unchanged. `name` is for error messages. */
export function maybeGunzip(buf: Uint8Array, name: string): Uint8Array {
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf);
  } catch (e) {
    throw new Error(`${name}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/** Reads a whole file, gunzipping it if it is gzip data. Errors name the file. */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  return maybeGunzip(raw, path);
}
