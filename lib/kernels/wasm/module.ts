import { readFileSync } from "fs";
import { join } from "path";
import { setFlagsFromString } from "v8";

/*
 * The compiled module: which of the two committed builds to run (lib/kernels/kernels.wasm, plain
 * SIMD128, or kernels-fma.wasm, whose GEMM uses relaxed SIMD's fused multiply-add; both built from
 * wasm/assembly by wasm/build.js), and the slice of the WebAssembly API the kernels use.
 */

// ---- the slice of the WebAssembly API used here (the project's TS lib has no DOM/wasm types) ----

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: { env: { memory: WasmMemory } },
  ) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** An exported function: every argument is a number (pointers are byte addresses), and so is any result. */
export type WasmFn = (...args: number[]) => number;

export const PAGE = 65536;
/** Must match --maximumMemory in wasm/build.js (2 GiB: byte offsets stay positive int32). */
export const MAX_PAGES = 32768;

export function wasmApi(): WasmApi | null {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

/**
 * Which committed module to run: kernels-fma.wasm when this engine accepts relaxed SIMD (its GEMM
 * micro-kernel then uses fused multiply-adds: 20-30% faster products on this machine's AMD EPYC),
 * else kernels.wasm (plain SIMD128). Node 22 and later accept relaxed SIMD by default; Node 20's V8
 * has it behind a flag, which is switched on here (the flag only admits the extra instructions in
 * modules compiled from now on). TSDL_WASM_FMA=0 keeps the plain module.
 */
export function chooseModule(): { bytes: Uint8Array; fma: boolean } {
  const read = (file: string): Uint8Array => new Uint8Array(readFileSync(join(__dirname, "..", file)));
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

/**
 * The exported functions `names`, checked to exist. Each kernel file asks for its own, so a module
 * built without some kernels still runs the others.
 */
export function exportedFunctions<K extends string>(
  exports: Record<string, unknown>,
  names: readonly K[],
): Record<K, WasmFn> {
  for (const name of names) {
    if (typeof exports[name] !== "function")
      throw new Error(`wasm kernels: kernels.wasm does not export ${name} (rebuild with npm run build:wasm)`);
  }
  return exports as Record<K, WasmFn>;
}

/** The value of an exported global (the module's block sizes). */
export function exportedGlobal(exports: Record<string, unknown>, name: string): number {
  const g = exports[name];
  if (typeof g !== "object" || g === null || typeof (g as { value?: unknown }).value !== "number") {
    throw new Error(`wasm kernels: kernels.wasm does not export the global ${name}`);
  }
  return (g as { value: number }).value;
}
