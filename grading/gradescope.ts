// Generates a Gradescope autograder bundle (setup.sh, run_autograder and the grader with all
// fixtures) for courses that outgrow one machine:
//   npm run grade:gradescope -- [--out dist/gradescope]
// Zip the folder's contents (not the folder) and upload the zip as the assignment's autograder.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ROOT, trackedFiles } from "./release";

/** What the grader needs at grading time: the library (for its types), the grader, fixtures and probes. */
export function bundleFiles(root = ROOT): string[] {
  return trackedFiles(root).filter(
    (f) =>
      f === "package.json" ||
      f === "package-lock.json" ||
      f === "tsconfig.json" ||
      (f.startsWith("grading/") && !f.startsWith("grading/specs/")) ||
      f.startsWith("lib/"),
  );
}

export const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
cd "\${AUTOGRADER_ROOT:-/autograder}/source"
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  apt-get update -qq
  apt-get install -y -qq nodejs npm util-linux
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "Node $(node --version) is too old: the grader needs Node 20 or newer (its permission model)." >&2
  echo "Choose a Gradescope base image that ships Node 20, or install Node 20 in this script." >&2
  exit 1
fi
npm ci --omit=optional --no-audit --no-fund
`;

export const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this for every submission; the grader never exits non-zero for a bad submission.
set -uo pipefail
root="\${AUTOGRADER_ROOT:-/autograder}"
cd "$root/source"
submission="$root/submission"
# Accept either the whole kit or a zip of it wrapped in one folder.
if [ ! -d "$submission/lib" ]; then
  inner="$(find "$submission" -mindepth 2 -maxdepth 3 -type d -name lib | head -n 1)"
  [ -n "$inner" ] && submission="$(dirname "$inner")"
fi
mkdir -p "$root/results"
node node_modules/tsx/dist/cli.mjs grading/cli.ts "$submission" --out "$root/results/results.json" > "$root/results/report.md"
`;

export function buildGradescopeBundle(out: string, root = ROOT): string[] {
  rmSync(out, { recursive: true, force: true });
  const files = bundleFiles(root);
  // Gradescope unpacks the zip into /autograder/source; setup.sh and run_autograder sit at its root.
  for (const f of files) {
    mkdirSync(dirname(join(out, f)), { recursive: true });
    copyFileSync(join(root, f), join(out, f));
  }
  writeFileSync(join(out, "setup.sh"), SETUP_SH);
  writeFileSync(join(out, "run_autograder"), RUN_AUTOGRADER);
  chmodSync(join(out, "setup.sh"), 0o755);
  chmodSync(join(out, "run_autograder"), 0o755);
  return files;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const out = resolve(at >= 0 ? args[at + 1]! : join(ROOT, "dist", "gradescope"));
  const files = buildGradescopeBundle(out);
  let zipped = "";
  try {
    execFileSync("zip", ["-qr", `${out}.zip`, "."], { cwd: out });
    zipped = ` and ${out}.zip`;
  } catch {
    zipped = " (install zip to get the .zip; or zip the folder's contents yourself)";
  }
  console.log(`Gradescope bundle: ${out}${zipped}, ${files.length} files`);
}
