/**
 * Cases as data: a case's inputs and the reference solution's expected outputs, in full float64
 * precision (JSON numbers round-trip doubles exactly). The grader builds the graded cases afresh for
 * every run (grading/reference.ts); grading/fixtures/*.json holds only the worked examples: the visible
 * cases on seeds of their own, which ship with the student kit for `npm run check`. No file anywhere
 * holds the inputs of a graded case.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A tensor on the wire (a type alias, not an interface, so that it is assignable to Json). */
export type WireTensor = {
  shape: number[];
  data: number[];
};

export interface FixtureCase {
  name: string;
  points: number;
  visibility: "visible" | "hidden";
  timeoutMs: number;
  /** Max relative error allowed for every output (value and gradient cases). */
  threshold: number;
  /** Probe that runs the student's code (grading/probes/registry.ts). */
  probe: string;
  kind: "value" | "gradient" | "training";
  inputs: Record<string, Json>;
  /** Value and gradient cases: the reference's outputs. Training cases: the test points' `labels`. */
  expected: Record<string, Json>;
  /** Gradient cases: the outputs the probe checks against a numerical gradient of the student's forward. */
  selfChecked?: string[];
  /** Feedback per output name when it is wrong, e.g. { dW1: "check the ReLU mask" }. */
  hints?: Record<string, string>;
  /** Training cases: the accuracy the student's model must reach on the test points. */
  minAccuracy?: number;
}

export interface FixtureFile {
  assignment: string;
  title: string;
  cases: FixtureCase[];
}

/** The cases students may see (the worked examples hold only these already). */
export function publicFixture(f: FixtureFile): FixtureFile {
  return { ...f, cases: f.cases.filter((c) => c.visibility === "visible") };
}

/**
 * The numbers of an output (a number, a tensor with an array or typed array of values, or a list), for
 * displays such as notebook check cells; scoring validates outputs itself (grading/score.ts).
 */
export function numbersOf(v: unknown): number[] | null {
  if (typeof v === "number") return [v];
  if (typeof v === "object" && v !== null && "data" in v) {
    const data = (v as { data: unknown }).data;
    if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return Array.from(data as Float64Array);
    if (Array.isArray(data) && data.every((x) => typeof x === "number")) return data as number[];
    return null;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  return null;
}
