// What an assignment's graded cases are made of (the specs in grading/specs/ define them; they stay in
// the instructor's repository). Inputs come from a seeded generator: the grader draws fresh inputs for
// every grading run and computes the expected outputs with the reference solution, and the worked
// examples shipped to students use seeds of their own (grading/reference.ts).
import type { Rng } from "../lib/random";
import type { Json } from "./fixtures";

export interface CaseSpec {
  name: string;
  points: number;
  visibility: "visible" | "hidden";
  /** Probe that runs the student's code (grading/probes/registry.ts). */
  probe: string;
  kind: "value" | "gradient" | "training";
  generate: (rng: Rng) => Record<string, Json>;
  /**
   * Training cases: keys of the generated inputs the sandbox never sees; they become the expected
   * outputs (the test points' labels, against which the grader scores the student's raw outputs).
   */
  withheld?: string[];
  timeoutMs?: number;
  threshold?: number;
  hints?: Record<string, string>;
  minAccuracy?: number;
}

export interface AssignmentSpec {
  assignment: string;
  title: string;
  cases: CaseSpec[];
}
