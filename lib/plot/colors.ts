/**
 * Plotly's default colours, so a figure's static picture looks like the interactive one: the trace
 * colour cycle and the named colour scales the kit's charts use.
 */
export const COLORWAY = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

export type ColorStop = readonly [position: number, color: string];

const SCALES: Record<string, readonly ColorStop[]> = {
  Viridis: [
    [0, "#440154"],
    [0.06274509803921569, "#48186a"],
    [0.12549019607843137, "#472d7b"],
    [0.18823529411764706, "#424086"],
    [0.25098039215686274, "#3b528b"],
    [0.3137254901960784, "#33638d"],
    [0.3764705882352941, "#2c728e"],
    [0.4392156862745098, "#26828e"],
    [0.5019607843137255, "#21918c"],
    [0.5647058823529412, "#1fa088"],
    [0.6274509803921569, "#28ae80"],
    [0.6901960784313725, "#3fbc73"],
    [0.7529411764705882, "#5ec962"],
    [0.8156862745098039, "#84d44b"],
    [0.8784313725490196, "#addc30"],
    [0.9411764705882353, "#d8e219"],
    [1, "#fde725"],
  ],
  Blues: [
    [0, "rgb(5,10,172)"],
    [0.35, "rgb(40,60,190)"],
    [0.5, "rgb(70,100,245)"],
    [0.6, "rgb(90,120,245)"],
    [0.7, "rgb(106,137,247)"],
    [1, "rgb(220,220,220)"],
  ],
  Greys: [
    [0, "rgb(0,0,0)"],
    [1, "rgb(255,255,255)"],
  ],
};

/** A named Plotly colour scale (Viridis, Blues, Greys) or explicit stops; `reversed` flips it. */
export function colorscale(spec: unknown, reversed = false): readonly ColorStop[] {
  let stops: readonly ColorStop[] | undefined;
  if (typeof spec === "string") stops = SCALES[spec];
  else if (Array.isArray(spec) && spec.every((s) => Array.isArray(s) && s.length === 2)) stops = spec as ColorStop[];
  stops ??= SCALES.Viridis!;
  return reversed ? stops.map(([p, c]) => [1 - p, c] as const).reverse() : stops;
}

/** [r, g, b] of "#rrggbb", "#rgb" or "rgb(r,g,b)". */
export function parseColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join("") : hex[1]!;
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`unknown colour "${color}" (expected #rrggbb or rgb(r, g, b))`);
}

export function toHex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b]
    .map((v) =>
      Math.round(Math.min(255, Math.max(0, v!)))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** The colour at `t` in [0, 1] along the scale (linear in RGB, as Plotly interpolates). */
export function colorAt(stops: readonly ColorStop[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let i = 1;
  while (i < stops.length - 1 && stops[i]![0] < x) i++;
  const [p0, c0] = stops[i - 1]!;
  const [p1, c1] = stops[i]!;
  const f = p1 === p0 ? 0 : (x - p0) / (p1 - p0);
  const a = parseColor(c0);
  const b = parseColor(c1);
  return toHex(a.map((v, k) => v + f * (b[k]! - v)));
}

/** Black or white, whichever reads better on `background` (Plotly's rule for text on cells and bars). */
export function contrastText(background: string): string {
  const [r, g, b] = parseColor(background);
  return 0.299 * r + 0.587 * g + 0.114 * b > 128 ? "#444444" : "#ffffff";
}
