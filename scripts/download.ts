// Downloads datasets into a data directory, verified against their checksums:
//   npm run download -- [mnist|fashion-mnist|cifar-10|all]... [--dir DIR] [--sources FILE]
// (or `npx tsx scripts/download.ts ...`). Without --dir: $TSDL_DATA, else data/cache in the kit.
// Interrupted downloads resume on the next run; files already present and verified are skipped.
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { DATASET_NAMES, resolveDataDir, type DatasetName } from "../lib/data/datadir";
import { downloadDataset, loadSources, type Sources } from "../lib/data/download";

export const USAGE = `usage: npm run download -- [DATASET]... [options]
       npx tsx scripts/download.ts [DATASET]... [options]

Downloads datasets from their official sources (with mirrors), verifies each file against its
md5/sha256, and only then moves it into place. An interrupted download resumes where it stopped.

  DATASET            ${DATASET_NAMES.join(", ")} or all (the default)

  --dir DIR          data directory to download into (also --data-dir);
                     default: $TSDL_DATA, else data/cache in the kit
  --sources FILE     a download table shaped like lib/data/sources.json
  --retries N        resumes per file after a dropped connection (default 3)
  --timeout SECONDS  drop a connection that sends nothing for this long (default 60)
  -h, --help         show this help`;

/** A bad command line: reported with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

export interface DownloadArgs {
  help: boolean;
  datasets: DatasetName[];
  /** The --dir given, if any (downloads then go there). */
  dataDir: string | undefined;
  sources: Sources | undefined;
  retries: number;
  timeoutMs: number;
}

function count(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min)
    throw new UsageError(`${flag} expects a number >= ${min}, got "${value}"`);
  return n;
}

/** Parses and validates the command line; throws UsageError for anything it cannot use. */
export function parseDownloadArgs(argv: readonly string[]): DownloadArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: "string" },
        "data-dir": { type: "string" },
        sources: { type: "string" },
        retries: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    // parseArgs' messages name the flag; the hint about "--" is noise for this command.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  if (values.dir !== undefined && values["data-dir"] !== undefined)
    throw new UsageError("give --dir or --data-dir, not both");
  const dataDir = values.dir ?? values["data-dir"];
  if (dataDir !== undefined) {
    if (dataDir.trim() === "") throw new UsageError("--dir needs a directory");
    let isDir = true;
    try {
      isDir = statSync(dataDir).isDirectory();
    } catch {
      // absent: the download creates it
    }
    if (!isDir) throw new UsageError(`--dir ${dataDir}: not a directory`);
  }
  const unknown = positionals.filter((n) => n !== "all" && !(DATASET_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new UsageError(`unknown dataset ${unknown.join(", ")} (known: ${DATASET_NAMES.join(", ")}, all)`);
  const datasets =
    positionals.length === 0 || positionals.includes("all")
      ? [...DATASET_NAMES]
      : DATASET_NAMES.filter((n) => positionals.includes(n));
  let sources: Sources | undefined;
  if (values.sources !== undefined) {
    try {
      sources = loadSources(values.sources);
    } catch (e) {
      throw new UsageError(`--sources: ${(e as Error).message}`);
    }
    const absent = datasets.filter((n) => sources![n] === undefined);
    if (absent.length > 0) throw new UsageError(`--sources ${values.sources}: no entry for ${absent.join(", ")}`);
  }
  return {
    help,
    datasets,
    dataDir,
    sources,
    retries: Math.floor(count("--retries", values.retries, 3, 0)),
    timeoutMs: 1000 * count("--timeout", values.timeout, 60, 0.001),
  };
}

function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A progress line redrawn in place on a terminal, at most every 100 ms. */
function ttyProgress(stream: NodeJS.WriteStream): (file: string, received: number, total: number | null) => void {
  let last = 0;
  return (file, received, total) => {
    const now = Date.now();
    if (now - last < 100 && received !== total) return;
    last = now;
    const pct = total ? ` ${((100 * received) / total).toFixed(1)}%` : "";
    stream.write(`\r\x1b[2K${file}: ${formatMB(received)}${total ? ` of ${formatMB(total)}` : ""}${pct}`);
  };
}

/** Runs the command; resolves to the exit code (0 done, 2 bad command line). Download failures reject. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: DownloadArgs;
  try {
    args = parseDownloadArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`download: ${e.message}\nRun with --help for the usage.`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = resolveDataDir(args.dataDir === undefined ? {} : { dataDir: args.dataDir });
  const tty = process.stderr.isTTY === true;
  console.error(`data directory: ${dir}`);
  for (const name of args.datasets) {
    await downloadDataset(name, dir, {
      ...(args.sources === undefined ? {} : { sources: args.sources }),
      retries: args.retries,
      timeoutMs: args.timeoutMs,
      // Without a terminal, only the one line per file from `log`.
      ...(tty ? { onProgress: ttyProgress(process.stderr) } : {}),
      log: (line) => process.stderr.write(`${tty ? "\r\x1b[2K" : ""}${line}\n`),
    });
  }
  // The repository cache is searched by default; any other directory has to be named to the loaders.
  if (args.dataDir !== undefined && process.env.TSDL_DATA === undefined)
    console.error(`done; the loaders find it with TSDL_DATA=${dir} or { dataDir: ${JSON.stringify(dir)} }`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`download failed: ${e.message}`);
      process.exit(1);
    },
  );
}
