import { createWriteStream, mkdirSync, renameSync, type WriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";

/**
 * A streaming reader for (ustar) tar archives: 512-byte headers, each followed by the member's
 * data padded to 512 bytes. Extracts only the wanted members, writing each atomically.
 */
export function tarExtractor(destDir: string, wanted: (name: string) => string | null, onFile?: (name: string) => void): Writable & { extracted: string[] } {
  let pending: Buffer = Buffer.alloc(0);
  let remaining = 0; // data bytes left in the current member
  let padding = 0;
  let out: WriteStream | null = null;
  let outPath = "";
  let finalPath = "";
  let ended = false;
  const extracted: string[] = [];

  const finishMember = (done: () => void): void => {
    if (out === null) return done();
    const stream = out;
    out = null;
    stream.end(() => {
      renameSync(outPath, finalPath);
      extracted.push(finalPath);
      onFile?.(finalPath);
      done();
    });
  };

  const writable = new Writable({
    write(chunk: Buffer, _enc, callback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const step = (): void => {
        while (true) {
          if (remaining > 0) {
            if (pending.length === 0) return callback();
            const take = Math.min(remaining, pending.length);
            const part = pending.subarray(0, take);
            pending = pending.subarray(take);
            remaining -= take;
            if (out !== null && !out.write(part)) {
              out.once("drain", step);
              return;
            }
            continue;
          }
          if (out !== null) return finishMember(step);
          if (padding > 0) {
            const skip = Math.min(padding, pending.length);
            pending = pending.subarray(skip);
            padding -= skip;
            if (padding > 0) return callback();
          }
          if (ended || pending.length < 512) return callback();
          const header = pending.subarray(0, 512);
          pending = pending.subarray(512);
          if (header.every((b) => b === 0)) {
            ended = true;
            return callback();
          }
          const name = cString(header.subarray(0, 100));
          const prefix = cString(header.subarray(345, 500));
          const full = prefix ? `${prefix}/${name}` : name;
          const size = parseInt(cString(header.subarray(124, 136)).trim() || "0", 8);
          if (!Number.isFinite(size)) return callback(new Error(`tar: bad size field in the header of "${full}"`));
          const type = String.fromCharCode(header[156]!);
          remaining = size;
          padding = (512 - (size % 512)) % 512;
          const target = type === "0" || type === "\0" ? wanted(full) : null;
          if (target !== null) {
            finalPath = join(destDir, target);
            outPath = `${finalPath}.part`;
            mkdirSync(dirname(finalPath), { recursive: true });
            out = createWriteStream(outPath);
            if (size === 0) return finishMember(step);
          }
        }
      };
      step();
    },
    final(callback) {
      if (remaining > 0 || out !== null) return callback(new Error(`tar: archive ended inside a member (${remaining} bytes missing): truncated download?`));
      callback();
    },
  });
  return Object.assign(writable, { extracted });
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString("utf8");
}
