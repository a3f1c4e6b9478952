/**
 * The cases a grading run grades, and the worked examples students check against.
 *
 * Graded cases get fresh inputs every run: each case's generator (grading/specs/) draws them under a
 * seed derived from the run's seed, and this repository's reference solution (lib/, which the
 * Gradescope bundle carries too) computes the expected outputs here, in the grader's own process;
 * no sandbox, and no file, ever holds them. Training cases keep their test labels here instead.
 * Worked examples are the visible cases on seeds of their own, written to grading/fixtures/ and
 * shipped with the kit: a table of them answers no graded case.
 */
import { randomInt } from "node:crypto";
import { join } from "node:path";
import { Rng } from "../lib/random";
import type { AssignmentSpec, CaseSpec } from "./case-spec";
import type { FixtureCase, FixtureFile, Json } from "./fixtures";
import { probes } from "./probes/registry";
import type { ProbeOutputs } from "./probes/wire";

export const DEFAULT_THRESHOLD = 1e-7;
export const DEFAULT_TIMEOUT_MS = 10000;

/** A seed for a grading run, from the operating system's random source. */
export function randomSeed(): number {
  return randomInt(0, 2 ** 32);
}

/** The worked example's seed for case `i` of assignment `k` (fixed, so `npm run grading:fixtures` is reproducible). */
export function exampleSeed(k: number, i: number): number {
  return 1000 * (k + 1) + i;
}

/** The graded seed for case `i` of assignment `k` in a run seeded `run`: splitmix32 of all three, never an example's seed. */
export function gradedSeed(run: number, k: number, i: number): number {
  let x = (run ^ Math.imul(k + 1, 0x9e3779b9) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  // Example seeds are small (below 1000 (assignments + 1) + cases); graded seeds stay above them.
  return x < 1 << 20 ? x + (1 << 20) : x;
}

/** The case generators, which only the instructor's repository has. */
export function loadSpecs(): AssignmentSpec[] {
  try {
    return (require(join(__dirname, "specs", "index")) as { specs: AssignmentSpec[] }).specs;
  } catch (e) {
    if ((e as { code?: string }).code === "MODULE_NOT_FOUND" && /specs/.test((e as Error).message))
      throw new Error(
        "grading needs the case generators in grading/specs/, which only the instructor's repository has " +
          "(in the student kit, `npm run check` runs the worked examples)",
      );
    throw e;
  }
}

type ProbeFn = (inputs: Record<string, Json>) => ProbeOutputs;

/** A probe function, loaded in this process, where it runs the reference solution. */
function loadProbe(name: string, where: string): ProbeFn {
  const ref = probes[name];
  if (!ref) throw new Error(`${where}: unknown probe "${name}"`);
  const mod = require(join(__dirname, "probes", ref.file)) as Record<string, unknown>;
  const fn = mod[ref.fn];
  if (typeof fn !== "function")
    throw new Error(`${where}: grading/probes/${ref.file}.ts exports no function ${ref.fn}`);
  return fn as ProbeFn;
}

/** A probe's output as JSON: numbers as they are, tensors as { shape, data }. */
function toJson(v: unknown, where: string): Json {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`${where}: the reference solution gave ${v}`);
    return v;
  }
  const t = v as { shape: ArrayLike<number>; data: ArrayLike<number> };
  const data = Array.from(t.data);
  if (!data.every(Number.isFinite)) throw new Error(`${where}: the reference solution gave a value that is not finite`);
  return { shape: Array.from(t.shape), data };
}

/** A probe's outputs (without its self-check) as JSON, for a case's expected outputs. */
export function expectedOutputs(outputs: ProbeOutputs, where: string): Record<string, Json> {
  const expected: Record<string, Json> = {};
  for (const [name, value] of Object.entries(outputs))
    if (name !== "selfCheck") expected[name] = toJson(value, `${where}: ${name}`);
  return expected;
}

/** One case on the given seed: inputs from its generator, expected outputs from the reference solution. */
export function buildCase(spec: CaseSpec, seed: number, where: string): FixtureCase {
  const generated = spec.generate(new Rng(seed));
  const inputs: Record<string, Json> = {};
  const withheld: Record<string, Json> = {};
  for (const [key, value] of Object.entries(generated)) (spec.withheld?.includes(key) ? withheld : inputs)[key] = value;
  let expected: Record<string, Json>;
  let selfChecked: string[] | undefined;
  if (spec.kind === "training") {
    const labels = withheld[spec.withheld?.[0] ?? ""];
    if (!Array.isArray(labels)) throw new Error(`${where}: a training case must withhold its test labels`);
    expected = { labels };
  } else {
    const outputs = loadProbe(spec.probe, where)(inputs);
    expected = expectedOutputs(outputs, where);
    if (spec.kind === "gradient") selfChecked = Object.keys(outputs.selfCheck ?? {});
  }
  return {
    name: spec.name,
    points: spec.points,
    visibility: spec.visibility,
    timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    threshold: spec.threshold ?? DEFAULT_THRESHOLD,
    probe: spec.probe,
    kind: spec.kind,
    inputs,
    expected,
    ...(selfChecked ? { selfChecked } : {}),
    ...(spec.hints ? { hints: spec.hints } : {}),
    ...(spec.minAccuracy !== undefined ? { minAccuracy: spec.minAccuracy } : {}),
  };
}

function build(
  specs: AssignmentSpec[],
  seedOf: (k: number, i: number) => number,
  keep: (c: CaseSpec) => boolean,
): FixtureFile[] {
  return specs.map((spec, k) => ({
    assignment: spec.assignment,
    title: spec.title,
    cases: spec.cases.flatMap((c, i) =>
      keep(c) ? [buildCase(c, seedOf(k, i), `${spec.assignment}: case "${c.name}" (probe "${c.probe}")`)] : [],
    ),
  }));
}

/** Every case of the chosen assignments (all by default), on fresh inputs for the run seeded `seed`. */
export function gradedCases(seed: number, only?: readonly string[]): FixtureFile[] {
  const specs = loadSpecs();
  const known = specs.map((s) => s.assignment);
  for (const a of only ?? [])
    if (!known.includes(a)) throw new Error(`unknown assignment "${a}" (known: ${known.join(", ")})`);
  const chosen = specs.filter((s) => !only || only.length === 0 || only.includes(s.assignment));
  return build(
    chosen,
    (k, i) => gradedSeed(seed, specs.indexOf(chosen[k]!), i),
    () => true,
  );
}

/** The worked examples: every visible case on its example seed. */
export function workedExamples(): FixtureFile[] {
  return build(loadSpecs(), exampleSeed, (c) => c.visibility === "visible");
}
