import { readFileSync } from "fs";
import { join } from "path";
import { setFlagsFromString } from "v8";
import { Worker } from "worker_threads";
import type { DType, Storage } from "../tensor/dtype";
import { conv2dBackwardWith, conv2dForwardWith, planeSums } from "./conv";
import {
  checkGemmArgs,
  setKernels,
  type BatchNormBackwardArgs,
  type BatchNormNormalizeArgs,
  type ChannelReduceArgs,
  type Conv2dBackwardArgs,
  type Conv2dForwardArgs,
  type ConvGeometry,
  type GemmArgs,
  type Kernels,
  type MaxPoolArgs,
  type SgdStepArgs,
} from "./kernels";
import {
  allFiniteReference,
  batchNormBackwardReference,
  batchNormNormalizeReference,
  channelReduceReference,
  columnSumsReference,
  maxPoolBackwardReference,
  maxPoolReference,
  referenceKernels,
  reluBackwardReference,
  reluReference,
  sgdStepReference,
} from "./reference";
import { WasmHeap, type HeapBlock } from "./wasm-heap";

/*
 * WebAssembly SIMD128 kernels behind the Kernels interface (sources in wasm/assembly, binaries built
 * by scripts/build-wasm.js and committed next to this file: kernels.wasm, and kernels-fma.wasm whose
 * GEMM uses relaxed SIMD's fused multiply-add, chosen when the engine accepts it).
 *
 * The module has no runtime: it works on raw linear memory laid out here. Storage allocated with
 * `allocate` (parameters, gradients, optimizer state) lives in that memory and is used in place; other
 * operands are copied into an operand area, the kernel runs, and the result is copied back
 * (typed-array copies are memcpy, small next to the O(mnk) product). The memory only grows; the pack
 * buffers and the operand area are reused from call to call. The elementwise kernels (ReLU, pooling,
 * BatchNorm, bias sums, SGD) run in the memory only when their arrays already live there (a step
 * arena's activations do) and otherwise call the reference loops: for them a copy costs as much as the work.
 *
 * The memory is shared so that one worker thread can help with large products: C is cut into a few
 * wide chunks of columns (or rows) that the calling thread and the worker take from an atomic counter,
 * so a worker that is late or descheduled costs nothing but its help. Each entry of C is computed the
 * same way whichever thread does it, so results do not depend on the split.
 */

// ---- the slice of the WebAssembly API used here (the project's TS lib has no DOM/wasm types) ----

interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: { env: { memory: WasmMemory } },
  ) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** (transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1, packA, packB, tile); pointers in bytes. */
type GemmFn = (
  transA: number,
  transB: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  packA: number,
  packB: number,
  tile: number,
) => void;
/** (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, byCols, chunk, counter, packA, packB, tile). */
type SharedGemmFn = (
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
  byCols: number,
  chunk: number,
  counter: number,
  packA: number,
  packB: number,
  tile: number,
) => void;
/** (src, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, dst). */
type ConvFn = (
  src: number,
  channels: number,
  height: number,
  width: number,
  kernelH: number,
  kernelW: number,
  strideH: number,
  strideW: number,
  padH: number,
  padW: number,
  outH: number,
  outW: number,
  dst: number,
) => void;

/**
 * (x, w, bias, hasBias, out, n, per, counter, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
 * outH, outW, filters, cols, packA, packB, tile) for forward; backward has (x, w, dout, dwParts, dx, ...) and a
 * dcols buffer after cols. Shared like SharedGemmFn, by chunks of `per` images.
 */
type SharedConvFn = (...args: number[]) => void;
/** (ptr, n) -> 1 if all finite. */
type AllFiniteFn = (ptr: number, n: number) => number;
/** (src, rows, cols, dst). */
type ColumnSumsFn = (src: number, rows: number, cols: number, dst: number) => void;
/** (x, planes, h, w, kh, kw, sh, sw, outH, outW, out, argmax). */
type MaxPoolFn = (...args: number[]) => void;
/** (argmax, dout, count, dx, dxLength). */
type MaxPoolBackwardFn = (argmax: number, dout: number, count: number, dx: number, dxLength: number) => void;
/** (mode, a, b, mean, n, C, inner, out): mode 0 sum, 1 squared deviation, 2 product. */
type ChannelReduceFn = (
  mode: number,
  a: number,
  b: number,
  mean: number,
  n: number,
  C: number,
  inner: number,
  out: number,
) => void;
/** (x, n, C, inner, mean, invstd, gamma, beta, xhat, out) for normalize; (dy, xhat, n, C, inner, k1, k0, k2, dx) for backward. */
type BatchNormFn = (...args: number[]) => void;
/** (x, out, n). */
type ReluFn = (x: number, out: number, n: number) => void;
/** (x, dout, dx, n). */
type ReluBackwardFn = (x: number, dout: number, dx: number, n: number) => void;
/** (w, g, v, n, lr, momentum, weightDecay, nesterov). */
type SgdFn = (w: number, g: number, v: number, n: number, lr: number, mu: number, wd: number, nesterov: number) => void;

/** The functions a worker can join, by index (the index is what the control block carries). */
const SHARED_FNS = [
  "gemmSharedF64",
  "gemmSharedF32",
  "convForwardF64",
  "convForwardF32",
  "convBackwardF64",
  "convBackwardF32",
  "sgdSharedF64",
  "sgdSharedF32",
  "planeSumsSharedF64",
  "planeSumsSharedF32",
] as const;
type SharedName = (typeof SHARED_FNS)[number];

interface KernelExports {
  gemmF64: GemmFn;
  gemmF32: GemmFn;
  gemmSharedF64: SharedGemmFn;
  gemmSharedF32: SharedGemmFn;
  convForwardF64: SharedConvFn;
  convForwardF32: SharedConvFn;
  convBackwardF64: SharedConvFn;
  convBackwardF32: SharedConvFn;
  im2colF64: ConvFn;
  im2colF32: ConvFn;
  col2imF64: ConvFn;
  col2imF32: ConvFn;
  allFiniteF64: AllFiniteFn;
  allFiniteF32: AllFiniteFn;
  sgdF64: SgdFn;
  sgdF32: SgdFn;
  reluF64: ReluFn;
  reluF32: ReluFn;
  reluBackwardF64: ReluBackwardFn;
  reluBackwardF32: ReluBackwardFn;
  columnSumsF64: ColumnSumsFn;
  columnSumsF32: ColumnSumsFn;
  zeroBytes: (ptr: number, bytes: number) => void;
  addPartsF64: (parts: number, count: number, len: number, dst: number) => void;
  addPartsF32: (parts: number, count: number, len: number, dst: number) => void;
  maxPoolF64: MaxPoolFn;
  maxPoolF32: MaxPoolFn;
  maxPoolBackwardF64: MaxPoolBackwardFn;
  maxPoolBackwardF32: MaxPoolBackwardFn;
  channelReduceF64: ChannelReduceFn;
  channelReduceF32: ChannelReduceFn;
  batchNormNormalizeF64: BatchNormFn;
  batchNormNormalizeF32: BatchNormFn;
  batchNormBackwardF64: BatchNormFn;
  batchNormBackwardF32: BatchNormFn;
  /** SgdFn then (chunk, counter): shared by chunks of entries, like SharedGemmFn. */
  sgdSharedF64: SharedConvFn;
  sgdSharedF32: SharedConvFn;
  /** (dout, n, F, plane, db, chunk, counter): a convolution's bias gradient, shared by chunks of filters. */
  planeSumsSharedF64: SharedConvFn;
  planeSumsSharedF32: SharedConvFn;
  heapBase: () => number;
  KC: { readonly value: number };
  MC: { readonly value: number };
  NC: { readonly value: number };
}

const PAGE = 65536;
/** Must match --maximumMemory in scripts/build-wasm.js (2 GiB: byte offsets stay positive int32). */
const MAX_PAGES = 32768;
/** Micro-kernel rows (MR) in wasm/assembly/gemm.ts; its columns (NR) are 32 bytes: 4 f64 or 8 f32. */
const MR = 4;
/** Products below this many multiply-adds (~15-30 us of work) stay on one thread: the hand-off would eat the gain. */
const PARALLEL_MIN_MACS = 1 << 18;
/**
 * A shared product is cut into at most 4 chunks of at least 128 columns (or rows) each: every chunk
 * repacks the operand the chunks share, so chunks must be wide, but more than two chunks let the
 * faster thread take the extra ones when the other core is busy.
 */
const MAX_CHUNKS = 4;
const MIN_CHUNK = 128;
/** Elementwise work (the SGD update, a convolution's bias sums) of at least this many entries is shared with the worker, in at most this many chunks. */
const PARALLEL_MIN_ENTRIES = 1 << 16;
const MAX_ELEMENTWISE_CHUNKS = 8;
/** Busy-wait iterations before blocking in Atomics.wait (a futex wake-up costs tens of microseconds). */
const SPIN = 20000;
/**
 * How long the worker keeps polling for the next product before it sleeps, in milliseconds. In a
 * training step the next product follows within a few milliseconds, and a sleeping worker wakes late:
 * on a virtual machine an idle vCPU is halted, and waking it took over a millisecond here (the worker
 * then joined a 4 ms convolution for a fraction of it). OpenMP runtimes spin the same way (Intel's
 * KMP_BLOCKTIME defaults to 200 ms); the cost is the second core busy for this long after a product.
 */
const WORKER_SPIN_MS = 5;

/*
 * Control block (Int32 indices) shared with the worker, then the task parameters (Float64).
 * STATE is seq << 2 | phase for the current shared product: phase 0 = posted, 1 = the worker joined,
 * 2 = the caller finished every chunk before the worker showed up and closed it (the worker then skips
 * it and never reads its parameters, so the caller may move on at once). DONE is the last seq the
 * worker finished. COUNTER is the chunk counter the wasm code increments atomically.
 */
const CTL_STATE = 0;
const CTL_DONE = 1;
const CTL_READY = 2;
const CTL_ERROR = 3;
const CTL_COUNTER = 4;
const CTL_INTS = 16;
const PARAMS = 32;

/** The worker: instantiates the same module on the same memory and joins the shared products it is offered. */
const WORKER_SOURCE = `
"use strict";
const { workerData } = require("worker_threads");
const { module, memory, ctlByte, spinMs } = workerData;
const ctl = new Int32Array(memory.buffer, ctlByte, ${CTL_INTS});
const par = new Float64Array(memory.buffer, ctlByte + ${CTL_INTS * 4}, ${PARAMS});
let ex = null;
try { ex = new WebAssembly.Instance(module, { env: { memory } }).exports; } catch (e) { ex = null; }
// Read the state before reporting ready: the first product may be posted right after.
let last = Atomics.load(ctl, ${CTL_STATE});
Atomics.store(ctl, ${CTL_READY}, ex === null ? -1 : 1);
Atomics.notify(ctl, ${CTL_READY});
while (ex !== null) {
  const idleSince = performance.now();
  for (let i = 1; Atomics.load(ctl, ${CTL_STATE}) === last; i++) {
    if ((i & 4095) === 0 && performance.now() - idleSince > spinMs) Atomics.wait(ctl, ${CTL_STATE}, last);
  }
  const st = Atomics.load(ctl, ${CTL_STATE});
  last = st;
  if ((st & 3) !== 0 || Atomics.compareExchange(ctl, ${CTL_STATE}, st, st | 1) !== st) continue;
  last = st | 1;
  try {
    // par[0]: which function (an index into the list below), par[1]: how many arguments follow.
    const f = ex[${JSON.stringify(SHARED_FNS)}[par[0]]];
    f(...par.subarray(2, 2 + par[1]));
    Atomics.store(ctl, ${CTL_ERROR}, 0);
  } catch (e) {
    Atomics.store(ctl, ${CTL_ERROR}, 1);
  }
  Atomics.store(ctl, ${CTL_DONE}, st >>> 2);
  Atomics.notify(ctl, ${CTL_DONE});
}
`;

function wasmApi(): WasmApi | null {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

/** The slice of FinalizationRegistry used here (not in every TS lib the kernels are compiled with). */
interface Registry<T> {
  register(target: object, held: T): void;
}
type RegistryCtor = new <T>(cleanup: (held: T) => void) => Registry<T>;

function finalizationRegistry<T>(cleanup: (held: T) => void): Registry<T> | null {
  const ctor = (globalThis as unknown as { FinalizationRegistry?: RegistryCtor }).FinalizationRegistry;
  return ctor === undefined ? null : new ctor<T>(cleanup);
}

function align(bytes: number, to = 64): number {
  return Math.ceil(bytes / to) * to;
}

/** Elements a row-major rows x cols matrix with leading dimension ld spans. */
function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** Whether every buffer has the first one's element type (the fused paths need one type throughout). */
function sameStorage(first: Storage, ...rest: Storage[]): boolean {
  const f64 = first instanceof Float64Array;
  return rest.every((s) => s instanceof Float64Array === f64);
}

/** The geometry as the wasm conv functions take it: channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW. */
function geometryArgs(g: ConvGeometry): number[] {
  return [g.channels, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW];
}

/** Per-thread scratch: the MR x NR edge tile and the packed A block and B panel. */
interface Scratch {
  tile: number;
  packA: number;
  packB: number;
}

class WasmEngine {
  readonly memory: WasmMemory;
  private readonly ex: KernelExports;
  private readonly module: WasmModule;
  private readonly scratch: [Scratch, Scratch];
  private readonly ctlByte: number;
  /** Blocks above the fixed scratch: allocated storage and the operand area. */
  readonly heap: WasmHeap;
  /** Where operands that do not live in the memory are copied (one block, replaced when too small). */
  private area: HeapBlock | null = null;
  private areaBytes = 0;
  /** Every buffer object the memory has had (growing it replaces the object; older ones stay valid). */
  private readonly buffers = new WeakSet<object>();
  /** Returns an allocated block once its typed array is garbage collected (null: blocks are never reused). */
  private readonly registry = finalizationRegistry<HeapBlock>((block) => this.heap.release(block));
  // Annotated (not inferred) so that the views may sit on a SharedArrayBuffer under every TS version.
  private f64: Float64Array = new Float64Array(0);
  private f32: Float32Array = new Float32Array(0);
  private ctl: Int32Array = new Int32Array(0);
  private params: Float64Array = new Float64Array(0);
  private worker: Worker | null = null;
  private workerFailed = false;
  private seq = 0;
  threads: boolean;
  /** Products offered to the worker so far, and how many it joined (for tests and the benchmark). */
  splitProducts = 0;
  joinedProducts = 0;
  /** Tests only: the caller waits for the worker to join each shared product, so the worker's path always runs. */
  awaitJoin = false;

  constructor(
    bytes: Uint8Array,
    threads: boolean,
    readonly fma: boolean,
  ) {
    const api = wasmApi();
    if (api === null) throw new Error("wasm kernels: this JavaScript engine has no WebAssembly");
    if (typeof SharedArrayBuffer !== "function") throw new Error("wasm kernels: SharedArrayBuffer is not available");
    if (!api.validate(bytes))
      throw new Error("wasm kernels: WebAssembly SIMD128 (or shared memory) is not supported here");
    this.module = new api.Module(bytes);
    const kc = 256,
      mc = 96,
      nc = 1024; // checked against the module's exports below
    const scratchBytes = 2 * (256 + align(mc * kc * 8) + align(kc * nc * 8));
    this.memory = new api.Memory({
      initial: Math.ceil((scratchBytes + (1 << 20) + 8192) / PAGE) + 16,
      maximum: MAX_PAGES,
      shared: true,
    });
    this.ex = checkExports(new api.Instance(this.module, { env: { memory: this.memory } }).exports);
    if (this.ex.KC.value !== kc || this.ex.MC.value !== mc || this.ex.NC.value !== nc) {
      throw new Error(
        "wasm kernels: block sizes of kernels.wasm do not match lib/kernels/wasm.ts (rebuild with scripts/build-wasm.js)",
      );
    }
    let at = align(this.ex.heapBase() + 64);
    this.ctlByte = at;
    at += align(CTL_INTS * 4 + PARAMS * 8);
    const one = (): Scratch => {
      const s = { tile: at, packA: at + 256, packB: at + 256 + align(mc * kc * 8) };
      at = s.packB + align(kc * nc * 8);
      return s;
    };
    this.scratch = [one(), one()];
    this.heap = new WasmHeap(align(at), (end) => this.reserve(end));
    this.refreshViews();
    this.threads = threads;
  }

  /** Typed views go stale when the memory grows (the buffer object is replaced). */
  private refreshViews(): void {
    const buf = this.memory.buffer;
    if (this.f64.buffer === buf && this.f64.length * 8 === buf.byteLength) return;
    this.buffers.add(buf);
    this.f64 = new Float64Array(buf);
    this.f32 = new Float32Array(buf);
    this.ctl = new Int32Array(buf, this.ctlByte, CTL_INTS);
    this.params = new Float64Array(buf, this.ctlByte + CTL_INTS * 4, PARAMS);
  }

  /** Grows the memory so that [0, end) is addressable; false if that exceeds the 2 GiB maximum. */
  private reserve(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) return false;
      this.memory.grow(pages);
    }
    this.refreshViews();
    return true;
  }

  /**
   * Storage in the memory, zeroed, or null when the memory cannot grow that far. The block returns to
   * the heap when the typed array is garbage collected (a subarray of it must not outlive it).
   */
  allocate(dtype: DType, length: number): Storage | null {
    const sz = dtype === "float64" ? 8 : 4;
    const block = this.heap.alloc(Math.max(1, length) * sz);
    if (block === null) return null;
    this.refreshViews();
    const s =
      dtype === "float64"
        ? new Float64Array(this.memory.buffer, block.ptr, length)
        : new Float32Array(this.memory.buffer, block.ptr, length);
    this.ex.zeroBytes(block.ptr, length * sz);
    this.registry?.register(s, block);
    return s;
  }

  /** Byte address of s[0] if s lives in the memory, else -1. */
  addressOf(s: Storage | Int32Array): number {
    return this.buffers.has(s.buffer) ? s.byteOffset : -1;
  }

  /** Byte address of an operand area of at least `bytes` (its contents are not kept), or -1 when there is no room. */
  private operandArea(bytes: number): number {
    if (bytes <= this.areaBytes && this.area !== null) return this.area.ptr;
    if (this.area !== null) this.heap.release(this.area);
    this.area = this.heap.alloc(bytes);
    this.areaBytes = this.area === null ? 0 : 2 ** this.area.cls;
    return this.area === null ? -1 : this.area.ptr;
  }

  /** Byte address of src[from] in the memory: where it lives, or a copy of count elements made at `at`. */
  private operand(src: Storage, from: number, count: number, at: number): number {
    const home = this.addressOf(src);
    if (home >= 0) return home + from * src.BYTES_PER_ELEMENT;
    this.put(src, from, count, at);
    return at;
  }

  /** Copies src[from, from + count) into the memory at byte `at`. */
  private put(src: Storage, from: number, count: number, at: number): void {
    if (count === 0) return;
    const part = from === 0 && count === src.length ? src : src.subarray(from, from + count);
    if (part instanceof Float64Array) this.f64.set(part, at / 8);
    else this.f32.set(part, at / 4);
  }

  /** Copies `count` elements at byte `at` out to dst[to, to + count). */
  private take(dst: Storage, to: number, count: number, at: number): void {
    if (count === 0) return;
    if (dst instanceof Float64Array) dst.set(this.f64.subarray(at / 8, at / 8 + count), to);
    else dst.set(this.f32.subarray(at / 4, at / 4 + count), to);
  }

  /** Starts the worker (once); it becomes usable when it reports ready, without blocking this thread. */
  private startWorker(): void {
    if (this.worker !== null || this.workerFailed) return;
    Atomics.store(this.ctl, CTL_READY, 0);
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // No loaders (tsx, ts-node) in the worker: it only runs the plain script above.
        execArgv: [],
        workerData: { module: this.module, memory: this.memory, ctlByte: this.ctlByte, spinMs: WORKER_SPIN_MS },
      });
    } catch {
      // E.g. a sandbox without worker permission: everything simply runs on the calling thread.
      this.workerFailed = true;
      return;
    }
    worker.unref(); // never keeps the process alive
    worker.on("error", () => Atomics.store(this.ctl, CTL_READY, -1));
    this.worker = worker;
  }

  /** The worker, if threads are on and it has finished starting; starts it on first use. */
  private readyWorker(): boolean {
    if (!this.threads) return false;
    this.startWorker();
    return Atomics.load(this.ctl, CTL_READY) === 1;
  }

  /** False once starting the worker has failed (e.g. no permission to create threads). */
  workerUsable(): boolean {
    return !this.workerFailed;
  }

  workerReady(): boolean {
    return this.worker !== null && Atomics.load(this.ctl, CTL_READY) === 1;
  }

  /** Blocks until the worker has finished starting (or failed); returns whether it is usable. */
  waitForWorker(timeoutMs = 5000): boolean {
    if (!this.threads) return false;
    this.startWorker();
    if (this.worker === null) return false;
    const t0 = Date.now();
    while (Atomics.load(this.ctl, CTL_READY) === 0 && Date.now() - t0 < timeoutMs)
      Atomics.wait(this.ctl, CTL_READY, 0, 50);
    return Atomics.load(this.ctl, CTL_READY) === 1;
  }

  gemm(p: GemmArgs): void {
    const { m, n, k, transA, transB, a, b, c } = p;
    const f64 = c instanceof Float64Array;
    const sameType = f64
      ? a instanceof Float64Array && b instanceof Float64Array
      : a instanceof Float32Array && b instanceof Float32Array;
    const sz = f64 ? 8 : 4;
    const nA = span(transA ? k : m, transA ? m : k, p.lda);
    const nB = span(transB ? n : k, transB ? k : n, p.ldb);
    const nC = span(m, n, p.ldc);
    // Operands that live in the memory are used in place; the others get a slot in the operand area.
    const homeC = this.addressOf(c);
    const offB = this.addressOf(a) >= 0 ? 0 : align(nA * sz);
    const offC = offB + (this.addressOf(b) >= 0 ? 0 : align(nB * sz));
    const need = offC + (homeC >= 0 ? 0 : align(nC * sz));
    const area = need === 0 ? 0 : this.operandArea(need);
    if (!sameType || area < 0) {
      referenceKernels.gemm(p); // mixed element types, or beyond 2 GiB: the reference handles it
      return;
    }
    const pa = this.operand(a, p.aOffset, nA, area);
    const pb = this.operand(b, p.bOffset, nB, area + offB);
    let pc = homeC + p.cOffset * sz;
    // With beta = 0 and C contiguous nothing of C is read; otherwise the gaps between rows must survive.
    if (homeC < 0) {
      pc = area + offC;
      if (p.beta !== 0 || p.ldc !== n) this.put(c, p.cOffset, nC, pc);
    }
    this.product(f64, transA, transB, m, n, k, p.alpha, pa, p.lda, pb, p.ldb, p.beta, pc, p.ldc);
    if (homeC < 0) this.take(c, p.cOffset, nC, pc);
  }

  /** C = alpha op(A) op(B) + beta C on operands already in the memory (byte addresses), on one or two threads. */
  private product(
    f64: boolean,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    pa: number,
    lda: number,
    pb: number,
    ldb: number,
    beta: number,
    pc: number,
    ldc: number,
  ): void {
    const sz = f64 ? 8 : 4;
    const tA = transA ? 1 : 0;
    const tB = transB ? 1 : 0;
    const [s0, s1] = this.scratch;
    // Share the larger side of C: column chunks each repack A, row chunks each repack B.
    const byCols = m <= n;
    const total = byCols ? n : m;
    const chunks = Math.min(MAX_CHUNKS, Math.floor(total / MIN_CHUNK));
    if (m * n * k < PARALLEL_MIN_MACS || chunks < 2 || !this.readyWorker()) {
      (f64 ? this.ex.gemmF64 : this.ex.gemmF32)(
        tA,
        tB,
        k,
        alpha,
        pa,
        lda,
        pb,
        ldb,
        beta,
        pc,
        ldc,
        0,
        m,
        0,
        n,
        s0.packA,
        s0.packB,
        s0.tile,
      );
      return;
    }
    const unit = byCols ? 32 / sz : MR;
    const chunk = Math.ceil(total / chunks / unit) * unit;
    const counter = this.ctlByte + CTL_COUNTER * 4;
    const args = (t: Scratch): number[] => [
      tA,
      tB,
      m,
      n,
      k,
      alpha,
      pa,
      lda,
      pb,
      ldb,
      beta,
      pc,
      ldc,
      byCols ? 1 : 0,
      chunk,
      counter,
      t.packA,
      t.packB,
      t.tile,
    ];
    this.shared(f64 ? "gemmSharedF64" : "gemmSharedF32", args(s0), args(s1));
  }

  /**
   * Runs a shared function here with `own` arguments and offers it to the worker with `theirs` (the
   * same but the worker's scratch buffers). Both take chunks from the one counter; without a ready
   * worker this thread takes them all, with the same result.
   */
  private shared(name: SharedName, own: number[], theirs: number[]): void {
    Atomics.store(this.ctl, CTL_COUNTER, 0);
    const run = this.ex[name];
    if (!this.readyWorker()) {
      (run as (...a: number[]) => void)(...own);
      return;
    }
    const w = this.params;
    w[0] = SHARED_FNS.indexOf(name);
    w[1] = theirs.length;
    w.set(theirs, 2);
    this.seq = (this.seq % 0x1fffffff) + 1;
    const st = this.seq << 2;
    Atomics.store(this.ctl, CTL_STATE, st);
    Atomics.notify(this.ctl, CTL_STATE, 1);
    this.splitProducts++;
    if (this.awaitJoin) while ((Atomics.load(this.ctl, CTL_STATE) & 3) === 0) Atomics.wait(this.ctl, CTL_STATE, st, 1);
    (run as (...a: number[]) => void)(...own);
    // Close the task if the worker never showed up; otherwise wait for its last chunk.
    if (Atomics.compareExchange(this.ctl, CTL_STATE, st, st | 2) !== st) {
      this.joinedProducts++;
      this.awaitWorker(this.seq);
    }
  }

  /**
   * The whole batch's forward convolution inside the memory: x, W and out cross over once, each
   * image's cols go from im2col straight into the product, and the two threads share the batch by
   * chunks of images. False (nothing done) when the operands do not fit or their types differ; the
   * caller then runs the generic loop.
   */
  conv2dForward(p: Conv2dForwardArgs): boolean {
    const { g, n, filters: F } = p;
    if (!this.convOk(g) || !sameStorage(p.x, p.weight, p.out) || (p.bias !== null && !sameStorage(p.x, p.bias)))
      return false;
    const sz = p.x instanceof Float64Array ? 8 : 4;
    const plane = g.outH * g.outW,
      rows = g.channels * g.kernelH * g.kernelW,
      image = g.channels * g.height * g.width;
    const colsBytes = align(rows * plane * sz);
    // Offsets in the operand area (x, weight and bias are used in place when they live in the memory).
    const ox = 0;
    const ow = ox + align(n * image * sz);
    const obias = ow + align(F * rows * sz);
    const ocols = obias + align(F * sz);
    const oout = ocols + 2 * colsBytes;
    if (
      p.x.length < n * image ||
      p.weight.length < F * rows ||
      p.out.length < n * F * plane ||
      (p.bias !== null && p.bias.length < F)
    )
      return false;
    // The output is written in place when it lives in the memory (a step arena's activations do).
    const homeOut = this.addressOf(p.out);
    const area = this.operandArea(oout + (homeOut >= 0 ? 0 : align(n * F * plane * sz)));
    if (area < 0) return false;
    const px = this.operand(p.x, 0, n * image, area + ox);
    const pw = this.operand(p.weight, 0, F * rows, area + ow);
    const pbias = p.bias === null ? 0 : this.operand(p.bias, 0, F, area + obias);
    const pcols = area + ocols,
      pout = homeOut >= 0 ? homeOut : area + oout;
    const per = this.imagesPerChunk(n, F * plane * rows);
    const counter = this.ctlByte + CTL_COUNTER * 4;
    const args = (t: Scratch, cols: number): number[] => [
      px,
      pw,
      pbias,
      p.bias === null ? 0 : 1,
      pout,
      n,
      per,
      counter,
      ...geometryArgs(g),
      F,
      cols,
      t.packA,
      t.packB,
      t.tile,
    ];
    const [s0, s1] = this.scratch;
    this.sharedOrAlone(
      sz === 8 ? "convForwardF64" : "convForwardF32",
      args(s0, pcols),
      args(s1, pcols + colsBytes),
      n > per,
    );
    if (homeOut < 0) this.take(p.out, 0, n * F * plane, pout);
    return true;
  }

  /**
   * The whole batch's backward convolution inside the memory (see conv2dForward). Each chunk of images
   * accumulates its own dW, added here in chunk order, so dW does not depend on which thread ran what;
   * db is summed on the JS side.
   */
  conv2dBackward(p: Conv2dBackwardArgs): boolean {
    const { g, n, filters: F } = p;
    const dx = p.dx;
    if (
      !this.convOk(g) ||
      !sameStorage(p.x, p.weight, p.dout, p.dWeight) ||
      (dx !== null && !sameStorage(p.x, dx)) ||
      (p.dBias !== null && !sameStorage(p.x, p.dBias))
    ) {
      return false;
    }
    const sz = p.x instanceof Float64Array ? 8 : 4;
    const plane = g.outH * g.outW,
      rows = g.channels * g.kernelH * g.kernelW,
      image = g.channels * g.height * g.width;
    const per = this.imagesPerChunk(n, F * plane * rows);
    const parts = Math.max(1, Math.ceil(n / per));
    const colsBytes = align(rows * plane * sz);
    const ox = 0;
    const ow = ox + align(n * image * sz);
    const odout = ow + align(F * rows * sz);
    const oparts = odout + align(n * F * plane * sz);
    const ocols = oparts + align(parts * F * rows * sz);
    const odx = ocols + 4 * colsBytes;
    const fits =
      p.x.length >= n * image &&
      (dx === null || dx.length >= n * image) &&
      p.weight.length >= F * rows &&
      p.dWeight.length >= F * rows &&
      p.dout.length >= n * F * plane &&
      (p.dBias === null || p.dBias.length >= F);
    if (!fits) return false;
    // dx is written in place when it lives in the memory, like the forward output.
    const homeDx = dx === null ? -1 : this.addressOf(dx);
    const area = this.operandArea(odx + (dx === null || homeDx >= 0 ? 0 : align(n * image * sz)));
    if (area < 0) return false;
    const px = this.operand(p.x, 0, n * image, area + ox);
    const pw = this.operand(p.weight, 0, F * rows, area + ow);
    const pdout = this.operand(p.dout, 0, n * F * plane, area + odout);
    // Address 0 tells the kernel to skip the input's gradient.
    const pparts = area + oparts,
      pcols = area + ocols,
      pdx = dx === null ? 0 : homeDx >= 0 ? homeDx : area + odx;
    if (dx !== null) this.ex.zeroBytes(pdx, n * image * sz); // col2im adds into dx
    this.ex.zeroBytes(pparts, F * rows * sz); // dW of an empty batch
    const counter = this.ctlByte + CTL_COUNTER * 4;
    const args = (t: Scratch, cols: number): number[] => [
      px,
      pw,
      pdout,
      pparts,
      pdx,
      n,
      per,
      counter,
      ...geometryArgs(g),
      F,
      cols,
      cols + colsBytes,
      t.packA,
      t.packB,
      t.tile,
    ];
    const [s0, s1] = this.scratch;
    this.sharedOrAlone(
      sz === 8 ? "convBackwardF64" : "convBackwardF32",
      args(s0, pcols),
      args(s1, pcols + 2 * colsBytes),
      n > per,
    );
    // dW = part 0 + part 1 + ... in that order (in the storage type, as the kernel accumulates), in
    // place when dW lives in the memory (a parameter's gradient does), else added into part 0 and copied out.
    const homeDw = this.addressOf(p.dWeight);
    (sz === 8 ? this.ex.addPartsF64 : this.ex.addPartsF32)(pparts, parts, F * rows, homeDw >= 0 ? homeDw : pparts);
    if (homeDw < 0) this.take(p.dWeight, 0, F * rows, pparts);
    if (dx !== null && homeDx < 0) this.take(dx, 0, n * image, pdx);
    if (p.dBias !== null) this.planeSums(pdout, n, F, plane, p.dBias, sz);
    return true;
  }

  /**
   * Images per chunk of a shared convolution: a fixed function of the batch (never of the threads), so
   * results do not depend on the split. Eight chunks let a thread that starts late take fewer; a small
   * batch is one chunk.
   */
  private imagesPerChunk(n: number, macsPerImage: number): number {
    if (n * macsPerImage < PARALLEL_MIN_MACS) return Math.max(1, n);
    return Math.max(1, Math.ceil(n / 8));
  }

  /** Shares the task with the worker when there is more than one chunk; otherwise runs it here. */
  private sharedOrAlone(name: SharedName, own: number[], theirs: number[], split: boolean): void {
    if (split) {
      this.shared(name, own, theirs);
    } else {
      Atomics.store(this.ctl, CTL_COUNTER, 0);
      (this.ex[name] as (...a: number[]) => void)(...own);
    }
  }

  /** Waits for the worker to finish product `seq` (it has joined it, so it is running). */
  private awaitWorker(seq: number): void {
    const ctl = this.ctl;
    for (let i = 0; ; i++) {
      const done = Atomics.load(ctl, CTL_DONE);
      if (done === seq) break;
      if (i >= SPIN) Atomics.wait(ctl, CTL_DONE, done, 100);
    }
    if (Atomics.load(ctl, CTL_ERROR) !== 0)
      throw new Error("wasm kernels: the worker thread's part of a product failed");
  }

  im2col(x: Storage, xOffset: number, g: ConvGeometry, cols: Storage): void {
    const image = g.channels * g.height * g.width;
    const out = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
    const sz = x instanceof Float64Array ? 8 : 4;
    const area =
      this.convOk(g) &&
      x instanceof Float64Array === cols instanceof Float64Array &&
      xOffset >= 0 &&
      xOffset + image <= x.length &&
      out <= cols.length
        ? this.operandArea(align(image * sz) + out * sz)
        : -1;
    if (area < 0) {
      referenceKernels.im2col(x, xOffset, g, cols);
      return;
    }
    const px = area,
      pc = area + align(image * sz);
    this.put(x, xOffset, image, px);
    (sz === 8 ? this.ex.im2colF64 : this.ex.im2colF32)(
      px,
      g.channels,
      g.height,
      g.width,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.outH,
      g.outW,
      pc,
    );
    this.take(cols, 0, out, pc);
  }

  col2im(cols: Storage, g: ConvGeometry, dx: Storage, dxOffset: number): void {
    const image = g.channels * g.height * g.width;
    const count = g.channels * g.kernelH * g.kernelW * g.outH * g.outW;
    const sz = dx instanceof Float64Array ? 8 : 4;
    const area =
      this.convOk(g) &&
      dx instanceof Float64Array === cols instanceof Float64Array &&
      dxOffset >= 0 &&
      dxOffset + image <= dx.length &&
      count <= cols.length
        ? this.operandArea(align(image * sz) + count * sz)
        : -1;
    if (area < 0) {
      referenceKernels.col2im(cols, g, dx, dxOffset);
      return;
    }
    const px = area,
      pc = area + align(image * sz);
    this.put(dx, dxOffset, image, px);
    this.put(cols, 0, count, pc);
    (sz === 8 ? this.ex.col2imF64 : this.ex.col2imF32)(
      pc,
      g.channels,
      g.height,
      g.width,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.outH,
      g.outW,
      px,
    );
    this.take(dx, dxOffset, image, px);
  }

  /** allFiniteReference in the memory, for storage that lives there. */
  allFinite(s: Storage): boolean {
    const at = this.addressOf(s);
    if (at < 0) return allFiniteReference(s);
    return (s instanceof Float64Array ? this.ex.allFiniteF64 : this.ex.allFiniteF32)(at, s.length) === 1;
  }

  /** sgdStepReference in the memory when the weights, gradient and velocity all live there (same bits). */
  sgdStep(p: SgdStepArgs): void {
    const { w, g, v } = p;
    const useV = p.momentum !== 0;
    const pw = this.addressOf(w),
      pg = this.addressOf(g),
      pv = useV && v !== null ? this.addressOf(v) : 0;
    const f64 = w instanceof Float64Array;
    const ok =
      pw >= 0 &&
      pg >= 0 &&
      pv >= 0 &&
      g.length === w.length &&
      sameStorage(w, g) &&
      (!useV || (v !== null && v.length === w.length && sameStorage(w, v)));
    if (!ok) return sgdStepReference(p);
    const args = [pw, pg, pv, w.length, p.lr, p.momentum, p.weightDecay, p.nesterov ? 1 : 0];
    if (w.length < PARALLEL_MIN_ENTRIES) {
      (f64 ? this.ex.sgdF64 : this.ex.sgdF32)(...(args as Parameters<SgdFn>));
      return;
    }
    // A large layer's update (memory-bound, ~0.1 ms for 200k float32 weights) is shared with the worker by chunks.
    const chunk = Math.ceil(w.length / MAX_ELEMENTWISE_CHUNKS / 16) * 16;
    const shared = [...args, chunk, this.ctlByte + CTL_COUNTER * 4];
    this.shared(f64 ? "sgdSharedF64" : "sgdSharedF32", shared, shared);
  }

  /** reluReference in the memory when x and out both live there (same bits). */
  relu(x: Storage, out: Storage): void {
    const px = this.addressOf(x),
      po = this.addressOf(out);
    if (px < 0 || po < 0 || x.length !== out.length || !sameStorage(x, out)) return reluReference(x, out);
    (x instanceof Float64Array ? this.ex.reluF64 : this.ex.reluF32)(px, po, x.length);
  }

  /** reluBackwardReference in the memory when x, dout and dx all live there (same bits). */
  reluBackward(x: Storage, dout: Storage, dx: Storage): void {
    const px = this.addressOf(x),
      pd = this.addressOf(dout),
      pdx = this.addressOf(dx);
    const ok =
      px >= 0 && pd >= 0 && pdx >= 0 && x.length === dout.length && x.length === dx.length && sameStorage(x, dout, dx);
    if (!ok) return reluBackwardReference(x, dout, dx);
    (x instanceof Float64Array ? this.ex.reluBackwardF64 : this.ex.reluBackwardF32)(px, pd, pdx, x.length);
  }

  /** columnSumsReference in the memory when src and dst both live there (same bits). */
  columnSums(src: Storage, rows: number, cols: number, dst: Storage): void {
    const ps = this.addressOf(src),
      pd = this.addressOf(dst);
    const ok =
      ps >= 0 &&
      pd >= 0 &&
      sameStorage(src, dst) &&
      Number.isInteger(rows) &&
      Number.isInteger(cols) &&
      rows >= 0 &&
      cols >= 0 &&
      src.length >= rows * cols &&
      dst.length >= cols;
    if (!ok) return columnSumsReference(src, rows, cols, dst);
    (src instanceof Float64Array ? this.ex.columnSumsF64 : this.ex.columnSumsF32)(ps, rows, cols, pd);
  }

  /** s.fill(0) through the memory's bulk fill when s lives there. */
  fillZero(s: Storage): void {
    const at = this.addressOf(s);
    if (at < 0) s.fill(0);
    else this.ex.zeroBytes(at, s.byteLength);
  }

  /** maxPoolReference in the memory when x, out and argmax live there (same bits). */
  maxPool(p: MaxPoolArgs): void {
    const px = this.addressOf(p.x),
      po = this.addressOf(p.out),
      pa = this.addressOf(p.argmax);
    const count = p.planes * p.outH * p.outW;
    const dims = [p.planes, p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.outH, p.outW];
    const ok =
      px >= 0 &&
      po >= 0 &&
      pa >= 0 &&
      sameStorage(p.x, p.out) &&
      dims.every((v) => Number.isInteger(v) && v >= 0) &&
      p.kh >= 1 &&
      p.kw >= 1 &&
      (p.outH - 1) * p.sh + p.kh <= p.h &&
      (p.outW - 1) * p.sw + p.kw <= p.w &&
      p.x.length >= p.planes * p.h * p.w &&
      p.out.length >= count &&
      p.argmax.length >= count;
    if (!ok) return maxPoolReference(p);
    (p.x instanceof Float64Array ? this.ex.maxPoolF64 : this.ex.maxPoolF32)(px, ...dims, po, pa);
  }

  /** maxPoolBackwardReference in the memory when argmax, dout and dx live there (same bits). */
  maxPoolBackward(argmax: Int32Array, dout: Storage, dx: Storage): void {
    const pa = this.addressOf(argmax),
      pd = this.addressOf(dout),
      pdx = this.addressOf(dx);
    if (pa < 0 || pd < 0 || pdx < 0 || !sameStorage(dout, dx) || dout.length < argmax.length)
      return maxPoolBackwardReference(argmax, dout, dx);
    (dx instanceof Float64Array ? this.ex.maxPoolBackwardF64 : this.ex.maxPoolBackwardF32)(
      pa,
      pd,
      argmax.length,
      pdx,
      dx.length,
    );
  }

  /** channelReduceReference in the memory when the values live there (the C sums cross over). */
  channelReduce(p: ChannelReduceArgs): void {
    const { n, C, inner } = p;
    const size = n * C * inner;
    const pa = this.addressOf(p.a),
      pb = p.b === null ? 0 : this.addressOf(p.b);
    const needs = p.term === "product" ? p.b !== null : p.term === "squaredDeviation" ? p.mean !== null : true;
    const ok =
      needs &&
      pa >= 0 &&
      pb >= 0 &&
      (p.b === null || sameStorage(p.a, p.b)) &&
      p.a.length >= size &&
      (p.b === null || p.b.length >= size) &&
      p.out.length >= C &&
      (p.mean === null || p.mean.length >= C);
    const area = ok ? this.operandArea(2 * align(C * 8)) : -1;
    if (area < 0) return channelReduceReference(p);
    const pmean = area,
      pout = area + align(C * 8);
    if (p.mean !== null) this.put(p.mean, 0, C, pmean);
    const mode = p.term === "sum" ? 0 : p.term === "squaredDeviation" ? 1 : 2;
    (p.a instanceof Float64Array ? this.ex.channelReduceF64 : this.ex.channelReduceF32)(
      mode,
      pa,
      pb,
      pmean,
      n,
      C,
      inner,
      pout,
    );
    this.take(p.out, 0, C, pout);
  }

  /** batchNormNormalizeReference in the memory when x, xhat and out live there. */
  batchNormNormalize(p: BatchNormNormalizeArgs): void {
    const { n, C, inner } = p;
    const size = n * C * inner;
    const px = this.addressOf(p.x),
      ph = this.addressOf(p.xhat),
      po = this.addressOf(p.out);
    const ok =
      px >= 0 &&
      ph >= 0 &&
      po >= 0 &&
      sameStorage(p.x, p.xhat, p.out, p.gamma, p.beta) &&
      [p.x, p.xhat, p.out].every((s) => s.length >= size) &&
      [p.gamma, p.beta, p.mean, p.invstd].every((s) => s.length >= C);
    const sz = p.x instanceof Float64Array ? 8 : 4;
    const area = ok ? this.operandArea(2 * align(C * 8) + 2 * align(C * sz)) : -1;
    if (area < 0) return batchNormNormalizeReference(p);
    const pmean = area,
      pinv = pmean + align(C * 8),
      pg = pinv + align(C * 8),
      pbeta = pg + align(C * sz);
    this.put(p.mean, 0, C, pmean);
    this.put(p.invstd, 0, C, pinv);
    const g = this.operand(p.gamma, 0, C, pg),
      b = this.operand(p.beta, 0, C, pbeta);
    (sz === 8 ? this.ex.batchNormNormalizeF64 : this.ex.batchNormNormalizeF32)(
      px,
      n,
      C,
      inner,
      pmean,
      pinv,
      g,
      b,
      ph,
      po,
    );
  }

  /** batchNormBackwardReference in the memory when dy, xhat and dx live there. */
  batchNormBackward(p: BatchNormBackwardArgs): void {
    const { n, C, inner } = p;
    const size = n * C * inner;
    const pdy = this.addressOf(p.dy),
      ph = this.addressOf(p.xhat),
      pdx = this.addressOf(p.dx);
    const ok =
      pdy >= 0 &&
      ph >= 0 &&
      pdx >= 0 &&
      sameStorage(p.dy, p.xhat, p.dx) &&
      [p.dy, p.xhat, p.dx].every((s) => s.length >= size) &&
      [p.k1, p.k0, p.k2].every((s) => s.length >= C);
    const area = ok ? this.operandArea(3 * align(C * 8)) : -1;
    if (area < 0) return batchNormBackwardReference(p);
    const pk1 = area,
      pk0 = pk1 + align(C * 8),
      pk2 = pk0 + align(C * 8);
    this.put(p.k1, 0, C, pk1);
    this.put(p.k0, 0, C, pk0);
    this.put(p.k2, 0, C, pk2);
    (p.dy instanceof Float64Array ? this.ex.batchNormBackwardF64 : this.ex.batchNormBackwardF32)(
      pdy,
      ph,
      n,
      C,
      inner,
      pk1,
      pk0,
      pk2,
      pdx,
    );
  }

  /** planeSums (lib/kernels/conv.ts) of dout at byte address pdout into db, shared by filters (same bits). */
  private planeSums(pdout: number, n: number, F: number, plane: number, db: Storage, sz: number): void {
    const pdb = this.addressOf(db);
    if (pdb < 0 || db.length < F) {
      const view = sz === 8 ? this.f64 : this.f32;
      planeSums(view.subarray(pdout / sz, pdout / sz + n * F * plane), n, F, plane, db);
      return;
    }
    const name = sz === 8 ? "planeSumsSharedF64" : "planeSumsSharedF32";
    const counter = this.ctlByte + CTL_COUNTER * 4;
    if (n * F * plane < PARALLEL_MIN_ENTRIES) {
      Atomics.store(this.ctl, CTL_COUNTER, 0);
      this.ex[name](pdout, n, F, plane, pdb, F, counter);
      return;
    }
    const args = [pdout, n, F, plane, pdb, Math.ceil(F / MAX_ELEMENTWISE_CHUNKS), counter];
    this.shared(name, args, args);
  }

  /** Geometry the wasm loops can take as is (anything odd goes to the reference, which defines it). */
  private convOk(g: ConvGeometry): boolean {
    const ints = [g.channels, g.height, g.width, g.kernelH, g.kernelW, g.padH, g.padW, g.outH, g.outW];
    return (
      ints.every((v) => Number.isInteger(v) && v >= 0) &&
      Number.isInteger(g.strideH) &&
      g.strideH >= 1 &&
      Number.isInteger(g.strideW) &&
      g.strideW >= 1
    );
  }
}

function checkExports(ex: Record<string, unknown>): KernelExports {
  const fns = [
    "gemmF64",
    "gemmF32",
    ...SHARED_FNS,
    "im2colF64",
    "im2colF32",
    "col2imF64",
    "col2imF32",
    "allFiniteF64",
    "allFiniteF32",
    "sgdF64",
    "sgdF32",
    "reluF64",
    "reluF32",
    "reluBackwardF64",
    "reluBackwardF32",
    "columnSumsF64",
    "columnSumsF32",
    "zeroBytes",
    "addPartsF64",
    "addPartsF32",
    "maxPoolF64",
    "maxPoolF32",
    "maxPoolBackwardF64",
    "maxPoolBackwardF32",
    "channelReduceF64",
    "channelReduceF32",
    "batchNormNormalizeF64",
    "batchNormNormalizeF32",
    "batchNormBackwardF64",
    "batchNormBackwardF32",
    "heapBase",
  ];
  for (const name of fns) {
    if (typeof ex[name] !== "function")
      throw new Error(`wasm kernels: kernels.wasm does not export ${name} (rebuild with scripts/build-wasm.js)`);
  }
  for (const name of ["KC", "MC", "NC"]) {
    const g = ex[name];
    if (typeof g !== "object" || g === null || typeof (g as { value?: unknown }).value !== "number") {
      throw new Error(`wasm kernels: kernels.wasm does not export the global ${name}`);
    }
  }
  return ex as unknown as KernelExports;
}

/** Same checks (and messages) as the reference gemm, so both fail alike on bad arguments. */
let engine_: WasmEngine | null = null;
let failure: Error | null = null;

/**
 * Which committed module to run: kernels-fma.wasm when this engine accepts relaxed SIMD (its GEMM
 * micro-kernel then uses fused multiply-adds: 20-30% faster products on this machine's AMD EPYC),
 * else kernels.wasm (plain SIMD128). Node 22 and later accept relaxed SIMD by default; Node 20's V8
 * has it behind a flag, which is switched on here (the flag only admits the extra instructions in
 * modules compiled from now on). TSDL_WASM_FMA=0 keeps the plain module.
 */
function chooseModule(): { bytes: Uint8Array; fma: boolean } {
  const read = (file: string): Uint8Array => new Uint8Array(readFileSync(join(__dirname, file)));
  const api = wasmApi();
  if (api !== null && process.env.TSDL_WASM_FMA !== "0") {
    try {
      const fma = read("kernels-fma.wasm");
      if (!api.validate(fma)) setFlagsFromString("--experimental-wasm-relaxed-simd");
      if (api.validate(fma)) return { bytes: fma, fma: true };
    } catch {
      // No FMA build, or a V8 without the flag: the plain module below.
    }
  }
  return { bytes: read("kernels.wasm"), fma: false };
}

/** The committed module, compiled and instantiated on first use (synchronously). */
function engine(): WasmEngine {
  if (engine_ !== null) return engine_;
  if (failure !== null) throw failure;
  try {
    const { bytes, fma } = chooseModule();
    engine_ = new WasmEngine(bytes, true, fma);
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    throw failure;
  }
  return engine_;
}

export const wasmKernels: Kernels = {
  name: "wasm (SIMD128)",
  gemm(p: GemmArgs): void {
    checkGemmArgs(p);
    if (p.m === 0 || p.n === 0) return;
    // Nothing to multiply: only C's scaling, which the reference does exactly as specified.
    if (p.k === 0 || p.alpha === 0) return referenceKernels.gemm(p);
    engine().gemm(p);
  },
  im2col(x: Storage, xOffset: number, g: ConvGeometry, cols: Storage): void {
    engine().im2col(x, xOffset, g, cols);
  },
  col2im(cols: Storage, g: ConvGeometry, dx: Storage, dxOffset: number): void {
    engine().col2im(cols, g, dx, dxOffset);
  },
  conv2dForward(p: Conv2dForwardArgs): void {
    if (!engine().conv2dForward(p)) conv2dForwardWith(wasmKernels, p);
  },
  conv2dBackward(p: Conv2dBackwardArgs): void {
    if (!engine().conv2dBackward(p)) conv2dBackwardWith(wasmKernels, p);
  },
  allocate(dtype: DType, length: number): Storage | null {
    return engine().allocate(dtype, length);
  },
  allFinite(s: Storage): boolean {
    return engine().allFinite(s);
  },
  sgdStep(p: SgdStepArgs): void {
    engine().sgdStep(p);
  },
  relu(x: Storage, out: Storage): void {
    engine().relu(x, out);
  },
  reluBackward(x: Storage, dout: Storage, dx: Storage): void {
    engine().reluBackward(x, dout, dx);
  },
  columnSums(src: Storage, rows: number, cols: number, dst: Storage): void {
    engine().columnSums(src, rows, cols, dst);
  },
  fillZero(s: Storage): void {
    engine().fillZero(s);
  },
  maxPool(p: MaxPoolArgs): void {
    engine().maxPool(p);
  },
  maxPoolBackward(argmax: Int32Array, dout: Storage, dx: Storage): void {
    engine().maxPoolBackward(argmax, dout, dx);
  },
  channelReduce(p: ChannelReduceArgs): void {
    engine().channelReduce(p);
  },
  batchNormNormalize(p: BatchNormNormalizeArgs): void {
    engine().batchNormNormalize(p);
  },
  batchNormBackward(p: BatchNormBackwardArgs): void {
    engine().batchNormBackward(p);
  },
};

export interface WasmKernelOptions {
  /**
   * Let one worker thread take half of each large product (default true). It starts in the
   * background; until it is ready (a few tens of ms) products run on the calling thread.
   */
  threads?: boolean;
}

/** Whether the wasm kernels can run here (WebAssembly SIMD128 and shared memory). */
export function wasmKernelsSupported(): boolean {
  try {
    engine();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the wasm kernels the active ones (via setKernels) if WebAssembly SIMD is available and
 * returns true; otherwise leaves the current kernels in place and returns false.
 * `setKernels(null)` goes back to the reference kernels.
 */
export function useWasmKernels(options: WasmKernelOptions = {}): boolean {
  if (!wasmKernelsSupported()) return false;
  setWasmThreads(options.threads ?? true);
  setKernels(wasmKernels);
  return true;
}

/**
 * Turns the use of the worker thread on or off. With `wait`, blocks until it is ready (benchmarks use this
 * so the first timed products are already split). Returns whether products can now be split.
 */
export function setWasmThreads(on: boolean, wait = false): boolean {
  const e = engine();
  // Off only stops handing work over: the idle worker sleeps in Atomics.wait and costs nothing.
  e.threads = on;
  if (!on) return false;
  return wait ? e.waitForWorker() : true;
}

/** Why the wasm kernels are unavailable, or null when they work (for messages and the benchmark). */
export function wasmKernelsError(): string | null {
  return wasmKernelsSupported() ? null : (failure?.message ?? "unknown error");
}

export interface WasmKernelsInfo {
  /** Whether large products may be split with the worker thread. */
  threads: boolean;
  /** Whether the worker has started and can take work. */
  workerReady: boolean;
  /** How many products have been offered to the worker so far, and how many it took part in. */
  splitProducts: number;
  joinedProducts: number;
  /** Current size of the linear memory in bytes. */
  memoryBytes: number;
  /** Products with fewer multiply-adds than this always run on the calling thread. */
  parallelMinMacs: number;
  /** Whether the module with fused multiply-adds (relaxed SIMD) runs, rather than plain SIMD128. */
  fma: boolean;
}

/** State of the wasm kernels (instantiating them if needed); throws if they are unavailable. */
export function wasmKernelsInfo(): WasmKernelsInfo {
  const e = engine();
  return {
    threads: e.threads && e.workerUsable(),
    workerReady: e.workerReady(),
    splitProducts: e.splitProducts,
    joinedProducts: e.joinedProducts,
    memoryBytes: e.memory.buffer.byteLength,
    parallelMinMacs: PARALLEL_MIN_MACS,
    fma: e.fma,
  };
}

/**
 * For tests: makes every shared product wait until the worker has joined it, so that the worker's
 * code path runs deterministically (normally a late worker is simply left out).
 */
export function setWasmAwaitWorkerForTests(on: boolean): void {
  engine().awaitJoin = on;
}

/** Whether `s` lives in the wasm kernels' memory (allocated by them, so used in place, never copied). */
export function isWasmStorage(s: Storage): boolean {
  return engine_ !== null && engine_.addressOf(s) >= 0;
}
