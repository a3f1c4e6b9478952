/**
 * Copies the program out of a submission: the regular files under its lib/ whose names say they are
 * code (.ts, .d.ts, .js, .cjs, .json, .wasm), each opened without following links and checked to be a
 * regular file before a byte is read, with caps on each file's size, their total and their number.
 * A symbolic link, a FIFO or a device is never read, only reported (a case that needs it says so);
 * editor leftovers (dotfiles such as `.#linear.ts` lock links and `.linear.ts.swp`, `linear.ts~`
 * backups) and anything else that is not code are ignored without a word.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
export const MAX_FILES = 2000;
const MAX_DEPTH = 16;
const PROGRAM = /\.(ts|js|cjs|json|wasm)$/;

export class NotGradable extends Error {}

export interface Copied {
  /** Copied files, relative to the submission ("lib/layers/linear.ts"). */
  files: string[];
  /** Program files that were not copied, and why ("is a symbolic link"). */
  skipped: Map<string, string>;
}

/** Reads a regular file through a descriptor opened without following links and without blocking. */
function readRegular(path: string, limit: number): Buffer | string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ELOOP" ? "is a symbolic link" : "cannot be read";
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return "is not a regular file";
    if (st.size > limit) return `is larger than ${Math.round(limit / 1024)} KB`;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Copies SUBMISSION/lib's program into DEST/lib; throws NotGradable when there is no usable lib/ at all. */
export function copyProgram(submission: string, dest: string): Copied {
  const lib = join(submission, "lib");
  let st;
  try {
    st = lstatSync(lib);
  } catch {
    throw new NotGradable(`the submission has no lib/ folder: is this a copy of the student kit?`);
  }
  if (st.isSymbolicLink()) throw new NotGradable("lib/ is a symbolic link: hand in the folder itself");
  if (!st.isDirectory()) throw new NotGradable("lib is not a folder");
  const files: string[] = [];
  const skipped = new Map<string, string>();
  let total = 0;
  const walk = (rel: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(join(submission, rel)).sort();
    } catch {
      skipped.set(rel, "cannot be read");
      return;
    }
    for (const name of names) {
      if (name.startsWith(".") || name.endsWith("~")) continue; // editor leftovers, hidden files
      const path = `${rel}/${name}`;
      let info;
      try {
        info = lstatSync(join(submission, path));
      } catch {
        continue;
      }
      if (info.isDirectory()) {
        if (name !== "node_modules" && depth < MAX_DEPTH) walk(path, depth + 1);
        continue;
      }
      if (!PROGRAM.test(name)) continue;
      if (info.isSymbolicLink()) {
        skipped.set(path, "is a symbolic link (the grader reads only regular files: hand in the file itself)");
        continue;
      }
      if (!info.isFile()) {
        skipped.set(path, "is not a regular file");
        continue;
      }
      if (files.length >= MAX_FILES) {
        skipped.set(path, `is past the first ${MAX_FILES} files`);
        continue;
      }
      const content = readRegular(join(submission, path), Math.min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - total));
      if (typeof content === "string") {
        skipped.set(
          path,
          total + info.size > MAX_TOTAL_BYTES
            ? `is past the ${MAX_TOTAL_BYTES >> 20} MB the grader reads in all`
            : content,
        );
        continue;
      }
      total += content.length;
      mkdirSync(dirname(join(dest, path)), { recursive: true });
      writeFileSync(join(dest, path), content);
      files.push(path);
    }
  };
  walk("lib", 0);
  return { files, skipped };
}
