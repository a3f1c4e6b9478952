/**
 * The stubs still left in a kit: every `throw new Error("not implemented: <what>")` under lib/ (the line
 * the release puts where a solution was; see grading/markers.ts). A student who replaces it has done
 * that part, as far as counting goes; the checks say whether it is right.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { partOfStub } from "./parts";

export interface Stub {
  /** "/"-separated, relative to the kit. */
  file: string;
  line: number;
  what: string;
  /** The check that covers it (grading/parts.ts), or null. */
  part: string | null;
}

const STUB = /throw new Error\("not implemented: ((?:[^"\\]|\\.)*)"\)/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

export function findStubs(root: string): Stub[] {
  return tsFiles(join(root, "lib"))
    .sort()
    .flatMap((path) =>
      readFileSync(path, "utf8")
        .split("\n")
        .flatMap((text, i) => {
          const m = STUB.exec(text);
          if (!m) return [];
          const what = JSON.parse(`"${m[1]!}"`) as string;
          const file = relative(root, path).split("\\").join("/");
          return [{ file, line: i + 1, what, part: partOfStub(what)?.name ?? null }];
        }),
    );
}

/** One line per stub, for messages: "  lib/layers/linear.ts:42  Linear.forward (...)". */
export function formatStubs(stubs: readonly Stub[]): string {
  return stubs.map((s) => `  ${s.file}:${s.line}  ${s.what}`).join("\n");
}
