import { escapeMarkup } from "../notebook/markup";
import { colorAt, colorscale, contrastText } from "./colors";
import type { Trace } from "./figure";
import { pngDataUri } from "./png-encode";
import { formatNumber, pixel, pixelOfUnit, type Axis } from "./svg-axes";

/**
 * The traces the kit's charts make, drawn as SVG for a figure's static picture: lines and markers,
 * vertical bars, heatmaps with their values written in, and images.
 */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Plotly's text may carry a little HTML (<br>, <b>): plain text for SVG. */
export function plainText(s: string): string {
  return s.replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, "");
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

/** Plotly's dash patterns, scaled with the line width as Plotly does. */
export function dashArray(dash: unknown, width: number): string | null {
  const d = Math.max(width, 3);
  if (dash === "dash") return `${3 * d},${3 * d}`;
  if (dash === "dot") return `${d},${d}`;
  if (dash === "dashdot") return `${3 * d},${d},${d},${d}`;
  return null;
}

interface Line {
  color?: string;
  width?: number;
  dash?: string;
}

export function drawScatter(t: Trace, color: string, x: Axis, y: Axis): string {
  const xs = t.x ?? (t.y ?? []).map((_, i) => i);
  const ys = t.y ?? [];
  const pts = ys.map((v, i) => [pixel(x, xs[i]!), pixel(y, v)] as const);
  const mode = t.mode ?? "lines+markers";
  const line = (t.line ?? {}) as Line;
  const width = line.width ?? 2;
  const stroke = line.color ?? color;
  const out: string[] = [];
  if (mode.includes("lines")) {
    // A value that cannot be drawn (NaN, or <= 0 on a log axis) breaks the line, as in Plotly.
    const runs: string[][] = [[]];
    for (const [px, py] of pts) {
      if (Number.isFinite(px) && Number.isFinite(py)) runs[runs.length - 1]!.push(`${n(px)},${n(py)}`);
      else if (runs[runs.length - 1]!.length > 0) runs.push([]);
    }
    const dash = dashArray(line.dash, width);
    for (const r of runs.filter((r) => r.length > 1))
      out.push(
        `<polyline points="${r.join(" ")}" fill="none" stroke="${stroke}" stroke-width="${width}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
      );
    // A point with no neighbour to join (one epoch, or between gaps) is drawn as a dot.
    if (!mode.includes("markers"))
      for (const [p] of runs.filter((r) => r.length === 1)) {
        const [cx, cy] = p!.split(",");
        out.push(`<circle cx="${cx}" cy="${cy}" r="${width}" fill="${stroke}"/>`);
      }
  }
  if (mode.includes("markers")) {
    const marker = (t.marker ?? {}) as { color?: string; size?: number };
    const r = (marker.size ?? 6) / 2;
    for (const [px, py] of pts)
      if (Number.isFinite(px) && Number.isFinite(py))
        out.push(`<circle cx="${n(px)}" cy="${n(py)}" r="${r}" fill="${marker.color ?? stroke}"/>`);
  }
  return out.join("");
}

/** Vertical bars (`slot` of `slots` bar traces share each category, as Plotly's grouped bars). */
export function drawBars(t: Trace, color: string, x: Axis, y: Axis, slot: number, slots: number): string {
  const xs = t.x ?? (t.y ?? []).map((_, i) => i);
  const ys = (t.y ?? []) as number[];
  const texts = Array.isArray(t.text) ? (t.text as unknown[]).map(String) : [];
  const fill = ((t.marker ?? {}) as { color?: string }).color ?? color;
  // Bars take 80% of the distance between neighbouring x values (Plotly's bargap 0.2).
  const centres = xs
    .map((v) => pixel(x, v))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const gaps = centres.slice(1).map((c, i) => c - centres[i]!);
  const groupWidth = 0.8 * (gaps.length > 0 ? Math.min(...gaps) : Math.abs(x.to - x.from) / 2);
  const w = groupWidth / slots;
  const base = pixel(y, y.kind === "log" ? Math.min(...ys.filter((v) => v > 0)) : 0);
  const out: string[] = [];
  ys.forEach((v, i) => {
    const cx = pixel(x, xs[i]!);
    const top = pixel(y, v);
    if (!Number.isFinite(cx) || !Number.isFinite(top)) return;
    const left = cx - groupWidth / 2 + slot * w;
    const [y0, y1] = [Math.min(top, base), Math.max(top, base)];
    out.push(`<rect x="${n(left)}" y="${n(y0)}" width="${n(w)}" height="${n(y1 - y0)}" fill="${fill}"/>`);
    const label = texts[i];
    if (label === undefined || label === "") return;
    // "auto", as Plotly: inside the bar's end when the text fits across it, else turned to fit
    // along it, else just beyond the bar.
    const across = 0.65 * 12 * label.length + 6;
    const color = contrastText(fill);
    const cx2 = n(left + w / 2);
    if (across <= w && y1 - y0 >= 20)
      out.push(`<text x="${cx2}" y="${n(y0 + 15)}" text-anchor="middle" fill="${color}">${escapeMarkup(label)}</text>`);
    else if (across <= y1 - y0 && w >= 16)
      out.push(
        `<text x="${cx2}" y="${n(y0 + 3)}" transform="rotate(90 ${cx2} ${n(y0 + 3)})" dy="4" fill="${color}">${escapeMarkup(label)}</text>`,
      );
    else out.push(`<text x="${cx2}" y="${n(y0 - 5)}" text-anchor="middle">${escapeMarkup(label)}</text>`);
  });
  return out.join("");
}

/** The smallest and largest finite z of a heatmap (or its zmin and zmax). */
export function zBounds(t: Trace): [number, number] {
  const zs = ((t.z ?? []) as readonly (readonly unknown[])[]).flat().filter((v): v is number => Number.isFinite(v));
  const lo = typeof t.zmin === "number" ? t.zmin : Math.min(...zs);
  const hi = typeof t.zmax === "number" ? t.zmax : Math.max(...zs);
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [0, 1];
}

export function drawHeatmap(t: Trace, x: Axis, y: Axis): string {
  const z = (t.z ?? []) as readonly (readonly (number | null)[])[];
  const stops = colorscale(t.colorscale, t.reversescale === true);
  const [lo, hi] = zBounds(t);
  const text = Array.isArray(t.text) ? (t.text as unknown[][]) : null;
  const showText = typeof t.texttemplate === "string" && t.texttemplate.includes("%{");
  const out: string[] = [];
  const labels: string[] = [];
  z.forEach((row, r) => {
    row.forEach((v, c) => {
      if (v === null || !Number.isFinite(v)) return;
      const [x0, x1] = [pixelOfUnit(x, c - 0.5), pixelOfUnit(x, c + 0.5)].sort((a, b) => a - b) as [number, number];
      const [y0, y1] = [pixelOfUnit(y, r - 0.5), pixelOfUnit(y, r + 0.5)].sort((a, b) => a - b) as [number, number];
      const fill = colorAt(stops, hi === lo ? 0.5 : (v - lo) / (hi - lo));
      // Cells overlap by half a pixel so no hairline of background shows between them.
      out.push(
        `<rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0 + 0.5)}" height="${n(y1 - y0 + 0.5)}" fill="${fill}"/>`,
      );
      if (!showText) return;
      const label = (t.texttemplate as string)
        .replace("%{text}", String(text?.[r]?.[c] ?? ""))
        .replace("%{z}", formatNumber(v, Math.abs(v) / 1000 || 1));
      labels.push(
        `<text x="${n((x0 + x1) / 2)}" y="${n((y0 + y1) / 2 + 4)}" text-anchor="middle" font-size="12" fill="${contrastText(fill)}">${escapeMarkup(plainText(label))}</text>`,
      );
    });
  });
  return out.join("") + labels.join("");
}

/** An image trace (`source` data URI, or `z` rows of [r, g, b]) into its box, pixels kept square and sharp. */
export function drawImage(t: Trace, box: Box): string {
  const href = typeof t.source === "string" ? t.source : imageUri(t);
  if (href === null) return "";
  return `<image x="${n(box.left)}" y="${n(box.top)}" width="${n(box.width)}" height="${n(box.height)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${escapeMarkup(href)}"/>`;
}

function imageUri(t: Trace): string | null {
  const z = (t.z ?? []) as readonly (readonly (readonly number[])[])[];
  const h = z.length;
  const w = z[0]?.length ?? 0;
  if (h === 0 || w === 0) return null;
  const rgb = new Uint8Array(w * h * 3);
  z.forEach((row, y) => row.forEach((px, x) => rgb.set(px.slice(0, 3), 3 * (y * w + x))));
  return pngDataUri(w, h, rgb);
}

/** Image width and height in pixels (from `z`, or the PNG header of a `source` data URI). */
export function imageSize(t: Trace): [number, number] {
  if (Array.isArray(t.z) && t.z.length > 0) return [(t.z[0] as unknown[]).length, t.z.length];
  const m = typeof t.source === "string" ? /^data:image\/png;base64,(.*)$/.exec(t.source) : null;
  if (m) {
    const header = Buffer.from(m[1]!.slice(0, 32), "base64");
    return [header.readUInt32BE(16), header.readUInt32BE(20)];
  }
  return [1, 1];
}
