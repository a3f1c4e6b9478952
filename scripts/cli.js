// @ts-check
/*
 * Command lines for the kit's scripts: node:util's parseArgs, with `--help` (usage on stdout, exit 0)
 * and, for an unknown flag, a missing or a bad value, one clear message and exit code 2, before the
 * script does any work. Plain JavaScript so that the scripts Node runs directly can use it too.
 */
"use strict";

/** A bad command line: `parseCommandLine` prints the message and exits with code 2. */
class UsageError extends Error {}

/**
 * Runs `parse` (which calls node:util's parseArgs with `strict: true`, checks the values and calls
 * `fail` for a bad one) on `argv` (default: the process's arguments) and returns its settings.
 * `-h` or `--help` anywhere prints `usage` and exits 0; a bad command line exits 2 with the message.
 * @template R
 * @param {{ command: string, usage: string, argv?: string[] }} spec
 *   `command` names the script in messages ("npm run notebooks").
 * @param {(args: string[]) => R} parse
 * @returns {R}
 */
function parseCommandLine(spec, parse) {
  const argv = spec.argv ?? process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(spec.usage.trimEnd() + "\n");
    process.exit(0);
  }
  try {
    return parse(argv);
  } catch (e) {
    // parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code.
    const parseError =
      e instanceof TypeError && String(/** @type {{ code?: unknown }} */ (e).code).startsWith("ERR_PARSE_ARGS");
    if (!(e instanceof UsageError) && !parseError) throw e;
    const help = spec.command.startsWith("npm ") ? `${spec.command} -- --help` : `${spec.command} --help`;
    process.stderr.write(`${spec.command}: ${/** @type {Error} */ (e).message}\n(${help} lists the options)\n`);
    process.exit(2);
  }
}

/**
 * Throws the UsageError that parseCommandLine reports.
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  throw new UsageError(message);
}

/**
 * A whole number >= `min` from a flag's text, or a UsageError naming the flag.
 * @param {string} flag @param {string} text @param {number} [min]
 */
function integerFlag(flag, text, min = 1) {
  const n = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min)
    fail(`--${flag} must be a whole number >= ${min}, got "${text}"`);
  return n;
}

module.exports = { parseCommandLine, fail, integerFlag, UsageError };
