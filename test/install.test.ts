// npm ci stays quiet: npm 11 lists every dependency whose install script package.json's allowScripts
// neither approves nor denies, after every install. The optional @tensorflow/tfjs-node must be approved
// (its script downloads libtensorflow; where it cannot, npm drops the package silently).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");

describe("installing", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    allowScripts?: Record<string, boolean>;
    optionalDependencies?: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };

  it("allowScripts decides on every dependency with an install script", () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript === true)
      .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length));
    expect(withScripts).to.include("@tensorflow/tfjs-node");
    const undecided = withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== "boolean");
    expect(undecided, "add them to allowScripts (true to run the script, false to skip it)").to.deep.equal([]);
  });

  it("tfjs-node is optional, and its install script may run", () => {
    expect(pkg.optionalDependencies).to.have.property("@tensorflow/tfjs-node");
    expect(pkg.allowScripts?.["@tensorflow/tfjs-node"]).to.equal(true);
  });
});
