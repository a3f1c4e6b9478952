/**
 * Worked examples, one per part (grading/parts.ts): inputs and the reference solution's outputs, in the
 * fixtures' format so that the check cells score them exactly as the grader scores a case. They ship with
 * the kit; they are never a graded case's inputs (grading/make-examples.ts builds them).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FixtureCase } from "./fixtures";

export type Examples = Record<string, FixtureCase>;

export function loadExamples(file = join(__dirname, "examples.json")): Examples {
  return JSON.parse(readFileSync(file, "utf8")) as Examples;
}
