import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  type WriteStream,
} from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { Parser, type ReadEntry } from "tar";

/*
 * Streaming extraction of chosen members of a tar archive, gzipped or not (node-tar's parser reads
 * ustar, GNU long names and pax headers, and detects gzip by its magic bytes). Each member that
 * `wanted` maps to an output path is written to `<path>.part` and renamed only once complete, so
 * an interrupted or failed extraction leaves no half-written file under its real name.
 */

/** Maps a member name to a path relative to the destination, or null to skip it. */
export type TarFilter = (member: string) => string | null;

const REGULAR_FILES = new Set(["File", "OldFile", "ContiguousFile"]);

/** Rejects output paths that would escape the destination folder. */
function safeRelative(path: string): string {
  const n = normalize(path);
  if (isAbsolute(n) || n === ".." || n.startsWith("../") || n.startsWith("..\\"))
    throw new Error(`refusing to write outside the destination: "${path}"`);
  return n;
}

/** node-tar's message without its code prefix ("TAR_BAD_ARCHIVE: "), saying what a bad header means. */
function describe(e: Error & { tarCode?: string }): string {
  const text = e.message.replace(/^TAR_[A-Z_]+: /, "");
  const badHeader = e.tarCode === "TAR_ENTRY_INVALID" || (e.tarCode === "TAR_BAD_ARCHIVE" && !/^Truncated/.test(text));
  return badHeader ? `${text}: not a tar archive, or a corrupt one` : text;
}

/** A member being written: its part file, and the stream writing it. */
interface Output {
  member: string;
  part: string;
  stream: WriteStream;
}

/**
 * Extracts the wanted members of a .tar.gz (or .tar) into `destDir`, streaming. Returns the paths
 * written, in archive order. Errors name the archive, and the member when one was being read.
 */
export function extractTarGz(path: string, destDir: string, wanted: TarFilter): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const written: string[] = [];
    const pending: Promise<void>[] = [];
    const open = new Set<Output>();
    let member: string | null = null; // the member being read, for error messages
    let failed = false;

    const source = createReadStream(path);
    const parser = new Parser({ strict: true, onReadEntry: (entry) => onEntry(entry) });
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      source.destroy();
      for (const out of open) {
        out.stream.destroy();
        rmSync(out.part, { force: true });
      }
      const what = member === null ? "" : ` member "${member}"`;
      reject(new Error(`${path}: cannot extract${what}: ${describe(e)}`));
    };

    function onEntry(entry: ReadEntry): void {
      member = entry.path;
      let target: string | null = null;
      try {
        target = REGULAR_FILES.has(entry.type) ? wanted(entry.path) : null;
        if (target !== null) target = join(destDir, safeRelative(target));
      } catch (e) {
        entry.resume();
        return parser.abort(e as Error);
      }
      if (target === null) return void entry.resume(); // skipped: drained so the parser moves on
      pending.push(writeMember(entry, target));
    }

    function writeMember(entry: ReadEntry, finalPath: string): Promise<void> {
      const part = `${finalPath}.part`;
      mkdirSync(dirname(finalPath), { recursive: true });
      // Opened synchronously, so a failure's cleanup can never race the file's creation.
      const out: Output = { member: entry.path, part, stream: createWriteStream(part, { fd: openSync(part, "w") }) };
      open.add(out);
      written.push(finalPath);
      entry.pipe(out.stream);
      return new Promise((done) => {
        out.stream.on("error", (e) => {
          fail(e);
          done();
        });
        out.stream.on("close", () => {
          open.delete(out);
          // A member cut short ends its stream too: only a complete one gets its real name.
          if (!failed && out.stream.bytesWritten === entry.size) renameSync(part, finalPath);
          else rmSync(part, { force: true });
          done();
        });
      });
    }

    parser.on("error", (e: Error) => fail(e));
    source.on("error", (e) => fail(e));
    parser.on("end", () => {
      member = null;
      void Promise.all(pending).then(() => {
        if (!failed) resolve(written);
      });
    });
    source.pipe(parser);
  });
}
