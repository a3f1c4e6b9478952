// The TensorFlow.js loader (lib/tfjs.ts), in fresh Node processes: it takes @tensorflow/tfjs-node when
// one is on the resolution path and loads (simulated by a stand-in package on NODE_PATH, since the
// real one downloads libtensorflow when it installs), falls back to @tensorflow/tfjs on the cpu or wasm
// backend when it is missing or broken, says which, and keeps tfjs's Node.js banner out of the output
// without hiding other warnings.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const BANNER = "Hi, looks like you are running TensorFlow.js in Node.js";

/** Whether a real tfjs-node is installed where this repository's modules resolve (it would shadow the stand-in). */
function realTfjsNode(): boolean {
  try {
    require.resolve("@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the script printed after "RESULT ". */
  result: { packageName: string; version: string; backend: string; nativeProblem: string | null; product: number };
}

/**
 * Loads tfjs through the loader in a new process (with `nodePath` on NODE_PATH), multiplies
 * [1, 2] by [3, 4]^T with it, then runs `after` (JavaScript, with `t` the loaded tfjs).
 */
function load(options: string, nodePath?: string, after = ""): Run {
  const script = `
    const { loadTfjs } = require(${JSON.stringify(join(ROOT, "lib", "tfjs.ts"))});
    loadTfjs(${options}).then((t) => {
      const product = t.tf.matMul(t.tf.tensor2d([[1, 2]]), t.tf.tensor2d([[3], [4]])).dataSync()[0];
      const { packageName, version, backend, nativeProblem } = t;
      console.log("RESULT " + JSON.stringify({ packageName, version, backend, nativeProblem, product }));
      ${after}
    });`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (nodePath === undefined) delete env.NODE_PATH;
  else env.NODE_PATH = nodePath;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, env, encoding: "utf8" });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || line === undefined)
    throw new Error(`the loader failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, result: JSON.parse(line.slice(7)) as Run["result"] };
}

/** A folder holding node_modules/@tensorflow/tfjs-node with this index.js. */
function fakeTfjsNode(dirs: string[], index: string): string {
  const root = mkdtempSync(join(tmpdir(), "tsdl-tfjs-node-"));
  dirs.push(root);
  const pkg = join(root, "node_modules", "@tensorflow", "tfjs-node");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@tensorflow/tfjs-node", version: "0.0.0-fake" }));
  writeFileSync(join(pkg, "index.js"), index);
  return join(root, "node_modules");
}

/**
 * Like the real package: the tfjs union package plus a backend named "tensorflow" (here the cpu kernels
 * under that name, where the real one has libtensorflow's), made the active one, and its own version.
 */
const STAND_IN = `
  const tf = require(${JSON.stringify(require.resolve("@tensorflow/tfjs"))});
  const { MathBackendCPU } = require(${JSON.stringify(require.resolve("@tensorflow/tfjs-backend-cpu"))});
  for (const k of tf.getKernelsForBackend("cpu")) tf.registerKernel({ ...k, backendName: "tensorflow" });
  tf.registerBackend("tensorflow", () => new MathBackendCPU(), 3);
  tf.setBackend("tensorflow");
  module.exports = { ...tf, version: { ...tf.version, "tfjs-node": "0.0.0-fake" } };
`;

/** Like the real package installed without its native library (its install script could not download it). */
const BROKEN = `
  throw new Error("The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/tfjs_binding.node. \\nPlease run command 'npm rebuild @tensorflow/tfjs-node --build-addon-from-source'");
`;

describe("the tfjs loader (lib/tfjs.ts)", function () {
  this.timeout(120000);
  const made: string[] = [];
  after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("takes @tensorflow/tfjs-node when it is installed, with its native backend, and says so", () => {
    const run = load("{}", fakeTfjsNode(made, STAND_IN));
    expect(run.result.packageName).to.equal("@tensorflow/tfjs-node");
    expect(run.result.backend).to.equal("tensorflow");
    expect(run.result.nativeProblem).to.equal(null);
    expect(run.result.product).to.equal(11);
    // A real tfjs-node in node_modules comes first on the resolution path.
    const version = realTfjsNode() ? run.result.version : "0.0.0-fake";
    expect(run.result.version).to.equal(version);
    expect(run.stdout).to.contain(`tfjs: @tensorflow/tfjs-node ${version}, native TensorFlow backend\n`);
    expect(run.stderr).not.to.contain(BANNER);
  });

  it("falls back to @tensorflow/tfjs on the cpu backend when tfjs-node is not installed, and says why", function () {
    if (realTfjsNode()) this.skip(); // installed here: nothing to fall back from
    const run = load("{}");
    expect(run.result).to.deep.include({ packageName: "@tensorflow/tfjs", backend: "cpu", product: 11 });
    expect(run.result.nativeProblem).to.equal("@tensorflow/tfjs-node is not installed");
    expect(run.stdout).to.match(
      /^tfjs: @tensorflow\/tfjs 4\.\d+\.\d+, cpu backend \(@tensorflow\/tfjs-node is not installed\)$/m,
    );
  });

  it("falls back when tfjs-node is installed but its native library is missing, naming the problem and the fix", () => {
    const run = load("{}", fakeTfjsNode(made, BROKEN));
    if (realTfjsNode()) return; // the real one shadows the broken stand-in
    expect(run.result).to.deep.include({ packageName: "@tensorflow/tfjs", backend: "cpu", product: 11 });
    expect(run.result.nativeProblem).to.contain("tfjs_binding.node) can not be found");
    expect(run.result.nativeProblem).to.contain('run "npm rebuild @tensorflow/tfjs-node"');
  });

  it("takes the wasm backend as the fallback when asked, or tfjs-node's when it is there", () => {
    const fallback = load('{ fallback: "wasm", native: false }');
    expect(fallback.result).to.deep.include({ packageName: "@tensorflow/tfjs", backend: "wasm", product: 11 });
    expect(fallback.stdout).to.contain("wasm backend (tfjs-node not wanted)");
    const native = load('{ fallback: "wasm" }', fakeTfjsNode(made, STAND_IN));
    expect(native.result.backend).to.equal("tensorflow");
  });

  it("keeps the Node.js banner out and lets every other warning through", () => {
    // Without the loader, tfjs's cpu backend prints the banner on its first tensor.
    const plain = spawnSync(
      process.execPath,
      ["-e", 'const tf = require("@tensorflow/tfjs"); tf.setBackend("cpu").then(() => tf.zeros([1]).dataSync());'],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(plain.stdout + plain.stderr).to.contain(BANNER);
    // With it, nothing of the banner; a real warning afterwards (registering a backend twice) still shows.
    const run = load("{ native: false, log: null }", undefined, 't.tf.registerBackend("cpu", () => null);');
    expect(run.stdout + run.stderr).not.to.contain("looks like you are running");
    expect(run.stderr).to.contain("cpu backend was already registered");
    expect(run.stdout).not.to.contain("tfjs: "); // log: null prints nothing
  });
});
