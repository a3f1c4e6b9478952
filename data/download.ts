// Downloads datasets with checksum verification:  npm run download -- [mnist|fashion-mnist|cifar-10|all] [--data-dir DIR]
import { DATASET_FILES, downloadDir, type DatasetName } from "../lib/data/datadir";
import { downloadDataset } from "../lib/data/download";

async function main(argv: string[]): Promise<number> {
  let dataDir: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--data-dir") dataDir = argv[++i];
    else if (a.startsWith("--data-dir=")) dataDir = a.slice("--data-dir=".length);
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run download -- [mnist|fashion-mnist|cifar-10|all] [--data-dir DIR]");
      return 0;
    } else names.push(a);
  }
  const known = Object.keys(DATASET_FILES) as DatasetName[];
  const wanted = names.length === 0 || names.includes("all") ? known : names;
  const unknown = wanted.filter((n) => !known.includes(n as DatasetName));
  if (unknown.length > 0) {
    console.error(`unknown dataset(s): ${unknown.join(", ")} (known: ${known.join(", ")}, all)`);
    return 2;
  }
  const dir = downloadDir(dataDir === undefined ? {} : { dataDir });
  console.error(`data directory: ${dir}`);
  const tty = process.stderr.isTTY;
  let lastFile = "";
  for (const name of wanted as DatasetName[]) {
    await downloadDataset(name, dir, {
      onProgress: (file, received, total) => {
        if (!tty) {
          if (file !== lastFile) console.error(`${name}/${file}: downloading${total ? ` ${(total / 1e6).toFixed(1)} MB` : ""}`);
          lastFile = file;
          return;
        }
        const pct = total ? ` ${((100 * received) / total).toFixed(0)}%` : "";
        process.stderr.write(`\r${name}/${file}: ${(received / 1e6).toFixed(1)} MB${pct}   `);
      },
      log: (line) => console.error(tty ? `\r\x1b[2K${line}` : line),
    });
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`download failed: ${e.message}`);
    process.exit(1);
  },
);
