// @ts-check
/*
 * The sandboxed side of grading: one Node process per submission and visibility, started by
 * grading/sandbox.ts under Node's permission model (reads only its run/ folder, writes only its
 * scratch folder, no child processes, no workers, no addons) and, where the machine allows, in its own
 * PID, network and mount namespaces as an unprivileged user (grading/isolation.ts).
 *
 * It never sees an expected output. The grader writes requests to fd 0 and reads replies from fd 3,
 * each a frame: a 4-byte little-endian length, then that many bytes of JSON. Everything happens
 * synchronously in one loop that never returns to the event loop, so no timer, promise or socket
 * callback of the student's ever runs between requests. Student code runs only inside a probe call,
 * and everything this file relies on afterwards was captured before the first student module loaded.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");

// ---- built-ins, captured before any student code runs --------------------------------------------
const bindCall = Function.prototype.call.bind.bind(Function.prototype.call);
const readSync = fs.readSync;
const writeSync = fs.writeSync;
const readFileSync = fs.readFileSync;
const exit = process.reallyExit.bind(process);
const parse = JSON.parse;
const stringify = JSON.stringify;
const keys = Object.keys;
const freeze = Object.freeze;
const hasOwn = bindCall(Object.prototype.hasOwnProperty);
const isView = ArrayBuffer.isView;
const StringOf = String;
const U8 = Uint8Array;
const I32 = Int32Array;
const F64 = Float64Array;
const typedLength = bindCall(
  /** @type {() => number} */ (
    /** @type {PropertyDescriptor} */ (
      Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), "length")
    ).get
  ),
);
const typedSet = bindCall(Object.getPrototypeOf(Uint8Array.prototype).set);
const base64Slice = bindCall(/** @type {any} */ (Buffer.prototype).base64Slice);
const sliceString = bindCall(String.prototype.slice);
const replaceString = bindCall(String.prototype.replace);
const splitString = bindCall(String.prototype.split);
const encode = bindCall(TextEncoder.prototype.encode);
const decode = bindCall(TextDecoder.prototype.decode);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const wait = Atomics.wait;
const sleeper = new I32(new SharedArrayBuffer(4));
const compile = bindCall(/** @type {any} */ (Module.prototype)._compile);
const modulePaths = /** @type {any} */ (Module)._nodeModulePaths;
const ModuleClass = /** @type {any} */ (Module);

// This file sits at run/worker.js; the student's sources were compiled from the sibling src/ folder,
// which source-mapped stack frames name.
const RUN = __dirname;
const FRAME_ROOTS = [`${RUN}${path.sep}`, `${path.join(path.dirname(RUN), "src")}${path.sep}`];
const OUTPUT_CAP = Number(process.env.TSDL_OUTPUT_CAP ?? 1048576);
const MAX_ERROR = 4000;

// ---- output: counted per request, dropped, never an error ----------------------------------------
let printed = 0;
/** @param {unknown} chunk */
function count(chunk) {
  printed += typeof chunk === "string" ? chunk.length : isView(chunk) ? /** @type {any} */ (chunk).byteLength : 0;
  return true;
}
for (const stream of [process.stdout, process.stderr]) /** @type {any} */ (stream).write = count;
const formatArgs = require("node:util").format;
for (const method of ["log", "info", "warn", "error", "debug", "trace", "dir", "dirxml", "table"]) {
  /** @type {any} */ (console)[method] = (/** @type {unknown[]} */ ...args) => {
    // Past the cap only the strings are counted (formatting megabytes nobody reads costs time).
    if (printed > OUTPUT_CAP) for (const a of args) printed += typeof a === "string" ? a.length + 1 : 16;
    else printed += formatArgs(...args).length + 1;
  };
}

// ---- nothing that reaches another process ----------------------------------------------------------
const refusals = new WeakSet();
/** @param {string} what */
function refused(what) {
  const f = function () {
    throw new Error(`${what} is not allowed while grading`);
  };
  refusals.add(f);
  return f;
}
/** Replaces obj[name] for good by a function that refuses. @param {any} obj @param {string} name @param {string} what */
function block(obj, name, what) {
  if (refusals.has(obj[name])) return; // blocked already (a prototype two classes share)
  Object.defineProperty(obj, name, { value: refused(what), writable: false, configurable: false });
}
const proc = /** @type {any} */ (process);
for (const name of ["kill", "_kill", "_debugProcess", "_debugEnd", "dlopen"]) block(proc, name, `process.${name}`);
block(require("node:os"), "setPriority", "os.setPriority");
block(require("node:inspector"), "open", "inspector.open");

// Network: an empty network namespace where the machine allows one; here, in any case, every way to a
// socket, at the level of the modules and of the handles under them (TCP, UDP, pipes, the DNS channel).
const net = require("node:net");
const dgram = require("node:dgram");
const dns = require("node:dns");
/** Every method of `proto` itself (not of the classes it extends). @param {any} proto @param {string} what */
function blockOwn(proto, what) {
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (name !== "constructor" && d && typeof d.value === "function")
      block(proto, name, `network access (${what}.${name})`);
  }
}
const handleProtos = [];
{
  const tcp = new net.Socket();
  try {
    tcp.connect({ port: -1, host: "127.0.0.1" }); // creates the TCP handle, then refuses the port
  } catch {
    // expected
  }
  handleProtos.push([Object.getPrototypeOf(/** @type {any} */ (tcp)._handle), "TCP"]);
  tcp.destroy();
  const pipe = new net.Socket();
  try {
    pipe.connect({ path: /** @type {any} */ (42) }); // creates the Pipe handle, then refuses the path
  } catch {
    // expected
  }
  handleProtos.push([Object.getPrototypeOf(/** @type {any} */ (pipe)._handle), "Pipe"]);
  pipe.destroy();
  const udp = /** @type {any} */ (new dgram.Socket("udp4"));
  const state = Object.getOwnPropertySymbols(udp)
    .map((s) => udp[s])
    .find((v) => v && typeof v === "object" && v.handle);
  handleProtos.push([Object.getPrototypeOf(state.handle), "UDP"]);
  udp.close();
  handleProtos.push([Object.getPrototypeOf(/** @type {any} */ (new dns.Resolver())._handle), "ChannelWrap"]);
}
// The handles this process already has (its pipes to the grader) are made; only new connections end here.
for (const [proto, what] of handleProtos) {
  for (const name of ["open", "bind", "bind6", "listen", "connect", "connect6", "send", "send6"])
    if (typeof proto[name] === "function") block(proto, name, `network access (${what}.${name})`);
  if (what === "ChannelWrap") blockOwn(proto, "dns");
}
for (const [mod, names] of /** @type {[any, string[]][]} */ ([
  [net, ["connect", "createConnection", "createServer"]],
  [require("node:tls"), ["connect", "createServer"]],
  [dgram, ["createSocket"]],
  [require("node:http"), ["request", "get", "createServer"]],
  [require("node:https"), ["request", "get", "createServer"]],
  [require("node:http2"), ["connect", "createServer", "createSecureServer"]],
  [dns, ["lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveAny", "reverse", "setServers"]],
  [dns.promises, ["lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveAny", "reverse", "setServers"]],
])) {
  for (const name of names) block(mod, name, `network access (${name})`);
}
for (const [proto, what, names] of /** @type {[any, string, string[]][]} */ ([
  [net.Socket.prototype, "net.Socket", ["connect"]],
  [net.Server.prototype, "net.Server", ["listen"]],
  [dgram.Socket.prototype, "dgram.Socket", ["bind", "connect", "send", "sendto", "addMembership"]],
  [require("node:http").Agent.prototype, "http.Agent", ["createConnection"]],
  [Object.getPrototypeOf(dns.Resolver.prototype), "dns.Resolver", ["setServers", "setLocalAddress"]],
  [Object.getPrototypeOf(dns.promises.Resolver.prototype), "dns.promises.Resolver", ["setServers", "setLocalAddress"]],
])) {
  for (const name of names)
    if (typeof proto[name] === "function") block(proto, name, `network access (${what}.${name})`);
}
blockOwn(dns.Resolver.prototype, "dns.Resolver");
blockOwn(dns.promises.Resolver.prototype, "dns.promises.Resolver");
for (const name of ["fetch", "WebSocket", "EventSource"]) block(globalThis, name, `network access (${name})`);

// ---- frames -------------------------------------------------------------------------------------
/** @param {number} ms */
function sleep(ms) {
  wait(sleeper, 0, 0, ms);
}

/** @param {number} n @returns {Uint8Array} */
function readExactly(n) {
  const buf = new U8(n);
  let off = 0;
  while (off < n) {
    let got;
    try {
      got = readSync(0, buf, off, n - off, null);
    } catch (e) {
      if (/** @type {any} */ (e).code === "EAGAIN") {
        sleep(2);
        continue;
      }
      throw e;
    }
    if (got === 0) exit(0); // the grader closed the channel: done
    off += got;
  }
  return buf;
}

/** @returns {any} */
function readFrame() {
  const head = readExactly(4);
  const n = head[0] + head[1] * 256 + head[2] * 65536 + head[3] * 16777216;
  return parse(decode(decoder, readExactly(n)));
}

/** @param {string} json */
function writeFrame(json) {
  const body = encode(encoder, json);
  const n = typedLength(body);
  const frame = new U8(4 + n);
  frame[0] = n & 255;
  frame[1] = (n >>> 8) & 255;
  frame[2] = (n >>> 16) & 255;
  frame[3] = (n >>> 24) & 255;
  typedSet(frame, body, 4);
  let off = 0;
  while (off < 4 + n) {
    try {
      off += writeSync(3, frame, off, 4 + n - off, null);
    } catch (e) {
      if (/** @type {any} */ (e).code === "EAGAIN") sleep(2);
      else throw e;
    }
  }
}

/** A tensor as JSON: its shape and its float64 values in base64. @param {any} t @param {string} name */
function tensorJson(t, name) {
  if (typeof t === "number") {
    const data = new F64(1);
    data[0] = t;
    return `{"shape":[],"f64":"${base64Slice(new U8(data.buffer), 0, 8)}"}`;
  }
  const shape = t && t.shape;
  const data = t && t.data;
  if (!isView(shape) || !isView(data)) throw new Error(`grader error: probe output ${name} is not a tensor`);
  let dims = "";
  for (let i = 0; i < typedLength(shape); i++) dims += (i ? "," : "") + StringOf(shape[i]);
  const bytes = new U8(data.buffer, data.byteOffset, typedLength(data) * 8);
  return `{"shape":[${dims}],"f64":"${base64Slice(bytes, 0, typedLength(bytes))}"}`;
}

/** @param {any} outputs */
function outputsJson(outputs) {
  let out = "";
  let self = "";
  for (const name of keys(outputs)) {
    if (name === "selfCheck") {
      for (const k of keys(outputs.selfCheck))
        self += `${self ? "," : ""}${stringify(k)}:${tensorJson(outputs.selfCheck[k], k)}`;
    } else out += `${out ? "," : ""}${stringify(name)}:${tensorJson(outputs[name], name)}`;
  }
  return `"outputs":{${out}}${hasOwn(outputs, "selfCheck") ? `,"selfCheck":{${self}}` : ""}`;
}

// ---- errors, as the student should see them -------------------------------------------------------
/**
 * At most MAX_ERROR characters of a string, copied (a slice of a huge string would keep all of it).
 * @param {unknown} v @returns {string}
 */
function text(v) {
  if (typeof v !== "string") return "";
  if (v.length <= MAX_ERROR) return v;
  return `${decode(decoder, encode(encoder, sliceString(v, 0, MAX_ERROR)))} [...]`;
}

/** "Name: message (at lib/x.ts:12:5)": the first frame in the student's lib/, with source maps applied. @param {unknown} e */
function describe(e) {
  let name = "",
    message = "",
    stack = "";
  try {
    const err = /** @type {any} */ (e);
    if (typeof err === "object" && err !== null) {
      name = text(err.name);
      const m = err.message;
      message = text(m);
      // The stack repeats the message: formatting it for a huge one would cost as much again.
      if (typeof m !== "string" || m.length <= MAX_ERROR) stack = text(err.stack);
    } else message = `threw ${text(StringOf(e))}`;
  } catch {
    message = "threw something that cannot be read";
  }
  let frame = "";
  for (const line of splitString(stack, "\n")) {
    for (const at of FRAME_ROOTS) {
      const i = line.indexOf(`${at}lib${path.sep}`);
      if (i >= 0) {
        frame = replaceString(sliceString(line, i + at.length), /\)$/, "");
        break;
      }
    }
    if (frame) break;
  }
  return `${name || "Error"}: ${message}${frame ? ` (at ${frame})` : ""}`;
}

// ---- probes, loaded by this file (never from a require cache student code can rewrite) -----------
const wire = freeze(load(path.join(RUN, "grading", "probes", "wire.js")));
const registry = load(path.join(RUN, "grading", "probes", "registry.js")).probes;
/** @type {Record<string, (inputs: unknown, w: unknown) => unknown>} */
const probeFns = Object.create(null);

/** @param {string} filename */
function load(filename) {
  const m = new ModuleClass(filename, module);
  m.filename = filename;
  m.paths = modulePaths(path.dirname(filename));
  compile(m, readFileSync(filename, "utf8"), filename);
  m.loaded = true;
  return m.exports;
}

/** @param {string} probe */
function probeFn(probe) {
  if (probeFns[probe]) return probeFns[probe];
  const ref = hasOwn(registry, probe) ? registry[probe] : null;
  if (!ref) throw new Error(`grader error: unknown probe "${probe}"`);
  const file = path.join(RUN, "grading", "probes", `${ref.file}.js`);
  const fn = load(file)[ref.fn];
  if (typeof fn !== "function") throw new Error(`grader error: probe ${ref.file}.${ref.fn} is missing`);
  probeFns[probe] = fn;
  return fn;
}

// ---- the loop ------------------------------------------------------------------------------------
for (;;) {
  const request = readFrame();
  printed = 0;
  const id = stringify(StringOf(request.id));
  let reply;
  try {
    const outputs = probeFn(StringOf(request.probe))(request.inputs, wire);
    reply = `{"id":${id},"ok":true,${outputsJson(outputs)},"printed":${printed}}`;
  } catch (e) {
    reply = `{"id":${id},"ok":false,"error":${stringify(describe(e))},"printed":${printed}}`;
  }
  writeFrame(reply);
}
