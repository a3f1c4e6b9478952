import { dirname, join, sep } from "path";

/*
 * TensorFlow.js for the kit's comparisons: the tests' agreement checks, notebook 05's teacher, the
 * report and the benchmark all load it here.
 *
 * It takes @tensorflow/tfjs-node when that is installed and loads: the native TensorFlow backend, on a
 * user's machine (an optional dependency, since its install downloads libtensorflow, which not every
 * machine can). Otherwise @tensorflow/tfjs with its plain JavaScript "cpu" backend (every op and
 * gradient) or its "wasm" backend (faster; needs @tensorflow/tfjs-backend-wasm). It says which in one
 * line, and keeps tfjs's "Hi, looks like you are running TensorFlow.js in Node.js" banner out of the
 * output (that message only, printed once by a backend's first tensor; other warnings still show).
 */
export type Tfjs = typeof import("@tensorflow/tfjs");
export type TfjsBackend = "tensorflow" | "wasm" | "cpu";

export interface TfjsOptions {
  /** The backend when tfjs-node is not installed or does not load: "cpu" (default) or "wasm". */
  fallback?: "cpu" | "wasm";
  /** Use tfjs-node when it is installed (default true); false always takes the fallback. */
  native?: boolean;
  /** Where the line saying which tfjs runs goes (default console.log, once per process and choice); null: nowhere. */
  log?: ((line: string) => void) | null;
}

export interface LoadedTfjs {
  tf: Tfjs;
  /** "@tensorflow/tfjs-node" or "@tensorflow/tfjs". */
  packageName: string;
  version: string;
  backend: TfjsBackend;
  /** Why tfjs-node is not used (not installed, or installed without its native library), or null when it is. */
  nativeProblem: string | null;
  /** The line that says which: package, version, backend, and why not tfjs-node. */
  description: string;
}

const NATIVE = "@tensorflow/tfjs-node";
const BANNER = "looks like you are running TensorFlow.js in Node.js";

type Native = { tf: Tfjs; version: string } | { problem: string };
let native: Native | null = null;
const said = new Set<string>();

/** tfjs-node if it is installed and its native library loads (probed once per process), else why not. */
export function nativeTfjs(): Native {
  if (native !== null) return native;
  let path: string;
  try {
    path = require.resolve(NATIVE);
  } catch {
    return (native = { problem: `${NATIVE} is not installed` });
  }
  // libtensorflow's informational start-up lines (CPU features, thread pools); its warnings still show.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "1";
  try {
    const tf = require(path) as Tfjs;
    const version = (tf.version as Record<string, string | undefined>)["tfjs-node"] ?? "unknown version";
    native = { tf, version };
  } catch (e) {
    const why = String((e as Error).message ?? e).split("\n")[0]!;
    native = {
      problem:
        `${NATIVE} is installed but does not load (${why}); ` +
        `run "npm rebuild ${NATIVE}" where it can download libtensorflow`,
    };
  }
  return native;
}

/** Loads tfjs (see the top of this file), makes the chosen backend the active one and says which it is. */
export async function loadTfjs(options: TfjsOptions = {}): Promise<LoadedTfjs> {
  const fallback = options.fallback ?? "cpu";
  const found: Native = options.native === false ? { problem: "tfjs-node not wanted" } : nativeTfjs();
  let loaded: LoadedTfjs;
  if ("tf" in found) {
    await activate(found.tf, "tensorflow");
    loaded = describe(found.tf, NATIVE, found.version, "tensorflow", null);
  } else {
    const tf = require("@tensorflow/tfjs") as Tfjs;
    if (fallback === "wasm") await useWasm(tf);
    else await activate(tf, "cpu");
    loaded = describe(tf, "@tensorflow/tfjs", tf.version.tfjs, fallback, found.problem);
  }
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  if (log !== null && !said.has(loaded.description)) {
    said.add(loaded.description);
    log(loaded.description);
  }
  return loaded;
}

function describe(
  tf: Tfjs,
  packageName: string,
  version: string,
  backend: TfjsBackend,
  nativeProblem: string | null,
): LoadedTfjs {
  const what = backend === "tensorflow" ? "native TensorFlow" : backend;
  const description =
    `tfjs: ${packageName} ${version}, ${what} backend` + (nativeProblem === null ? "" : ` (${nativeProblem})`);
  return { tf, packageName, version, backend, nativeProblem, description };
}

async function activate(tf: Tfjs, backend: TfjsBackend): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend failed to initialise`);
  await tf.ready();
  firstTensorQuietly(tf);
}

/** The wasm backend, its .wasm files read from the installed package. */
async function useWasm(tf: Tfjs): Promise<void> {
  // Typed here, not imported: the package is a dev dependency, which a kit without it must still compile without.
  let wasm: { setWasmPaths(prefix: string): void };
  try {
    wasm = require("@tensorflow/tfjs-backend-wasm") as typeof wasm;
  } catch {
    throw new Error(
      "tfjs: the wasm backend needs @tensorflow/tfjs-backend-wasm (a dev dependency: npm ci installs it)",
    );
  }
  wasm.setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + sep);
  await activate(tf, "wasm");
}

/**
 * Creates the active backend's first tensor with that one banner filtered out of console.warn (the cpu
 * backend prints it on its first tensor), so that nothing else is ever filtered.
 */
function firstTensorQuietly(tf: Tfjs): void {
  const warn = console.warn;
  console.warn = (...args: unknown[]): void => {
    if (typeof args[0] === "string" && args[0].includes(BANNER)) return;
    warn.apply(console, args);
  };
  try {
    tf.tidy(() => tf.zeros([1]).dataSync());
  } finally {
    console.warn = warn;
  }
}
