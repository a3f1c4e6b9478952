/**
 * Blocks of WebAssembly linear memory, for storage that lives there (parameters, gradients, optimizer
 * state) and for the area each call copies its other operands into.
 *
 * Power-of-two size classes from 64 bytes, each with a free list; a new block comes from the top,
 * which grows the memory. A freed block is only reused by its own class (no splitting or merging):
 * at most twice the bytes asked for, in exchange for no fragmentation bookkeeping. Blocks are 64-byte
 * aligned, so SIMD loads never straddle a cache line more than they must.
 */
export interface HeapBlock {
  /** Byte address in the memory. */
  readonly ptr: number;
  /** Size class: the block holds 2^cls bytes. */
  readonly cls: number;
}

const MIN_CLASS = 6;

export class WasmHeap {
  private top: number;
  private readonly freeLists: number[][] = [];
  /** Bytes in blocks handed out and not yet released. */
  liveBytes = 0;

  /**
   * @param base first byte the heap may use (64-byte aligned)
   * @param reserve makes [0, end) addressable, growing the memory; false when that is impossible
   */
  constructor(
    base: number,
    private readonly reserve: (end: number) => boolean,
  ) {
    this.top = Math.ceil(base / 64) * 64;
  }

  /** A block of at least `bytes`, or null when the memory cannot grow that far. */
  alloc(bytes: number): HeapBlock | null {
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(1, bytes))));
    const size = 2 ** cls;
    const reused = this.freeLists[cls]?.pop();
    let ptr: number;
    if (reused !== undefined) {
      ptr = reused;
    } else {
      if (!this.reserve(this.top + size)) return null;
      ptr = this.top;
      this.top += size;
    }
    this.liveBytes += size;
    return { ptr, cls };
  }

  release(block: HeapBlock): void {
    (this.freeLists[block.cls] ??= []).push(block.ptr);
    this.liveBytes -= 2 ** block.cls;
  }

  /** First byte above every block ever handed out. */
  get end(): number {
    return this.top;
  }
}
