/**
 * The markers that turn the full (instructor) repository into the student kit (grading/release.ts):
 *
 *     // BEGIN SOLUTION <what>
 *     ...                              code students write: the kit has a stub at the region's indentation
 *     // END SOLUTION                  that throws "not implemented: <what>"
 *
 *     // BEGIN INSTRUCTOR ONLY <why>
 *     ...                              removed from the kit with its markers: a layer's fast path, an
 *     // END INSTRUCTOR ONLY           answer kernel, the import of an instructor-only file
 *
 *     // INSTRUCTOR ONLY: <why>        as the first line of a file: the whole file stays out of the kit
 *
 * Regions and blocks do not nest (either inside the other): a kit built from nested markers would be
 * ambiguous, so they are refused with the file and line.
 */
export const BEGIN = /^(\s*)\/\/ BEGIN SOLUTION(?:\s+(.*?))?\s*$/;
export const END = /^\s*\/\/ END SOLUTION\s*$/;
export const BEGIN_INSTRUCTOR = /^\s*\/\/ BEGIN INSTRUCTOR ONLY\b.*$/;
export const END_INSTRUCTOR = /^\s*\/\/ END INSTRUCTOR ONLY\s*$/;
/** A file whose first line matches this is left out of the kit. */
export const INSTRUCTOR_FILE = /^\/\/ INSTRUCTOR ONLY: \S/;

export interface Region {
  /** 1-based line numbers of the BEGIN and END markers. */
  begin: number;
  end: number;
  what: string;
}

/** An instructor-only block: 1-based line numbers of its markers. */
export interface Block {
  begin: number;
  end: number;
}

interface Markers {
  regions: Region[];
  blocks: Block[];
}

/** Every solution region and instructor-only block, checked for balance and nesting. */
export function findMarkers(source: string, file: string): Markers {
  const regions: Region[] = [];
  const blocks: Block[] = [];
  let open: { kind: "SOLUTION" | "INSTRUCTOR ONLY"; line: number; what: string } | null = null;
  source.split("\n").forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    const b = BEGIN.exec(line);
    const kind = b ? "SOLUTION" : BEGIN_INSTRUCTOR.test(line) ? "INSTRUCTOR ONLY" : null;
    if (kind !== null) {
      if (open) throw new Error(`${at}: BEGIN ${kind} inside the ${open.kind} block opened at line ${open.line}`);
      open = { kind, line: i + 1, what: (b?.[2] ?? "").trim() || `the solution in ${file}` };
      return;
    }
    const endKind = END.test(line) ? "SOLUTION" : END_INSTRUCTOR.test(line) ? "INSTRUCTOR ONLY" : null;
    if (endKind === null) return;
    if (!open) throw new Error(`${at}: END ${endKind} without a BEGIN ${endKind}`);
    if (open.kind !== endKind)
      throw new Error(`${at}: END ${endKind} closes the ${open.kind} block opened at line ${open.line}`);
    if (endKind === "SOLUTION") regions.push({ begin: open.line, end: i + 1, what: open.what });
    else blocks.push({ begin: open.line, end: i + 1 });
    open = null;
  });
  if (open) {
    const o = open as { kind: string; line: number };
    throw new Error(`${file}:${o.line}: BEGIN ${o.kind} is never closed`);
  }
  return { regions, blocks };
}

export function findRegions(source: string, file: string): Region[] {
  return findMarkers(source, file).regions;
}

/** The statement a stub is made of (release.ts and the kit's stub counter agree on it). */
export function stubLines(indent: string, what: string): string[] {
  return [`${indent}// TODO: ${what}`, `${indent}throw new Error(${JSON.stringify(`not implemented: ${what}`)});`];
}

/**
 * The source as the kit has it: every solution region replaced by a throwing stub and every
 * instructor-only block removed. `keep` names regions whose solution stays (without its markers), as in
 * a kit where the student has done those parts.
 */
export function releaseSource(
  source: string,
  file: string,
  keep: (what: string) => boolean = () => false,
): { source: string; regions: Region[]; blocks: Block[] } {
  const { regions, blocks } = findMarkers(source, file);
  if (regions.length === 0 && blocks.length === 0) return { source, regions, blocks };
  const lines = source.split("\n");
  const cuts = [
    ...regions.map((r) => ({ ...r, region: r as Region | null })),
    ...blocks.map((b) => ({ ...b, region: null })),
  ];
  cuts.sort((a, b) => a.begin - b.begin);
  const out: string[] = [];
  let i = 0;
  for (const c of cuts) {
    out.push(...lines.slice(i, c.begin - 1));
    if (c.region !== null && keep(c.region.what)) out.push(...lines.slice(c.begin, c.end - 1));
    else if (c.region !== null) out.push(...stubLines(BEGIN.exec(lines[c.begin - 1]!)![1]!, c.region.what));
    i = c.end;
    // A block that stood between blank lines leaves one blank line, not two.
    if (c.region === null && out.length > 0 && out[out.length - 1]!.trim() === "" && lines[i]?.trim() === "") i++;
  }
  out.push(...lines.slice(i));
  return { source: out.join("\n"), regions, blocks };
}

/** The source with every region replaced by a throwing stub (instructor-only blocks removed too). */
export function stripSolutions(source: string, file: string): { source: string; regions: Region[] } {
  const r = releaseSource(source, file);
  return { source: r.source, regions: r.regions };
}

/** Whether a file is left out of the kit as a whole (its first line says so). */
export function isInstructorOnlyFile(source: string): boolean {
  return INSTRUCTOR_FILE.test(source);
}
