import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as kit from "../lib/index";

// `npm run docs` (typedoc with typedoc.json) builds the API reference of lib/index.ts. Here it
// writes into a temporary folder, in HTML and as JSON, and every export of the library is in it.
const REPO = resolve(__dirname, "..");

interface Reflection {
  name: string;
  children?: Reflection[];
  comment?: { summary: { text: string }[] };
  signatures?: { comment?: { summary: { text: string }[] } }[];
}

describe("API docs (typedoc)", function () {
  this.timeout(180000); // about 10 s on an idle 2-core machine
  const out = mkdtempSync(join(tmpdir(), "tsdl-docs-"));
  let api: Reflection;
  let log = "";

  before(() => {
    const typedoc = join(REPO, "node_modules", "typedoc", "bin", "typedoc");
    const json = join(out, "api.json");
    const r = spawnSync(process.execPath, [typedoc, "--out", join(out, "html"), "--json", json], {
      cwd: REPO,
      encoding: "utf8",
    });
    log = `${r.stdout}${r.stderr}`;
    expect(r.status, log).to.equal(0);
    api = JSON.parse(readFileSync(json, "utf8")) as Reflection;
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("succeeds with no errors and writes the HTML reference", () => {
    expect(log).to.match(/Found 0 errors/);
    expect(existsSync(join(out, "html", "index.html"))).to.equal(true);
    expect(existsSync(join(out, "html", "classes", "Tensor.html"))).to.equal(true);
  });

  it("documents every value lib/index.ts exports", () => {
    const documented = new Set((api.children ?? []).map((c) => c.name));
    const missing = Object.keys(kit).filter((name) => !documented.has(name));
    expect(missing).to.deep.equal([]);
    expect(documented.size).to.be.above(100);
  });

  it("carries the doc comments: a class's members and a function's summary", () => {
    const byName = new Map((api.children ?? []).map((c) => [c.name, c]));
    const tensorMembers = (byName.get("Tensor")?.children ?? []).map((c) => c.name);
    expect(tensorMembers).to.include.members(["matmul", "reshape", "sum", "shape"]);
    const summary = (r: Reflection | undefined): string =>
      (r?.signatures?.[0]?.comment ?? r?.comment)?.summary.map((s) => s.text).join("") ?? "";
    expect(summary(byName.get("findDataset"))).to.match(/\S/);
    expect(summary(byName.get("checkLayer"))).to.match(/\S/);
  });
});
