// Checks commit messages against the kit's rule (scripts/commit-message.ts): a subject of at most
// 72 characters, a blank line, and a body that says why.
//   npm run lint:commits                                  commits after the rule began (npm test runs it)
//   npx tsx scripts/check-commits.ts --base origin/main   commits after another base
//   npx tsx scripts/check-commits.ts --file MSGFILE       one message: what the commit-msg hook runs
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { MAX_SUBJECT, commitMessageProblems } from "./commit-message";

/**
 * The rule holds for every commit after this one (main's head when it was introduced); the older
 * history keeps its long subjects. Its committer time lets a shallow clone that lacks the commit
 * still tell which of the commits it has came later.
 */
export const RULE_START = { commit: "f676649230d6997db8d7dd9bf37a75443f38b00d", time: 1796282537 };

export const USAGE = `usage: npm run lint:commits [-- options]
       npx tsx scripts/check-commits.ts [options]

Checks that each commit message has a subject of at most ${MAX_SUBJECT} characters, a blank line,
and a body that says why. Merge commits are not checked.

  --base REF    check the commits after REF (default: ${RULE_START.commit.slice(0, 7)}, where the rule begins)
  --head REF    up to REF (default: HEAD)
  --file FILE   check the one message in FILE instead (what the commit-msg hook passes);
                fixup!/squash! commits are accepted there
  -h, --help    show this help

Install the commit-msg hook: npm run hooks:install`;

export interface Commit {
  hash: string;
  message: string;
}

export interface CommitRange {
  commits: Commit[];
  /** How the range was found, when not simply BASE..HEAD (a shallow clone, no repository). */
  note: string | null;
}

class UsageError extends Error {}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
}

function gitOk(cwd: string, args: string[]): boolean {
  try {
    git(cwd, args);
    return true;
  } catch {
    return false;
  }
}

/** `git log` of non-merge commits as hash, committer time and raw message. */
function log(cwd: string, revs: string[]): (Commit & { time: number })[] {
  const out = git(cwd, ["log", "-z", "--no-merges", "--format=%H%n%ct%n%B", ...revs, "--"]);
  return out
    .split("\0")
    .filter((record) => record.trim() !== "")
    .map((record) => {
      const [hash = "", time = "0", ...message] = record.replace(/^\n/, "").split("\n");
      return { hash, time: Number(time), message: message.join("\n") };
    });
}

/**
 * The commits after `base` up to `head`, oldest first. Where `base` is missing from a shallow
 * clone but its committer time is known, the commits present that are newer than it. A full
 * history without `base` is another project's (a student kit turned into a repository, a
 * rewritten fork), where the kit's rule does not apply; outside a git repository, nothing.
 */
export function commitsToCheck(cwd: string, base: { ref: string; time?: number }, head = "HEAD"): CommitRange {
  if (!gitOk(cwd, ["rev-parse", "--git-dir"]))
    return { commits: [], note: "not a git repository (or no git): nothing to check" };
  if (!gitOk(cwd, ["rev-parse", "--verify", "--quiet", `${head}^{commit}`]))
    throw new UsageError(`--head ${head}: no such commit`);
  if (gitOk(cwd, ["cat-file", "-e", `${base.ref}^{commit}`]))
    return { commits: log(cwd, [`${base.ref}..${head}`]).reverse(), note: null };
  const shallow = git(cwd, ["rev-parse", "--is-shallow-repository"]).trim() === "true";
  const time = base.time;
  if (time === undefined)
    throw new UsageError(`--base ${base.ref}: no such commit${shallow ? " in this shallow clone" : ""}`);
  const short = base.ref.slice(0, 7);
  if (!shallow) return { commits: [], note: `${short} is not in this history, so the rule does not apply here` };
  const commits = log(cwd, [head]).filter((c) => c.time > time);
  return {
    commits: commits.reverse(),
    note: `${short} is not in this shallow clone: checking the ${commits.length} commits present that are newer`,
  };
}

/** The commit-msg hook's check of one message file. */
function checkFile(path: string, cwd: string): number {
  // git merge runs the hook on its own generated message: not ours to judge.
  if (gitOk(cwd, ["rev-parse", "--verify", "--quiet", "MERGE_HEAD"])) return 0;
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--file ${path}: ${(e as Error).message}`);
  }
  const problems = commitMessageProblems(raw, { allowFixups: true });
  if (problems.length === 0) return 0;
  console.error(
    [
      "commit message rejected:",
      ...problems.map((p) => `  ${p}`),
      `The rule: a subject of at most ${MAX_SUBJECT} characters, a blank line, then a body that says why.`,
      `Your message is kept in ${path}: git commit -e -F ${path} starts from it.`,
    ].join("\n"),
  );
  return 1;
}

/** Runs the command; resolves to the exit code: 0 all good, 1 messages to fix, 2 bad command line. */
export function main(argv: readonly string[], cwd = process.cwd()): number {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        base: { type: "string" },
        head: { type: "string" },
        file: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.file !== undefined) {
      if (values.base !== undefined || values.head !== undefined)
        throw new UsageError("--file checks one message: it takes no --base or --head");
      return checkFile(resolve(cwd, values.file), cwd);
    }
    for (const flag of ["base", "head"] as const)
      if (values[flag]?.trim() === "") throw new UsageError(`--${flag} needs a commit`);
    const base = values.base === undefined ? { ref: RULE_START.commit, time: RULE_START.time } : { ref: values.base };
    const { commits, note } = commitsToCheck(cwd, base, values.head ?? "HEAD");
    if (note !== null) console.error(`commit messages: ${note}`);
    const since = `since ${base.ref.length === 40 ? base.ref.slice(0, 7) : base.ref}`;
    const bad = commits
      .map((c) => ({ ...c, problems: commitMessageProblems(c.message) }))
      .filter((c) => c.problems.length > 0);
    if (bad.length === 0) {
      console.log(`commit messages: ${commits.length} commits ${since} follow the rule`);
      return 0;
    }
    const lines = [`commit messages: ${bad.length} of ${commits.length} commits ${since} break the rule:`];
    for (const c of bad) {
      lines.push(`  ${c.hash.slice(0, 7)} ${c.message.split("\n")[0]}`);
      for (const p of c.problems) lines.push(`      ${p}`);
    }
    lines.push(
      `The rule: a subject of at most ${MAX_SUBJECT} characters, a blank line, then a body that says why.`,
      `Reword them: git rebase -i ${base.ref.slice(0, 12)}, marking each one "reword".`,
    );
    console.error(lines.join("\n"));
    return 1;
  } catch (e) {
    if (!(e instanceof UsageError) && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") !== true) throw e;
    console.error(`check-commits: ${(e as Error).message}\nRun with --help for the usage.`);
    return 2;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
