// Reproduces the published results and writes RESULTS.md with figures (npm run report -- --help).
// Each experiment's result is kept in report/results/<name>.json, so RESULTS.md is rebuilt from all of them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { kernels } from "../lib/kernels/kernels";
import { useWasmKernels, wasmKernelsError } from "../lib/kernels/wasm/index";
import { exportHtml } from "../lib/plot/html";
import { exportPng, findChromium } from "../lib/plot/png";
import type { Experiment, ExperimentResult } from "./experiment";
import { experiments, planned } from "./experiments/index";
import { renderResults, type StoredResult } from "./render";
import { fail, parseCommandLine } from "../scripts/cli";

export const REPORT_DIR = resolve(__dirname);
const ROOT = resolve(__dirname, "..");

export async function runExperiment(e: Experiment, opts: { quick: boolean; outDir: string }): Promise<StoredResult> {
  const started = Date.now();
  const log = (line: string): void =>
    console.error(`  [${e.name} ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  console.error(`${e.name}: ${e.title} (expected ${e.estimate})`);
  const result: ExperimentResult = await e.run({ quick: opts.quick, log });
  const figures: StoredResult["figures"] = [];
  mkdirSync(join(opts.outDir, "figures"), { recursive: true });
  mkdirSync(join(opts.outDir, "html"), { recursive: true });
  for (const f of result.figures ?? []) {
    const html = join(opts.outDir, "html", `${f.name}.html`);
    exportHtml(f.figure, html, f.title);
    let png: string | null = join(opts.outDir, "figures", `${f.name}.png`);
    try {
      if (findChromium() === null) throw new Error("Chromium not installed");
      await exportPng(f.figure, png);
    } catch (err) {
      log(`no PNG for ${f.name}: ${(err as Error).message}`);
      png = null;
    }
    // Relative to the output folder: a result names no folder of the machine it ran on.
    figures.push({ name: f.name, title: f.title, png: png === null ? null : relative(opts.outDir, png) });
  }
  const stored: StoredResult = {
    name: e.name,
    title: e.title,
    published: e.published,
    ...(e.target ? { target: e.target } : {}),
    ...(e.whenMissed ? { whenMissed: e.whenMissed } : {}),
    metrics: result.metrics,
    tables: result.tables ?? [],
    notes: result.notes ?? [],
    figures,
    seconds: result.seconds,
    seed: result.seed,
    setting: result.setting,
    quick: opts.quick,
    date: new Date().toISOString(),
    kernels: kernels().name,
    machine: machine(),
  };
  writeFileSync(join(opts.outDir, "results", `${e.name}.json`), JSON.stringify(stored, null, 1) + "\n");
  console.error(`${e.name}: done in ${result.seconds.toFixed(1)} s`);
  return stored;
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

const USAGE = `usage: npm run report -- [--quick] [--only NAME ...] [--render]

Reruns the published experiments on the real datasets (76 minutes in all on 2 cores), keeps each
result in report/results/NAME.json and rebuilds RESULTS.md from all of them.

  --only NAME  run only this experiment (repeat for several; the others keep their last results):
               ${experiments.map((e) => e.name).join(", ")}
  --quick      tiny settings, a smoke test written to report/quick/ (not RESULTS.md)
  --render     run nothing: rebuild RESULTS.md from the stored results
  -h, --help   show this help`;

function settings(argv: string[]): { quick: boolean; only: string[]; render: boolean } {
  return parseCommandLine({ command: "npm run report", usage: USAGE, argv }, (args) => {
    const { values } = parseArgs({
      args,
      options: { quick: { type: "boolean" }, only: { type: "string", multiple: true }, render: { type: "boolean" } },
      strict: true,
    });
    const only = values.only ?? [];
    const unknown = only.filter((n) => !experiments.some((e) => e.name === n));
    if (unknown.length > 0)
      fail(`unknown experiment(s): ${unknown.join(", ")}; known: ${experiments.map((e) => e.name).join(", ")}`);
    if (values.render && only.length > 0) fail("--render runs nothing, so --only has no meaning with it");
    return { quick: values.quick ?? false, only, render: values.render ?? false };
  });
}

async function main(args: string[]): Promise<number> {
  const { quick, only, render } = settings(args);
  // The WebAssembly kernels (results equal to the reference kernels' up to rounding) cut the CIFAR-10
  // experiments from hours to minutes; without WebAssembly SIMD the reference kernels run instead.
  if (!useWasmKernels())
    console.error(`WebAssembly kernels unavailable (${wasmKernelsError()}); using the reference kernels`);
  const outDir = quick ? join(REPORT_DIR, "quick") : REPORT_DIR;
  mkdirSync(join(outDir, "results"), { recursive: true });
  // --render rebuilds RESULTS.md from the stored results without running anything.
  const chosen = render ? [] : experiments.filter((e) => only.length === 0 || only.includes(e.name));
  for (const [i, e] of chosen.entries()) {
    console.error(`(${i + 1}/${chosen.length})`);
    await runExperiment(e, { quick, outDir });
  }
  const stored = experiments.flatMap((e) => {
    const p = join(outDir, "results", `${e.name}.json`);
    return existsSync(p) ? [JSON.parse(readFileSync(p, "utf8")) as StoredResult] : [];
  });
  const target = quick ? join(outDir, "RESULTS.md") : join(ROOT, "RESULTS.md");
  writeFileSync(
    target,
    renderResults(stored, {
      machine: machine(),
      figuresBase: quick ? "figures" : "report/figures",
      missing: experiments.filter((e) => !stored.some((s) => s.name === e.name)),
      planned,
    }),
  );
  console.error(`wrote ${target}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (c) => process.exit(c),
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exit(1);
    },
  );
}
