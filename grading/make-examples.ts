// INSTRUCTOR ONLY: builds the worked examples from the case generators (which stay out of the kit).
/**
 * The notebooks' check cells compare a student's part with a worked example: inputs from the part's
 * case generator under a seed of its own, outputs from this repository's reference solution. They are
 * never a graded case's inputs: a generator that gives the graded inputs again (a fixed point list,
 * say) is passed over for the part's next case.
 *   npm run grading:examples     rewrites grading/examples.json
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../lib/random";
import { loadExamples, type Examples } from "./examples";
import type { FixtureCase } from "./fixtures";
import { loadFixtures } from "./grade";
import { PARTS } from "./parts";
import { loadProbe } from "./probe-functions";
import type { ProbeOutputs } from "./probes/wire";
import { expectedOutputs } from "./reference";
import { specs } from "./specs/index";

export const EXAMPLES_FILE = join(__dirname, "examples.json");
const DEFAULT_THRESHOLD = 1e-7;

/** A seed per part that no fixture uses (fixtures take 1000 (assignment + 1) + case). */
function seedOf(partIndex: number): number {
  return 7_000_000 + 101 * partIndex;
}

export function buildExamples(): Examples {
  const graded = loadFixtures().flatMap((f) => f.cases.map((c) => JSON.stringify(c.inputs)));
  const examples: Examples = {};
  PARTS.forEach((part, k) => {
    const candidates = specs.flatMap((s) => s.cases).filter((c) => c.probe === part.probe && c.kind !== "training");
    const spec = candidates.find((c) => !graded.includes(JSON.stringify(c.generate(new Rng(seedOf(k))))));
    if (!spec) throw new Error(`part ${part.name}: every case of probe ${part.probe} gives a graded case's inputs`);
    const inputs = spec.generate(new Rng(seedOf(k)));
    const expected = expectedOutputs(loadProbe(part.probe)(inputs) as ProbeOutputs, `worked example ${part.name}`);
    const example: FixtureCase = {
      name: `${part.name}: worked example`,
      points: 0,
      visibility: "visible",
      timeoutMs: spec.timeoutMs ?? 10000,
      threshold: spec.threshold ?? DEFAULT_THRESHOLD,
      probe: part.probe,
      kind: spec.kind,
      inputs,
      expected,
      ...(spec.hints ? { hints: spec.hints } : {}),
    };
    examples[part.name] = example;
  });
  return examples;
}

if (require.main === module) {
  const examples = buildExamples();
  writeFileSync(EXAMPLES_FILE, JSON.stringify(examples) + "\n");
  const before = Object.keys(loadExamples()).length;
  console.log(`grading/examples.json: ${before} worked examples (${Object.keys(examples).join(", ")})`);
}
