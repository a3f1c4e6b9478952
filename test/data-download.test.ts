import { expect } from "chai";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { DATASET_LAYOUT, DATASET_NAMES } from "../lib/data/datadir";
import { downloadDataset, downloadFile, extractTarGz, loadSources, type Sources } from "../lib/data/download";
import { encodeIdx, readIdxLabels } from "../lib/data/idx";

/*
 * Everything here talks to a server on 127.0.0.1 (ephemeral port) serving files the test makes:
 * no test touches the internet.
 */
const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const REPO = resolve(__dirname, "..");

/** One tar header block (ustar), with its checksum. */
function tarHeader(name: string, size: number, type = "0", prefix = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write(type, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.write(prefix, 345, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}
const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);
type TarEntry = { name: string; data?: Uint8Array; type?: string; prefix?: string };
/** A tar archive as GNU tar writes it: headers, padded data, two zero blocks. */
function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? new Uint8Array(0));
    parts.push(tarHeader(e.name, data.length, e.type, e.prefix), data, pad(data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
const paxRecord = (key: string, value: string): Buffer => {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len++;
  return Buffer.from(`${len}${body}`);
};

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("downloads (local HTTP server on 127.0.0.1)", function () {
  this.timeout(20000);
  const dir = mkdtempSync(join(tmpdir(), "tsdl-dl-"));
  const good = Buffer.from(Array.from({ length: 300000 }, (_, i) => (i * 7) % 251));
  const corrupt = Buffer.from(good);
  corrupt[1000] = corrupt[1000]! ^ 1;
  const labels = gzipSync(encodeIdx([4], Uint8Array.of(3, 1, 4, 1)));
  const images = gzipSync(encodeIdx([1, 2, 2], Uint8Array.of(0, 64, 128, 255)));
  const batch = Uint8Array.from({ length: 2 * 3073 }, (_, i) => (i === 0 ? 7 : i === 3073 ? 2 : i % 256));
  const cifarTarGz = gzipSync(
    makeTar([
      { name: "cifar-10-batches-bin/", type: "5" },
      { name: "cifar-10-batches-bin/test_batch.bin", data: batch },
      { name: "cifar-10-batches-bin/readme.html", data: Buffer.from("<p>not wanted</p>") },
      {
        name: "cifar-10-batches-bin/batches.meta.txt",
        data: Buffer.from("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"),
      },
    ]),
  );
  const requests: { url: string; range: string | undefined }[] = [];
  const dropped = new Set<string>();
  let server: Server;
  let base = "";

  /** Serves `body`, honouring "Range: bytes=N-" unless told to ignore it; can drop the connection half way. */
  function send(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    opts: { ignoreRange?: boolean; dropOnce?: boolean; stallOnce?: boolean } = {},
  ): void {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = m && !opts.ignoreRange ? Number(m[1]) : 0;
    if (start >= body.length && m) {
      res.writeHead(416, { "Content-Range": `bytes */${body.length}` });
      return void res.end();
    }
    const slice = body.subarray(start);
    res.writeHead(m && !opts.ignoreRange ? 206 : 200, {
      "Content-Length": slice.length,
      ...(m && !opts.ignoreRange ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (opts.stallOnce && !dropped.has(req.url ?? "")) {
      // Half the body, then nothing: the socket stays open until the client gives up.
      dropped.add(req.url ?? "");
      res.write(slice.subarray(0, Math.floor(slice.length / 2)));
      return;
    }
    if (opts.dropOnce && !dropped.has(req.url ?? "")) {
      dropped.add(req.url ?? "");
      res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(slice);
  }

  before(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? "", range: req.headers.range });
      const url = req.url ?? "";
      if (url === "/good.bin") return send(req, res, good);
      if (url === "/corrupt.bin") return send(req, res, corrupt);
      if (url.startsWith("/drop/")) return send(req, res, good, { dropOnce: true });
      if (url.startsWith("/stall/")) return send(req, res, good, { stallOnce: true });
      if (url === "/silent.bin") return; // never answers
      if (url === "/norange.bin") return send(req, res, good, { ignoreRange: true });
      if (url === "/moved.bin") return void res.writeHead(302, { Location: "/moved-again.bin" }).end();
      if (url === "/moved-again.bin") return void res.writeHead(301, { Location: `${base}/good.bin` }).end();
      if (url === "/loop.bin") return void res.writeHead(302, { Location: "/loop.bin" }).end();
      if (url === "/mirror/t10k-labels-idx1-ubyte.gz") return send(req, res, labels);
      if (url === "/mirror/t10k-images-idx3-ubyte.gz") return send(req, res, images);
      if (url === "/mirror/cifar-10-binary.tar.gz") return send(req, res, cifarTarGz);
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // fetch keeps idle connections open for reuse
      }),
  );
  beforeEach(() => {
    requests.length = 0;
  });

  it("downloads a good file, verifying md5 and sha256, reporting progress up to the total", async () => {
    const dest = join(dir, "good.bin");
    const seen: [number, number | null][] = [];
    await downloadFile(
      `${base}/good.bin`,
      dest,
      { md5: md5(good), sha256: sha256(good) },
      { onProgress: (_f, r, t) => seen.push([r, t]) },
    );
    expect(readFileSync(dest).equals(good)).to.equal(true);
    expect(existsSync(`${dest}.part`)).to.equal(false);
    expect(seen.at(-1)).to.deep.equal([good.length, good.length]);
  });

  it("follows redirects (relative and absolute), but not forever", async () => {
    await downloadFile(`${base}/moved.bin`, join(dir, "moved.bin"), { sha256: sha256(good) });
    expect(readFileSync(join(dir, "moved.bin")).equals(good)).to.equal(true);
    expect(requests.map((r) => r.url)).to.deep.equal(["/moved.bin", "/moved-again.bin", "/good.bin"]);
    requests.length = 0;
    const err = await failure(downloadFile(`${base}/loop.bin`, join(dir, "loop.bin"), {}));
    expect(err.message).to.equal(`${base}/loop.bin: redirect count exceeded`);
    expect(requests.length).to.equal(1 + 20); // fetch's limit: 20 redirects
    expect(existsSync(join(dir, "loop.bin.part"))).to.equal(false);
  });

  it("rejects a corrupted file naming it, expected and got, and leaves no file behind", async () => {
    const dest = join(dir, "corrupt.bin");
    const err = await failure(downloadFile(`${base}/corrupt.bin`, dest, { md5: md5(good) }));
    expect(err.message).to.equal(
      `corrupt.bin: md5 mismatch: expected ${md5(good)}, got ${md5(corrupt)} (downloaded from ${base}/corrupt.bin; the corrupt file was deleted)`,
    );
    expect(existsSync(dest)).to.equal(false);
    expect(existsSync(`${dest}.part`)).to.equal(false);
    const bySha = await failure(downloadFile(`${base}/corrupt.bin`, dest, { sha256: sha256(good) }));
    expect(bySha.message).to.match(
      new RegExp(`^corrupt\\.bin: sha256 mismatch: expected ${sha256(good)}, got ${sha256(corrupt)}`),
    );
    expect(requests.length).to.equal(2); // a fresh download that fails is not fetched again
  });

  it("resumes a download dropped half way with a Range request for the rest", async () => {
    const dest = join(dir, "resumed.bin");
    const first = await failure(downloadFile(`${base}/drop/a.bin`, dest, { md5: md5(good) }, { retries: 0 }));
    expect(first.message).to.match(
      new RegExp(
        `^${base}/drop/a\\.bin: (download interrupted|connection closed) after \\d+ of ${good.length} bytes.*; run the same command again to resume$`,
      ),
    );
    expect(existsSync(dest)).to.equal(false);
    const partial = readFileSync(`${dest}.part`).length;
    expect(partial).to.be.above(0).and.below(good.length);
    requests.length = 0;
    await downloadFile(`${base}/drop/a.bin`, dest, { md5: md5(good) });
    expect(requests).to.deep.equal([{ url: "/drop/a.bin", range: `bytes=${partial}-` }]);
    expect(readFileSync(dest).equals(good)).to.equal(true);
    expect(existsSync(`${dest}.part`)).to.equal(false);
  });

  it("resumes by itself within one call when retries are allowed", async () => {
    const dest = join(dir, "auto.bin");
    await downloadFile(`${base}/drop/b.bin`, dest, { md5: md5(good) });
    expect(requests.length).to.equal(2);
    expect(requests[0]!.range).to.equal(undefined);
    expect(requests[1]!.range).to.match(/^bytes=\d+-$/);
    expect(readFileSync(dest).equals(good)).to.equal(true);
  });

  it("drops a connection that stalls in the body after timeoutMs and resumes it; one that never answers is an error", async () => {
    const dest = join(dir, "stalled.bin");
    await downloadFile(`${base}/stall/a.bin`, dest, { md5: md5(good) }, { timeoutMs: 300 });
    expect(requests.length).to.equal(2);
    expect(requests[1]!.range).to.equal(`bytes=${good.length / 2}-`);
    expect(readFileSync(dest).equals(good)).to.equal(true);
    const stalled = await failure(
      downloadFile(`${base}/stall/b.bin`, join(dir, "b.bin"), { md5: md5(good) }, { timeoutMs: 300, retries: 0 }),
    );
    expect(stalled.message).to.equal(
      `${base}/stall/b.bin: download interrupted after ${good.length / 2} of ${good.length} bytes (no data for 300 ms); run the same command again to resume`,
    );
    const silent = await failure(downloadFile(`${base}/silent.bin`, join(dir, "silent.bin"), {}, { timeoutMs: 300 }));
    expect(silent.message).to.equal(`${base}/silent.bin: no data for 300 ms`);
  });

  it("restarts from zero when the server ignores Range and answers 200", async () => {
    const dest = join(dir, "norange.bin");
    writeFileSync(`${dest}.part`, good.subarray(0, 1234));
    await downloadFile(`${base}/norange.bin`, dest, { md5: md5(good) });
    expect(requests).to.deep.equal([{ url: "/norange.bin", range: "bytes=1234-" }]);
    expect(readFileSync(dest).equals(good)).to.equal(true); // overwritten, not appended
  });

  it("a complete part file (416 for the Range) is verified and kept; a longer one is discarded and fetched again", async () => {
    const dest = join(dir, "complete.bin");
    writeFileSync(`${dest}.part`, good);
    await downloadFile(`${base}/good.bin`, dest, { md5: md5(good) });
    expect(readFileSync(dest).equals(good)).to.equal(true);
    const longer = join(dir, "longer.bin");
    writeFileSync(`${longer}.part`, Buffer.concat([good, Buffer.from("extra")]));
    await downloadFile(`${base}/good.bin`, longer, { md5: md5(good) });
    expect(readFileSync(longer).equals(good)).to.equal(true);
    expect(requests.map((r) => r.range)).to.deep.equal([
      `bytes=${good.length}-`,
      `bytes=${good.length + 5}-`,
      undefined,
    ]);
  });

  it("a stale part file (another version of the file) that fails the checksum is fetched again from zero", async () => {
    const dest = join(dir, "stale.bin");
    writeFileSync(`${dest}.part`, Buffer.alloc(5000, 9));
    await downloadFile(`${base}/good.bin`, dest, { md5: md5(good) });
    expect(requests.map((r) => r.range)).to.deep.equal(["bytes=5000-", undefined]);
    expect(readFileSync(dest).equals(good)).to.equal(true);
  });

  it("an HTTP error names the URL and the status", async () => {
    const err = await failure(downloadFile(`${base}/nothing.bin`, join(dir, "nothing.bin"), {}));
    expect(err.message).to.equal(`${base}/nothing.bin: HTTP 404 Not Found`);
    expect(existsSync(join(dir, "nothing.bin.part"))).to.equal(false);
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await failure(downloadFile(`http://127.0.0.1:${port}/x.bin`, join(dir, "x.bin"), {}));
    expect(refused.message).to.equal(`http://127.0.0.1:${port}/x.bin: connect ECONNREFUSED 127.0.0.1:${port}`);
    const ftp = await failure(downloadFile("ftp://127.0.0.1/x.bin", join(dir, "x.bin"), {}));
    expect(ftp.message).to.equal("ftp://127.0.0.1/x.bin: only http and https URLs are supported");
  });

  it("downloads a dataset through its mirrors (first 404s), then skips the verified files", async () => {
    const sources: Sources = {
      mnist: {
        folder: "mnist",
        mirrors: [`${base}/missing/`, `${base}/mirror/`],
        files: {
          "t10k-labels-idx1-ubyte.gz": { md5: md5(labels) },
          "t10k-images-idx3-ubyte.gz": { sha256: sha256(images) },
        },
      },
    };
    const lines: string[] = [];
    const folder = await downloadDataset("mnist", dir, { sources, log: (l) => lines.push(l) });
    expect(folder).to.equal(join(dir, "mnist"));
    expect(Array.from(readIdxLabels(join(folder, "t10k-labels-idx1-ubyte.gz")))).to.deep.equal([3, 1, 4, 1]);
    expect(requests.map((r) => r.url)).to.deep.equal([
      "/missing/t10k-labels-idx1-ubyte.gz",
      "/mirror/t10k-labels-idx1-ubyte.gz",
      "/missing/t10k-images-idx3-ubyte.gz",
      "/mirror/t10k-images-idx3-ubyte.gz",
    ]);
    requests.length = 0;
    await downloadDataset("mnist", dir, { sources, log: (l) => lines.push(l) });
    expect(requests).to.deep.equal([]);
    expect(lines).to.deep.equal([
      `mnist/t10k-labels-idx1-ubyte.gz: downloaded from ${base}/mirror/t10k-labels-idx1-ubyte.gz, checksum ok`,
      `mnist/t10k-images-idx3-ubyte.gz: downloaded from ${base}/mirror/t10k-images-idx3-ubyte.gz, checksum ok`,
      "mnist/t10k-labels-idx1-ubyte.gz: present, checksum ok",
      "mnist/t10k-images-idx3-ubyte.gz: present, checksum ok",
    ]);
  });

  it("lists every mirror's failure; refuses to overwrite a present file that fails its checksum", async () => {
    const sources: Sources = {
      mnist: { folder: "m2", mirrors: [`${base}/a/`, `${base}/b/`], files: { "x.gz": { md5: md5(labels) } } },
    };
    const err = await failure(downloadDataset("mnist", dir, { sources, log: () => undefined }));
    expect(err.message).to.equal(
      `could not download x.gz:\n  ${base}/a/x.gz: HTTP 404 Not Found\n  ${base}/b/x.gz: HTTP 404 Not Found`,
    );
    const bad = {
      mnist: {
        folder: "m3",
        mirrors: [`${base}/mirror/`],
        files: { "t10k-labels-idx1-ubyte.gz": { md5: "0".repeat(32) } },
      },
    };
    mkdirSync(join(dir, "m3"));
    writeFileSync(join(dir, "m3", "t10k-labels-idx1-ubyte.gz"), labels);
    const present = await failure(downloadDataset("mnist", dir, { sources: bad, log: () => undefined }));
    expect(present.message).to.equal(
      `${join(dir, "m3", "t10k-labels-idx1-ubyte.gz")}: md5 mismatch: expected ${"0".repeat(32)}, got ${md5(labels)}. Delete it and run the download again.`,
    );
    expect(existsSync(join(dir, "m3", "t10k-labels-idx1-ubyte.gz"))).to.equal(true);
  });

  it("downloads a tar.gz, extracts only the listed members, deletes the archive, and skips it next time", async () => {
    const members = ["cifar-10-batches-bin/test_batch.bin", "cifar-10-batches-bin/batches.meta.txt"];
    const sources: Sources = {
      "cifar-10": {
        folder: "cifar-10-batches-bin",
        mirrors: [`${base}/mirror/`],
        archive: { name: "cifar-10-binary.tar.gz", md5: md5(cifarTarGz), members },
      },
    };
    const lines: string[] = [];
    const folder = await downloadDataset("cifar-10", dir, { sources, log: (l) => lines.push(l) });
    expect(readFileSync(join(folder, "test_batch.bin")).equals(Buffer.from(batch))).to.equal(true);
    expect(readdirSync(folder).sort()).to.deep.equal(["batches.meta.txt", "test_batch.bin"]);
    expect(existsSync(join(dir, "cifar-10-binary.tar.gz"))).to.equal(false);
    await downloadDataset("cifar-10", dir, { sources, log: (l) => lines.push(l) });
    expect(lines.slice(1)).to.deep.equal([
      `cifar-10: extracted 2 files into ${folder}`,
      "cifar-10: all 2 files present",
    ]);
    expect(requests.length).to.equal(1);
  });

  it("an archive that lacks a listed member is an error naming the archive and the member", async () => {
    const members = ["cifar-10-batches-bin/test_batch.bin", "cifar-10-batches-bin/data_batch_1.bin"];
    const sources: Sources = {
      "cifar-10": {
        folder: "cifar-10-batches-bin",
        mirrors: [`${base}/mirror/`],
        archive: { name: "cifar-10-binary.tar.gz", md5: md5(cifarTarGz), members },
      },
    };
    const into = join(dir, "lacking");
    const err = await failure(downloadDataset("cifar-10", into, { sources, log: () => undefined }));
    expect(err.message).to.equal(
      `${join(into, "cifar-10-binary.tar.gz")}: the archive lacks cifar-10-batches-bin/data_batch_1.bin (truncated, or not the expected archive?)`,
    );
  });

  it("the CLI downloads into --dir with one line per file when stderr is not a terminal", async () => {
    const out = join(dir, "cli");
    const sourcesFile = join(dir, "sources.json");
    const spec = {
      folder: "mnist",
      mirrors: [`${base}/mirror/`],
      files: { "t10k-labels-idx1-ubyte.gz": { md5: md5(labels) } },
    };
    writeFileSync(sourcesFile, JSON.stringify({ datasets: { mnist: spec } }));
    const tsx = join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
    const run = (args: string[]): Promise<{ code: number; stderr: string; stdout: string }> =>
      new Promise((done) => {
        execFile(
          process.execPath,
          [tsx, join(REPO, "scripts", "download.ts"), ...args],
          { cwd: REPO, env: { ...process.env, TSDL_DATA: "" } },
          (e, stdout, stderr) => {
            done({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr });
          },
        );
      });
    const ok = await run(["mnist", "--dir", out, "--sources", sourcesFile]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stderr).to.contain(
      `data directory: ${out}\nmnist/t10k-labels-idx1-ubyte.gz: downloaded from ${base}/mirror/t10k-labels-idx1-ubyte.gz, checksum ok\n`,
    );
    expect(existsSync(join(out, "mnist", "t10k-labels-idx1-ubyte.gz"))).to.equal(true);
    const unknown = await run(["svhn", "--dir", out]);
    expect([unknown.code, unknown.stdout, unknown.stderr]).to.deep.equal([
      2,
      "",
      "download: unknown dataset svhn (known: mnist, fashion-mnist, cifar-10, all)\nRun with --help for the usage.\n",
    ]);
    const flag = await run(["mnist", "--sauces", sourcesFile]);
    expect([flag.code, flag.stderr]).to.deep.equal([
      2,
      "download: Unknown option '--sauces'\nRun with --help for the usage.\n",
    ]);
    const help = await run(["--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: npm run download -- \[DATASET\]\.\.\. \[options\]\n/);
    expect(help.stdout).to.contain("--sources FILE");
  });
});

describe("tar extraction (archives made by the test)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsdl-tar-"));
  const write = (name: string, data: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  const big = Uint8Array.from({ length: 70000 }, (_, i) => (i * 13) % 256);

  it("extracts wanted members, across 512-byte padding, ustar prefixes, GNU long names and pax paths", async () => {
    const longName = `deep/${"x".repeat(120)}.bin`;
    const p = write(
      "a.tar.gz",
      gzipSync(
        makeTar([
          { name: "top/", type: "5" },
          { name: "top/big.bin", data: big },
          { name: "top/skip.txt", data: Buffer.from("skip") },
          { name: "empty.bin" },
          { name: "file.bin", prefix: "with/prefix", data: Buffer.from("prefixed") },
          { name: "././@LongLink", type: "L", data: Buffer.from(`${longName}\0`) },
          { name: longName.slice(0, 100), data: Buffer.from("long") },
          { name: "PaxHeaders/p", type: "x", data: paxRecord("path", "pax/named.bin") },
          { name: "truncated-name", data: Buffer.from("pax") },
        ]),
      ),
    );
    const wanted = new Map([
      ["top/big.bin", "out/big.bin"],
      ["empty.bin", "out/empty.bin"],
      ["with/prefix/file.bin", "out/prefixed.bin"],
      [longName, "out/long.bin"],
      ["pax/named.bin", "out/pax.bin"],
    ]);
    const written = await extractTarGz(p, dir, (m) => wanted.get(m) ?? null);
    expect(written).to.deep.equal(["big", "empty", "prefixed", "long", "pax"].map((n) => join(dir, "out", `${n}.bin`)));
    expect(readFileSync(join(dir, "out", "big.bin")).equals(Buffer.from(big))).to.equal(true);
    expect(readFileSync(join(dir, "out", "empty.bin")).length).to.equal(0);
    expect(["prefixed", "long", "pax"].map((n) => readFileSync(join(dir, "out", `${n}.bin`), "utf8"))).to.deep.equal([
      "prefixed",
      "long",
      "pax",
    ]);
    expect(readdirSync(join(dir, "out")).some((f) => f.endsWith(".part"))).to.equal(false);
  });

  it("reads an uncompressed tar as well: gzip is recognised by its magic bytes, not the name", async () => {
    const p = write("plain.tar.gz", makeTar([{ name: "x/big.bin", data: big }]));
    expect(await extractTarGz(p, join(dir, "plain"), (m) => m)).to.deep.equal([join(dir, "plain", "x", "big.bin")]);
    expect(readFileSync(join(dir, "plain", "x", "big.bin")).equals(Buffer.from(big))).to.equal(true);
  });

  it("a truncated archive fails naming the file and the member, leaving no part file", async () => {
    const tar = makeTar([{ name: "a.bin", data: big }]);
    const p = write("short.tar.gz", gzipSync(tar.subarray(0, 20000)));
    const err = await failure(extractTarGz(p, join(dir, "short"), (m) => m));
    // The member's data and its padding to 512 bytes, less what the cut archive holds after the header.
    const missing = Math.ceil(70000 / 512) * 512 - (20000 - 512);
    expect(err.message).to.equal(
      `${p}: cannot extract member "a.bin": Truncated input (needed ${missing} more bytes, only 0 available)`,
    );
    expect(existsSync(join(dir, "short", "a.bin"))).to.equal(false);
    expect(existsSync(join(dir, "short", "a.bin.part"))).to.equal(false);
    // Cut inside the second member's header: like GNU tar, node-tar ends the archive there, so only
    // the whole first member comes out (downloadDataset then reports the missing one, below).
    const two = makeTar([
      { name: "s.bin", data: Buffer.from("s") },
      { name: "t.bin", data: Buffer.from("t") },
    ]);
    const inHeader = write("header.tar.gz", gzipSync(two.subarray(0, 1024 + 100)));
    expect(await extractTarGz(inHeader, join(dir, "h"), (m) => m)).to.deep.equal([join(dir, "h", "s.bin")]);
    const gz = gzipSync(tar);
    const cutGz = write("cut.tar.gz", gz.subarray(0, gz.length - 100));
    expect((await failure(extractTarGz(cutGz, join(dir, "cut"), (m) => m))).message).to.match(
      /cut\.tar\.gz: cannot extract( member "a\.bin")?: zlib: unexpected end of file$/,
    );
    expect(existsSync(join(dir, "cut")) ? readdirSync(join(dir, "cut")) : []).to.deep.equal([]);
  });

  it("rejects a file that is not a tar archive, and members that would escape the folder", async () => {
    const notTar = write("not.tar.gz", gzipSync(Buffer.alloc(2048, 65)));
    expect((await failure(extractTarGz(notTar, dir, (m) => m))).message).to.match(
      /not\.tar\.gz: cannot extract: checksum failure: not a tar archive, or a corrupt one$/,
    );
    const evil = write("evil.tar.gz", gzipSync(makeTar([{ name: "../../evil.txt", data: Buffer.from("x") }])));
    expect((await failure(extractTarGz(evil, join(dir, "e"), (m) => m))).message).to.match(
      /refusing to write outside the destination: "\.\.\/\.\.\/evil\.txt"/,
    );
  });
});

describe("the shipped download table (lib/data/sources.json)", () => {
  const sources = loadSources();

  it("has every dataset, with http(s) mirrors and well-formed checksums", () => {
    expect(Object.keys(sources).sort()).to.deep.equal([...DATASET_NAMES].sort());
    for (const [name, spec] of Object.entries(sources)) {
      expect(spec.mirrors.length, name).to.be.above(0);
      for (const m of spec.mirrors) expect(new URL(m).protocol, `${name}: ${m}`).to.be.oneOf(["http:", "https:"]);
      const sums = [...Object.values(spec.files ?? {}), ...(spec.archive ? [spec.archive] : [])];
      expect(sums.length, name).to.be.above(0);
      for (const s of sums) {
        expect(s.md5 ?? s.sha256, name).to.be.a("string");
        if (s.md5 !== undefined) expect(s.md5, name).to.match(/^[0-9a-f]{32}$/);
        if (s.sha256 !== undefined) expect(s.sha256, name).to.match(/^[0-9a-f]{64}$/);
      }
    }
  });

  it("downloads exactly the files the loaders look for", () => {
    for (const name of DATASET_NAMES) {
      const spec = sources[name]!;
      const layout = DATASET_LAYOUT[name];
      expect(spec.folder, name).to.equal(layout.folder);
      const fetched = spec.archive
        ? spec.archive.members.map((m) => m.replace(`${layout.folder}/`, ""))
        : Object.keys(spec.files ?? {});
      expect(fetched, name).to.include.members([...layout.files]);
    }
  });

  it("a table that cannot be read or lacks its datasets is an error naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsdl-sources-"));
    const empty = join(dir, "empty.json");
    writeFileSync(empty, "{}");
    expect(() => loadSources(empty)).to.throw(`${empty}: expected an object with a "datasets" key`);
    const missing = join(dir, "missing.json");
    expect(() => loadSources(missing)).to.throw(new RegExp(`^${missing}: cannot read the download sources: ENOENT`));
  });
});
