import { escapeMarkup } from "../notebook/markup";
import { COLORWAY, colorscale } from "./colors";
import type { Figure, Trace } from "./figure";
import { buildAxis, pixelOfUnit, ticks, formatNumber, niceStep, type Axis, type AxisData } from "./svg-axes";
import {
  dashArray,
  drawBars,
  drawHeatmap,
  drawImage,
  drawScatter,
  imageSize,
  plainText,
  zBounds,
  type Box,
} from "./svg-traces";

/**
 * A static SVG picture of a figure, drawn by the kit itself (no browser, no plotly.js): what a
 * notebook shows where the interactive figure cannot run (a saved notebook opened untrusted, a page
 * without plotly.js, GitHub, nbconvert). It follows Plotly's default look for the figures the kit
 * makes: line, bar, heatmap and image traces, subplots on a grid or on explicit domains, log axes,
 * legends, colour bars and annotations.
 */
export const DEFAULT_SIZE = { width: 800, height: 450 } as const;

const FONT = `"Open Sans", verdana, arial, sans-serif`;
const TEXT = "#444444";
const GRID = "#eeeeee";

type Settings = Record<string, unknown>;

/** Width and height of the figure in pixels (Plotly's defaults, as the static picture draws it). */
export function figureSize(fig: Figure): { width: number; height: number } {
  const width = typeof fig.layout.width === "number" ? fig.layout.width : DEFAULT_SIZE.width;
  const height = typeof fig.layout.height === "number" ? fig.layout.height : DEFAULT_SIZE.height;
  return { width, height };
}

/** "x2" -> "xaxis2": the layout key of a trace's axis. */
function axisKey(ref: unknown, letter: "x" | "y"): string {
  const id = typeof ref === "string" && ref.startsWith(letter) ? ref.slice(1) : "";
  return `${letter}axis${id === "1" ? "" : id}`;
}

const textWidth = (s: string, size = 12): number => 0.58 * size * s.length;

interface Subplot {
  xKey: string;
  yKey: string;
  traces: { trace: Trace; index: number }[];
}

/** The figure as a standalone SVG document of its size (Plotly's default look). */
export function figureSvg(fig: Figure): string {
  const { width, height } = figureSize(fig);
  const layout = fig.layout as Settings;
  const margin = { l: 80, r: 80, t: 100, b: 80, ...(layout.margin as Settings | undefined) } as Record<string, number>;
  const legendItems = fig.data
    .map((trace, index) => ({ trace, index }))
    .filter(({ trace }) => (trace.type === "scatter" || trace.type === "bar") && trace.showlegend !== false);
  const showLegend = layout.showlegend === true || (layout.showlegend !== false && legendItems.length > 1);
  const legendWidth = showLegend ? Math.max(...legendItems.map(({ trace }) => textWidth(trace.name ?? ""))) + 50 : 0;
  const colorbarTrace = fig.data.find((t) => t.type === "heatmap" && t.showscale !== false);
  const plot: Box = { left: margin.l!, top: margin.t!, width: 0, height: height - margin.t! - margin.b! };
  // The legend and the colour bar sit in the right margin, which grows only as far as they need.
  const right = Math.max(margin.r!, legendWidth + (colorbarTrace ? 75 : 0) + (showLegend ? 20 : 0));
  plot.width = width - margin.l! - right;

  const subplots = new Map<string, Subplot>();
  fig.data.forEach((trace, index) => {
    const xKey = axisKey(trace.xaxis, "x");
    const yKey = axisKey(trace.yaxis, "y");
    const key = `${xKey}/${yKey}`;
    if (!subplots.has(key)) subplots.set(key, { xKey, yKey, traces: [] });
    subplots.get(key)!.traces.push({ trace, index });
  });

  const parts: string[] = [`<rect width="${width}" height="${height}" fill="#ffffff"/>`];
  const front: string[] = [];
  for (const [i, sub] of [...subplots.values()].entries()) {
    const xs = (layout[sub.xKey] ?? {}) as Settings;
    const ys = (layout[sub.yKey] ?? {}) as Settings;
    let box = subplotBox(plot, xs.domain, ys.domain, layout.grid as Settings | undefined, i);
    const image = sub.traces.find(({ trace }) => trace.type === "image")?.trace;
    const [iw, ih] = image ? imageSize(image) : [0, 0];
    if (image) box = squarePixels(box, iw, ih);
    const x = buildAxis(
      xs,
      axisData(sub.traces, "x", image ? [-0.5, iw - 0.5] : undefined),
      box.left,
      box.left + box.width,
    );
    const y = buildAxis(
      { ...ys, ...(image && ys.autorange === undefined ? { autorange: "reversed" } : {}) },
      axisData(sub.traces, "y", image ? [-0.5, ih - 0.5] : undefined),
      box.top + box.height,
      box.top,
    );
    parts.push(axisLines(x, y, box));
    const bars = sub.traces.filter(({ trace }) => trace.type === "bar");
    for (const { trace, index } of sub.traces) {
      const color = COLORWAY[index % COLORWAY.length]!;
      if (trace.type === "scatter") parts.push(drawScatter(trace, color, x, y));
      else if (trace.type === "bar")
        parts.push(
          drawBars(
            trace,
            color,
            x,
            y,
            bars.findIndex((b) => b.index === index),
            bars.length,
          ),
        );
      else if (trace.type === "heatmap") parts.push(drawHeatmap(trace, x, y));
      else if (trace.type === "image") parts.push(drawImage(trace, box));
    }
    front.push(axisLabels(x, y, box));
  }
  parts.push(...front);
  parts.push(annotations(layout.annotations, plot));
  const title = (layout.title as { text?: unknown } | undefined)?.text;
  if (typeof title === "string" && title !== "")
    parts.push(
      `<text x="${width / 2}" y="${Math.max(20, margin.t! / 2)}" text-anchor="middle" font-size="17">${escapeMarkup(plainText(title))}</text>`,
    );
  if (showLegend) parts.push(legend(legendItems, plot.left + plot.width + 10, plot.top));
  if (colorbarTrace) parts.push(colorbar(colorbarTrace, plot.left + plot.width + legendWidth + 10, plot));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family='${FONT}' font-size="12" fill="${TEXT}">${parts.join("")}</svg>`
  );
}

/** The values the subplot's traces put on one axis. */
function axisData(traces: Subplot["traces"], letter: "x" | "y", extent?: [number, number]): AxisData {
  const values: (number | string)[] = [];
  let includeZero = false;
  let markers = false;
  for (const { trace } of traces) {
    if (trace.type === "heatmap") {
      const z = trace.z ?? [];
      const own = letter === "x" ? trace.x : trace.y;
      const count = letter === "x" ? (z[0]?.length ?? 0) : z.length;
      values.push(...(own ?? Array.from({ length: count }, (_, i) => i)).slice(0, count));
      if (!own) values.push(-0.5, count - 0.5);
      continue;
    }
    const own = trace[letter] ?? (letter === "x" ? (trace.y ?? []).map((_, i) => i) : []);
    values.push(...own);
    if (trace.type === "bar" && letter === "y") includeZero = true;
    if (trace.type === "bar" && letter === "x") {
      // Plotly's range ends half a bar slot beyond the outer bars.
      const nums = own
        .map(Number)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const gap = nums.length > 1 ? Math.min(...nums.slice(1).map((v, i) => v - nums[i]!)) : 1;
      if (nums.length > 0) values.push(nums[0]! - gap / 2, nums[nums.length - 1]! + gap / 2);
      continue;
    }
    if (typeof trace.mode !== "string" || trace.mode.includes("markers")) markers = true;
  }
  return { values, includeZero, pad: letter === "y" || markers ? 0.05 : 0, ...(extent ? { extent } : {}) };
}

/** The pixel box of subplot `i`: its axes' domains, or its cell of `layout.grid` (rows from the top). */
function subplotBox(plot: Box, xDomain: unknown, yDomain: unknown, grid: Settings | undefined, i: number): Box {
  const domain = (d: unknown): [number, number] | null =>
    Array.isArray(d) && d.length === 2 && d.every(Number.isFinite) ? [d[0] as number, d[1] as number] : null;
  let dx = domain(xDomain);
  let dy = domain(yDomain);
  const rows = typeof grid?.rows === "number" ? grid.rows : 1;
  const cols = typeof grid?.columns === "number" ? grid.columns : 1;
  if (grid && (dx === null || dy === null)) {
    // Plotly's grid: cells of size (1 - gap) / (n - gap) with the default gaps of 0.2 and 0.3.
    const cell = (k: number, count: number, gap: number): [number, number] => {
      const step = 1 / (count - gap);
      return [k * step, k * step + step * (1 - gap)];
    };
    dx ??= cell(i % cols, cols, 0.2);
    const [a, b] = cell(Math.floor(i / cols), rows, 0.3);
    dy ??= [1 - b, 1 - a];
  }
  dx ??= [0, 1];
  dy ??= [0, 1];
  return {
    left: plot.left + dx[0] * plot.width,
    top: plot.top + (1 - dy[1]) * plot.height,
    width: (dx[1] - dx[0]) * plot.width,
    height: (dy[1] - dy[0]) * plot.height,
  };
}

/** Shrinks a box around its centre so that an image of w x h pixels fills it with square pixels. */
function squarePixels(box: Box, w: number, h: number): Box {
  const scale = Math.min(box.width / w, box.height / h);
  const width = w * scale;
  const height = h * scale;
  return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width, height };
}

function axisLines(x: Axis, y: Axis, box: Box): string {
  const out: string[] = [];
  if (x.visible && x.kind !== "category")
    for (const t of ticks(x, true)) {
      const px = pixelOfUnit(x, t.at);
      out.push(`<line x1="${px}" y1="${box.top}" x2="${px}" y2="${box.top + box.height}" stroke="${GRID}"/>`);
    }
  if (y.visible && y.kind !== "category")
    for (const t of ticks(y, false)) {
      const py = pixelOfUnit(y, t.at);
      const zero = t.at === 0 && y.kind === "linear";
      out.push(
        `<line x1="${box.left}" y1="${py}" x2="${box.left + box.width}" y2="${py}" stroke="${zero ? TEXT : GRID}"/>`,
      );
    }
  return out.join("");
}

function axisLabels(x: Axis, y: Axis, box: Box): string {
  const out: string[] = [];
  if (x.visible) {
    for (const t of ticks(x, true))
      out.push(
        `<text x="${pixelOfUnit(x, t.at)}" y="${box.top + box.height + 18}" text-anchor="middle">${escapeMarkup(t.label)}</text>`,
      );
    if (x.title)
      out.push(
        `<text x="${box.left + box.width / 2}" y="${box.top + box.height + 44}" text-anchor="middle" font-size="14">${escapeMarkup(plainText(x.title))}</text>`,
      );
  }
  if (y.visible) {
    const labels = ticks(y, false);
    for (const t of labels)
      out.push(
        `<text x="${box.left - 6}" y="${pixelOfUnit(y, t.at) + 4}" text-anchor="end">${escapeMarkup(t.label)}</text>`,
      );
    if (y.title) {
      const cx = box.left - 20 - Math.max(0, ...labels.map((t) => textWidth(t.label)));
      const cy = box.top + box.height / 2;
      out.push(
        `<text x="${cx}" y="${cy}" transform="rotate(-90 ${cx} ${cy})" text-anchor="middle" font-size="14">${escapeMarkup(plainText(y.title))}</text>`,
      );
    }
  }
  return out.join("");
}

function legend(items: { trace: Trace; index: number }[], left: number, top: number): string {
  return items
    .map(({ trace, index }, k) => {
      const color = COLORWAY[index % COLORWAY.length]!;
      const y = top + 10 + 19 * k;
      const line = (trace.line ?? {}) as { dash?: string; color?: string };
      const stroke = line.color ?? color;
      const dash = dashArray(line.dash, 2);
      const symbol =
        trace.type === "bar"
          ? `<rect x="${left + 12}" y="${y - 6}" width="16" height="12" fill="${color}"/>`
          : `<line x1="${left + 5}" y1="${y}" x2="${left + 35}" y2="${y}" stroke="${stroke}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>` +
            (typeof trace.mode !== "string" || trace.mode.includes("markers")
              ? `<circle cx="${left + 20}" cy="${y}" r="3" fill="${stroke}"/>`
              : "");
      return `${symbol}<text x="${left + 40}" y="${y + 4}">${escapeMarkup(plainText(trace.name ?? `trace ${index}`))}</text>`;
    })
    .join("");
}

function colorbar(t: Trace, left: number, plot: Box): string {
  const stops = colorscale(t.colorscale, t.reversescale === true);
  const [lo, hi] = zBounds(t);
  const id = `tsdl-cb-${Math.round(left)}-${Math.round(plot.height)}`;
  const grad = stops.map(([p, c]) => `<stop offset="${p}" stop-color="${c}"/>`).join("");
  const out = [
    `<defs><linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">${grad}</linearGradient></defs>`,
    `<rect x="${left}" y="${plot.top}" width="30" height="${plot.height}" fill="url(#${id})" stroke="${TEXT}"/>`,
  ];
  const step = niceStep((hi - lo) / (Math.min(9, Math.max(4, plot.height / 40)) + 1));
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    const y = plot.top + plot.height * (1 - (hi === lo ? 0.5 : (v - lo) / (hi - lo)));
    out.push(`<text x="${left + 34}" y="${y + 4}">${escapeMarkup(formatNumber(v, step))}</text>`);
  }
  return out.join("");
}

function annotations(list: unknown, plot: Box): string {
  if (!Array.isArray(list)) return "";
  return list
    .map((a: Settings) => {
      if (typeof a.text !== "string" || (a.xref ?? "paper") !== "paper" || (a.yref ?? "paper") !== "paper") return "";
      const x = plot.left + Number(a.x ?? 0.5) * plot.width;
      const y = plot.top + (1 - Number(a.y ?? 0.5)) * plot.height;
      const anchor = a.xanchor === "left" ? "start" : a.xanchor === "right" ? "end" : "middle";
      const dy = a.yanchor === "bottom" ? -4 : a.yanchor === "top" ? 12 : 4;
      return `<text x="${x}" y="${y + dy}" text-anchor="${anchor}">${escapeMarkup(plainText(a.text))}</text>`;
    })
    .join("");
}
