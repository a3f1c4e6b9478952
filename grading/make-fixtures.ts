// Writes the worked examples, grading/fixtures/<assignment>.json: every visible case on a seed of its
// own, with the reference solution's outputs. They ship with the student kit for `npm run check`;
// graded runs draw other inputs (grading/reference.ts).   npm run grading:fixtures [-- --help]
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { commandLine } from "./args";
import { workedExamples } from "./reference";

const HELP = `Rewrites grading/fixtures/*.json, the worked examples shipped with the student kit: the
visible cases on fixed seeds of their own, expected outputs from this repository's lib/.

  npm run grading:fixtures [-- --out DIR]

  --out DIR   write there instead of grading/fixtures/
  --help      this text`;

function main(argv: string[]): number {
  const args = commandLine("grading:fixtures", HELP, {
    args: argv,
    options: { out: { type: "string" }, help: { type: "boolean" } },
  });
  if (typeof args === "number") return args;
  const dir = resolve(args.values.out ?? join(__dirname, "fixtures"));
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".json")) rmSync(join(dir, f));
  for (const f of workedExamples()) {
    if (f.cases.length === 0) continue;
    writeFileSync(join(dir, `${f.assignment}.json`), JSON.stringify(f) + "\n");
    console.log(`${f.assignment}: ${f.cases.length} worked example${f.cases.length === 1 ? "" : "s"}`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
