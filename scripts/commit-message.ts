// The kit's rule for commit messages: a subject of at most 72 characters (what `git log --oneline`,
// GitHub and mail clients show whole), a blank line, then a body that says why the change was made.

export const MAX_SUBJECT = 72;

/** Subjects git writes for commits meant to be squashed away before they land. */
const FIXUP = /^(fixup|squash|amend)! /;

/** The message git will record: without `#` comment lines and anything below the scissors line. */
export function cleanMessage(raw: string): string {
  const lines: string[] = [];
  for (const line of raw.replace(/\r\n/g, "\n").split("\n")) {
    if (/^# -+ >8 -+$/.test(line)) break; // `git commit --verbose`: the diff below is not the message
    if (!line.startsWith("#")) lines.push(line.trimEnd());
  }
  return lines.join("\n").replace(/^\n+/, "").trimEnd();
}

export interface RuleOptions {
  /** Accept fixup!/squash!/amend! commits (yes at commit time; no once they should have been squashed). */
  allowFixups?: boolean;
}

/** What is wrong with a commit message, one line per problem; empty when it follows the rule. */
export function commitMessageProblems(raw: string, opts: RuleOptions = {}): string[] {
  const message = cleanMessage(raw);
  if (message === "") return ["empty message"];
  const [subject = "", ...after] = message.split("\n");
  const second = after[0];
  if (FIXUP.test(subject))
    return opts.allowFixups ? [] : ["a fixup/squash commit: fold it into its target (git rebase -i --autosquash)"];
  const problems: string[] = [];
  const length = [...subject].length; // characters, not UTF-16 units
  if (length > MAX_SUBJECT)
    problems.push(`subject is ${length} characters, more than ${MAX_SUBJECT}: shorten it, move detail to the body`);
  if (second !== undefined && second.trim() !== "")
    problems.push("the second line must be blank: subject, blank line, then the body");
  if (after.every((l) => l.trim() === "")) problems.push("no body: after a blank line, say why the change was made");
  return problems;
}
