// @ts-check
/*
 * The type-checker child (grading/typecheck.ts starts one per grading job): checks each submission's
 * probe files and everything they import with the notebooks' kernel compiler (TypeScript 5.0), strict,
 * and reports the first error of each file and, per probe file, the files it reaches. It never emits.
 *
 * One child serves every submission a job grades, always at the same paths (the job's src/ folder), so
 * the parsed default libraries and @types/node are reused and a builder program re-checks only what
 * changed: a warm check takes a few hundred milliseconds. The grader gives each check a time limit and
 * replaces a child that overruns (a type that takes minutes to check) or dies.
 *
 * Nothing outside src/ and the grader's node_modules exists for it: the compiler host answers "no such
 * file" for every other path, so neither an import nor a `/// <reference path>` can read anything else.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createHash } = require("node:crypto");

const [, , srcRoot, nodeModulesArg, typescriptPath] = /** @type {string[]} */ (process.argv);
const ts = /** @type {typeof import("typescript")} */ (require(typescriptPath));
const nodeModules = [nodeModulesArg, fs.realpathSync(nodeModulesArg)];
const inside = (/** @type {string} */ p, /** @type {string} */ dir) => p === dir || p.startsWith(dir + path.sep);
const allowed = (/** @type {string} */ p) => {
  const abs = path.resolve(p);
  return inside(abs, srcRoot) || nodeModules.some((d) => inside(abs, d));
};

/** @type {import("typescript").CompilerOptions} */
const options = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  strict: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  esModuleInterop: true,
  skipLibCheck: true,
  allowJs: true,
  checkJs: false,
  resolveJsonModule: true,
  noEmit: true,
  types: ["node"],
  typeRoots: [path.join(nodeModulesArg, "@types")],
  baseUrl: srcRoot,
  paths: { "*": [`${nodeModulesArg}/*`, `${nodeModulesArg}/@types/*`] },
};

const base = ts.createCompilerHost(options);
/** @type {Map<string, import("typescript").SourceFile>} */
const parsed = new Map();
const hash = (/** @type {string} */ s) => createHash("sha1").update(s).digest("hex");

/** @type {import("typescript").CompilerHost} */
const host = {
  ...base,
  fileExists: (f) => allowed(f) && base.fileExists(f),
  readFile: (f) => (allowed(f) ? base.readFile(f) : undefined),
  directoryExists: (d) => allowed(d) && (base.directoryExists?.(d) ?? false),
  getDirectories: (d) => (allowed(d) ? (base.getDirectories?.(d) ?? []) : []),
  realpath: (f) => (allowed(f) && base.realpath ? base.realpath(f) : f),
  createHash: hash,
  getSourceFile(fileName, languageVersion) {
    if (!allowed(fileName)) return undefined;
    const fixed = !inside(path.resolve(fileName), srcRoot); // node_modules never changes during a run
    const known = parsed.get(fileName);
    if (known && fixed) return known;
    let text;
    try {
      text = fs.readFileSync(fileName, "utf8");
    } catch {
      return undefined;
    }
    if (known && known.text === text) return known;
    const sf = ts.createSourceFile(fileName, text, languageVersion, false);
    /** @type {any} */ (sf).version = hash(text);
    parsed.set(fileName, sf);
    return sf;
  },
};

/** @type {import("typescript").SemanticDiagnosticsBuilderProgram | undefined} */
let previous;

const rel = (/** @type {string} */ f) => path.relative(srcRoot, f).split(path.sep).join("/");

/** @param {import("typescript").Diagnostic} d */
function message(d) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file) return `error TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  return `${rel(d.file.fileName)}:${line + 1}:${character + 1} - error TS${d.code}: ${text}`;
}

/**
 * The files (relative to src/) each probe file reaches through imports and references, in the order
 * met, and for a relative import that resolves to nothing, the reason when the copy step skipped it.
 * @param {string[]} probes @param {Record<string, string>} skipped
 */
function closures(probes, skipped) {
  /** @type {Record<string, string[]>} */
  const out = {};
  /** @type {Record<string, string>} */
  const unresolved = {};
  for (const probe of probes) {
    const seen = new Set([probe]);
    const order = [probe];
    for (let k = 0; k < order.length; k++) {
      const file = path.join(srcRoot, order[k]);
      const text = host.readFile(file);
      if (text === undefined) continue;
      const info = ts.preProcessFile(text, true, true);
      const targets = [];
      for (const ref of info.referencedFiles) targets.push(path.resolve(path.dirname(file), ref.fileName));
      for (const imp of info.importedFiles) {
        if (!imp.fileName.startsWith(".")) continue;
        const r = ts.resolveModuleName(imp.fileName, file, options, host).resolvedModule;
        if (r) targets.push(r.resolvedFileName);
        else {
          const stem = rel(path.resolve(path.dirname(file), imp.fileName)).replace(/\.js$/, "");
          const why = [".ts", ".d.ts", ".js", "/index.ts"].map((e) => `${stem}${e}`).find((f) => skipped[f]);
          if (why && !unresolved[order[k]]) unresolved[order[k]] = `${why} ${skipped[why]}`;
        }
      }
      for (const t of targets) {
        if (!inside(path.resolve(t), srcRoot)) continue;
        const r = rel(t);
        if (!seen.has(r)) {
          seen.add(r);
          order.push(r);
        }
      }
    }
    out[probe] = order;
  }
  return { closures: out, unresolved };
}

/** @param {string[]} probes @param {Record<string, string>} skipped */
function check(probes, skipped) {
  const roots = probes.map((p) => path.join(srcRoot, p));
  previous = ts.createSemanticDiagnosticsBuilderProgram(roots, options, host, previous);
  /** @type {Record<string, string>} */
  const errors = {};
  const diagnostics = [
    ...previous.getOptionsDiagnostics(),
    ...previous.getGlobalDiagnostics(),
    ...previous.getSyntacticDiagnostics(),
    ...previous.getSemanticDiagnostics(),
  ];
  /** @type {string[]} */
  const global = [];
  for (const d of diagnostics) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    if (!d.file) global.push(message(d));
    else if (inside(path.resolve(d.file.fileName), srcRoot)) {
      const f = rel(d.file.fileName);
      if (!errors[f]) errors[f] = message(d);
    }
  }
  return { errors, global, ...closures(probes, skipped) };
}

process.on("message", (/** @type {any} */ m) => {
  if (m.type !== "check") return;
  try {
    process.send?.({ id: m.id, ok: true, ...check(m.probes, m.skipped) });
  } catch (e) {
    process.send?.({ id: m.id, ok: false, error: /** @type {Error} */ (e).stack ?? String(e) });
  }
});

// Warm up: parse the default libraries and @types/node before the first submission arrives.
check([], {});
process.send?.({ type: "ready" });
