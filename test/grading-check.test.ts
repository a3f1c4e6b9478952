// `npm run check [-- ASSIGNMENT]` in the student kit: the visible cases of the student's own lib/
// against the kit's worked examples, with the grader's feedback, exit code 0 only when all pass.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { releasedKit, ROOT, solvedKit } from "./grading-submissions";

function check(kit: string, args: string[] = []): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(join(kit, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(kit, "node_modules"));
  const r = spawnSync("npm", ["run", "--silent", "check", "--", ...args], {
    cwd: kit,
    encoding: "utf8",
    timeout: 240000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run check (student kit)", function () {
  this.timeout(300000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-check-"));

  it("the released kit fails every worked example with 'not implemented' and exits 1", () => {
    const kit = releasedKit().dir;
    const pkg = JSON.parse(readFileSync(join(kit, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.check).to.equal("tsx grading/check.ts");
    const r = check(kit);
    expect(r.code, r.stderr).to.equal(1);
    const lines = r.stdout.split("\n").filter((l) => /^(PASS|FAIL) /.test(l));
    expect(lines.length).to.be.above(4);
    for (const l of lines) expect(l).to.match(/^FAIL /);
    expect(r.stdout).to.match(/not implemented: /);
    expect(r.stdout).to.match(/0 of \d+ worked examples pass/);
  });

  it("the solved kit passes every worked example, printing each output's error against its threshold, and exits 0", () => {
    const kit = solvedKit(join(tmp, "solved"));
    const r = check(kit);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^PASS a-linear-classifier: softmax cross-entropy: loss and gradient \(small batch\)$/m);
    expect(r.stdout).to.match(/^ {2}grad: max relative error \d\.\de[-+]\d+ <= 1e-7$/m);
    expect(r.stdout).to.not.match(/^FAIL /m);
  });

  it("runs one assignment's examples when named, and refuses an unknown name with exit code 2", () => {
    const kit = solvedKit(join(tmp, "solved-one"));
    const one = check(kit, ["c-mlp"]);
    expect(one.code, one.stderr).to.equal(0);
    const names = one.stdout.split("\n").filter((l) => /^(PASS|FAIL) /.test(l));
    expect(names.length).to.be.above(0);
    for (const l of names) expect(l).to.match(/^PASS c-mlp: /);
    const bad = check(kit, ["z-nothing"]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/unknown assignment "z-nothing" \(known: a-linear-classifier, /);
  });
});
