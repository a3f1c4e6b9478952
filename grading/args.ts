// Every grader command line parses its flags the same way: node:util parseArgs (unknown flags and
// positionals where none belong are refused), --help prints the usage (exit 0), and a bad flag prints
// why and the usage (exit 2).
import { parseArgs, type ParseArgsConfig } from "node:util";

export type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** The parsed flags, or the exit code when there is nothing more to do (0 after --help, 2 after a bad flag). */
export function commandLine<T extends ParseArgsConfig>(name: string, help: string, config: T): Parsed<T> | number {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    return usageError(name, help, (e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    return 0;
  }
  return parsed;
}

/** Prints a usage error and the usage; returns the exit code for it. */
export function usageError(name: string, help: string, message: string): number {
  console.error(`${name}: ${message}\n\n${help}`);
  return 2;
}
