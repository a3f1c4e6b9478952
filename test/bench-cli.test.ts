// The benchmark's command line (bench/run.ts): --help, and a clear message with exit code 2 for an
// unknown flag or a bad value, before anything is timed; and the autograder's part of it.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { benchGrading } from "../grading/bench";

const ROOT = join(__dirname, "..");

describe("npm run bench: the command line", function () {
  this.timeout(120000);
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench", "run.ts"), ...args], {
      cwd: ROOT,
      encoding: "utf8",
    });

  it("--help prints the options and exits 0", () => {
    const r = run("--help");
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain("usage: npm run bench -- [options]");
    expect(r.stdout).to.contain("--no-tfjs");
  });

  it("an unknown flag or a bad --runs exits 2 with a message and the usage", () => {
    for (const [args, message] of [
      [["--frob"], "Unknown option '--frob'"],
      [["--runs", "abc"], '--runs takes a positive integer, got "abc"'],
      [["--runs", "0"], '--runs takes a positive integer, got "0"'],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(" ")).to.equal(2);
      expect(r.stderr).to.contain(message);
      expect(r.stderr).to.contain("usage: npm run bench");
    }
  });
});

describe("the autograder benchmark", function () {
  this.timeout(180000);

  it("grades copies of the reference with 1 and 2 jobs, timing each and the CPU time it costs", async () => {
    const bench = await benchGrading(1);
    expect(bench.submissions).to.equal(1);
    expect(bench.cases).to.be.above(5);
    expect(bench.rows.map((r) => r.jobs).slice(0, 2)).to.deep.equal([1, 2]);
    for (const r of bench.rows) {
      expect(r.perSubmission, `${r.jobs} jobs`).to.be.within(0.01, 60);
      expect(r.seconds).to.equal(r.perSubmission);
      expect(r.cpuPerSubmission, `${r.jobs} jobs`).to.be.above(0.01);
      expect(r.coresBusy, `${r.jobs} jobs`).to.be.within(0.01, cpus().length + 0.5);
    }
  });
});
