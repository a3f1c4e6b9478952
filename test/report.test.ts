// The report pipeline end to end in its quick setting: every experiment runs, RESULTS.md has the
// summary table with a verdict per target, and the figures are exported.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { experiments } from "../report/experiments/index";
import { findChromium } from "../lib/plot/png";
import { realDataDir } from "./helpers/data-dir";

const ROOT = resolve(__dirname, "..");

describe("report (quick setting)", function () {
  this.timeout(180000);
  const data = realDataDir();
  before(function () {
    if (data === null) this.skip();
  });

  it("runs every experiment and writes RESULTS.md with verdicts and figures", () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "report/run.ts", "--quick"],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, TSDL_DATA: data! },
      },
    );
    expect(r.status, r.stderr).to.equal(0);
    for (const e of experiments) expect(r.stderr).to.match(new RegExp(`${e.name}: done in \\d+\\.\\d s`));
    // tfjs (the L2 experiment's teacher) says which package and backend ran, without its Node.js banner.
    expect(r.stdout + r.stderr).not.to.contain("looks like you are running TensorFlow.js in Node.js");
    const md = readFileSync(join(ROOT, "report", "quick", "RESULTS.md"), "utf8");
    expect(md).to.match(/^# Results\n\nReproduced by `npm run report` on \d+ cores/);
    for (const e of experiments) expect(md).to.contain(`## ${e.title}`);
    expect(md).to.match(/The teacher ran on @tensorflow\/tfjs(-node)? [\d.]+\w*, (cpu|native TensorFlow) backend/);
    // Which kernels ran is stated overall and per experiment (the WebAssembly ones where supported).
    const n = experiments.length;
    expect(md).to.match(
      new RegExp(`\\(kernels: (wasm \\(SIMD128\\)|reference \\(TypeScript\\)) for ${n} of the ${n} experiments\\)`),
    );
    expect(md).to.match(
      /Seed 0\. \d+\.\d s with the (wasm \(SIMD128\)|reference \(TypeScript\)) kernels on \d{4}-\d\d-\d\d \(\d+ cores \(/,
    );
    expect(md).not.to.contain("experiments ran on different machines");
    expect(md).to.match(/\| Two-layer net: gradient checks \| \d\.\d\de-\d+ \| <= 1\.00e-9 \| .* \| met \|/);
    expect(md).to.match(
      /\| Linear softmax classifier on MNIST \| \d+\.\d\d% \| >= 92\.60% \| .* \| (met|missed \(\d+\.\d\d points short\)) \|/,
    );
    if (findChromium() !== null) {
      expect(existsSync(join(ROOT, "report", "quick", "figures", "blur.png"))).to.equal(true);
      expect(md).to.contain("![Originals and their Gaussian blur](figures/blur.png)");
    }
    const unknown = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "report/run.ts", "--only", "nope"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.match(/unknown experiment\(s\): nope; known: linear-mnist/);
  });
});
