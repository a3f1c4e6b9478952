import { kernels, type Kernels } from "../kernels/kernels";
import { allocatePersistent, type DType, type Storage } from "./dtype";

/**
 * A step arena: while `withArena(arena, fn)` runs, every new tensor's storage is cut from a few large
 * buffers that the next call reuses, instead of being a fresh typed array. A training step allocates
 * the same activations and gradients every time, and fresh arrays cost an allocation, page faults and
 * V8 garbage collections triggered by "external memory"; reused ones cost a fill(0). Under the wasm
 * kernels the buffers live in the WebAssembly memory, so the products use activations in place too.
 *
 * The rule: everything allocated inside `fn` is dead when the next `withArena` call on the same arena
 * starts. `fn` should return numbers, or copies made with `outsideArena(() => t.clone())`. State that
 * must outlive a step is created outside it (a layer's constructor) or with `outsideArena`; parameters
 * and optimizer slots use Tensor.zerosForKernels, which never takes from an arena.
 */
export class StepArena {
  private chunk: Storage | null = null;
  private chunkOwner: Kernels | null = null;
  private used = 0;
  /** Bytes cut from chunks that overflowed the main one during the current round. */
  private overflow = 0;
  private extra: Storage[] = [];

  /** @param poison fill the previous round's storage with NaN bits when a round starts (tests: finds escapes) */
  constructor(private readonly poison = false) {}

  /** Zeroed storage of `length` elements, 64-byte aligned. */
  take(dtype: DType, length: number): Storage {
    const sz = dtype === "float64" ? 8 : 4;
    const bytes = align(length * sz);
    const main = this.chunk;
    if (main !== null && this.used + bytes <= main.byteLength) {
      const s = view(main, this.used, dtype, length);
      this.used += bytes;
      // The chunk's kernels may zero faster than fill(0) (shared WebAssembly memory).
      if (this.chunkOwner?.memory !== undefined) this.chunkOwner.memory.fillZero(s);
      else s.fill(0);
      return s;
    }
    // Overflow: a chunk of its own this round; the next round's main chunk holds everything.
    const own = chunkOf(Math.max(bytes, 64));
    this.extra.push(own);
    this.overflow += bytes;
    return view(own, 0, dtype, length);
  }

  /** Starts a round: the previous round's storage is reused from here on. */
  rewind(): void {
    if (this.poison) {
      // All-ones bytes are NaN as float64 and as float32.
      if (this.chunk !== null) new Uint8Array(this.chunk.buffer, this.chunk.byteOffset, this.used).fill(0xff);
      for (const e of this.extra) new Uint8Array(e.buffer, e.byteOffset, e.byteLength).fill(0xff);
    }
    const k = kernels();
    const need = this.used + this.overflow;
    if (this.chunk === null ? need > 0 : need > this.chunk.byteLength || this.chunkOwner !== k) {
      // Grow to what the last round used (with room to spare), in the active kernels' storage.
      this.chunk = chunkOf(Math.max(need + (need >> 2), this.chunk?.byteLength ?? 0));
      this.chunkOwner = k;
    }
    this.extra = [];
    this.used = 0;
    this.overflow = 0;
  }

  /** Bytes the arena holds (tests and diagnostics). */
  get capacity(): number {
    return this.chunk?.byteLength ?? 0;
  }
}

let active: StepArena | null = null;

/** Zeroed storage: from the step arena while one is active (see arena.ts), else a fresh array. */
export function allocate(dtype: DType, length: number): Storage {
  return active?.take(dtype, length) ?? allocatePersistent(dtype, length);
}

/**
 * Zeroed int32 indices (e.g. max pooling's argmax), cut from the same storage as `allocate("float32")`:
 * a step arena's, so under the wasm kernels they live in their memory too.
 */
export function allocateIndices(length: number): Int32Array {
  const s = allocate("float32", length);
  return new Int32Array(s.buffer, s.byteOffset, length);
}

/**
 * Runs fn with new storage coming from `arena` (rewound first: the previous call's tensors are dead).
 * Calls nest: an inner call's arena is active until it returns. A null arena runs fn as it is, with
 * whatever storage is current (for callers whose arena is optional).
 */
export function withArena<T>(arena: StepArena | null, fn: () => T): T {
  if (arena === null) return fn();
  const outer = active;
  arena.rewind();
  active = arena;
  try {
    return fn();
  } finally {
    active = outer;
  }
}

/** Runs fn with fresh storage (no arena), e.g. to create state inside a step that must outlive it. */
export function outsideArena<T>(fn: () => T): T {
  const outer = active;
  active = null;
  try {
    return fn();
  } finally {
    active = outer;
  }
}

/** The arena new storage comes from, or null. */
export function activeArena(): StepArena | null {
  return active;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/** A chunk of `bytes` (a multiple of 8) in the active kernels' storage when they have their own, else a plain array. */
function chunkOf(bytes: number): Storage {
  const words = Math.ceil(bytes / 8);
  return kernels().memory?.allocate("float64", words) ?? new Float64Array(words);
}

function view(chunk: Storage, byte: number, dtype: DType, length: number): Storage {
  const at = chunk.byteOffset + byte;
  return dtype === "float64" ? new Float64Array(chunk.buffer, at, length) : new Float32Array(chunk.buffer, at, length);
}
