// The sandbox cannot signal the grader, reach the network or fill the disk, with namespaces and
// without them (simulated by an `unshare` that fails, as in an unprivileged container), and the
// grader cleans up its temp folders when it is interrupted.
import { expect } from "chai";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GradescopeResults } from "../grading/report";
import { atStartOf, type Run, runGrader, solvedKit, testOf, variant } from "./grading-submissions";

const L2 = "e-cnn-l2: L2 loss and its gradient";
const l2Start = (code: string) => ({ "lib/losses/regression.ts": atStartOf(/export function l2Loss\(/, code) });

/** A PATH whose `unshare` fails the way it does where namespaces are not allowed. */
function withoutNamespaces(tmp: string): NodeJS.ProcessEnv {
  const bin = join(tmp, "fake-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "unshare"),
    '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n',
  );
  chmodSync(join(bin, "unshare"), 0o755);
  return { ...process.env, PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };
}

/** Pids of processes whose command line mentions `text` (what a test started and must not leave behind). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** Tries to signal the grader and reports what it saw (its uid and parent pid) in the case's feedback. */
const SIGNALS = l2Start(`  const seen: string[] = [\`uid \${process.getuid?.()}\`, \`ppid \${process.ppid}\`];
  const attempts: [number, NodeJS.Signals][] = [[process.ppid, "SIGSTOP"], [process.ppid, "SIGKILL"], [0, "SIGSTOP"], [0, "SIGKILL"]];
  for (const [pid, sig] of attempts) {
    try {
      process.kill(pid, sig);
      seen.push(\`kill(\${pid}, \${sig}) was sent\`);
    } catch (e) {
      seen.push(\`kill(\${pid}, \${sig}): \${(e as Error).message}\`);
    }
  }
  throw new Error(seen.join("; "));`);

/** Every way to the network it knows, each of which must throw at once; then the correct answer. */
function networkAttempts(udpPort: number, tcpPort: number, socketPath: string) {
  return l2Start(`  const dgram = require("dgram"), dns = require("dns"), net = require("net"), http = require("http");
  const host = "127.0.0.1";
  const attempts: Record<string, () => unknown> = {
    "dgram.Socket": () => new dgram.Socket("udp4").send(Buffer.from("leak"), ${udpPort}, host),
    "dgram.createSocket": () => dgram.createSocket("udp4").send(Buffer.from("leak"), ${udpPort}, host),
    "dns.Resolver": () => { const r = new dns.Resolver(); r.setServers([\`\${host}:${udpPort}\`]); r.resolve4("leak.example", () => {}); },
    "dns.promises.Resolver": () => { const r = new dns.promises.Resolver(); r.setServers([\`\${host}:${udpPort}\`]); return r.resolve4("leak.example").catch(() => {}); },
    "dns.lookup": () => dns.lookup("leak.example", () => {}),
    "net.Socket": () => new net.Socket().connect(${tcpPort}, host),
    "http.Agent": () => new http.Agent().createConnection({ port: ${tcpPort}, host }),
    "http.get": () => http.get(\`http://\${host}:${tcpPort}/\`),
    "unix socket": () => net.connect({ path: ${JSON.stringify(socketPath)} }),
  };
  const open: string[] = [];
  for (const [name, attempt] of Object.entries(attempts)) {
    try {
      attempt();
      open.push(name);
    } catch {
      // blocked, as it must be
    }
  }
  if (open.length > 0) throw new Error(\`not blocked: \${open.join(", ")}\`);`);
}

/** Writes 16 MB files into its scratch folder until something stops it, then reports how far it got. */
const SCRATCH_FLOOD = l2Start(`  const fs = require("fs");
  const chunk = Buffer.alloc(16 << 20, 120);
  let written = 0;
  let why = "nothing stopped it";
  try {
    for (let i = 0; i < 32; i++) {
      fs.writeFileSync(\`flood-\${i}.bin\`, chunk);
      written += chunk.length;
    }
  } catch (e) {
    why = (e as Error).message;
  }
  throw new Error(\`wrote \${written} bytes (\${why})\`);`);

interface Listeners {
  udp: UdpSocket;
  tcp: Server;
  unix: Server;
  received: string[];
  udpPort: number;
  tcpPort: number;
  socketPath: string;
}

async function listen(tmp: string): Promise<Listeners> {
  const received: string[] = [];
  const udp = createSocket("udp4");
  udp.on("message", (m) => received.push(`udp: ${m.length} bytes`));
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  const tcp = createServer((s) => {
    received.push("tcp connection");
    s.destroy();
  });
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  const socketDir = join(tmp, "sockets");
  mkdirSync(socketDir);
  chmodSync(socketDir, 0o777);
  const socketPath = join(socketDir, "grader.sock");
  const unix = createServer((s) => {
    received.push("unix socket connection");
    s.destroy();
  });
  await new Promise<void>((r) => unix.listen(socketPath, r));
  chmodSync(socketPath, 0o777);
  const port = (s: Server): number => (s.address() as { port: number }).port;
  return { udp, tcp, unix, received, udpPort: udp.address().port, tcpPort: port(tcp), socketPath };
}

for (const mode of ["with namespaces", "without namespaces"] as const) {
  describe(`sandbox isolation ${mode}`, function () {
    this.timeout(300000);
    const tmp = mkdtempSync(join(tmpdir(), "tsdl-isolation-"));
    const dir = join(tmp, "submissions");
    const out = join(tmp, "out");
    let run: Run;
    let net: Listeners;
    const results = (name: string): GradescopeResults =>
      JSON.parse(readFileSync(join(out, `${name}.results.json`), "utf8")) as GradescopeResults;
    const l2 = (name: string) => testOf(results(name), L2);

    before(async () => {
      net = await listen(tmp);
      mkdirSync(dir, { recursive: true });
      solvedKit(join(dir, "honest"));
      variant(dir, "signals", SIGNALS);
      variant(dir, "network", networkAttempts(net.udpPort, net.tcpPort, net.socketPath));
      variant(dir, "scratch-flood", SCRATCH_FLOOD);
      const args = ["--batch", dir, "--csv", join(tmp, "gradebook.csv"), "--out-dir", out, "--jobs", "2"];
      run =
        mode === "with namespaces"
          ? await runGrader(args, { timeoutMs: 280000 })
          : await runGrader([...args, "--allow-no-namespace"], { env: withoutNamespaces(tmp), timeoutMs: 280000 });
      // Anything the sandbox queued would have gone out by now.
      await new Promise((r) => setTimeout(r, 1000));
    });

    after(() => {
      net.udp.close();
      net.tcp.close();
      net.unix.close();
      killAll(processesMentioning(tmp));
    });

    it("grades the batch to the end, the honest submission fully", () => {
      expect(run.timedOut, `${run.stdout}\n${run.stderr}`).to.equal(false);
      expect(run.code, run.stderr).to.equal(0);
      const honest = results("honest");
      expect(honest.score).to.equal(honest.max_score);
    });

    it("a sandbox cannot stop or kill the grader, and it runs as nobody", () => {
      const feedback = l2("signals").output;
      expect(feedback).to.match(/uid 65534/);
      expect(feedback).to.match(mode === "with namespaces" ? /ppid 0;/ : /ppid [1-9]\d*;/);
      expect(feedback).to.not.match(/was sent/);
      const r = results("signals");
      expect(r.score).to.equal(r.max_score - 2);
    });

    it("no network: every way to it throws, and nothing arrives", () => {
      const r = results("network");
      expect(l2("network").output).to.not.match(/not blocked/);
      expect(r.score, l2("network").output).to.equal(r.max_score);
      expect(net.received).to.deep.equal([]);
    });

    it("scratch writes stop at the 64 MB quota", () => {
      const feedback = l2("scratch-flood").output;
      const m = /wrote (\d+) bytes/.exec(feedback);
      if (m) expect(Number(m[1]), feedback).to.be.at.most(64 << 20);
      else expect(feedback).to.match(/wrote more than 64 MB to its scratch folder/);
    });
  });
}

describe("sandbox isolation: the grader's own safety", function () {
  this.timeout(300000);

  it("refuses to grade without namespaces unless --allow-no-namespace is given, and says why in results.json", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tsdl-isolation-refuse-"));
    const submission = solvedKit(join(tmp, "student"));
    const results = join(tmp, "results.json");
    const run = await runGrader([submission, "--out", results], { env: withoutNamespaces(tmp) });
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/namespaces.*--allow-no-namespace/s);
    const r = JSON.parse(readFileSync(results, "utf8")) as GradescopeResults;
    expect(r.output).to.match(/^Not graded: this machine cannot isolate submissions/);
  });

  it("runs as an unprivileged user without namespaces, where only the sandbox's own blocks protect it", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tsdl-isolation-nobody-"));
    const dir = join(tmp, "submissions");
    mkdirSync(dir, { recursive: true });
    solvedKit(join(dir, "honest"));
    variant(dir, "signals", SIGNALS);
    const out = join(tmp, "out");
    mkdirSync(out);
    for (const d of [tmp, out]) chmodSync(d, 0o777);
    const env = { ...withoutNamespaces(tmp), HOME: tmp };
    const cli = join(__dirname, "..", "node_modules", "tsx", "dist", "cli.mjs");
    // The grader itself as nobody: its sandboxes share its uid, as in an unprivileged container.
    const run = await new Promise<Run>((done) => {
      const started = Date.now();
      const { spawn } = require("node:child_process") as typeof import("node:child_process");
      const child = spawn(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, cli, "grading/cli.ts"].concat([
          "--batch",
          dir,
          "--csv",
          join(out, "gradebook.csv"),
          "--out-dir",
          out,
          "--allow-no-namespace",
        ]),
        { cwd: join(__dirname, ".."), env, stdio: ["ignore", "pipe", "pipe"], detached: true },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => killAll([-child.pid!]), 250000);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        done({ code, signal, stdout, stderr, timedOut: false, seconds: (Date.now() - started) / 1000 });
      });
    });
    killAll(processesMentioning(tmp));
    expect(run.code, run.stderr).to.equal(0);
    const honest = JSON.parse(readFileSync(join(out, "honest.results.json"), "utf8")) as GradescopeResults;
    expect(honest.score).to.equal(honest.max_score);
    const signals = JSON.parse(readFileSync(join(out, "signals.results.json"), "utf8")) as GradescopeResults;
    const feedback = signals.tests.find((t) => t.name === L2)!.output;
    expect(feedback).to.match(/uid 65534/);
    expect(feedback).to.match(/kill\(\d+, SIGSTOP\): process\.kill is not allowed while grading/);
    expect(feedback).to.not.match(/was sent/);
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`removes its temp folders and stops its sandboxes on ${signal}`, async () => {
      const tmp = mkdtempSync(join(tmpdir(), "tsdl-isolation-signal-"));
      chmodSync(tmp, 0o755); // the sandbox's user must reach its folders under TMPDIR
      const temp = join(tmp, "temp");
      mkdirSync(temp);
      const dir = join(tmp, "submissions");
      mkdirSync(dir);
      solvedKit(join(dir, "a-honest"));
      variant(dir, "b-spins", l2Start("  for (;;) { /* spin */ }"));
      let pid = 0;
      let interrupted = false;
      const running = runGrader(["--batch", dir, "--csv", join(tmp, "gradebook.csv"), "--jobs", "1"], {
        env: { ...process.env, TMPDIR: temp },
        timeoutMs: 200000,
        onStart: (p) => (pid = p),
      });
      // Interrupt once the second submission's sandbox is spinning.
      const deadline = Date.now() + 150000;
      while (!interrupted && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        const spinning = processesMentioning(temp).some((p) => {
          try {
            // The sandbox: the one node process allowed to write (its scratch folder).
            const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
            return readlinkSync(`/proc/${p}/exe`).endsWith("node") && cmd.includes("--allow-fs-write");
          } catch {
            return false;
          }
        });
        if (spinning && readdirSync(temp).length > 0) {
          await new Promise((r) => setTimeout(r, 1500));
          process.kill(pid, signal);
          interrupted = true;
        }
      }
      const run = await running;
      const left = processesMentioning(temp);
      killAll(left);
      expect(interrupted, "the sandbox never started").to.equal(true);
      expect(run.timedOut).to.equal(false);
      expect(run.code).to.equal(signal === "SIGTERM" ? 143 : 130);
      expect(left, "processes left running").to.deep.equal([]);
      expect(
        readdirSync(temp).filter((f) => f.startsWith("tsdl-")),
        "temp folders left behind",
      ).to.deep.equal([]);
    });
  }
});
