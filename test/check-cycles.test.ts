// The import-cycle check run by `npm test` (scripts/check-cycles.ts): it finds cycles through static
// imports, `import type`, re-exports and require(), reports each one's files in import order, and
// leaves out packages and files outside the folders it is given.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findCycles, formatCycle } from "../scripts/check-cycles";

const ROOT = join(__dirname, "..");

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "tsdl-cycles-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

describe("check-cycles", () => {
  const made: string[] = [];
  after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const make = (files: Record<string, string>): string => {
    const root = project(files);
    made.push(root);
    return root;
  };

  it("reports a cycle's files in import order, through import type, re-exports and require()", () => {
    const root = make({
      "src/a.ts": 'import { b } from "./b";\nexport const a = b + 1;\n',
      "src/b.ts": 'export { c as b } from "./inner/c";\n',
      "src/inner/c.ts": 'import type { A } from "../d";\nexport const c: A = 1;\n',
      "src/d.ts": 'import "fs";\nexport type A = number;\nexport const d = require("./a");\n',
      "src/free.ts": 'import { a } from "./a";\nexport const e = a;\n',
    });
    const { files, cycles } = findCycles(root, ["src"]);
    expect(files).to.have.length(5);
    expect(cycles).to.deep.equal([["src/a.ts", "src/b.ts", "src/inner/c.ts", "src/d.ts"]]);
    expect(formatCycle(cycles[0]!)).to.equal("src/a.ts -> src/b.ts -> src/inner/c.ts -> src/d.ts -> src/a.ts");
  });

  it("gives one cycle per tangled group (the shortest through its first file) and finds a file importing itself", () => {
    const root = make({
      "lib/x.ts": 'import "./y";\nimport "./z";\n',
      "lib/y.ts": 'import "./x";\n',
      "lib/z.ts": 'import "./y";\n',
      "lib/self.ts": 'import "./self";\n',
      "lib/ok.ts": 'import "./x";\n',
    });
    expect(findCycles(root, ["lib"]).cycles).to.deep.equal([["lib/self.ts"], ["lib/x.ts", "lib/y.ts"]]);
  });

  it("ignores imports that leave the scanned folders", () => {
    const root = make({
      "lib/a.ts": 'import "../other/b";\n',
      "other/b.ts": 'import "../lib/a";\n',
    });
    expect(findCycles(root, ["lib"]).cycles).to.deep.equal([]);
    expect(findCycles(root, ["lib", "other"]).cycles).to.deep.equal([["lib/a.ts", "other/b.ts"]]);
  });

  it("the command line: --help, a bad flag and a missing folder exit 2", function () {
    this.timeout(60000);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "check-cycles.ts"), ...args], {
        encoding: "utf8",
      });
    const help = run("--help");
    expect(help.status).to.equal(0);
    expect(help.stdout).to.contain("usage: npm run cycles");
    const bad = run("--frobnicate");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("--frobnicate");
    const missing = run("no-such-folder");
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.contain("no folder no-such-folder");
  });
});
