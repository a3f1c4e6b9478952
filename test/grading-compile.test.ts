// What the grader compiles: only the regular files of the submission's own lib/, never what a symbolic
// link, a FIFO or a `/// <reference>` points at, nothing written outside its scratch folder; and every
// honest way of writing the program (`.js` import suffixes, `.js` and `.d.ts` helpers, editor
// leftovers, a chatty console.log) compiles and earns full marks, with feedback that points at the
// student's own .ts lines.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GradescopeResults } from "../grading/report";
import {
  append,
  atStartOf,
  releasedKit,
  resultsOf,
  ROOT,
  type Run,
  runGrader,
  solvedKit,
  testOf,
  variant,
} from "./grading-submissions";

const LINEAR_CASES = [
  "a-linear-classifier: linear layer: forward and backward",
  "c-mlp: Linear: a wider layer",
  "c-mlp: training: a 2-64-3 MLP learns the spirals",
];

describe("grader compile step", function () {
  this.timeout(420000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-compile-"));
  const dir = join(tmp, "submissions");
  const out = join(tmp, "out");
  const outside = join(tmp, "outside");
  let run: Run;
  let throwLine = 0;
  const results = (name: string): GradescopeResults => resultsOf(out, name);
  const test = testOf;
  const failures = (r: GradescopeResults) =>
    r.tests.filter((t) => t.status !== "passed").map((t) => `${t.name}: ${t.output}`);

  before(async () => {
    mkdirSync(dir, { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "secret.ts"), "export const secret = 42;\n");
    solvedKit(join(dir, "honest"));

    // Symbolic links and special files.
    const passwd = solvedKit(join(dir, "symlink-passwd"));
    rmSync(join(passwd, "lib", "layers", "linear.ts"));
    symlinkSync("/etc/passwd", join(passwd, "lib", "layers", "linear.ts"));
    const special = solvedKit(join(dir, "special-files"));
    symlinkSync("/dev/urandom", join(special, "lib", "tensor", "noise.ts"));
    execFileSync("mkfifo", [join(special, "lib", "tensor", "pipe.ts")]);
    const linked = join(dir, "symlink-solution");
    cpSync(releasedKit().dir, linked, { recursive: true });
    rmSync(join(linked, "lib", "layers", "linear.ts"));
    symlinkSync(join(ROOT, "lib", "layers", "linear.ts"), join(linked, "lib", "layers", "linear.ts"));
    const linkedLib = join(dir, "lib-symlink");
    cpSync(releasedKit().dir, linkedLib, { recursive: true });
    rmSync(join(linkedLib, "lib"), { recursive: true });
    symlinkSync(join(ROOT, "lib"), join(linkedLib, "lib"));
    variant(dir, "reference-outside", {
      "lib/layers/linear.ts": (s) => `/// <reference path="${join(outside, "secret.ts")}" />\n${s}`,
    });

    // Honest code the old grader took points from.
    variant(dir, "js-imports", {
      "lib/layers/linear.ts": (s) => s.replace(/from "(\.[^"]+)"/g, 'from "$1.js"'),
      "lib/losses/regression.ts": (s) => s.replace(/from "(\.[^"]+)"/g, 'from "$1.js"'),
    });
    variant(dir, "helpers", {
      "lib/layers/scale.js": "export function identity(x) {\n  return x;\n}\n",
      "lib/layers/scale.d.ts": "export declare function identity<T>(x: T): T;\n",
      "lib/layers/linear.ts": (s) =>
        atStartOf(
          /^\s*forward\(x: Tensor\): Tensor \{/m,
          "    x = identity(x);",
        )(`import { identity } from "./scale";\n${s}`),
    });
    const lock = variant(dir, "editor-leftovers", {
      "lib/layers/linear.ts~": "export const half = {{{ an old backup\n",
      "lib/layers/.linear.ts.swp": "\u0000\u0001b0VIM 9.0\u0000",
    });
    symlinkSync("student@laptop.12345:1700000000", join(lock, "lib", "layers", ".#linear.ts"));
    variant(dir, "chatty", {
      "lib/losses/regression.ts": atStartOf(/export function l2Loss\(/, '  console.log("l2 ".repeat(240000));'),
      "lib/layers/activations.ts": append(`{
  let calls = 0;
  const forward = ReLU.prototype.forward;
  ReLU.prototype.forward = function (this: ReLU, x: Tensor): Tensor {
    if (calls++ < 2) console.log("relu ".repeat(140000));
    return forward.call(this, x);
  };
}`),
    });
    const broken = variant(dir, "throws-at-line", {
      "lib/autodiff/value.ts": atStartOf(
        /^\s*tanh\(\): Value \{/m,
        '    if (this.data === this.data) throw new Error("tanh is broken");',
      ),
    });
    throwLine =
      readFileSync(join(broken, "lib", "autodiff", "value.ts"), "utf8")
        .split("\n")
        .findIndex((l) => l.includes("tanh is broken")) + 1;

    run = await runGrader(["--batch", dir, "--csv", join(tmp, "gradebook.csv"), "--out-dir", out, "--jobs", "2"], {
      timeoutMs: 400000,
    });
  });

  it("finishes the batch", () => {
    expect(run.timedOut, `${run.stdout}\n${run.stderr}`).to.equal(false);
    expect(run.code, run.stderr).to.equal(0);
    expect(failures(results("honest"))).to.deep.equal([]);
  });

  it("never follows a symbolic link: /etc/passwd stays unread", () => {
    const r = results("symlink-passwd");
    for (const t of r.tests) expect(t.output, t.name).to.not.match(/:x:0:0:|daemon:|nologin/);
    for (const name of LINEAR_CASES) {
      expect(test(r, name).score, name).to.equal(0);
      expect(test(r, name).output, name).to.match(/lib\/layers\/linear\.ts is a symbolic link/);
    }
    expect(r.score).to.equal(r.max_score - 3 - 3 - 5);
  });

  it("ignores symbolic links and FIFOs the program does not use (no endless read of /dev/urandom)", () => {
    expect(failures(results("special-files"))).to.deep.equal([]);
  });

  it("a symbolic link to the instructor's solution earns nothing", () => {
    const r = results("symlink-solution");
    expect(r.score).to.equal(0);
    expect(test(r, LINEAR_CASES[0]!).output).to.match(/lib\/layers\/linear\.ts is a symbolic link/);
    const whole = results("lib-symlink");
    expect(whole.score).to.equal(0);
    expect(whole.output).to.match(/lib\/ is a symbolic link/);
  });

  it("a /// <reference> outside the submission reads nothing and emits nothing there", () => {
    expect(readdirSync(outside)).to.deep.equal(["secret.ts"]);
    const r = results("reference-outside");
    for (const name of LINEAR_CASES)
      expect(test(r, name).output, name).to.match(/^Not gradable: does not compile: lib\/layers\/linear\.ts:1:/);
    for (const t of r.tests) expect(t.output).to.not.match(/tsdl-grade|\/run\//);
    expect(r.score).to.equal(r.max_score - 3 - 3 - 5);
  });

  for (const name of ["js-imports", "helpers", "editor-leftovers", "chatty"]) {
    it(`${name}: correct code earns full marks`, () => {
      expect(failures(results(name))).to.deep.equal([]);
    });
  }

  it("points at the student's .ts line, never at compiled JavaScript or machine paths", () => {
    const r = results("throws-at-line");
    const feedback = test(r, "b-scalar-backprop: expression at two random points").output;
    expect(feedback).to.match(new RegExp(`Error: tanh is broken \\(at lib/autodiff/value\\.ts:${throwLine}:\\d+\\)`));
    expect(feedback).to.not.match(new RegExp(`\\.js\\b|tsdl-grade|${tmpdir()}`));
  });
});
