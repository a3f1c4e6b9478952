// Every command line under scripts/ and the report's: --help prints the usage and does nothing else,
// and an unknown flag or a bad value stops with a message that names it and exit code 2, before any
// work starts (`--help` used to start a 76-minute report run, or every notebook in full mode).
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

function run(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const file = join(ROOT, script);
  const argv = file.endsWith(".ts") ? [TSX, file, ...args] : [file, ...args];
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: "utf8", timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Case {
  script: string;
  usage: RegExp;
  bad: string[];
  error: RegExp;
}

const cases: Case[] = [
  {
    script: "scripts/run-notebooks.js",
    usage: /^usage: npm run notebooks -- \[--quick\] \[--out DIR\]/,
    bad: ["--jobs", "abc"],
    error: /^npm run notebooks: Unknown option '--jobs'/,
  },
  {
    script: "scripts/install-kernel.ts",
    usage: /^usage: npm run kernel:install -- \[--dir DIR \| --print \| --sync\]/,
    bad: ["--dir"],
    error: /^npm run kernel:install: Option '--dir <value>' argument missing/,
  },
  {
    script: "scripts/kernel.js",
    usage: /^usage: node scripts\/kernel\.js --config-path CONNECTION_FILE/,
    bad: [],
    error: /^node scripts\/kernel\.js: expected --config-path CONNECTION_FILE/,
  },
  {
    script: "scripts/format-notebooks.js",
    usage: /^usage: node scripts\/format-notebooks\.js \[--check\] \[NOTEBOOK\.ipynb \.\.\.\]/,
    bad: ["--fix"],
    error: /^node scripts\/format-notebooks\.js: Unknown option '--fix'/,
  },
  {
    script: "scripts/demo.ts",
    usage: /^usage: npm start -- \[--epochs N\] \[--limit N\] \[--data-dir DIR\]/,
    bad: ["--epochs", "abc"],
    error: /^npm start: --epochs must be a whole number >= 1, got "abc"\n\(npm start -- --help lists the options\)/,
  },
  {
    script: "report/run.ts",
    usage: /^usage: npm run report -- \[--quick\] \[--only NAME \.\.\.\] \[--render\]/,
    bad: ["--only", "no-such-experiment"],
    error: /^npm run report: unknown experiment\(s\): no-such-experiment; known: linear-mnist, /,
  },
];

describe("command lines", function () {
  this.timeout(120000);

  for (const c of cases) {
    it(`${c.script}: --help prints the usage and exits 0; a bad value exits 2 with a message`, () => {
      const help = run(c.script, ["--help"]);
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stdout).to.match(c.usage);
      expect(help.stdout).to.match(/-h, --help/);
      expect(help.stderr).to.equal("");
      const bad = run(c.script, c.bad);
      expect(bad.status, bad.stdout + bad.stderr).to.equal(2);
      expect(bad.stderr).to.match(c.error);
      expect(bad.stdout).to.equal("");
    });
  }

  it("--help does no work: the report rewrites nothing and the notebooks do not run", () => {
    const stored = [join(ROOT, "report", "results", "blur.json"), join(ROOT, "RESULTS.md")];
    const before = stored.map((f) => statSync(f).mtimeMs);
    expect(run("report/run.ts", ["--only", "blur", "--help"]).status).to.equal(0);
    expect(stored.map((f) => statSync(f).mtimeMs)).to.deep.equal(before);
    const out = mkdtempSync(join(tmpdir(), "tsdl-cli-"));
    const r = run("scripts/run-notebooks.js", ["--out", out, "--help"]);
    expect(r.status).to.equal(0);
    expect(readdirSync(out)).to.deep.equal([]);
  });

  it("a notebook that is not there, or not a notebook, is named", () => {
    const missing = run("scripts/run-notebooks.js", ["--quick", "notebooks/nope.ipynb"]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.match(/^npm run notebooks: notebooks\/nope\.ipynb does not exist/);
    const notNotebook = run("scripts/run-notebooks.js", ["README.md"]);
    expect(notNotebook.status).to.equal(2);
    expect(notNotebook.stderr).to.match(/README\.md is not a notebook \(expected a \.ipynb file\)/);
  });
});
