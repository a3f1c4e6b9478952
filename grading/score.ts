/**
 * Scoring one case from raw numbers: each output against its expected value by max relative error
 * (cs231n's max |a - b| / max(1e-8, |a| + |b|), elementwise), gradient outputs also against the
 * probe's numerical gradient of the student's own forward, and training cases by the accuracy of the
 * student's raw scores on test points whose labels only the grader holds.
 *
 * `scoreCase` takes outputs as anything at all (what a sandbox sent, decoded, or what a probe returned
 * in a notebook's check cell) and validates each before using it: a number, a list of numbers, or an
 * object with `shape` (at most 8 whole dimensions) and `data` (an array or typed array of exactly
 * prod(shape) numbers, at most 2^24). Sizes are checked before anything iterates, so a sparse array
 * with a huge length costs nothing, and nothing here throws for a malformed output.
 *
 *     import { scoreCase } from "./grading/score";
 *     const verdict = scoreCase(example, probeOutputs);   // { passed, message, outputs: [...] }
 */
import { relError } from "../lib/gradcheck";
import type { FixtureCase } from "./fixtures";
import { MAX_VALUES } from "./probes/wire";

export { MAX_VALUES };

/** A validated output: its shape ([] for a number) and values. `list` marks a plain list, whose shape is only its length. */
export interface Numeric {
  shape: number[];
  data: Float64Array;
  list: boolean;
}

/** One output's check, for feedback: its max relative error (when it could be computed) against the threshold. */
export interface OutputCheck {
  name: string;
  error: number | null;
  threshold: number;
  passed: boolean;
  /** "grad max relative error 9.9e-1 > 1e-7: hint", or "grad: max relative error 1.1e-16 <= 1e-7". */
  message: string;
}

export interface Verdict {
  passed: boolean;
  /** One line per problem when it failed; a summary when it passed. */
  message: string;
  outputs: OutputCheck[];
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v;
}

function lengthOf(data: unknown): number | null {
  if (Array.isArray(data)) return data.length;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return (data as Float64Array).length;
  return null;
}

/** Checks and copies one output; a string says what is wrong with it. */
export function toNumeric(v: unknown, name: string): Numeric | string {
  if (typeof v === "number") return { shape: [], data: Float64Array.of(v), list: false };
  let shape: number[];
  let data: unknown;
  let list = false;
  if (Array.isArray(v)) {
    if (v.length > MAX_VALUES) return `${name} is a list of ${v.length} values (at most ${MAX_VALUES})`;
    shape = [v.length];
    data = v;
    list = true;
  } else if (typeof v === "object" && v !== null && "shape" in v && "data" in v) {
    const s = (v as { shape: unknown }).shape;
    data = (v as { data: unknown }).data;
    const rank = lengthOf(s);
    if (rank === null) return `${name}'s shape is ${describe(s)}, not a list of dimensions`;
    if (rank > 8) return `${name}'s shape has ${rank} dimensions (at most 8)`;
    shape = [];
    let size = 1;
    for (let i = 0; i < rank; i++) {
      const d = (s as ArrayLike<unknown>)[i];
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
        return `${name}'s shape has ${typeof d === "number" ? d : describe(d)} at position ${i}, not a whole number >= 0`;
      shape.push(d);
      size *= d;
    }
    if (size > MAX_VALUES) return `${name}: shape [${shape.join(", ")}] is too large (at most ${MAX_VALUES} values)`;
    const n = lengthOf(data);
    if (n === null) return `${name}'s data is ${describe(data)}, not a list of numbers`;
    if (n !== size) return `${name}: shape [${shape.join(", ")}] needs ${size} values, got ${n}`;
  } else {
    return `${name} is missing or not numeric (got ${describe(v)})`;
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (data as ArrayLike<unknown>)[i];
    if (typeof x !== "number") return `${name}: the value at flat index ${i} is ${describe(x)}, not a number`;
    out[i] = x;
  }
  return { shape, data: out, list };
}

const shapeText = (n: Numeric): string => (n.shape.length === 0 ? "scalar" : `[${n.shape.join(", ")}]`);

function sameShape(a: Numeric, b: Numeric): boolean {
  if (a.list || b.list) return a.data.length === b.data.length;
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** The named output of a probe's result, looked up without trusting its prototype. */
function own(output: unknown, name: string): unknown {
  if (typeof output !== "object" || output === null) return undefined;
  return Object.prototype.hasOwnProperty.call(output, name) ? (output as Record<string, unknown>)[name] : undefined;
}

/** Checks one output against its expected value. */
function checkOutput(c: FixtureCase, name: string, got: unknown, want: unknown): OutputCheck {
  const hint = c.hints?.[name] ? `: ${c.hints[name]}` : "";
  const fail = (message: string, error: number | null = null): OutputCheck => ({
    name,
    error,
    threshold: c.threshold,
    passed: false,
    message,
  });
  const w = toNumeric(want, `expected ${name}`);
  if (typeof w === "string") return fail(`grader error: the case's ${w}`);
  const g = toNumeric(got, name);
  if (typeof g === "string") return fail(`${g}${hint}`);
  if (!sameShape(g, w)) return fail(`${name} has shape ${shapeText(g)}, expected ${shapeText(w)}${hint}`);
  const bad = g.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return fail(`${name} contains ${g.data[bad]} at flat index ${bad}${hint}`);
  const error = relError(g.data, w.data);
  const t = c.threshold.toExponential(0);
  if (!(error <= c.threshold)) return fail(`${name} max relative error ${error.toExponential(1)} > ${t}${hint}`, error);
  return {
    name,
    error,
    threshold: c.threshold,
    passed: true,
    message: `${name}: max relative error ${error.toExponential(1)} <= ${t}`,
  };
}

/** The student's backward against the probe's numerical gradient of the student's own forward. */
function checkSelf(c: FixtureCase, name: string, got: unknown, numeric: unknown): OutputCheck {
  const limit = Math.max(c.threshold, 1e-6);
  const fail = (message: string, error: number | null = null): OutputCheck => ({
    name: `${name} (numerical check)`,
    error,
    threshold: limit,
    passed: false,
    message,
  });
  if (numeric === undefined)
    return fail(`no numerical gradient check came back for ${name}: the case cannot be scored without it`);
  const n = toNumeric(numeric, `the numerical gradient of ${name}`);
  const g = toNumeric(got, name);
  if (typeof n === "string") return fail(n);
  if (typeof g === "string") return fail(g);
  if (n.data.length !== g.data.length)
    return fail(`${name} has ${g.data.length} values, its numerical gradient ${n.data.length}`);
  const error = relError(g.data, n.data);
  if (!(error <= limit))
    return fail(
      `${name} disagrees with a numerical gradient of your forward: max relative error ${error.toExponential(1)} > ${limit.toExponential(0)}`,
      error,
    );
  return {
    name: `${name} (numerical check)`,
    error,
    threshold: limit,
    passed: true,
    message: `${name} agrees with a numerical gradient of your forward: max relative error ${error.toExponential(1)} <= ${limit.toExponential(0)}`,
  };
}

/** A training case: accuracy of the argmax of each row of the student's scores against the held-out labels. */
function scoreTraining(c: FixtureCase, output: unknown): Verdict {
  const need = c.minAccuracy ?? 0;
  const labels = toNumeric(c.expected.labels, "the case's labels");
  const fail = (message: string): Verdict => ({
    passed: false,
    message,
    outputs: [{ name: "accuracy", error: null, threshold: need, passed: false, message }],
  });
  if (typeof labels === "string") return fail(`grader error: ${labels}`);
  const m = labels.data.length;
  const logits = toNumeric(own(output, "logits"), "logits");
  if (typeof logits === "string") return fail(logits);
  if (logits.shape.length !== 2 || logits.shape[0] !== m || logits.shape[1]! < 1)
    return fail(`logits has shape ${shapeText(logits)}, expected [${m}, classes] (one row of scores per test point)`);
  const k = logits.shape[1]!;
  let correct = 0;
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[i * k + j]! > logits.data[i * k + best]!) best = j;
    if (Number.isFinite(logits.data[i * k + best]) && best === labels.data[i]) correct++;
  }
  const acc = m === 0 ? 0 : correct / m;
  const text = `accuracy ${(100 * acc).toFixed(1)}% ${acc >= need ? ">=" : "<"} ${(100 * need).toFixed(1)}% (${correct} of ${m} test points)`;
  const message = acc >= need ? text : `${text}${c.hints?.accuracy ? `: ${c.hints.accuracy}` : ""}`;
  return {
    passed: acc >= need,
    message,
    outputs: [{ name: "accuracy", error: null, threshold: need, passed: acc >= need, message }],
  };
}

/**
 * Scores one case. `output` maps output names to values (numbers, lists or tensors); gradient cases
 * also carry `selfCheck`, mapping the outputs in the case's `selfChecked` to numerical gradients.
 */
export function scoreCase(c: FixtureCase, output: unknown): Verdict {
  if (c.kind === "training") return scoreTraining(c, output);
  const checks = Object.keys(c.expected).map((name) => checkOutput(c, name, own(output, name), c.expected[name]));
  if (c.kind === "gradient" && checks.every((x) => x.passed)) {
    const self = own(output, "selfCheck");
    const names = c.selfChecked ?? (typeof self === "object" && self !== null ? Object.keys(self) : []);
    if (names.length === 0) checks.push(checkSelf(c, "the gradients", own(output, "dx"), undefined));
    for (const name of names) checks.push(checkSelf(c, name, own(output, name), own(self, name)));
  }
  const problems = checks.filter((x) => !x.passed);
  if (problems.length > 0)
    return { passed: false, message: problems.map((x) => x.message).join("\n"), outputs: checks };
  const worst = Math.max(0, ...checks.filter((x) => !x.name.endsWith("(numerical check)")).map((x) => x.error ?? 0));
  return {
    passed: true,
    message: `max relative error ${worst.toExponential(1)} <= ${c.threshold.toExponential(0)}`,
    outputs: checks,
  };
}
