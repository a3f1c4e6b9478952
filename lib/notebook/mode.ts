/**
 * Quick mode (TSDL_QUICK=1) shrinks data and epochs so a notebook runs in seconds (CI, a first
 * look); full mode reproduces the published numbers.
 */
export const QUICK_ENV = "TSDL_QUICK";

export function isQuick(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[QUICK_ENV];
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** The quick value in quick mode, the full one otherwise. */
export function pick<T>(quick: T, full: T): T {
  return isQuick() ? quick : full;
}
