import { join } from "path";
import { Worker } from "worker_threads";
import type { WasmMemory, WasmModule } from "./module";
import { CONTROL, SHARED_FUNCTIONS, type SharedFunction, type WorkerData } from "./protocol";

/** Busy-wait iterations before blocking in Atomics.wait (a futex wake-up costs tens of microseconds). */
const SPIN = 20000;
/**
 * How long the worker keeps polling for the next task before it sleeps, in milliseconds. In a
 * training step the next product follows within a few milliseconds, and a sleeping worker wakes late:
 * on a virtual machine an idle vCPU is halted, and waking it took over a millisecond here (the worker
 * then joined a 4 ms convolution for a fraction of it). OpenMP runtimes spin the same way (Intel's
 * KMP_BLOCKTIME defaults to 200 ms); the cost is the second core busy for this long after a product.
 */
const WORKER_SPIN_MS = 5;

/**
 * The calling thread's side of the worker protocol (protocol.ts): one worker thread (worker.js) that
 * runs the same module on the same memory and helps with large tasks. A task is cut into chunks that
 * both threads take from one atomic counter, and each chunk is computed the same way whichever thread
 * takes it, so results never depend on the split; a worker that is late or descheduled costs nothing
 * but its help.
 */
export class WasmThreads {
  /** Whether tasks may be shared with the worker (setWasmThreads). */
  enabled = true;
  /** Tasks offered to the worker so far, and how many it joined (for tests and the benchmark). */
  offered = 0;
  joined = 0;
  /** Tests only: the caller waits for the worker to join each shared task, so the worker's path always runs. */
  awaitJoin = false;
  private readonly ctl: Int32Array;
  private readonly params: Float64Array;
  private worker: Worker | null = null;
  private failed = false;
  private seq = 0;

  /** @param controlByte byte address of the control block (protocol.ts) in `memory` */
  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly controlByte: number,
  ) {
    // The block sits below the memory's initial size, so these views stay valid when it grows.
    this.ctl = new Int32Array(memory.buffer, controlByte, CONTROL.INTS);
    this.params = new Float64Array(memory.buffer, controlByte + CONTROL.INTS * 4, CONTROL.PARAMS);
  }

  /** Byte address of the chunk counter the shared wasm functions take chunks from. */
  get counterAddress(): number {
    return this.controlByte + CONTROL.COUNTER * 4;
  }

  /** Zeroes the chunk counter (before a task runs, shared or not). */
  resetCounter(): void {
    Atomics.store(this.ctl, CONTROL.COUNTER, 0);
  }

  /** Whether the worker can take work now (starting it, without waiting, on first use). */
  ready(): boolean {
    if (!this.enabled) return false;
    this.start();
    return Atomics.load(this.ctl, CONTROL.READY) === 1;
  }

  /** False once starting the worker has failed (e.g. no permission to create threads). */
  usable(): boolean {
    return !this.failed;
  }

  /** Whether the worker has started and can take work. */
  started(): boolean {
    return this.worker !== null && Atomics.load(this.ctl, CONTROL.READY) === 1;
  }

  /** Blocks until the worker has finished starting (or failed); returns whether it is usable. */
  waitUntilReady(timeoutMs = 5000): boolean {
    if (!this.enabled) return false;
    this.start();
    if (this.worker === null) return false;
    const t0 = Date.now();
    while (Atomics.load(this.ctl, CONTROL.READY) === 0 && Date.now() - t0 < timeoutMs)
      Atomics.wait(this.ctl, CONTROL.READY, 0, 50);
    return Atomics.load(this.ctl, CONTROL.READY) === 1;
  }

  /**
   * Runs a shared function: `run(own)` on this thread, with the task offered to the worker with the
   * arguments `theirs` (the same but for its own scratch buffers). Both take chunks from the one
   * counter; without a ready worker this thread takes them all, with the same result.
   */
  share(name: SharedFunction, run: (args: number[]) => void, own: number[], theirs: number[]): void {
    this.resetCounter();
    if (!this.ready()) {
      run(own);
      return;
    }
    const p = this.params;
    p[0] = SHARED_FUNCTIONS.indexOf(name);
    p[1] = theirs.length;
    p.set(theirs, 2);
    this.seq = (this.seq % 0x1fffffff) + 1;
    const state = this.seq << 2;
    Atomics.store(this.ctl, CONTROL.STATE, state);
    Atomics.notify(this.ctl, CONTROL.STATE, 1);
    this.offered++;
    if (this.awaitJoin)
      while ((Atomics.load(this.ctl, CONTROL.STATE) & 3) === 0) Atomics.wait(this.ctl, CONTROL.STATE, state, 1);
    run(own);
    // Close the task if the worker never showed up; otherwise wait for its last chunk.
    if (Atomics.compareExchange(this.ctl, CONTROL.STATE, state, state | 2) !== state) {
      this.joined++;
      this.awaitWorker(this.seq);
    }
  }

  /** Starts the worker (once); it becomes usable when it reports ready, without blocking this thread. */
  private start(): void {
    if (this.worker !== null || this.failed) return;
    Atomics.store(this.ctl, CONTROL.READY, 0);
    const workerData: WorkerData = {
      module: this.module,
      memory: this.memory,
      controlByte: this.controlByte,
      control: CONTROL,
      sharedFunctions: SHARED_FUNCTIONS,
      spinMs: WORKER_SPIN_MS,
    };
    let worker: Worker;
    try {
      // No loaders (tsx) in the worker: worker.js is plain JavaScript.
      worker = new Worker(join(__dirname, "worker.js"), { execArgv: [], workerData });
    } catch {
      // E.g. a sandbox without worker permission: everything simply runs on the calling thread.
      this.failed = true;
      return;
    }
    worker.unref(); // never keeps the process alive
    worker.on("error", () => Atomics.store(this.ctl, CONTROL.READY, -1));
    this.worker = worker;
  }

  /** Waits for the worker to finish task `seq` (it has joined it, so it is running). */
  private awaitWorker(seq: number): void {
    const ctl = this.ctl;
    for (let i = 0; ; i++) {
      const done = Atomics.load(ctl, CONTROL.DONE);
      if (done === seq) break;
      if (i >= SPIN) Atomics.wait(ctl, CONTROL.DONE, done, 100);
    }
    if (Atomics.load(ctl, CONTROL.ERROR) !== 0)
      throw new Error("wasm kernels: the worker thread's part of a product failed");
  }
}
