// @ts-check
/*
 * Stack traces that name the TypeScript a student wrote. tslab compiles cells and local files to
 * JavaScript that exists only in memory, so a failing cell showed frames such as
 * "lib/layers/linear.js:40:11" and "evalmachine.<anonymous>:12:5": files nobody can open, at lines
 * that are not the source's. Here:
 * - TypeScript emits inline source maps (ESM -> .ts), and tslab's second step (ESM -> CommonJS, one
 *   transpileModule call per file) gets a map too; a frame is mapped through both.
 * - each cell's code is named after its execution count (`//# sourceURL=In[7]`), as Jupyter's
 *   prompts number it, so a function defined in one cell and called from another shows where it is;
 * - `Error.prepareStackTrace` maps every frame of the kit's code to "lib/layers/linear.ts:31:11" or
 *   "In[7]:12:5" and ends the trace at tslab's own frames (the executor that ran the cell);
 * - `remapErrorSource` does the same for the "file:line / source line / ^" header Node puts above
 *   an error thrown while a cell runs.
 */
"use strict";
const { readFileSync } = require("node:fs");
const { SourceMap } = require("node:module");
const path = require("node:path");

const INLINE_MAP = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * @typedef {{ toEsm: SourceMap, toTs: SourceMap }} Maps
 * @typedef {Maps & { display: string, lineShift: number, firstLineShift: number, lastLine: number, lines: () => string[] }} Script
 */

/** @param {string} base64 */
function decodeMap(base64) {
  return new SourceMap(JSON.parse(Buffer.from(base64, "base64").toString("utf8")));
}

/** @param {string} root the kit's root: frames show paths relative to it */
function stackMapper(root) {
  /** @type {Map<string, Maps[]>} compiled CommonJS text -> its maps, until the text is registered */
  const pending = new Map();
  /** @type {Map<string, Script>} by the name V8 gives the script (a side output's path, or In[n]) */
  const scripts = new Map();
  const tslabDir = path.join(root, "node_modules", "tslab") + path.sep;

  /**
   * Wraps TypeScript's module for tslab: inline source maps from its compiler, and a map from each
   * ESM -> CommonJS transpile. Returns the object to hand tslab instead of the module.
   * @param {typeof import("typescript")} ts
   */
  function wrapTypeScript(ts) {
    /** @type {(...a: unknown[]) => unknown} */
    const createWatchCompilerHost = (...args) => {
      if (Array.isArray(args[0]) && typeof args[1] === "object")
        args[1] = { .../** @type {object} */ (args[1]), inlineSourceMap: true };
      return /** @type {(...a: unknown[]) => unknown} */ (ts.createWatchCompilerHost)(...args);
    };
    /** @type {typeof ts.transpileModule} */
    const transpileModule = (input, options) => {
      const inline = INLINE_MAP.exec(input);
      if (options.fileName !== "custom.js" || !inline) return ts.transpileModule(input, options);
      const out = ts.transpileModule(input.slice(0, inline.index), {
        ...options,
        compilerOptions: { ...options.compilerOptions, sourceMap: true, inlineSourceMap: false },
      });
      const text = out.outputText.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n");
      if (out.sourceMapText) {
        const maps = {
          toEsm: new SourceMap(JSON.parse(out.sourceMapText)),
          toTs: decodeMap(/** @type {string} */ (inline[1])),
        };
        pending.set(text, [...(pending.get(text) ?? []), maps]);
      }
      return { ...out, outputText: text };
    };
    // The module's exports are read-only getters: tslab gets an object with the same names (own
    // properties, which `__importStar` copies), two of them replaced.
    /** @type {Record<string, unknown>} */
    const replaced = { createWatchCompilerHost, transpileModule };
    const wrapper = {};
    for (const name of Object.keys(ts)) {
      const value = replaced[name];
      Object.defineProperty(
        wrapper,
        name,
        value
          ? { value, enumerable: true }
          : { get: () => ts[/** @type {keyof typeof ts} */ (name)], enumerable: true },
      );
    }
    return wrapper;
  }

  /** @param {string} text @returns {Maps | undefined} */
  function takeMaps(text) {
    const list = pending.get(text);
    const maps = list?.shift();
    if (list && list.length === 0) pending.delete(text);
    return maps;
  }

  /**
   * Registers a compiled local file (a tslab side output) by its path.
   * @param {string} file
   * @param {string} text
   */
  function registerModule(file, text) {
    const maps = takeMaps(text);
    if (!maps) return;
    const source = maps.toTs.payload.sources[0];
    const ts = source
      ? path.resolve(root, "outDir", path.relative(root, path.dirname(file)), source)
      : file.replace(/\.js$/, ".ts");
    const rel = path.relative(root, ts);
    scripts.set(file, {
      ...maps,
      display: rel.startsWith("..") ? ts : rel.split(path.sep).join("/"),
      lineShift: 0,
      firstLineShift: 0,
      lastLine: Infinity,
      lines: () => readFileSync(ts, "utf8").split("\n"),
    });
  }

  /**
   * Registers a cell's compiled code as In[n] and returns the code to run, named for V8.
   * @param {string} text @param {string} source the cell @param {number} n @param {boolean} async
   */
  function registerCell(text, source, n, async) {
    const maps = takeMaps(text);
    const name = `In[${n}]`;
    if (maps) {
      scripts.set(name, {
        ...maps,
        display: name,
        lineShift: 1, // tslab compiles the cell behind an "export {};" line
        // ...and runs it inside "(function(exports, require) { " on its first line (executor.js).
        firstLineShift: (async ? "(async function(exports, require) { " : "(function(exports, require) { ").length,
        // ...whose closing "})(...)" line is the executor's, not the cell's.
        lastLine: text.split("\n").length,
        lines: () => source.split("\n"),
      });
    }
    return `${text}\n//# sourceURL=${name}`;
  }

  /**
   * The source position of a compiled one (1-based), or null.
   * @param {string} file @param {number} line @param {number} column
   */
  function toSource(file, line, column) {
    const script = scripts.get(file);
    if (!script || line > script.lastLine) return null;
    const col = line === 1 ? Math.max(0, column - 1 - script.firstLineShift) : column - 1;
    const esm = script.toEsm.findEntry(line - 1, col);
    if (!("originalLine" in esm)) return null;
    const ts = script.toTs.findEntry(esm.originalLine, esm.originalColumn);
    if (!("originalLine" in ts)) return null;
    return { display: script.display, line: ts.originalLine + 1 - script.lineShift, column: ts.originalColumn + 1 };
  }

  /** @param {Error} error @param {NodeJS.CallSite[]} sites */
  function prepareStackTrace(error, sites) {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = "Error";
    }
    const frames = [];
    let inKit = false;
    for (const site of sites) {
      const file = site.getScriptNameOrSourceURL() ?? site.getFileName() ?? "";
      if (inKit && (file.startsWith(tslabDir) || file === "node:vm")) break; // the executor running the cell
      const wrapper = scripts.get(file);
      if (wrapper && (site.getLineNumber() ?? 0) > wrapper.lastLine) continue; // the call of the cell's wrapper
      // (A cell calls what it imported through tslab's exports proxy, which V8 names as the receiver.)
      let text = String(site).replace(/^Proxy\./, "");
      const line = site.getLineNumber();
      const column = site.getColumnNumber();
      const at = line !== null && column !== null ? toSource(file, line, column) : null;
      if (at) {
        inKit = true;
        text = text.replace(`${file}:${line}:${column}`, `${at.display}:${at.line}:${at.column}`);
      }
      frames.push(`    at ${text}`);
    }
    return [head, ...frames].join("\n");
  }

  /**
   * Node puts "file:line", the source line and a caret above the stack of an error thrown while a
   * cell runs; this shows the TypeScript line instead (the stack is mapped already).
   * @param {string} stack
   */
  function remapErrorSource(stack) {
    const m = /^(.*):(\d+)\n.*\n( *)\^+ *\n\n/.exec(stack);
    if (!m) return stack;
    const at = toSource(/** @type {string} */ (m[1]), Number(m[2]), /** @type {string} */ (m[3]).length + 1);
    const script = scripts.get(/** @type {string} */ (m[1]));
    if (!at || !script) return stack;
    const text = script.lines()[at.line - 1] ?? "";
    return `${at.display}:${at.line}\n${text}\n${" ".repeat(at.column - 1)}^\n\n${stack.slice(m[0].length)}`;
  }

  return { wrapTypeScript, registerModule, registerCell, prepareStackTrace, remapErrorSource, toSource };
}

module.exports = { stackMapper };
