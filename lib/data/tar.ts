import { closeSync, createReadStream, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";

/*
 * A streaming reader for tar archives (ustar, with GNU long names and pax paths): a 512-byte
 * header per member, then its data padded to a multiple of 512. Only the members that `wanted`
 * maps to an output path are written, each to `<path>.part` and renamed when complete, so memory
 * stays small and an interrupted extraction leaves no half-written file under its real name.
 */
const BLOCK = 512;

/** Maps a member name to a path relative to the destination, or null to skip it. */
export type TarFilter = (member: string) => string | null;

interface Member {
  name: string;
  size: number;
  type: string;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString("utf8");
}

function octal(field: Uint8Array, what: string): number {
  // GNU base-256 for sizes of 8 GiB and more: high bit of the first byte set.
  if ((field[0]! & 0x80) !== 0) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const s = cString(field).trim();
  const v = s === "" ? 0 : parseInt(s, 8);
  if (!/^[0-7]*$/.test(s) || !Number.isFinite(v)) throw new Error(`tar: bad ${what} field "${s}"`);
  return v;
}

function parseHeader(h: Uint8Array, offset: number): Member {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!; // the checksum field counts as spaces
  const field = cString(h.subarray(148, 156)).trim();
  if (!/^[0-7]+$/.test(field) || parseInt(field, 8) !== sum) {
    throw new Error(
      `tar: bad header checksum at byte ${offset} (field "${field.slice(0, 8)}", computed ${sum.toString(8)}): not a tar archive, or corrupt`,
    );
  }
  const name = cString(h.subarray(0, 100));
  const magic = cString(h.subarray(257, 263));
  const prefix = magic.startsWith("ustar") ? cString(h.subarray(345, 500)) : "";
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: octal(h.subarray(124, 136), "size"),
    type: String.fromCharCode(h[156]!),
  };
}

/** The "path" record of a pax extended header ("<len> path=<value>\n" records). */
function paxPath(data: Buffer): string | null {
  const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
  return m ? m[1]! : null;
}

/** Rejects output paths that would escape the destination folder. */
function safeRelative(path: string): string {
  const n = normalize(path);
  if (isAbsolute(n) || n === ".." || n.startsWith("../") || n.startsWith("..\\"))
    throw new Error(`tar: refusing to write outside the destination: "${path}"`);
  return n;
}

export class TarExtractor extends Writable {
  /** Paths of the files written, in archive order. */
  readonly extracted: string[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0; // archive bytes consumed, for error messages
  private remaining = 0; // data bytes left in the current member
  private padding = 0;
  private member: Member | null = null;
  private collect: Buffer[] | null = null; // data of a long-name or pax header
  private nextName: string | null = null;
  private fd: number | null = null;
  private partPath = "";
  private finalPath = "";
  private ended = false;

  constructor(
    private readonly destDir: string,
    private readonly wanted: TarFilter,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.consume();
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.member !== null || this.padding > 0) {
      return callback(
        new Error(
          `tar: archive ended inside member "${this.member?.name ?? "?"}" (${this.remaining} bytes missing): truncated?`,
        ),
      );
    }
    if (!this.ended && this.pending.length > 0)
      return callback(new Error(`tar: archive ended inside a header at byte ${this.offset}: truncated?`));
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A failed extraction must not leave a .part file behind.
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      rmSync(this.partPath, { force: true });
    }
    callback(error);
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.offset += n;
    return out;
  }

  private consume(): void {
    while (this.pending.length > 0 && !this.ended) {
      if (this.member !== null) {
        const data = this.take(Math.min(this.remaining, this.pending.length));
        this.remaining -= data.length;
        if (this.fd !== null) writeSync(this.fd, data);
        this.collect?.push(Buffer.from(data));
        if (this.remaining === 0) this.endMember();
      } else if (this.padding > 0) {
        this.padding -= this.take(Math.min(this.padding, this.pending.length)).length;
      } else if (this.pending.length >= BLOCK) {
        const at = this.offset;
        const header = this.take(BLOCK);
        if (header.every((b) => b === 0))
          this.ended = true; // end-of-archive marker
        else this.startMember(parseHeader(header, at));
      } else {
        return; // wait for a whole header
      }
    }
  }

  private startMember(m: Member): void {
    this.member = m;
    this.remaining = m.size;
    this.padding = (BLOCK - (m.size % BLOCK)) % BLOCK;
    if (m.type === "L" || m.type === "x") {
      this.collect = [];
    } else {
      const name = this.nextName ?? m.name;
      this.nextName = null;
      const target = m.type === "0" || m.type === "\0" ? this.wanted(name) : null;
      if (target !== null) {
        this.finalPath = join(this.destDir, safeRelative(target));
        this.partPath = `${this.finalPath}.part`;
        mkdirSync(dirname(this.finalPath), { recursive: true });
        this.fd = openSync(this.partPath, "w");
      }
    }
    if (m.size === 0) this.endMember();
  }

  private endMember(): void {
    const m = this.member!;
    this.member = null;
    if (this.collect !== null) {
      const data = Buffer.concat(this.collect);
      this.collect = null;
      this.nextName = m.type === "L" ? cString(data) : (paxPath(data) ?? this.nextName);
    }
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.partPath, this.finalPath);
      this.extracted.push(this.finalPath);
    }
  }
}

/** Extracts the wanted members of a .tar.gz into `destDir` (streaming). Returns the paths written. */
export async function extractTarGz(path: string, destDir: string, wanted: TarFilter): Promise<string[]> {
  const extractor = new TarExtractor(destDir, wanted);
  try {
    await pipeline(createReadStream(path), createGunzip(), extractor);
  } catch (e) {
    throw new Error(`${path}: cannot extract: ${(e as Error).message}`);
  }
  return extractor.extracted;
}
