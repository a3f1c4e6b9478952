/**
 * Axes for the static pictures of figures (svg.ts): which values an axis spans, where a value lands
 * in pixels, and its ticks and their labels, following Plotly's defaults closely enough that the
 * picture matches the interactive figure that replaces it.
 */
export type AxisKind = "linear" | "log" | "category";

export interface Axis {
  kind: AxisKind;
  /** Category names in the order they first appear (category axes). */
  categories: string[];
  /** The span in axis units (log10 of the value on log axes), first value at `from`. */
  range: [number, number];
  /** Pixels of range[0] and range[1] (for a y axis `from` is the bottom, the larger number). */
  from: number;
  to: number;
  visible: boolean;
  title: string;
  tickformat: string | undefined;
}

export interface AxisSettings {
  type?: unknown;
  range?: unknown;
  autorange?: unknown;
  visible?: unknown;
  title?: { text?: unknown } | unknown;
  tickformat?: unknown;
}

/** What the traces put on one axis: their values, and whether the axis must show zero (bars). */
export interface AxisData {
  values: (number | string)[];
  includeZero: boolean;
  /** Fraction of the span added at each end (Plotly pads points so that markers are not cut). */
  pad: number;
  /** A fixed span for images: [-0.5, pixels - 0.5]. */
  extent?: [number, number];
}

export function buildAxis(settings: AxisSettings, data: AxisData, from: number, to: number): Axis {
  // As Plotly: strings that all read as numbers ("0".."9" bar labels) make a linear axis.
  const strings = data.values.some((v) => typeof v === "string" && !isNumeric(v));
  const kind: AxisKind =
    settings.type === "log" ? "log" : settings.type === "category" || strings ? "category" : "linear";
  const categories = kind === "category" ? [...new Set(data.values.map(String))] : [];
  let range: [number, number];
  if (Array.isArray(settings.range) && settings.range.length === 2 && settings.range.every(Number.isFinite)) {
    range = [settings.range[0] as number, settings.range[1] as number];
  } else if (data.extent) {
    range = [...data.extent];
  } else if (kind === "category") {
    range = [-0.5, Math.max(categories.length, 1) - 0.5];
  } else {
    const nums = data.values.map(Number).filter(Number.isFinite);
    const units = kind === "log" ? nums.filter((v) => v > 0).map(Math.log10) : nums;
    if (data.includeZero && kind === "linear") units.push(0);
    let lo = units.length > 0 ? Math.min(...units) : 0;
    let hi = units.length > 0 ? Math.max(...units) : 1;
    if (lo === hi) [lo, hi] = lo === 0 ? [-1, 1] : [lo - Math.abs(lo) / 2, hi + Math.abs(hi) / 2];
    const pad = (hi - lo) * data.pad;
    const zeroFloor = data.includeZero && lo === 0 ? 0 : lo - pad;
    range = [zeroFloor, hi + pad];
  }
  if (settings.autorange === "reversed") range = [range[1], range[0]];
  const title = (settings.title as { text?: unknown } | undefined)?.text;
  return {
    kind,
    categories,
    range,
    from,
    to,
    visible: settings.visible !== false,
    title: typeof title === "string" ? title : "",
    tickformat: typeof settings.tickformat === "string" ? settings.tickformat : undefined,
  };
}

function isNumeric(s: string): boolean {
  return s.trim() !== "" && Number.isFinite(Number(s));
}

/** The pixel of a data value, or NaN where the axis cannot show it (a value <= 0 on a log axis). */
export function pixel(axis: Axis, value: number | string): number {
  let u: number;
  if (axis.kind === "category") {
    u = typeof value === "string" ? axis.categories.indexOf(value) : value;
    if (u < 0 && typeof value === "string") return NaN;
  } else {
    const v = typeof value === "string" && isNumeric(value) ? Number(value) : value;
    if (typeof v !== "number") return NaN;
    u = axis.kind === "log" ? (v > 0 ? Math.log10(v) : NaN) : v;
  }
  return Number.isFinite(u) ? pixelOfUnit(axis, u) : NaN;
}

/** The pixel of a position in axis units (log10 on log axes, the index on category axes). */
export function pixelOfUnit(axis: Axis, u: number): number {
  const [a, b] = axis.range;
  return axis.from + ((u - a) / (b - a)) * (axis.to - axis.from);
}

export interface Tick {
  /** Position in axis units. */
  at: number;
  label: string;
}

/** Ticks at 1, 2 or 5 times a power of ten, about every 80 px along x and 40 px along y (Plotly's rule). */
export function ticks(axis: Axis, horizontal: boolean): Tick[] {
  const length = Math.abs(axis.to - axis.from);
  const lo = Math.min(...axis.range);
  const hi = Math.max(...axis.range);
  if (axis.kind === "category") {
    const every = Math.max(1, Math.ceil(axis.categories.length / Math.max(1, length / (horizontal ? 40 : 18))));
    return axis.categories.flatMap((c, i) => (i % every === 0 && i >= lo && i <= hi ? [{ at: i, label: c }] : []));
  }
  const target = Math.min(9, Math.max(4, length / (horizontal ? 80 : 40))) + 1;
  if (axis.kind === "log") {
    const decades = Math.floor(hi) - Math.ceil(lo) + 1;
    if (decades < 2) {
      // Less than two powers of ten in view: label 1, 2 and 5 times each power.
      const out: Tick[] = [];
      for (let e = Math.floor(lo); e <= Math.ceil(hi); e++)
        for (const m of [1, 2, 5]) {
          const at = e + Math.log10(m);
          if (at >= lo && at <= hi) out.push({ at, label: formatNumber(m * 10 ** e, m * 10 ** e) });
        }
      return out;
    }
    const step = Math.max(1, Math.ceil(decades / target));
    const out: Tick[] = [];
    for (let e = Math.ceil(lo / step) * step; e <= hi; e += step)
      out.push({ at: e, label: formatNumber(10 ** e, 10 ** e) });
    return out;
  }
  const step = niceStep((hi - lo) / target);
  const out: Tick[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const at = Math.abs(k * step) < step * 1e-9 ? 0 : k * step;
    out.push({ at, label: axis.tickformat ? formatWith(axis.tickformat, at) : formatNumber(at, step) });
  }
  return out;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

const SI = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
] as const;

/** A tick label with as many decimals as the tick step needs (10k, 2.5M for large values, as Plotly). */
export function formatNumber(value: number, step: number): string {
  if (value === 0) return "0";
  const a = Math.abs(value);
  if (a >= 1e15 || a < 1e-6) return value.toExponential(Math.max(0, -Math.floor(Math.log10(step / a) + 1e-9)));
  if (a >= 1e4) {
    const [scale, suffix] = SI.find(([s]) => a >= s)!;
    return `${trimZeros((value / scale).toFixed(Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9))))}${suffix}`;
  }
  const decimals = Math.max(0, Math.ceil(-Math.log10(Math.abs(step)) - 1e-9));
  return trimZeros(value.toFixed(Math.min(decimals, 12)));
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** The d3-format subset the kit uses: ".0%" / ".1%" (percent) and ".2f" (fixed). */
export function formatWith(format: string, value: number): string {
  const m = /^\.(\d+)([%f])$/.exec(format);
  if (!m) return formatNumber(value, Math.abs(value) || 1);
  const digits = Number(m[1]);
  return m[2] === "%" ? `${(value * 100).toFixed(digits)}%` : value.toFixed(digits);
}
