import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { allocate } from "../tensor/arena";
import type { DType, Storage } from "../tensor/dtype";
import { shapeStr, sizeOf } from "../tensor/shape";
import type { Layer } from "./layer";

/**
 * One saved value. JSON numbers round-trip every finite float64 exactly (JavaScript prints the
 * shortest decimal that parses back to the same double), but JSON has no NaN or infinities and
 * prints -0 as 0, so those four are written as strings.
 */
export type SavedValue = number | "NaN" | "Infinity" | "-Infinity" | "-0";

/** A saved tensor. float32 values are written as the doubles they equal, so they round-trip too. */
export interface SavedTensor {
  shape: number[];
  dtype: DType;
  values: SavedValue[];
}

export interface StateDict {
  format: "tsdl-state-dict";
  version: 1;
  /** Parameters and buffers by name (Sequential prefixes them with the layer index: "0.W", "1.runningMean"). */
  tensors: Record<string, SavedTensor>;
}

function encode(v: number): SavedValue {
  if (Number.isFinite(v)) return Object.is(v, -0) ? "-0" : v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

function decode(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  switch (v) {
    case "NaN":
      return NaN;
    case "Infinity":
      return Infinity;
    case "-Infinity":
      return -Infinity;
    case "-0":
      return -0;
    default:
      return undefined;
  }
}

/** Named parameters and buffers (e.g. BatchNorm running statistics) of a model, copied into plain JSON-able data. */
export function stateDict(model: Layer): StateDict {
  const tensors: Record<string, SavedTensor> = {};
  for (const { name, value } of [...model.parameters(), ...model.buffers()]) {
    if (Object.hasOwn(tensors, name)) throw new Error(`stateDict: two tensors are named "${name}"`);
    tensors[name] = { shape: [...value.shape], dtype: value.dtype, values: Array.from(value.data, encode) };
  }
  return { format: "tsdl-state-dict", version: 1, tensors };
}

/**
 * Loads a state dict into the model in place. Every model tensor must be present with the same shape
 * and dtype, and the dict must hold nothing else; otherwise this throws one error listing every
 * problem (missing or unexpected key, shape expected vs got, ...) and leaves the model untouched.
 */
export function loadStateDict(model: Layer, dict: StateDict): void {
  const d: unknown = dict;
  if (typeof d !== "object" || d === null || (d as { format?: unknown }).format !== "tsdl-state-dict") {
    throw new Error('loadStateDict: not a tsdl state dict (missing format tag "tsdl-state-dict")');
  }
  if (dict.version !== 1)
    throw new Error(
      `loadStateDict: unsupported state dict version ${String(dict.version)} (this library reads version 1)`,
    );
  const saved: unknown = dict.tensors;
  if (typeof saved !== "object" || saved === null)
    throw new Error('loadStateDict: the state dict has no "tensors" object');
  const entries = saved as Record<string, unknown>;

  const targets = [...model.parameters(), ...model.buffers()];
  const expected = new Set(targets.map((t) => t.name));
  const problems: string[] = [];
  for (const key of Object.keys(entries)) {
    if (!expected.has(key)) problems.push(`unexpected key "${key}" (not in the model)`);
  }
  const decoded: Storage[] = [];
  for (const { name, value } of targets) {
    const t = Object.hasOwn(entries, name) ? entries[name] : undefined;
    if (t === undefined) {
      problems.push(`missing key "${name}" (the model expects shape ${shapeStr(value.shape)})`);
      continue;
    }
    const st = t as Partial<SavedTensor>;
    if (!Array.isArray(st.shape) || !Array.isArray(st.values) || (st.dtype !== "float64" && st.dtype !== "float32")) {
      problems.push(`"${name}" is not a saved tensor (needs shape, dtype "float64" or "float32", and values)`);
      continue;
    }
    const sameShape = st.shape.length === value.ndim && st.shape.every((dim, i) => dim === value.shape[i]);
    if (!sameShape) {
      problems.push(
        `"${name}": shape mismatch: expected ${shapeStr(value.shape)} (model), got ${shapeStr(st.shape)} (saved)`,
      );
      continue;
    }
    if (st.dtype !== value.dtype) {
      problems.push(
        `"${name}": dtype mismatch: expected ${value.dtype} (model), got ${st.dtype} (saved); build the model with { dtype: "${st.dtype}" }`,
      );
      continue;
    }
    if (st.values.length !== sizeOf(value.shape)) {
      problems.push(`"${name}": ${st.values.length} values, shape ${shapeStr(value.shape)} needs ${value.size}`);
      continue;
    }
    const out = allocate(value.dtype, value.size);
    for (let i = 0; i < out.length; i++) {
      const v = decode(st.values[i]);
      if (v === undefined) {
        problems.push(`"${name}": value ${i} is ${JSON.stringify(st.values[i])}, not a number`);
        break;
      }
      out[i] = v;
    }
    decoded.push(out);
  }
  if (problems.length > 0) {
    throw new Error(
      `loadStateDict: the state dict does not fit the model (nothing was loaded):\n  ${problems.join("\n  ")}`,
    );
  }
  // Everything validated: now write.
  targets.forEach(({ value }, i) => value.data.set(decoded[i]!));
}

/** Writes the state dict as JSON, atomically (a temporary file, then a rename), so a crash never leaves half a file. */
export function saveModel(model: Layer, path: string): void {
  const json = JSON.stringify(stateDict(model));
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, json);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`saveModel: cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Reads a file written by saveModel into the model (same checks as loadStateDict; errors name the file). */
export function loadModel(model: Layer, path: string): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`loadModel: cannot read ${path}: ${(e as Error).message}`);
  }
  let dict: StateDict;
  try {
    dict = JSON.parse(text) as StateDict;
  } catch (e) {
    throw new Error(`loadModel: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    loadStateDict(model, dict);
  } catch (e) {
    throw new Error(`loadModel(${path}): ${(e as Error).message}`);
  }
}
