// The same MLP (784-256-10, ReLU, softmax cross-entropy, SGD lr 0.01, batch 64) on TensorFlow.js with
// the WebAssembly backend (float32; tfjs has no float64), on the same synthetic data.
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { BATCH, CLASSES, FEATURES, HIDDEN, SAMPLES, type SyntheticMnist } from "./mlp";

export interface TfjsInfo {
  backend: string;
  simd: boolean;
  threads: boolean;
}

/** Switches tfjs to its wasm backend (the .wasm files are read from the installed package). */
export async function useTfjsWasm(): Promise<TfjsInfo> {
  const dist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  setWasmPaths(dist + path.sep);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
  await tf.ready();
  return {
    backend: tf.getBackend(),
    simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
    threads: tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
  };
}

/** Seconds for batches [0, count) of an epoch on a fresh model (one-hot labels built per batch, as a tfjs user would). */
export function timeTfjsMlp(data: SyntheticMnist, count: number): number {
  const init = (shape: [number, number], fanIn: number) =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", 2));
  const w1 = init([FEATURES, HIDDEN], FEATURES);
  const b1 = tf.variable(tf.zeros([HIDDEN]));
  const w2 = init([HIDDEN, CLASSES], HIDDEN);
  const b2 = tf.variable(tf.zeros([CLASSES]));
  const opt = tf.train.sgd(0.01);
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < count; b++) {
    const start = b * BATCH;
    const rows = Math.min(BATCH, SAMPLES - start);
    tf.tidy(() => {
      const x = tf.tensor2d(data.x32.subarray(start * FEATURES, (start + rows) * FEATURES), [rows, FEATURES]);
      const y = tf.oneHot(tf.tensor1d(data.labels.subarray(start, start + rows), "int32"), CLASSES);
      const cost = opt.minimize(() => {
        const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
        const logits = tf.add(tf.matMul(h, w2), b2);
        return tf.losses.softmaxCrossEntropy(y, logits);
      }, true);
      cost?.dataSync(); // wait for the step, as the library's loss is synchronous
    });
  }
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const v of [w1, b1, w2, b2]) v.dispose();
  opt.dispose();
  return t;
}
