// Builds grading/fixtures/<assignment>.json from the specs by running each probe against this
// repository's reference solution:  npm run grading:fixtures
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Rng } from "../lib/random";
import type { FixtureCase, FixtureFile, Json } from "./fixtures";
import { probes, type ProbeRef } from "./probes/registry";
import { specs } from "./specs/index";

export const DEFAULT_THRESHOLD = 1e-7;
export const DEFAULT_TIMEOUT_MS = 10000;

type ProbeFn = (inputs: Record<string, Json>) => Record<string, Json>;

/** The probe function, run in this process against this repository's reference solution. */
function loadProbe(ref: ProbeRef | undefined, where: string): ProbeFn {
  if (!ref) throw new Error(`${where}: unknown probe`);
  const mod = require(`./probes/${ref.file}`) as Record<string, unknown>;
  const fn = mod[ref.fn];
  if (typeof fn !== "function")
    throw new Error(`${where}: grading/probes/${ref.file}.ts exports no function ${ref.fn}`);
  return fn as ProbeFn;
}

export function buildFixtures(): FixtureFile[] {
  return specs.map((spec) => ({
    assignment: spec.assignment,
    title: spec.title,
    cases: spec.cases.map((c, i): FixtureCase => {
      const probe = loadProbe(probes[c.probe], `${spec.assignment}: case "${c.name}" (probe "${c.probe}")`);
      // Each case has its own seed so editing one case never changes another's inputs.
      const inputs = c.generate(new Rng(1000 * (specs.indexOf(spec) + 1) + i));
      const { selfCheck: _ignored, ...expected } = probe(inputs);
      return {
        name: c.name,
        points: c.points,
        visibility: c.visibility,
        timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        threshold: c.threshold ?? DEFAULT_THRESHOLD,
        probe: c.probe,
        kind: c.kind,
        inputs,
        expected,
        ...(c.hints ? { hints: c.hints } : {}),
        ...(c.minAccuracy !== undefined ? { minAccuracy: c.minAccuracy } : {}),
      };
    }),
  }));
}

if (require.main === module) {
  const dir = resolve(__dirname, "fixtures");
  mkdirSync(dir, { recursive: true });
  for (const f of buildFixtures()) {
    writeFileSync(join(dir, `${f.assignment}.json`), JSON.stringify(f) + "\n");
    console.log(
      `${f.assignment}: ${f.cases.length} cases (${f.cases.filter((c) => c.visibility === "visible").length} visible)`,
    );
  }
}
