// Import cycles among the kit's own modules, found with TypeScript's module resolution (the same
// resolution the compiler uses, tsconfig.json's options). Every import counts, `import type` included:
// a cycle of types still means two modules that cannot be understood (or moved) one without the other.
//
//   npm run cycles                       # lib/, grading/, scripts/, report/, bench/; exit 1 on a cycle
//   npm run cycles -- DIR...             # other folders (relative to the repository root)
//
// Each cycle is printed as its files in import order, the first file repeated at the end:
//   lib/tensor/dtype.ts -> lib/tensor/arena.ts -> lib/kernels/kernels.ts -> lib/tensor/dtype.ts
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import * as ts from "typescript";

export const DEFAULT_DIRS = ["lib", "grading", "scripts", "report", "bench"];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", ".git"]);

export interface CycleReport {
  /** Files scanned, relative to the root ("/"-separated). */
  files: string[];
  /** One cycle per strongly connected group of files: its files in import order (the first not repeated). */
  cycles: string[][];
}

/** Source files under `dirs` (relative to root), sorted; declaration files and node_modules left out. */
export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (SOURCE.test(name) && !name.endsWith(".d.ts")) {
        out.push(p);
      }
    }
  };
  for (const d of dirs) {
    const abs = resolve(root, d);
    if (!existsSync(abs)) throw new Error(`check-cycles: no folder ${d} under ${root}`);
    walk(abs);
  }
  return out;
}

/** The compiler options of root/tsconfig.json (module resolution as the type-check does it). */
function compilerOptions(root: string): ts.CompilerOptions {
  const file = join(root, "tsconfig.json");
  if (!existsSync(file))
    return { allowJs: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(`check-cycles: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`);
  return ts.parseJsonConfigFileContent(config, ts.sys, root).options;
}

/**
 * The project files each file imports (static imports and exports, `import type`, require() and
 * import()), reading each file's source with `read` (default: from disk).
 */
export function importGraph(
  root: string,
  files: readonly string[],
  read: (file: string) => string = (file) => readFileSync(file, "utf8"),
): Map<string, string[]> {
  const options = { ...compilerOptions(root), allowJs: true };
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(read(file), true, true);
    const deps: string[] = [];
    for (const ref of info.importedFiles) {
      const r = ts.resolveModuleName(ref.fileName, file, options, ts.sys).resolvedModule;
      if (r === undefined || r.isExternalLibraryImport) continue;
      const target = resolve(r.resolvedFileName);
      if (known.has(target) && !deps.includes(target)) deps.push(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) groups.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups;
}

/** The shortest cycle through `start` inside its group (breadth-first, imports in source order). */
function shortestCycle(graph: Map<string, string[]>, group: readonly string[], start: string): string[] {
  const inGroup = new Set(group);
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of graph.get(v) ?? []) {
      if (!inGroup.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start]; // unreachable: every file of a group lies on a cycle through every other
}

export function findCycles(root: string, dirs: readonly string[] = DEFAULT_DIRS): CycleReport {
  const files = sourceFiles(root, dirs);
  const graph = importGraph(root, files);
  const rel = (f: string): string => relative(root, f).split(sep).join("/");
  const cycles = stronglyConnected(graph)
    .map((group) => shortestCycle(graph, group, group[0]!).map(rel))
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
  return { files: files.map(rel), cycles };
}

export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]!].join(" -> ");
}

function main(): number {
  const usage =
    "usage: npm run cycles [-- DIR...]\n" +
    `  Reports import cycles among the source files under each DIR (default: ${DEFAULT_DIRS.join(" ")}).\n` +
    "  Exit code 1 when there is a cycle, 2 on bad arguments.";
  let parsed;
  try {
    parsed = parseArgs({ options: { help: { type: "boolean", short: "h" } }, allowPositionals: true });
  } catch (e) {
    console.error(`check-cycles: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(usage);
    return 0;
  }
  const root = resolve(__dirname, "..");
  const dirs = parsed.positionals.length > 0 ? parsed.positionals : DEFAULT_DIRS;
  let report: CycleReport;
  try {
    report = findCycles(root, dirs);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (report.cycles.length === 0) {
    console.log(`no import cycles among ${report.files.length} files (${dirs.join(", ")})`);
    return 0;
  }
  console.error(`${report.cycles.length} import cycle(s) among ${report.files.length} files (${dirs.join(", ")}):`);
  for (const c of report.cycles) console.error(`  ${formatCycle(c)}`);
  return 1;
}

if (require.main === module) process.exitCode = main();
