/** Shape arithmetic shared by the tensor, the layers and the data code. */
export type Shape = readonly number[];

export function shapeStr(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function validateShape(shape: Shape, where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: invalid shape ${shapeStr(shape)}: dimensions must be non-negative integers`);
    }
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1. */
export function broadcastShapes(a: Shape, b: Shape, where = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${where}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together ` +
          `(dimension ${i} of the aligned shapes: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative axis and checks it is in range. */
export function normalizeAxis(axis: number, ndim: number, where: string): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= ndim) {
    throw new Error(`${where}: axis ${axis} is out of range for a tensor with ${ndim} dimensions`);
  }
  return a;
}

/** Resolves one -1 entry in a reshape target. */
export function resolveReshape(from: Shape, to: Shape): number[] {
  const total = sizeOf(from);
  const out = [...to];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new Error(`reshape: only one -1 allowed in ${shapeStr(to)}`);
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || total % known !== 0) {
      throw new Error(`reshape: cannot reshape ${shapeStr(from)} (${total} elements) into ${shapeStr(to)}`);
    }
    out[unknown] = total / known;
  }
  validateShape(out, "reshape");
  if (sizeOf(out) !== total) {
    throw new Error(
      `reshape: cannot reshape ${shapeStr(from)} (${total} elements) into ${shapeStr(to)} (${sizeOf(out)} elements)`,
    );
  }
  return out;
}

/** The multi-dimensional index of flat position `flat` in a row-major tensor of `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

/** The flat position of a multi-dimensional index (negative entries count from the end), or a clear error. */
export function flatOffset(shape: Shape, strides: readonly number[], index: readonly number[], where: string): number {
  if (index.length !== shape.length) {
    throw new Error(`${where}: expected ${shape.length} indices for shape ${shapeStr(shape)}, got ${index.length}`);
  }
  let off = 0;
  for (let i = 0; i < index.length; i++) {
    const d = shape[i]!;
    let k = index[i]!;
    if (k < 0) k += d;
    if (!Number.isInteger(k) || k < 0 || k >= d) {
      throw new Error(`${where}: index ${index[i]} is out of range for axis ${i} of shape ${shapeStr(shape)}`);
    }
    off += k * strides[i]!;
  }
  return off;
}
