// The student's check (npm run check [-- ASSIGNMENT ...]): runs the visible cases of this kit's own lib/
// on the worked examples shipped in grading/fixtures/, compiled, sandboxed and scored exactly as the
// grader does it, and prints each output's max relative error against its threshold, with a hint when
// it is off. Exit code 0 only if every example passes. The graded run uses other inputs.
import { join, resolve } from "node:path";
import { commandLine, usageError } from "./args";
import { cleanUpNow, cleanUpOnSignals } from "./cleanup";
import { gradeSubmission, loadFixtures, type CaseResult } from "./grade";
import { localIsolation } from "./isolation";

const HELP = `Checks your lib/ on the worked examples of the assignments' visible cases, as the grader would.

  npm run check                      every assignment
  npm run check -- c-mlp d-convolution   only these

Prints PASS or FAIL per case, then each output's max relative error against its threshold (or what went
wrong, with a hint). Exit code 0 only if everything passes.`;

const KIT = resolve(__dirname, "..");

function lines(c: CaseResult): string[] {
  const body = c.details && c.details.length > 0 ? c.details : c.output.split("\n");
  return [`${c.status === "passed" ? "PASS" : "FAIL"} ${c.assignment}: ${c.name}`, ...body.map((l) => `  ${l}`)];
}

export async function main(argv: string[]): Promise<number> {
  const args = commandLine("check", HELP, {
    args: argv,
    allowPositionals: true,
    options: { help: { type: "boolean" } },
  });
  if (typeof args === "number") return args;
  const only = args.positionals;
  const examples = loadFixtures(join(KIT, "grading", "fixtures"));
  const known = examples.map((f) => f.assignment);
  for (const a of only)
    if (!known.includes(a)) return usageError("check", HELP, `unknown assignment "${a}" (known: ${known.join(", ")})`);
  const chosen = examples.filter((f) => only.length === 0 || only.includes(f.assignment));
  cleanUpOnSignals();
  try {
    const r = await gradeSubmission(KIT, chosen, { isolation: localIsolation() });
    if (r.notGradable) {
      console.log(`not gradable: ${r.notGradable}`);
      return 1;
    }
    for (const c of r.cases) console.log(lines(c).join("\n"));
    const passed = r.cases.filter((c) => c.status === "passed").length;
    console.log(
      `\n${passed} of ${r.cases.length} worked examples pass (the grader uses other inputs of the same kind).`,
    );
    return passed === r.cases.length ? 0 : 1;
  } finally {
    cleanUpNow();
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
