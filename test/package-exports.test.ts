import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/*
 * The kit is consumed from source: a sibling project that depends on it (`npm install ../tsdl`,
 * which links the folder into node_modules) and runs TypeScript with tsx imports it by name, and
 * its type checker finds the types through package.json's "exports".
 */
const REPO = resolve(__dirname, "..");
const TSX = join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
const TSC = join(REPO, "node_modules", "typescript-7", "bin", "tsc");

describe("package.json: the kit imported by name from a sibling project", function () {
  this.timeout(60000);
  let sibling = "";

  before(() => {
    sibling = mkdtempSync(join(tmpdir(), "tsdl-sibling-"));
    writeFileSync(join(sibling, "package.json"), JSON.stringify({ name: "sibling", private: true }));
    mkdirSync(join(sibling, "node_modules"));
    symlinkSync(REPO, join(sibling, "node_modules", "tsdl-course-kit"), "dir");
  });
  after(() => rmSync(sibling, { recursive: true, force: true }));

  const run = (file: string, source: string): string => {
    writeFileSync(join(sibling, file), source);
    return execFileSync(process.execPath, [TSX, file], { cwd: sibling, encoding: "utf8" }).trim();
  };

  it("require() gives lib/index.ts's exports; deep imports reach lib/, nothing else", () => {
    const out = run(
      "main.ts",
      `const kit = require("tsdl-course-kit");
const { DATASET_NAMES } = require("tsdl-course-kit/lib/data/datadir");
const layer = new kit.Linear(3, 2, { rng: new kit.Rng(0) });
let outside = "";
try { require("tsdl-course-kit/scripts/download"); } catch (e) { outside = (e as { code: string }).code; }
console.log(JSON.stringify({
  shape: layer.forward(kit.Tensor.ones([4, 3])).shape,
  datasets: DATASET_NAMES,
  version: require("tsdl-course-kit/package.json").version,
  outside,
}));`,
    );
    expect(JSON.parse(out)).to.deep.equal({
      shape: [4, 2],
      datasets: ["mnist", "fashion-mnist", "cifar-10"],
      version: require("../package.json").version,
      outside: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
  });

  it("an ES module imports the named exports", () => {
    const out = run(
      "main.mts",
      `import { Tensor, relError } from "tsdl-course-kit";
console.log(Tensor.ones([2, 2]).sum().item(), relError(1, 1));`,
    );
    expect(out).to.equal("4 0");
  });

  it("the type checker resolves the kit's types by name (a wrong use is a type error naming them)", () => {
    writeFileSync(
      join(sibling, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          target: "ES2022",
          lib: ["ES2022"],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(REPO, "node_modules", "@types")],
        },
        files: ["typed.ts"],
      }),
    );
    writeFileSync(
      join(sibling, "typed.ts"),
      `import { Linear, Rng, Tensor } from "tsdl-course-kit";
import { findDataset } from "tsdl-course-kit/lib/data/datadir";
const shape: readonly number[] = new Linear(3, 2, { rng: new Rng(0) }).forward(Tensor.ones([4, 3])).shape;
const wrong: number = findDataset("mnist");
console.log(shape, wrong);
`,
    );
    const r = spawnSync(process.execPath, [TSC, "-p", "."], { cwd: sibling, encoding: "utf8" });
    expect(r.status, r.stderr).to.not.equal(0);
    expect(r.stdout.trim()).to.equal("typed.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.");
  });
});
