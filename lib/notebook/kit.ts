import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * Which kit this code belongs to, and the Jupyter kernel named after it. The instructor's repository
 * and each student kit have their own `name` in package.json, so each installs its own kernel and a
 * notebook never runs another kit's `lib/` (a shared kernel name did exactly that).
 */
export const KIT_ROOT = resolve(__dirname, "..", "..");

export interface KitKernel {
  /** The kernelspec's name (its folder under `kernels/`, and a notebook's `metadata.kernelspec.name`). */
  name: string;
  /** What Jupyter's kernel menus show. */
  displayName: string;
}

/** The kernel of the kit in `root`, from its package.json's `name`. */
export function kitKernel(root = KIT_ROOT): KitKernel {
  const file = join(root, "package.json");
  let pkg: { name?: unknown };
  try {
    pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown };
  } catch (e) {
    throw new Error(`${file}: cannot read the kit's name: ${(e as Error).message}`);
  }
  if (typeof pkg.name !== "string" || pkg.name.trim() === "") throw new Error(`${file}: no "name"`);
  return { name: kernelName(pkg.name), displayName: `TypeScript (${pkg.name})` };
}

/** A package name as a kernel name: Jupyter takes only letters, digits, ".", "_" and "-". */
export function kernelName(packageName: string): string {
  const name = packageName
    .toLowerCase()
    .replace(/^@/, "")
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (name === "") throw new Error(`"${packageName}" gives no usable kernel name`);
  return name;
}
