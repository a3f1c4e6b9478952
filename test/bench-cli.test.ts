// The benchmark's command line (bench/run.ts): --help, and a clear message with exit code 2 for an
// unknown flag or a bad value, before anything is timed.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

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
