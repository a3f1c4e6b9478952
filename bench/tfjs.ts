// The same MLP (784-256-10, ReLU, softmax cross-entropy, SGD lr 0.01, batch 64) on TensorFlow.js
// (float32; tfjs has no float64), on the same synthetic data: with the WebAssembly backend, and with
// tfjs-node's native TensorFlow backend where it is installed. Both come through lib/tfjs.ts.
import { loadTfjs, nativeTfjs, type Tfjs } from "../lib/tfjs";
import { log } from "./common";
import { BATCH, CLASSES, FEATURES, HIDDEN, SAMPLES, type SyntheticMnist } from "./mlp";

export interface TfjsInfo {
  /** "@tensorflow/tfjs 4.22.0" or "@tensorflow/tfjs-node 4.22.0". */
  package: string;
  backend: string;
  /** The wasm backend's SIMD and threads (false for the native backend). */
  simd: boolean;
  threads: boolean;
}

/** tfjs on its wasm backend (the .wasm files are read from the installed package). */
export async function useTfjsWasm(): Promise<{ tf: Tfjs; info: TfjsInfo }> {
  const t = await loadTfjs({ fallback: "wasm", native: false, log });
  return {
    tf: t.tf,
    info: {
      package: `${t.packageName} ${t.version}`,
      backend: t.tf.getBackend(),
      simd: t.tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
      threads: t.tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
    },
  };
}

/** tfjs-node on its native backend, or why it is not available (not installed, or without its library). */
export async function useTfjsNode(): Promise<{ tf: Tfjs; info: TfjsInfo } | { problem: string }> {
  const found = nativeTfjs();
  if ("problem" in found) return found;
  const t = await loadTfjs({ log });
  return {
    tf: t.tf,
    info: { package: `${t.packageName} ${t.version}`, backend: t.backend, simd: false, threads: false },
  };
}

/** Seconds for batches [0, count) of an epoch on a fresh model (one-hot labels built per batch, as a tfjs user would). */
export function timeTfjsMlp(tf: Tfjs, data: SyntheticMnist, count: number): number {
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
