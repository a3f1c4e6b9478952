// @ts-check
/*
 * The sandboxed side of grading. Runs in its own Node process, started by grading/runner.ts with
 * Node's permission model (reads only its own folder and node_modules, writes only scratch/, no
 * child processes, no workers) and, where the machine allows it, in an empty network namespace.
 * It never sees expected outputs: the grader sends a probe name and inputs over IPC, this process
 * answers with the student's outputs, and the grader scores them.
 */
"use strict";

// Network: blocked here as well, for machines where the grader cannot make a network namespace.
function blocked(what) {
  return function () {
    throw new Error(`network access is not allowed while grading (${what})`);
  };
}
const net = require("node:net");
net.connect = net.createConnection = blocked("net.connect");
net.createServer = blocked("net.createServer");
net.Socket.prototype.connect = blocked("socket.connect");
require("node:tls").connect = blocked("tls.connect");
require("node:dgram").createSocket = blocked("dgram");
for (const mod of ["node:http", "node:https"]) {
  const m = require(mod);
  m.request = m.get = blocked(`${mod}.request`);
}
require("node:dns").lookup = blocked("dns.lookup");
globalThis.fetch = blocked("fetch");

// Output: the grader needs none of it, so it is counted and dropped here (writing it to a pipe from
// a tight loop would only queue it in memory); past the cap the call that prints fails.
const outputCap = Number(process.env.TSDL_OUTPUT_CAP ?? 1048576);
let printed = 0;
/** @param {string | Uint8Array} chunk */
function count(chunk) {
  printed += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
  if (printed > outputCap) throw new Error(`printed more than ${outputCap} bytes of output`);
  return true;
}
for (const stream of [process.stdout, process.stderr]) {
  stream.write = /** @type {typeof stream.write} */ (/** @type {unknown} */ (count));
}
// console swallows errors thrown by stream.write, so its methods count directly.
const { format } = require("node:util");
for (const method of /** @type {const} */ (["log", "info", "warn", "error", "debug", "trace", "dir", "table"])) {
  console[method] = (/** @type {unknown[]} */ ...args) => {
    count(format(...args) + "\n");
  };
}

const path = require("node:path");
const send = process.send ? process.send.bind(process) : null;
if (send === null) {
  console.error("worker.js must be started by the grader (no IPC channel)");
  process.exit(2);
}

/** @param {unknown} e */
function describe(e) {
  if (e instanceof Error) {
    // The first frame inside the student's lib/ tells them where it broke.
    const frame = (e.stack ?? "").split("\n").find((l) => l.includes(`${path.sep}lib${path.sep}`));
    return `${e.name}: ${e.message}${
      frame
        ? ` (${frame
            .trim()
            .replace(/^at /, "at ")
            .replace(__dirname + path.sep, "")})`
        : ""
    }`;
  }
  return `threw ${String(e)}`;
}

process.on("message", (/** @type {{ id: string, file: string, fn: string, inputs: unknown }} */ msg) => {
  let reply;
  try {
    const mod = require(path.join(__dirname, "run", "grading", "probes", `${msg.file}.js`));
    const fn = mod[msg.fn];
    if (typeof fn !== "function") throw new Error(`probe ${msg.file}.${msg.fn} is missing`);
    reply = { id: msg.id, ok: true, output: fn(msg.inputs) };
  } catch (e) {
    reply = { id: msg.id, ok: false, error: describe(e) };
  }
  try {
    send(reply);
  } catch (e) {
    send({ id: msg.id, ok: false, error: `the result could not be sent back (${describe(e)})` });
  }
});
send({ ready: true });
