import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { downloadDataset, downloadFile, extractTarGz, type SourceSpec } from "../lib/data/download";
import type { DatasetName } from "../lib/data/datadir";
import { encodeIdx, readIdxLabels } from "../lib/data/idx";

const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** A minimal ustar archive (files only), as the tests need one and no tar is in the kit. */
function makeTar(files: Record<string, Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const h = Buffer.alloc(512);
    h.write(name, 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    parts.push(h, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

describe("downloads (against a local HTTP server on 127.0.0.1)", function () {
  this.timeout(20000);
  const dir = mkdtempSync(join(tmpdir(), "tsdl-dl-"));
  const good = Buffer.from(Array.from({ length: 200000 }, (_, i) => (i * 7) % 251));
  const labels = gzipSync(encodeIdx([4], Uint8Array.of(3, 1, 4, 1)));
  const batch = Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? 7 : i % 256));
  const tarGz = gzipSync(makeTar({ "cifar-10-batches-bin/test_batch.bin": batch, "cifar-10-batches-bin/readme.html": Buffer.from("skip me") }));
  const log: { url: string; range?: string }[] = [];
  let dropNext = false;
  let server: Server;
  let base = "";

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      log.push({ url: req.url ?? "", range: req.headers.range });
      const send = (body: Buffer): void => {
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
        const start = range ? Number(range[1]) : 0;
        const slice = body.subarray(start);
        res.writeHead(range ? 206 : 200, { "Content-Length": slice.length, ...(range ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
        if (dropNext) {
          dropNext = false;
          res.write(slice.subarray(0, 50000));
          setTimeout(() => res.destroy(), 20);
          return;
        }
        res.end(slice);
      };
      switch (req.url) {
        case "/good.bin": return send(good);
        case "/corrupt.bin": return send(Buffer.concat([good.subarray(0, 1000), Buffer.from([1]), good.subarray(1001)]));
        case "/moved.bin": res.writeHead(302, { Location: "/good.bin" }); return res.end();
        case "/mirror/t10k-labels-idx1-ubyte.gz": return send(labels);
        case "/mirror/cifar-10-binary.tar.gz": return send(tarGz);
        default: res.writeHead(404); return res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("downloads a good file, verifies md5 and sha256, and follows redirects", async () => {
    await downloadFile(`${base}/good.bin`, join(dir, "good.bin"), { md5: md5(good), sha256: sha256(good) });
    expect(readFileSync(join(dir, "good.bin")).equals(good)).to.equal(true);
    await downloadFile(`${base}/moved.bin`, join(dir, "moved.bin"), { sha256: sha256(good) });
    expect(readFileSync(join(dir, "moved.bin")).equals(good)).to.equal(true);
  });

  it("rejects a corrupted file, naming it with expected and got, and leaves nothing behind", async () => {
    let err: Error | null = null;
    try {
      await downloadFile(`${base}/corrupt.bin`, join(dir, "corrupt.bin"), { md5: md5(good) });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(new RegExp(`corrupt\\.bin: md5 mismatch: expected ${md5(good)}, got [0-9a-f]{32}`));
    expect(existsSync(join(dir, "corrupt.bin"))).to.equal(false);
    expect(existsSync(join(dir, "corrupt.bin.part"))).to.equal(false);
  });

  it("resumes an interrupted download with a Range request", async () => {
    dropNext = true;
    const dest = join(dir, "resumed.bin");
    let first: Error | null = null;
    try {
      await downloadFile(`${base}/good.bin`, dest, { md5: md5(good) });
    } catch (e) {
      first = e as Error;
    }
    expect(first?.message).to.match(/run again to resume/);
    expect(existsSync(dest)).to.equal(false);
    const partial = readFileSync(`${dest}.part`).length;
    expect(partial).to.be.at.least(50000).and.below(good.length);
    log.length = 0;
    await downloadFile(`${base}/good.bin`, dest, { md5: md5(good) });
    expect(log[0]!.range).to.equal(`bytes=${partial}-`);
    expect(readFileSync(dest).equals(good)).to.equal(true);
  });

  it("names the URL and status of an HTTP error", async () => {
    let err: Error | null = null;
    try {
      await downloadFile(`${base}/nothing.bin`, join(dir, "nothing.bin"), {});
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.equal(`${base}/nothing.bin: HTTP 404 Not Found`);
  });

  it("downloads a dataset through its mirrors, skips verified files, and extracts tar.gz archives", async () => {
    const sources = {
      mnist: { folder: "mnist", mirrors: [`${base}/missing/`, `${base}/mirror/`], files: { "t10k-labels-idx1-ubyte.gz": { md5: md5(labels) } } },
      "cifar-10": {
        folder: "cifar-10-batches-bin", mirrors: [`${base}/mirror/`],
        archive: { name: "cifar-10-binary.tar.gz", md5: md5(tarGz), members: ["cifar-10-batches-bin/test_batch.bin"] },
      },
    } as unknown as Record<DatasetName, SourceSpec>;
    const lines: string[] = [];
    const folder = await downloadDataset("mnist", dir, { sources, log: (l) => lines.push(l) });
    expect(Array.from(readIdxLabels(join(folder, "t10k-labels-idx1-ubyte.gz")))).to.deep.equal([3, 1, 4, 1]);
    await downloadDataset("mnist", dir, { sources, log: (l) => lines.push(l) });
    expect(lines).to.deep.equal(["mnist/t10k-labels-idx1-ubyte.gz: downloaded, checksum ok", "mnist/t10k-labels-idx1-ubyte.gz: present, checksum ok"]);
    const cifar = await downloadDataset("cifar-10", dir, { sources, log: () => undefined });
    expect(readFileSync(join(cifar, "test_batch.bin")).equals(Buffer.from(batch))).to.equal(true);
    expect(existsSync(join(cifar, "readme.html"))).to.equal(false);
    expect(existsSync(join(dir, "cifar-10-binary.tar.gz"))).to.equal(false);
  });

  it("reports a truncated archive", async () => {
    const p = join(dir, "short.tar.gz");
    writeFileSync(p, gzipSync(makeTar({ "a.bin": new Uint8Array(5000) }).subarray(0, 2000)));
    let err: Error | null = null;
    try {
      await extractTarGz(p, dir, (m) => m);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(/short\.tar\.gz: cannot extract: tar: archive ended inside a member/);
  });
});
