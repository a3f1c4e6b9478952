import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDownloadArgs, UsageError } from "../scripts/download";

// The download command line's parsing and validation, in process (the end-to-end run against a
// local server is in data-download.test.ts).
describe("npm run download: the command line", () => {
  const tmp = mkdtempSync(join(tmpdir(), "tsdl-dl-cli-"));
  const usage = (argv: string[]): string => {
    try {
      parseDownloadArgs(argv);
    } catch (e) {
      expect(e).to.be.instanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error(`accepted ${argv.join(" ")}`);
  };

  it("downloads every dataset by default and with 'all', else the ones named, once each", () => {
    expect(parseDownloadArgs([]).datasets).to.deep.equal(["mnist", "fashion-mnist", "cifar-10"]);
    expect(parseDownloadArgs(["mnist", "all"]).datasets).to.deep.equal(["mnist", "fashion-mnist", "cifar-10"]);
    expect(parseDownloadArgs(["cifar-10", "mnist", "cifar-10"]).datasets).to.deep.equal(["mnist", "cifar-10"]);
  });

  it("takes the data directory as --dir or --data-dir, with a space or =", () => {
    expect(parseDownloadArgs(["mnist"]).dataDir).to.equal(undefined);
    expect(parseDownloadArgs(["mnist", "--dir", "/x"]).dataDir).to.equal("/x");
    expect(parseDownloadArgs(["--dir=/y", "cifar-10"]).dataDir).to.equal("/y");
    expect(parseDownloadArgs(["--data-dir", "/z"]).dataDir).to.equal("/z");
    expect(parseDownloadArgs(["--data-dir=/w"]).dataDir).to.equal("/w");
  });

  it("has defaults for retries and the idle timeout, and reads them in their units", () => {
    const d = parseDownloadArgs([]);
    expect([d.retries, d.timeoutMs, d.help, d.sources]).to.deep.equal([3, 60000, false, undefined]);
    const o = parseDownloadArgs(["--retries", "0", "--timeout=2.5"]);
    expect([o.retries, o.timeoutMs]).to.deep.equal([0, 2500]);
    expect(parseDownloadArgs(["-h"]).help).to.equal(true);
  });

  it("rejects unknown flags, missing values and unknown datasets with a message naming them", () => {
    expect(usage(["--sauces", "x"])).to.equal("Unknown option '--sauces'");
    expect(usage(["--dir"])).to.equal("Option '--dir <value>' argument missing");
    expect(usage(["svhn", "mnist", "emnist"])).to.equal(
      "unknown dataset svhn, emnist (known: mnist, fashion-mnist, cifar-10, all)",
    );
    expect(usage(["--help=yes"])).to.equal("Option '-h, --help' does not take an argument");
  });

  it("rejects bad values: an empty or non-directory --dir, both spellings, bad numbers", () => {
    expect(usage(["--dir="])).to.equal("--dir needs a directory");
    const file = join(tmp, "file");
    writeFileSync(file, "");
    expect(usage(["--dir", file])).to.equal(`--dir ${file}: not a directory`);
    expect(usage(["--dir", "/a", "--data-dir", "/b"])).to.equal("give --dir or --data-dir, not both");
    expect(usage(["--retries=-1"])).to.equal('--retries expects a number >= 0, got "-1"');
    expect(usage(["--retries", "two"])).to.equal('--retries expects a number >= 0, got "two"');
    expect(usage(["--timeout", "0"])).to.equal('--timeout expects a number >= 0.001, got "0"');
    expect(usage(["--timeout="])).to.equal('--timeout expects a number >= 0.001, got ""');
  });

  it("reads --sources, and rejects a table that is unreadable or lacks a dataset asked for", () => {
    const table = join(tmp, "sources.json");
    writeFileSync(
      table,
      JSON.stringify({ datasets: { mnist: { folder: "mnist", mirrors: ["http://127.0.0.1:1/"] } } }),
    );
    expect(parseDownloadArgs(["mnist", "--sources", table]).sources).to.deep.equal({
      mnist: { folder: "mnist", mirrors: ["http://127.0.0.1:1/"] },
    });
    expect(usage(["cifar-10", "--sources", table])).to.equal(`--sources ${table}: no entry for cifar-10`);
    expect(usage(["--sources", join(tmp, "absent.json")])).to.match(
      new RegExp(`^--sources: ${join(tmp, "absent.json")}: cannot read the download sources: ENOENT`),
    );
  });
});
