import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { DType } from "../tensor/dtype";
import { shapeStr } from "../tensor/shape";
import type { Layer } from "./layer";

/** A saved tensor: JSON numbers round-trip float64 exactly. */
export interface SavedTensor {
  shape: number[];
  dtype: DType;
  values: number[];
}

export interface StateDict {
  format: "tsdl-state-dict";
  version: 1;
  tensors: Record<string, SavedTensor>;
}

/** Named parameters and buffers (BatchNorm running statistics) of a model. */
export function stateDict(model: Layer): StateDict {
  const tensors: Record<string, SavedTensor> = {};
  for (const { name, value } of [...model.parameters(), ...model.buffers()]) {
    if (name in tensors) throw new Error(`stateDict: two tensors are named "${name}"`);
    tensors[name] = { shape: [...value.shape], dtype: value.dtype, values: Array.from(value.data) };
  }
  return { format: "tsdl-state-dict", version: 1, tensors };
}

/** Loads values in place; every name must match and every shape must agree. */
export function loadStateDict(model: Layer, dict: StateDict): void {
  if (dict?.format !== "tsdl-state-dict") throw new Error("loadStateDict: not a tsdl state dict (missing format tag)");
  const targets = [...model.parameters(), ...model.buffers()];
  const expected = new Set(targets.map((t) => t.name));
  const unexpected = Object.keys(dict.tensors).filter((k) => !expected.has(k));
  if (unexpected.length > 0) throw new Error(`loadStateDict: unexpected key(s) ${unexpected.map((k) => `"${k}"`).join(", ")} not in the model`);
  // Validate everything before writing anything, so a failed load leaves the model untouched.
  for (const { name, value } of targets) {
    const saved = dict.tensors[name];
    if (saved === undefined) throw new Error(`loadStateDict: missing key "${name}" (model expects shape ${shapeStr(value.shape)})`);
    const same = saved.shape.length === value.ndim && saved.shape.every((d, i) => d === value.shape[i]);
    if (!same) throw new Error(`loadStateDict: "${name}" has shape ${shapeStr(saved.shape)} in the file, the model expects ${shapeStr(value.shape)}`);
    if (saved.values.length !== value.size) throw new Error(`loadStateDict: "${name}" has ${saved.values.length} values, shape ${shapeStr(saved.shape)} needs ${value.size}`);
  }
  for (const { name, value } of targets) value.data.set(dict.tensors[name]!.values);
}

/** Writes the state dict as JSON (atomically: a temporary file, then a rename). */
export function saveModel(model: Layer, path: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(stateDict(model)));
  renameSync(tmp, path);
}

export function loadModel(model: Layer, path: string): void {
  let dict: StateDict;
  try {
    dict = JSON.parse(readFileSync(path, "utf8")) as StateDict;
  } catch (e) {
    throw new Error(`loadModel: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    loadStateDict(model, dict);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
