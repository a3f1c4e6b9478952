// No submission can crash or hang the grader: malformed messages, replies whose data does not match
// their shape, huge strings and arrays, a type that takes minutes to check. Each costs only the cases
// it touches; the batch goes on and every file the grader promises is written.
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GradescopeResults } from "../grading/report";
import { Sandbox } from "../grading/sandbox";
import { append, atStartOf, resultsOf, type Run, runGrader, solvedKit, testOf, variant } from "./grading-submissions";

const L2 = "e-cnn-l2: L2 loss and its gradient";
const l2Start = (code: string) => ({ "lib/losses/regression.ts": atStartOf(/export function l2Loss\(/, code) });

/**
 * Code whose type check takes TypeScript minutes: nested comparisons of boolean variables make its
 * control-flow analysis exponential (microsoft/TypeScript#28617). Each function (depth 5, ~70 KB)
 * takes ~10 s on an idle machine; one much deeper would hit TypeScript's limit and fail fast instead.
 */
function flowBomb(functions: number): string {
  let seed = 1;
  const pick = (): number => (seed = (seed * 48271) % 2147483647) % 10;
  const block = (d: number, indent: string): string[] =>
    [0, 1, 2].flatMap(() => [
      `${indent}if (s${pick()} === s${pick()}) {`,
      ...(d > 0 ? block(d - 1, `${indent}  `) : []),
      `${indent}  s${pick()} = s${pick()};`,
      `${indent}}`,
    ]);
  const vars = Array.from({ length: 10 }, (_, i) => `  let s${i} = Boolean(Math.random());`);
  const fn = (k: number): string[] => [`export function slow${k}(): void {`, ...vars, ...block(5, "  "), "}"];
  return Array.from({ length: functions }, (_, k) => fn(k).join("\n")).join("\n") + "\n";
}

describe("grader robustness: one submission never takes down a batch", function () {
  this.timeout(420000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-robust-"));
  const dir = join(tmp, "submissions");
  const out = join(tmp, "out");
  let run: Run;
  const results = (name: string): GradescopeResults => resultsOf(out, name);
  const test = testOf;

  before(async () => {
    mkdirSync(dir, { recursive: true });
    solvedKit(join(dir, "honest-a"));
    solvedKit(join(dir, "honest-b"));
    variant(dir, "ipc-null", l2Start("  (process as any).send?.(null);\n  (process as any).send?.(undefined);"));
    variant(
      dir,
      "ipc-garbage",
      l2Start(
        '  for (let fd = 3; fd < 8; fd++) try { require("fs").writeSync(fd, "\\u0000\\u0000\\u0000\\u0010garbage {\\"id\\": 1}\\n"); } catch { /* not open */ }',
      ),
    );
    variant(
      dir,
      "length-mismatch",
      l2Start("  return { loss: 0.5, grad: { shape: [4, 2, 3, 3], data: new Float64Array(5) } as unknown as Tensor };"),
    );
    variant(
      dir,
      "sparse-output",
      l2Start(
        "  const a: number[] = [];\n  a.length = 2 ** 31;\n  return { loss: 0.5, grad: { shape: [2 ** 31], data: a } as unknown as Tensor };",
      ),
    );
    // Rewrites every reply the sandbox sends, where it can, into huge sparse arrays.
    variant(dir, "forged-reply", {
      "lib/losses/regression.ts": append(`{
  const p = process as any;
  const sparse = (): number[] => { const a: number[] = []; a.length = 2 ** 32 - 1; return a; };
  for (const key of ["_send", "send"]) {
    const original = p[key];
    if (typeof original !== "function") continue;
    p[key] = function (this: unknown, msg: any, ...rest: unknown[]) {
      if (msg && typeof msg === "object" && msg.output) for (const k of Object.keys(msg.output)) msg.output[k] = sparse();
      return original.call(this, msg, ...rest);
    };
  }
}`),
    });
    // 120 MB messages from eight cases: together more than the longest string JSON.stringify can make.
    const huge = (c: string) => `    if (Date.now() > 0) throw new Error("${c}".repeat(120_000_000));`;
    variant(dir, "huge-error", {
      ...l2Start(huge("x")),
      "lib/losses/softmax-cross-entropy.ts": atStartOf(/export function softmaxCrossEntropy\(/, huge("s")),
      "lib/autodiff/value.ts": atStartOf(/^\s*tanh\(\): Value \{/m, huge("t")),
      "lib/layers/activations.ts": append(`{
  const forward = ReLU.prototype.forward;
  ReLU.prototype.forward = function (this: ReLU, x: Tensor): Tensor {
${huge("y")}
    return forward.call(this, x);
  };
}`),
    });
    variant(dir, "type-bomb", {
      "lib/layers/bomb.ts": flowBomb(8),
      "lib/layers/activations.ts": (s) => `import "./bomb";\n${s}`,
    });
    run = await runGrader(
      ["--batch", dir, "--csv", join(tmp, "gradebook.csv"), "--out-dir", out, "--jobs", "2", "--compile-timeout", "15"],
      { timeoutMs: 400000 },
    );
  });

  it("finishes the batch and writes every file", () => {
    expect(run.timedOut, `${run.stdout}\n${run.stderr}`).to.equal(false);
    expect(run.code, run.stderr).to.equal(0);
    const rows = readFileSync(join(tmp, "gradebook.csv"), "utf8").trim().split("\n");
    expect(rows.length).to.equal(1 + 9);
  });

  it("grades the honest submissions fully", () => {
    for (const name of ["honest-a", "honest-b"]) {
      const r = results(name);
      expect(r.tests.filter((t) => t.status !== "passed").map((t) => `${t.name}: ${t.output}`)).to.deep.equal([]);
      expect(r.score).to.equal(r.max_score);
    }
  });

  it("a null message from the sandbox changes nothing (there is no IPC channel to send it on)", () => {
    const r = results("ipc-null");
    expect(r.score, r.tests.map((t) => t.output).join("\n")).to.equal(r.max_score);
  });

  it("raw bytes on the reply channel cost only the case that wrote them", () => {
    const r = results("ipc-garbage");
    expect(test(r, L2).score).to.equal(0);
    expect(test(r, L2).output).to.match(/malformed reply/);
    expect(r.score).to.equal(r.max_score - 2);
  });

  it("a tensor whose data does not match its shape fails its case with a clear message", () => {
    const r = results("length-mismatch");
    expect(test(r, L2).output).to.match(/grad: shape \[4, 2, 3, 3\] needs 72 values, got 5/);
    expect(r.score).to.equal(r.max_score - 2);
  });

  it("a sparse array with a huge length is refused before anything iterates over it", () => {
    const r = results("sparse-output");
    expect(test(r, L2).output).to.match(/grad: shape \[2147483648\] is too large/);
    expect(r.score).to.equal(r.max_score - 2);
  });

  it("replacing process.send or process._send cannot touch the replies", () => {
    const r = results("forged-reply");
    expect(r.score, r.tests.map((t) => t.output).join("\n")).to.equal(r.max_score);
  });

  it("huge error messages are cut to a few kilobytes, and results.json stays small", () => {
    const r = results("huge-error");
    for (const name of [
      L2,
      "c-mlp: ReLU: forward and backward",
      "b-scalar-backprop: expression at two random points",
    ]) {
      expect(test(r, name).score).to.equal(0);
      expect(test(r, name).output).to.match(/Error: ([xyt])\1{99}/);
      expect(test(r, name).output.length).to.be.below(5000);
    }
    expect(statSync(join(out, "huge-error.results.json")).size).to.be.below(100000);
    // Lost: three softmax cases, both expression cases, ReLU, training, L2.
    expect(r.score).to.equal(r.max_score - (3 + 2 + 2) - (4 + 6) - 2 - 5 - 2);
  });

  it("a type that takes minutes to check is stopped at the compile time limit", () => {
    const r = results("type-bomb");
    expect(r.score).to.equal(0);
    for (const t of r.tests) expect(t.output, t.name).to.match(/^Not gradable: type checking took longer than 15 s/);
  });
});

describe("grader robustness: results.json is written whatever happens", function () {
  this.timeout(120000);

  it("writes results.json and report.md (and exits 1) when the grader itself fails", async () => {
    // A temp folder the sandbox's user cannot enter: the grader cannot grade, and says so.
    const tmp = mkdtempSync(join(tmpdir(), "tsdl-robust-fail-"));
    const submission = solvedKit(join(tmp, "student"));
    const results = join(tmp, "results.json");
    const report = join(tmp, "report.md");
    const run = await runGrader([submission, "--out", results, "--report", report], {
      env: { ...process.env, TMPDIR: tmp },
    });
    expect(run.code, run.stderr).to.equal(1);
    expect(existsSync(results), run.stderr).to.equal(true);
    expect(readFileSync(report, "utf8")).to.match(/^# Not graded\n\nThe grader failed \\\(not your submission\\\)/);
    const r = JSON.parse(readFileSync(results, "utf8")) as GradescopeResults;
    expect(r.score).to.equal(0);
    expect(r.output).to.match(/^The grader failed \(not your submission\): the sandbox's user cannot reach /);
  });
});

describe("grader robustness: a sandbox that cannot start", function () {
  this.timeout(30000);

  it("fails the request with the reason at once, never hangs", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tsdl-robust-spawn-"));
    const path = process.env.PATH;
    process.env.PATH = join(tmp, "no-bin"); // setpriv cannot be found
    try {
      const sandbox = new Sandbox({
        runDir: tmp,
        scratch: tmp,
        isolation: {
          namespaces: false,
          userNamespace: false,
          tmpfs: false,
          user: null,
          setpriv: true,
          prlimit: false,
          reason: "test",
        },
        memoryMB: 64,
        scratchMB: 1,
        outputChars: 1000,
        nodeModules: tmp,
      });
      const started = Date.now();
      const r = await sandbox.call("loss.l2", {}, 20000);
      expect(r.ok).to.equal(false);
      expect(!r.ok && r.error).to.match(/the sandbox could not start: spawn setpriv ENOENT/);
      expect(Date.now() - started).to.be.below(10000);
      await sandbox.close();
    } finally {
      process.env.PATH = path;
    }
  });
});
