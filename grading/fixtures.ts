/**
 * Fixtures: every graded case with its inputs and the reference solution's expected outputs, in full
 * float64 precision (JSON numbers round-trip doubles exactly). The student kit gets only the visible
 * cases (see release.ts); hidden cases never leave the instructor's repository.
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
  expected: Record<string, Json>;
  /** Feedback per output name when it is wrong, e.g. { dW1: "check the ReLU mask" }. */
  hints?: Record<string, string>;
  /** Training cases: the accuracy the student's model must reach. */
  minAccuracy?: number;
}

export interface FixtureFile {
  assignment: string;
  title: string;
  cases: FixtureCase[];
}

export function publicFixture(f: FixtureFile): FixtureFile {
  return { ...f, cases: f.cases.filter((c) => c.visibility === "visible") };
}

export function isWireTensor(v: unknown): v is WireTensor {
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray((v as WireTensor).shape) &&
    Array.isArray((v as WireTensor).data)
  );
}

/** The numbers of an output (a number, a tensor, or an array of numbers). */
export function numbersOf(v: Json | undefined): number[] | null {
  if (typeof v === "number") return [v];
  if (isWireTensor(v)) return v.data;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  return null;
}

export function shapeOf(v: Json | undefined): string {
  if (isWireTensor(v)) return `[${v.shape.join(", ")}]`;
  if (typeof v === "number") return "scalar";
  if (Array.isArray(v)) return `[${v.length}]`;
  return v === undefined ? "missing" : typeof v;
}
