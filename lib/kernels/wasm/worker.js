// @ts-check
// The wasm kernels' worker thread (started by threads.ts): it instantiates the same module on the same
// shared memory and joins the shared tasks it is offered (protocol.ts), taking chunks from the same
// atomic counter as the calling thread.
//
// Plain JavaScript (type-checked through the JSDoc below), so that it starts as it is in any Node
// process: under tsx in the tests, in the plain Node process tslab runs notebooks in, in a script.
"use strict";
const { workerData } = require("node:worker_threads");

/** @typedef {import("./protocol").WorkerData} WorkerData */
/** @typedef {import("./module").WasmApi} WasmApi */
/** @typedef {(...args: number[]) => unknown} ExportedFunction */

const {
  module: compiled,
  memory,
  controlByte,
  control: C,
  sharedFunctions,
  spinMs,
} = /** @type {WorkerData} */ (workerData);
const ctl = new Int32Array(memory.buffer, controlByte, C.INTS);
const params = new Float64Array(memory.buffer, controlByte + C.INTS * 4, C.PARAMS);
const api = /** @type {{ WebAssembly: WasmApi }} */ (/** @type {unknown} */ (globalThis)).WebAssembly;

/** @type {Record<string, unknown> | null} */
let fns = null;
try {
  fns = new api.Instance(compiled, { env: { memory } }).exports;
} catch {
  fns = null;
}

// Read the state before reporting ready: the first task may be posted right after.
let last = Atomics.load(ctl, C.STATE);
Atomics.store(ctl, C.READY, fns === null ? -1 : 1);
Atomics.notify(ctl, C.READY);

while (fns !== null) {
  // Poll for the next task (it usually follows within milliseconds), then sleep until one is posted.
  const idleSince = performance.now();
  for (let i = 1; Atomics.load(ctl, C.STATE) === last; i++) {
    if ((i & 4095) === 0 && performance.now() - idleSince > spinMs) Atomics.wait(ctl, C.STATE, last);
  }
  const state = Atomics.load(ctl, C.STATE);
  last = state;
  // Join only a task still open (phase 0); the caller may have closed it already.
  if ((state & 3) !== 0 || Atomics.compareExchange(ctl, C.STATE, state, state | 1) !== state) continue;
  last = state | 1;
  try {
    // params[0]: which function (an index into sharedFunctions), params[1]: how many arguments follow.
    const run = /** @type {ExportedFunction} */ (fns[sharedFunctions[params[0]]]);
    run(...params.subarray(2, 2 + params[1]));
    Atomics.store(ctl, C.ERROR, 0);
  } catch {
    Atomics.store(ctl, C.ERROR, 1);
  }
  Atomics.store(ctl, C.DONE, state >>> 2);
  Atomics.notify(ctl, C.DONE);
}
