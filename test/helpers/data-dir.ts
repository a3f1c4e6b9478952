import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** The real-data directory for tests: $TSDL_DATA, else ../shared/data beside the repository (CI's layout). */
export function realDataDir(): string | null {
  const candidates = [process.env.TSDL_DATA, resolve(__dirname, "..", "..", "..", "shared", "data")].filter(
    (d): d is string => !!d,
  );
  return candidates.find((d) => existsSync(join(d, "mnist"))) ?? null;
}
