import type { DType, Storage } from "../../tensor/dtype";
import { WasmHeap, type HeapBlock } from "./heap";
import { MAX_PAGES, PAGE, type WasmMemory } from "./module";

/** The slice of FinalizationRegistry used here (not in every TS lib the kernels are compiled with). */
interface Registry<T> {
  register(target: object, held: T): void;
}
type RegistryCtor = new <T>(cleanup: (held: T) => void) => Registry<T>;

function finalizationRegistry<T>(cleanup: (held: T) => void): Registry<T> | null {
  const ctor = (globalThis as unknown as { FinalizationRegistry?: RegistryCtor }).FinalizationRegistry;
  return ctor === undefined ? null : new ctor<T>(cleanup);
}

export function align(bytes: number, to = 64): number {
  return Math.ceil(bytes / to) * to;
}

/**
 * The module's linear memory as the kernels use it. The module has no runtime: it works on raw memory
 * laid out by the host. Storage allocated here (parameters, gradients, optimizer state, step arenas)
 * lives in the memory and is used in place; other operands are copied into an operand area, the kernel
 * runs, and the result is copied back (typed-array copies are memcpy, small next to an O(mnk) product).
 * The memory only grows; the operand area is reused from call to call.
 */
export class LinearMemory {
  /** Blocks above the fixed layout: allocated storage and the operand area. */
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

  /**
   * @param heapBase first byte the heap may use (above the module's data and the fixed layout)
   * @param zeroBytes the module's bulk fill (ptr, bytes)
   */
  constructor(
    readonly memory: WasmMemory,
    heapBase: number,
    private readonly zeroBytes: (ptr: number, bytes: number) => void,
  ) {
    this.heap = new WasmHeap(align(heapBase), (end) => this.reserve(end));
    this.refreshViews();
  }

  /** Typed views go stale when the memory grows (the buffer object is replaced). */
  private refreshViews(): void {
    const buf = this.memory.buffer;
    if (this.f64.buffer === buf && this.f64.length * 8 === buf.byteLength) return;
    this.buffers.add(buf);
    this.f64 = new Float64Array(buf);
    this.f32 = new Float32Array(buf);
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
    this.zeroBytes(block.ptr, length * sz);
    this.registry?.register(s, block);
    return s;
  }

  /** s.fill(0) through the module's bulk fill when s lives in the memory. */
  fillZero(s: Storage): void {
    const at = this.addressOf(s);
    if (at < 0) s.fill(0);
    else this.zeroBytes(at, s.byteLength);
  }

  /** Zeroes `bytes` bytes at byte `ptr`. */
  zero(ptr: number, bytes: number): void {
    this.zeroBytes(ptr, bytes);
  }

  /** Byte address of s[0] if s lives in the memory, else -1. */
  addressOf(s: Storage | Int32Array): number {
    return this.buffers.has(s.buffer) ? s.byteOffset : -1;
  }

  /** Byte address of an operand area of at least `bytes` (its contents are not kept), or -1 when there is no room. */
  operandArea(bytes: number): number {
    if (bytes <= this.areaBytes && this.area !== null) return this.area.ptr;
    if (this.area !== null) this.heap.release(this.area);
    this.area = this.heap.alloc(bytes);
    this.areaBytes = this.area === null ? 0 : 2 ** this.area.cls;
    return this.area === null ? -1 : this.area.ptr;
  }

  /** Byte address of src[from] in the memory: where it lives, or a copy of count elements made at `at`. */
  operand(src: Storage, from: number, count: number, at: number): number {
    const home = this.addressOf(src);
    if (home >= 0) return home + from * src.BYTES_PER_ELEMENT;
    this.put(src, from, count, at);
    return at;
  }

  /** Copies src[from, from + count) into the memory at byte `at`. */
  put(src: Storage, from: number, count: number, at: number): void {
    if (count === 0) return;
    const part = from === 0 && count === src.length ? src : src.subarray(from, from + count);
    if (part instanceof Float64Array) this.f64.set(part, at / 8);
    else this.f32.set(part, at / 4);
  }

  /** Copies `count` elements at byte `at` out to dst[to, to + count). */
  take(dst: Storage, to: number, count: number, at: number): void {
    if (count === 0) return;
    if (dst instanceof Float64Array) dst.set(this.f64.subarray(at / 8, at / 8 + count), to);
    else dst.set(this.f32.subarray(at / 4, at / 4 + count), to);
  }

  /** `count` elements of the element size `sz` (8 or 4) at byte `at`, as a view (valid until the memory grows). */
  view(sz: number, at: number, count: number): Storage {
    return sz === 8 ? this.f64.subarray(at / 8, at / 8 + count) : this.f32.subarray(at / 4, at / 4 + count);
  }

  /** Bytes the memory has now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}
