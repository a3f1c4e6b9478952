// The done criterion: a batch with one hostile and two honest submissions grades the honest
// ones fully, whatever the hostile one does.
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import type { GradescopeResults } from "../grading/report";
import { append, atStartOf, ROOT, type Run, runGrader, solvedKit, variant } from "./grading-submissions";

describe("a batch with one hostile and two honest submissions", function () {
  this.timeout(420000);
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-batch-"));
  const dir = join(tmp, "submissions");
  const out = join(tmp, "out");
  let run: Run;

  before(async () => {
    mkdirSync(dir, { recursive: true });
    solvedKit(join(dir, "alice"));
    solvedKit(join(dir, "carol"));
    variant(dir, "mallory", {
      // Messages, raw bytes and signals aimed at the grader.
      "lib/losses/regression.ts": atStartOf(
        /export function l2Loss\(/,
        `  const p = process as any;
  p.send?.(null);
  for (let fd = 3; fd < 8; fd++) try { require("fs").writeSync(fd, "\\u00ff\\u00ff\\u00ff\\u00ffjunk"); } catch { /* closed */ }
  for (const [pid, sig] of [[process.ppid, "SIGSTOP"], [process.ppid, "SIGKILL"], [0, "SIGKILL"]] as const)
    try { process.kill(pid, sig); } catch { /* blocked */ }`,
      ),
      // A 300 MB error message.
      "lib/losses/softmax-cross-entropy.ts": atStartOf(
        /export function softmaxCrossEntropy\(/,
        '  throw new Error("x".repeat(300_000_000));',
      ),
      // Floods the disk and the console, then answers correctly.
      "lib/layers/activations.ts": append(`{
  const fs = require("fs");
  const forward = ReLU.prototype.forward;
  let calls = 0;
  ReLU.prototype.forward = function (this: ReLU, x: Tensor): Tensor {
    if (calls++ === 0) try { for (let i = 0; i < 20; i++) fs.writeFileSync(\`flood-\${i}\`, Buffer.alloc(32 << 20)); } catch { /* quota */ }
    if (calls < 4) console.log("spam ".repeat(1 << 20));
    return forward.call(this, x);
  };
}`),
      // Eats memory.
      "lib/autodiff/value.ts": atStartOf(
        /^\s*tanh\(\): Value \{/m,
        "    const hog: Float64Array[] = [];\n    for (;;) hog.push(new Float64Array(1 << 24).fill(1));",
      ),
      // Reads the instructor's solution.
      "lib/layers/conv2d.ts": atStartOf(
        /^\s*forward\(x: Tensor\): Tensor \{/m,
        `    require("fs").readFileSync(${JSON.stringify(join(ROOT, "lib", "layers", "conv2d.ts"))});`,
      ),
    });
    run = await runGrader(["--batch", dir, "--csv", join(tmp, "gradebook.csv"), "--out-dir", out, "--jobs", "2"], {
      timeoutMs: 400000,
    });
  });

  it("grades alice and carol fully and mallory without harm to them", () => {
    expect(run.timedOut, `${run.stdout}\n${run.stderr}`).to.equal(false);
    expect(run.code, run.stderr).to.equal(0);
    const rows = Papa.parse<string[]>(readFileSync(join(tmp, "gradebook.csv"), "utf8").trim()).data;
    expect(rows.map((r) => r[0])).to.deep.equal(["submission", "alice", "carol", "mallory"]);
    for (const name of ["alice", "carol"]) {
      const r = JSON.parse(readFileSync(join(out, `${name}.results.json`), "utf8")) as GradescopeResults;
      expect(r.tests.filter((t) => t.status !== "passed").map((t) => `${t.name}: ${t.output}`)).to.deep.equal([]);
      expect(r.score).to.equal(r.max_score);
    }
    const mallory = JSON.parse(readFileSync(join(out, "mallory.results.json"), "utf8")) as GradescopeResults;
    expect(mallory.score).to.be.below(mallory.max_score);
    const reading = mallory.tests.find((t) => t.name === "d-convolution: Conv2d forward: 3x3, stride 1, padding 1")!;
    expect(reading.output).to.match(/ERR_ACCESS_DENIED|Access to this API has been restricted/);
  });
});
