/**
 * The grader's end of the sandbox channel: length-prefixed JSON frames (a 4-byte little-endian length,
 * then the JSON), and strict checks of every reply before the grader uses any of it. A reply is plain
 * data built here from the parsed JSON, never an object the sandbox made: known keys only, the request's
 * id, tensors as a shape (at most 8 whole dimensions, at most 2^24 values) and exactly 8 bytes per
 * value of base64 float64, strings capped. Sizes are checked before anything is decoded or iterated.
 */
import { MAX_VALUES } from "./probes/wire";

/** Largest frame the grader accepts from a sandbox (one output of MAX_VALUES float64s is ~43 MB in base64). */
export const MAX_FRAME = 64 * 1024 * 1024;
/** Longest error message kept from a sandbox. */
export const MAX_ERROR_CHARS = 4000;

export function encodeFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; any violation stops it for good. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private failed = false;

  constructor(
    private readonly onFrame: (json: string) => void,
    private readonly onError: (why: string) => void,
    private readonly maxFrame = MAX_FRAME,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (this.length < 4) return;
      const head = this.peek(4);
      const n = head.readUInt32LE(0);
      if (n > this.maxFrame) return this.fail(`a frame of ${n} bytes (at most ${this.maxFrame})`);
      if (this.length < 4 + n) return;
      const frame = this.take(4 + n);
      this.onFrame(frame.subarray(4).toString("utf8"));
      if (this.failed) return;
    }
  }

  private fail(why: string): void {
    this.failed = true;
    this.chunks = [];
    this.length = 0;
    this.onError(why);
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return all.subarray(0, n);
  }
}

/** An output as the grader holds it. */
export interface DecodedTensor {
  shape: number[];
  data: Float64Array;
}

export type Reply =
  | { ok: true; output: Record<string, DecodedTensor | Record<string, DecodedTensor>>; printed: number }
  | { ok: false; error: string; printed: number };

class Malformed extends Error {}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function plainObject(v: unknown, what: string, allowed: readonly string[] | null): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Malformed(`${what} is not an object`);
  const keys = Object.keys(v);
  if (keys.length > 64) throw new Malformed(`${what} has ${keys.length} keys`);
  for (const k of keys) {
    if (allowed ? !allowed.includes(k) : !NAME.test(k))
      throw new Malformed(`${what} has an unexpected key ${JSON.stringify(k.slice(0, 40))}`);
  }
  return v as Record<string, unknown>;
}

function tensor(v: unknown, name: string): DecodedTensor {
  const o = plainObject(v, name, ["shape", "f64"]);
  const shape = o.shape;
  if (!Array.isArray(shape) || shape.length > 8)
    throw new Malformed(`${name}'s shape is not a list of at most 8 dimensions`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
      throw new Malformed(`${name}'s shape has a bad dimension`);
    size *= d;
    if (size > MAX_VALUES) throw new Malformed(`${name} has more than ${MAX_VALUES} values`);
  }
  const text = o.f64;
  const bytes = 8 * size;
  if (typeof text !== "string" || text.length !== 4 * Math.ceil(bytes / 3) || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new Malformed(`${name}'s values are not ${size} float64s in base64`);
  const raw = Buffer.from(text, "base64");
  if (raw.length !== bytes) throw new Malformed(`${name}'s values are not ${size} float64s in base64`);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = raw.readDoubleLE(8 * i);
  return { shape: shape as number[], data };
}

function tensors(v: unknown, what: string): Record<string, DecodedTensor> {
  const o = plainObject(v, what, null);
  const out: Record<string, DecodedTensor> = Object.create(null) as Record<string, DecodedTensor>;
  for (const k of Object.keys(o)) out[k] = tensor(o[k], k);
  return out;
}

/** Checks and rebuilds one reply; a string says what is wrong with it. */
export function decodeReply(json: string, id: string): Reply | string {
  try {
    let v: unknown;
    try {
      v = JSON.parse(json);
    } catch {
      throw new Malformed("it is not JSON");
    }
    const o = plainObject(v, "the reply", ["id", "ok", "outputs", "selfCheck", "printed", "error"]);
    if (o.id !== id) throw new Malformed("it answers no request in flight");
    const printed = o.printed;
    if (typeof printed !== "number" || !Number.isSafeInteger(printed) || printed < 0)
      throw new Malformed("its output count is not a whole number");
    if (o.ok === false) {
      if (typeof o.error !== "string") throw new Malformed("its error is not a string");
      const error = o.error.length > MAX_ERROR_CHARS ? `${o.error.slice(0, MAX_ERROR_CHARS)} [...]` : o.error;
      return { ok: false, error, printed };
    }
    if (o.ok !== true) throw new Malformed("it is neither a result nor an error");
    const output: Record<string, DecodedTensor | Record<string, DecodedTensor>> = tensors(o.outputs, "its outputs");
    if ("selfCheck" in output) throw new Malformed("an output is named selfCheck");
    if (o.selfCheck !== undefined) output.selfCheck = tensors(o.selfCheck, "its self-check");
    return { ok: true, output, printed };
  } catch (e) {
    if (e instanceof Malformed) return e.message;
    throw e;
  }
}
