// @ts-check
/*
 * Re-running an import cell picks up an edit to any local file, however deep in the import graph.
 *
 * tslab compiles local files into CommonJS "side outputs" and caches each loaded module. When a file
 * changes it recompiles that file and drops that one module from the cache, but every module that
 * imported it stays cached with the old exports bound: after an edit to lib/layers/linear.ts,
 * `import { Linear } from "./lib/index"` still returned the old Linear, because lib/index.js was
 * cached. `withDependents` adds every module that requires a changed one, directly or through
 * others, to the side outputs tslab reports, so the executor drops those too and the next import
 * loads them again (modules that do not depend on the edit, like the tensor, stay as they are).
 *
 * tslab hears of a change through a file watcher, whose event can arrive after the student has
 * already re-run the cell; `FreshnessCheck` looks at the files' modification times before each cell
 * and tells tslab of any change it has not heard of yet.
 */
"use strict";
const { statSync } = require("node:fs");
const path = require("node:path");

/** @typedef {{ path: string, data: string }} SideOutput */

/** The local modules a compiled CommonJS module requires ("./x" and "../x", resolved as tslab does). */
function localRequires(/** @type {string} */ file, /** @type {string} */ js) {
  const deps = new Set();
  for (const m of js.matchAll(/\brequire\("(\.\.?\/[^"]*)"\)/g)) {
    let dep = path.join(path.dirname(file), /** @type {string} */ (m[1]));
    if (path.extname(dep) === "") dep += ".js";
    deps.add(dep);
  }
  return deps;
}

/** Returns a function that extends each convert's side outputs with the modules that depend on them. */
function dependentsReloader() {
  /** @type {Map<string, string>} the last compiled text of every side output, by path */
  const compiled = new Map();
  /** @type {Map<string, Set<string>>} the local modules each side output requires */
  const requires = new Map();
  /** @param {SideOutput[] | undefined} outputs @returns {SideOutput[] | undefined} */
  return function withDependents(outputs) {
    if (!outputs) return outputs;
    const stale = new Set(outputs.filter((o) => compiled.has(o.path)).map((o) => o.path));
    for (const o of outputs) {
      compiled.set(o.path, o.data);
      requires.set(o.path, localRequires(o.path, o.data));
    }
    if (stale.size === 0) return outputs;
    for (let grew = true; grew;) {
      grew = false;
      for (const [file, deps] of requires) {
        if (stale.has(file)) continue;
        for (const d of deps) {
          if (stale.has(d)) {
            stale.add(file);
            grew = true;
            break;
          }
        }
      }
    }
    const listed = new Set(outputs.map((o) => o.path));
    const extra = [...stale]
      .filter((p) => !listed.has(p))
      .map((p) => ({ path: p, data: /** @type {string} */ (compiled.get(p)) }));
    return [...outputs, ...extra];
  };
}

/**
 * Wraps `sys.watchFile` (TypeScript's, which tslab's compiler uses) so that a change is reported
 * once, whether the watcher or `sweep` sees it first.
 * @param {{ watchFile: (path: string, cb: (file: string, kind: number) => void, ...rest: unknown[]) => unknown }} sys
 * @param {string} root only files under root (outside node_modules) are checked by `sweep`
 * @param {number} changedKind TypeScript's FileWatcherEventKind.Changed
 */
function freshnessCheck(sys, root, changedKind) {
  /** @typedef {{ file: string, stamp: string, notify: (file: string, kind: number) => void }} Watch */
  /** @type {Set<Watch>} one per watcher (the Node and the browser compiler each watch their files) */
  const watched = new Set();
  const stampOf = (/** @type {string} */ file) => {
    try {
      const s = statSync(file);
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return "missing";
    }
  };
  const watchFile = sys.watchFile.bind(sys);
  sys.watchFile = (file, cb, ...rest) => {
    const local = file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
    if (!local) return watchFile(file, cb, ...rest);
    /** @type {Watch} */
    const entry = { file, stamp: stampOf(file), notify: cb };
    watched.add(entry);
    const watcher = /** @type {{ close(): void }} */ (
      watchFile(
        file,
        (/** @type {string} */ f, /** @type {number} */ kind) => {
          const stamp = stampOf(file);
          if (stamp === entry.stamp) return; // already reported by sweep
          entry.stamp = stamp;
          cb(f, kind);
        },
        ...rest,
      )
    );
    return {
      close() {
        watched.delete(entry);
        watcher.close();
      },
    };
  };
  return {
    /** Reports every watched local file whose modification time or size changed. */
    sweep() {
      for (const entry of watched) {
        const stamp = stampOf(entry.file);
        if (stamp === entry.stamp) continue;
        entry.stamp = stamp;
        entry.notify(entry.file, changedKind);
      }
    },
  };
}

module.exports = { dependentsReloader, freshnessCheck, localRequires };
