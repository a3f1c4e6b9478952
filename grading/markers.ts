/**
 * Solution regions. In the full (instructor) repository, the code students must write sits between
 *
 *     // BEGIN SOLUTION <what>
 *     ...
 *     // END SOLUTION
 *
 * The student kit replaces each region by a stub that throws "not implemented: <what>", at the
 * region's indentation, so the file still compiles and every public check that reaches it fails
 * with a message that says what to write.
 */
export const BEGIN = /^(\s*)\/\/ BEGIN SOLUTION(?:\s+(.*?))?\s*$/;
export const END = /^\s*\/\/ END SOLUTION\s*$/;

export interface Region {
  /** 1-based line numbers of the BEGIN and END markers. */
  begin: number;
  end: number;
  what: string;
}

export function findRegions(source: string, file: string): Region[] {
  const lines = source.split("\n");
  const regions: Region[] = [];
  let open: { line: number; what: string } | null = null;
  lines.forEach((line, i) => {
    const b = BEGIN.exec(line);
    if (b) {
      if (open) throw new Error(`${file}:${i + 1}: BEGIN SOLUTION inside the region opened at line ${open.line}`);
      open = { line: i + 1, what: (b[2] ?? "").trim() || `the solution in ${file}` };
    } else if (END.test(line)) {
      if (!open) throw new Error(`${file}:${i + 1}: END SOLUTION without a BEGIN SOLUTION`);
      regions.push({ begin: open.line, end: i + 1, what: open.what });
      open = null;
    }
  });
  if (open) throw new Error(`${file}:${(open as { line: number }).line}: BEGIN SOLUTION is never closed`);
  return regions;
}

/** The source with every region replaced by a throwing stub. */
export function stripSolutions(source: string, file: string): { source: string; regions: Region[] } {
  const regions = findRegions(source, file);
  if (regions.length === 0) return { source, regions };
  const lines = source.split("\n");
  const out: string[] = [];
  let i = 0;
  for (const r of regions) {
    out.push(...lines.slice(i, r.begin - 1));
    const indent = BEGIN.exec(lines[r.begin - 1]!)![1]!;
    out.push(
      `${indent}// TODO: ${r.what}`,
      `${indent}throw new Error(${JSON.stringify(`not implemented: ${r.what}`)});`,
    );
    i = r.end;
  }
  out.push(...lines.slice(i));
  return { source: out.join("\n"), regions };
}
