import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { commitsToCheck, main } from "../scripts/check-commits";
import { cleanMessage, commitMessageProblems } from "../scripts/commit-message";

const REPO = resolve(__dirname, "..");
const BODY = "\n\nWhy: the body says it.";

describe("commit messages: the rule", () => {
  it("accepts a subject of up to 72 characters, a blank line and a body", () => {
    expect(commitMessageProblems(`Move the download table into lib/data${BODY}`)).to.deep.equal([]);
    expect(commitMessageProblems(`${"x".repeat(72)}${BODY}\n\nMore paragraphs.\n`)).to.deep.equal([]);
    // Characters, not UTF-16 code units: 72 accented letters or emoji are 72 characters.
    expect(commitMessageProblems(`${"é".repeat(72)}${BODY}`)).to.deep.equal([]);
    expect(commitMessageProblems(`${"🧮".repeat(72)}${BODY}`)).to.deep.equal([]);
  });

  it("names each problem: long subject, no blank line, no body, empty", () => {
    expect(commitMessageProblems(`${"x".repeat(73)}${BODY}`)).to.deep.equal([
      "subject is 73 characters, more than 72: shorten it, move detail to the body",
    ]);
    expect(commitMessageProblems("Subject\nbody straight below")).to.deep.equal([
      "the second line must be blank: subject, blank line, then the body",
    ]);
    expect(commitMessageProblems("Subject only\n")).to.deep.equal([
      "no body: after a blank line, say why the change was made",
    ]);
    expect(commitMessageProblems(`${"y".repeat(80)}\n\n   \n`)).to.have.length(2);
    expect(commitMessageProblems("\n\n")).to.deep.equal(["empty message"]);
    // Like git, leading blank lines are dropped: the first line with text is the subject.
    expect(commitMessageProblems("   \n\nSubject\n\nbody")).to.deep.equal([]);
  });

  it("reads the message as git records it: no comment lines, nothing below the scissors", () => {
    const edited = [
      "Short subject",
      "# Please enter the commit message for your changes.",
      "",
      "The body.   ",
      "# ------------------------ >8 ------------------------",
      "diff --git a/x b/x",
      "+a line that is not the message",
    ].join("\n");
    expect(cleanMessage(edited)).to.equal("Short subject\n\nThe body.");
    expect(commitMessageProblems(edited)).to.deep.equal([]);
    expect(commitMessageProblems("# only comments\n# here\n")).to.deep.equal(["empty message"]);
  });

  it("fixup!/squash! commits pass at commit time, and are flagged once they should have been squashed", () => {
    const fixup = `fixup! ${"A long subject of the commit to fold this into ".repeat(2)}`;
    expect(commitMessageProblems(fixup, { allowFixups: true })).to.deep.equal([]);
    expect(commitMessageProblems(fixup)).to.deep.equal([
      "a fixup/squash commit: fold it into its target (git rebase -i --autosquash)",
    ]);
  });
});

/** A throwaway repository with commits at chosen committer times (seconds since 1970). */
class TempRepo {
  readonly dir = mkdtempSync(join(tmpdir(), "tsdl-commits-"));
  private n = 0;
  constructor() {
    this.git("init", "-q", "-b", "main");
  }
  private readonly identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"];
  private env(): NodeJS.ProcessEnv {
    return { ...process.env, GIT_COMMITTER_DATE: `@${1000000 + this.n} +0000`, GIT_AUTHOR_DATE: "@1000000 +0000" };
  }
  git(...args: string[]): string {
    return execFileSync("git", [...this.identity, ...args], {
      cwd: this.dir,
      encoding: "utf8",
      env: this.env(),
    }).trim();
  }
  /** A git command that may fail (a hook refusing a commit): its exit status and stderr. */
  tryGit(...args: string[]): { status: number | null; stderr: string } {
    const r = spawnSync("git", [...this.identity, ...args], { cwd: this.dir, encoding: "utf8", env: this.env() });
    return { status: r.status, stderr: r.stderr };
  }
  commit(message: string): string {
    this.n++;
    writeFileSync(join(this.dir, "file.txt"), `${this.n}\n`);
    this.git("add", "file.txt");
    this.git("commit", "-q", "-m", message);
    return this.git("rev-parse", "HEAD");
  }
}

/** Runs main() and returns its exit code and what it printed. */
function run(argv: string[], cwd: string): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (s: string) => void out.push(s);
  console.error = (s: string) => void err.push(s);
  try {
    return { code: main(argv, cwd), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("commit messages: npm run lint:commits and the commit-msg hook", function () {
  this.timeout(60000);
  // Variables git sets for hooks would point every command below at another repository.
  const saved = { ...process.env };
  let repo: TempRepo;
  let old = "";
  let base = "";
  let good = "";
  let long = "";
  let bare = "";
  before(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith("GIT_")) delete process.env[k];
    repo = new TempRepo();
    old = repo.commit(`An old commit whose subject runs on far longer than the rule would allow today`);
    base = repo.commit(`The commit where the rule begins${BODY}`);
    good = repo.commit(`A good commit${BODY}`);
    repo.git("checkout", "-q", "-b", "side");
    long = repo.commit(`${"z".repeat(75)}${BODY}`);
    repo.git("checkout", "-q", "main");
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side"); // git's own merge message: not checked
    bare = repo.commit("No body here");
  });
  after(() => {
    rmSync(repo.dir, { recursive: true, force: true });
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it("checks the commits after the base, merges aside, and names each offender and its problems", () => {
    expect(commitsToCheck(repo.dir, { ref: base }).commits.map((c) => c.hash)).to.have.members([good, long, bare]);
    const r = run(["--base", base], repo.dir);
    expect(r.code).to.equal(1);
    expect(r.err.split("\n")).to.deep.equal([
      `commit messages: 2 of 3 commits since ${base.slice(0, 7)} break the rule:`,
      `  ${long.slice(0, 7)} ${"z".repeat(75)}`,
      "      subject is 75 characters, more than 72: shorten it, move detail to the body",
      `  ${bare.slice(0, 7)} No body here`,
      "      no body: after a blank line, say why the change was made",
      "The rule: a subject of at most 72 characters, a blank line, then a body that says why.",
      `Reword them: git rebase -i ${base.slice(0, 12)}, marking each one "reword".`,
    ]);
    expect(run(["--base", base, "--head", good], repo.dir)).to.deep.equal({
      code: 0,
      out: `commit messages: 1 commits since ${base.slice(0, 7)} follow the rule`,
      err: "",
    });
    expect(run(["--base", old, "--head", base], repo.dir).code).to.equal(0); // the base itself is not checked
  });

  it("in a shallow clone without the base, checks the commits present that are newer than it", () => {
    const clone = mkdtempSync(join(tmpdir(), "tsdl-shallow-"));
    try {
      execFileSync("git", ["clone", "-q", "--depth", "2", "--no-single-branch", `file://${repo.dir}`, clone]);
      const baseTime = Number(repo.git("log", "-1", "--format=%ct", base));
      const range = commitsToCheck(clone, { ref: base, time: baseTime });
      expect(range.note).to.equal(
        `${base.slice(0, 7)} is not in this shallow clone: checking the ${range.commits.length} commits present that are newer`,
      );
      // Depth 2 from main: the last commit, the merge (skipped) and its parents; never the base or older.
      expect(range.commits.map((c) => c.hash)).to.include(bare);
      expect(range.commits.map((c) => c.hash)).to.not.include.members([base, old]);
      // An explicit base that is absent, with no time to go by, is a usage error.
      expect(run(["--base", base], clone)).to.deep.equal({
        code: 2,
        out: "",
        err: `check-commits: --base ${base}: no such commit in this shallow clone\nRun with --help for the usage.`,
      });
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it("a full history without the base (a student kit made a repository) is not the kit's: nothing checked", () => {
    const other = new TempRepo();
    try {
      other.commit("wip");
      const range = commitsToCheck(other.dir, { ref: base, time: 0 });
      expect(range).to.deep.equal({
        commits: [],
        note: `${base.slice(0, 7)} is not in this history, so the rule does not apply here`,
      });
      expect(run([], other.dir)).to.include({ code: 0 });
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it("outside a git repository there is nothing to check, and that is not a failure", () => {
    const plain = mkdtempSync(join(tmpdir(), "tsdl-nogit-"));
    try {
      const r = run([], plain);
      expect(r.code).to.equal(0);
      expect(r.err).to.equal("commit messages: not a git repository (or no git): nothing to check");
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it("rejects bad command lines with exit code 2", () => {
    expect(run(["--bogus"], repo.dir)).to.include({ code: 2 });
    expect(run(["--base="], repo.dir).err).to.match(/^check-commits: --base needs a commit/);
    const help = run(["--help"], repo.dir);
    expect(help.code).to.equal(0);
    expect(help.out).to.match(/^usage: npm run lint:commits/);
    expect(run(["--base"], repo.dir).err).to.match(/^check-commits: Option '--base <value>' argument missing/);
    expect(run(["--head", "nope"], repo.dir).err).to.match(/^check-commits: --head nope: no such commit/);
    expect(run(["--file", "x", "--base", base], repo.dir).err).to.match(/it takes no --base or --head/);
  });

  it("the hook (.githooks/commit-msg) refuses a bad message and lets good ones, fixups and merges through", () => {
    const hooked = ["-c", `core.hooksPath=${join(REPO, ".githooks")}`];
    const commit = (message: string): { status: number | null; stderr: string } => {
      writeFileSync(join(repo.dir, "file.txt"), `${message}\n`);
      repo.git("add", "file.txt");
      return repo.tryGit(...hooked, "commit", "-q", "-m", message);
    };
    const before = repo.git("rev-parse", "HEAD");
    const bad = commit("A subject and nothing else");
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.contain(
      "commit message rejected:\n  no body: after a blank line, say why the change was made",
    );
    expect(repo.git("rev-parse", "HEAD")).to.equal(before);
    expect(commit(`A subject${BODY}`).status).to.equal(0);
    expect(commit(`fixup! A subject`).status).to.equal(0);
    repo.git("checkout", "-q", "-b", "hooked");
    repo.commit(`On a branch${BODY}`);
    repo.git("checkout", "-q", "main");
    const merge = repo.tryGit(...hooked, "merge", "-q", "--no-ff", "--no-edit", "hooked");
    expect(merge.status, merge.stderr).to.equal(0);
  });
});
