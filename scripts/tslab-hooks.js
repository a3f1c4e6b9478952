// @ts-check
/*
 * The kit's fixes to the pinned tslab (internal API, which is why tslab is pinned in package.json),
 * installed by the Jupyter kernel (kernel.js) and the headless runner (notebook-runner.js) before
 * tslab loads:
 * - an import cell that runs again picks up an edit to any file it imports, directly or not
 *   (tslab-reload.js);
 * - stack traces show the TypeScript file and line of cells and local files (tslab-stack.js).
 */
"use strict";
const path = require("node:path");
const { dependentsReloader, freshnessCheck } = require("./tslab-reload");
const { stackMapper } = require("./tslab-stack");

/** @typedef {{ path: string, data: string }} SideOutput */
/** @typedef {{ output?: string, sideOutputs?: SideOutput[], hasToplevelAwait?: boolean }} Converted */
/** @typedef {{ convert(prevDecl: string, src: string): Converted }} Converter */
/** @typedef {{ log(...a: unknown[]): void, error(...a: unknown[]): void }} Console */

/** @type {string | null} */
let installedFor = null;

/** @param {string} root the kit's root, whose node_modules holds tslab */
function installTslabHooks(root) {
  if (installedFor !== null) {
    if (installedFor !== root) throw new Error(`tslab hooks are installed for ${installedFor}, not ${root}`);
    return;
  }
  const dist = path.join(root, "node_modules", "tslab", "dist");
  const converterPath = require.resolve(path.join(dist, "converter.js"));
  if (require.cache[converterPath])
    throw new Error("installTslabHooks must run before tslab is loaded (its compiler is already built)");
  const tsPath = require.resolve("@tslab/typescript-for-tslab", { paths: [dist] });
  const ts = require(tsPath);
  const stack = stackMapper(root);
  /** @type {NodeModule} */ (require.cache[tsPath]).exports = stack.wrapTypeScript(ts);
  const fresh = freshnessCheck(ts.sys, root, ts.FileWatcherEventKind.Changed);
  const withDependents = dependentsReloader();

  const converterModule = require(converterPath);
  const createConverter = converterModule.createConverter;
  let cells = 0;
  converterModule.createConverter = (/** @type {unknown} */ options) => {
    /** @type {Converter} */
    const conv = createConverter(options);
    return {
      ...conv,
      convert(/** @type {string} */ prevDecl, /** @type {string} */ src) {
        fresh.sweep();
        const out = conv.convert(prevDecl, src);
        for (const o of out.sideOutputs ?? []) stack.registerModule(o.path, o.data);
        out.sideOutputs = withDependents(out.sideOutputs);
        if (out.output) out.output = stack.registerCell(out.output, src, ++cells, out.hasToplevelAwait === true);
        return out;
      },
    };
  };

  const executorModule = require(path.join(dist, "executor.js"));
  const createExecutor = executorModule.createExecutor;
  executorModule.createExecutor = (
    /** @type {string} */ rootDir,
    /** @type {unknown} */ convs,
    /** @type {Console} */ console,
  ) =>
    createExecutor(rootDir, convs, {
      log: (/** @type {unknown[]} */ ...a) => console.log(...a),
      // The executor prints a cell's error with console.error(error).
      error: (/** @type {unknown[]} */ ...a) => {
        for (const e of a) if (e instanceof Error && e.stack) e.stack = stack.remapErrorSource(e.stack);
        console.error(...a);
      },
    });

  Error.prepareStackTrace = stack.prepareStackTrace;
  installedFor = root;
}

module.exports = { installTslabHooks };
