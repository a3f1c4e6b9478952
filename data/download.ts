// Downloads datasets with checksum verification into the data directory:
//   npx tsx data/download.ts [mnist|fashion-mnist|cifar-10|all] [--dir D] [--sources FILE]
// (also `npm run download -- ...`). Without --dir: $TSDL_DATA, else data/cache in the repository.
// Interrupted downloads resume on the next run; files already present and verified are skipped.
import { DATASET_NAMES, dataDirFlag, resolveDataDir, type DatasetName } from "../lib/data/datadir";
import { downloadDataset, loadSources } from "../lib/data/download";

const USAGE = "usage: npx tsx data/download.ts [mnist|fashion-mnist|cifar-10|all]... [--dir DIR] [--sources FILE]";

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

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let dataDir: string | undefined;
  let sourcesPath: string | undefined;
  const names: string[] = [];
  try {
    dataDir = dataDirFlag(argv);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === "--dir" || a === "--data-dir") i++;
      else if (a === "--sources") sourcesPath = argv[++i];
      else if (a.startsWith("--sources=")) sourcesPath = a.slice("--sources=".length);
      else if (a.startsWith("--dir=") || a.startsWith("--data-dir=")) continue;
      else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
      else names.push(a);
    }
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const wanted = names.length === 0 || names.includes("all") ? [...DATASET_NAMES] : names;
  const unknown = wanted.filter((n) => !(DATASET_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    console.error(`unknown dataset ${unknown.join(", ")} (known: ${DATASET_NAMES.join(", ")}, all)\n${USAGE}`);
    return 2;
  }
  const dir = resolveDataDir(dataDir === undefined ? {} : { dataDir });
  const sources = loadSources(...(sourcesPath === undefined ? [] : [sourcesPath]));
  const tty = process.stderr.isTTY === true;
  console.error(`data directory: ${dir}`);
  for (const name of wanted as DatasetName[]) {
    await downloadDataset(name, dir, {
      sources,
      // Without a terminal, only the one line per file from `log`.
      ...(tty ? { onProgress: ttyProgress(process.stderr) } : {}),
      log: (line) => process.stderr.write(`${tty ? "\r\x1b[2K" : ""}${line}\n`),
    });
  }
  // The repository cache is searched by default; any other directory has to be named to the loaders.
  if (dataDir !== undefined && process.env.TSDL_DATA === undefined)
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
