import type { EpochRecord } from "../training/trainer";
import { figure, type Figure, type Trace } from "./figure";
import { pngDataUri } from "./png-encode";

export interface Series {
  name: string;
  x?: readonly number[];
  y: readonly number[];
}

/** Lines over a shared x axis (x defaults to 1, 2, ...). */
export function lineChart(
  series: readonly Series[],
  opts: { title?: string; xTitle?: string; yTitle?: string; logY?: boolean } = {},
): Figure {
  const data: Trace[] = series.map((s) => ({
    type: "scatter",
    mode: "lines+markers",
    name: s.name,
    x: s.x ?? s.y.map((_, i) => i + 1),
    y: s.y,
  }));
  return figure(data, {
    ...(opts.title ? { title: { text: opts.title } } : {}),
    xaxis: { title: { text: opts.xTitle ?? "" } },
    yaxis: { title: { text: opts.yTitle ?? "" }, ...(opts.logY ? { type: "log" } : {}) },
  });
}

/** Loss and accuracy per epoch, train beside validation, as two stacked panels. */
export function trainingCurves(history: readonly EpochRecord[], title = "Training curves"): Figure {
  const epochs = history.map((h) => h.epoch);
  const trace = (name: string, y: (number | undefined)[], axis: 1 | 2, dash: boolean): Trace => ({
    type: "scatter",
    mode: "lines",
    name,
    x: epochs,
    y: y.map((v) => v ?? NaN),
    xaxis: axis === 1 ? "x" : "x2",
    yaxis: axis === 1 ? "y" : "y2",
    line: dash ? { dash: "dash" } : {},
  });
  const data = [
    trace(
      "train loss",
      history.map((h) => h.trainLoss),
      1,
      false,
    ),
    ...(history.some((h) => h.valLoss !== undefined)
      ? [
          trace(
            "validation loss",
            history.map((h) => h.valLoss),
            1,
            true,
          ),
        ]
      : []),
    trace(
      "train accuracy",
      history.map((h) => h.trainAccuracy),
      2,
      false,
    ),
    ...(history.some((h) => h.valAccuracy !== undefined)
      ? [
          trace(
            "validation accuracy",
            history.map((h) => h.valAccuracy),
            2,
            true,
          ),
        ]
      : []),
  ];
  return figure(data, {
    title: { text: title },
    grid: { rows: 2, columns: 1, pattern: "independent" },
    xaxis: { title: { text: "" } },
    yaxis: { title: { text: "loss" } },
    xaxis2: { title: { text: "epoch" } },
    yaxis2: { title: { text: "accuracy" }, tickformat: ".0%" },
    height: 600,
  });
}

export function barChart(
  labels: readonly string[],
  values: readonly number[],
  opts: { title?: string; yTitle?: string; percent?: boolean } = {},
): Figure {
  if (labels.length !== values.length) throw new Error(`barChart: ${labels.length} labels for ${values.length} values`);
  return figure(
    [
      {
        type: "bar",
        x: labels,
        y: values,
        text: values.map((v) => (opts.percent ? `${(100 * v).toFixed(2)}%` : String(v))),
        textposition: "auto",
      },
    ],
    {
      ...(opts.title ? { title: { text: opts.title } } : {}),
      yaxis: { title: { text: opts.yTitle ?? "" }, ...(opts.percent ? { tickformat: ".0%" } : {}) },
    },
  );
}

/** A heatmap with the values written in the cells (hyperparameter grids, confusion matrices). */
export function heatmap(
  z: readonly (readonly number[])[],
  xLabels: readonly string[],
  yLabels: readonly string[],
  opts: { title?: string; xTitle?: string; yTitle?: string; format?: (v: number) => string; colorscale?: string } = {},
): Figure {
  if (z.length !== yLabels.length || z.some((row) => row.length !== xLabels.length)) {
    throw new Error(`heatmap: z must be ${yLabels.length} rows of ${xLabels.length} values`);
  }
  const fmt = opts.format ?? ((v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(3)));
  return figure(
    [
      {
        type: "heatmap",
        x: xLabels,
        y: yLabels,
        z,
        colorscale: opts.colorscale ?? "Viridis",
        text: z.map((row) => row.map(fmt)),
        texttemplate: "%{text}",
        hovertemplate: "%{y}, %{x}: %{text}<extra></extra>",
      },
    ],
    {
      ...(opts.title ? { title: { text: opts.title } } : {}),
      xaxis: { title: { text: opts.xTitle ?? "" }, type: "category" },
      yaxis: { title: { text: opts.yTitle ?? "" }, type: "category", autorange: "reversed" },
    },
  );
}

/** Confusion matrix (rows: true class, columns: predicted). */
export function confusionMatrixFigure(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  title = "Confusion matrix",
): Figure {
  return heatmap(matrix, classNames, classNames, { title, xTitle: "predicted", yTitle: "true", colorscale: "Blues" });
}

export interface GridImage {
  /** CHW pixels with 1 (grey) or 3 (RGB) channels, values in [0, 1] (clipped). */
  data: ArrayLike<number>;
  channels: number;
  height: number;
  width: number;
  title?: string;
}

/** Images in a grid of `columns` (e.g. originals on one row, augmented or blurred on the next). */
export function imageGrid(
  images: readonly GridImage[],
  opts: { columns?: number; title?: string; cellSize?: number } = {},
): Figure {
  if (images.length === 0) throw new Error("imageGrid: no images");
  const columns = opts.columns ?? images.length;
  const rows = Math.ceil(images.length / columns);
  const cell = opts.cellSize ?? 150;
  const gap = 0.02;
  const layout: Record<string, unknown> = {
    width: columns * cell + 40,
    height: rows * (cell + 30) + (opts.title ? 60 : 20),
    margin: { l: 10, r: 10, t: opts.title ? 60 : 20, b: 10 },
    annotations: [] as unknown[],
    ...(opts.title ? { title: { text: opts.title } } : {}),
  };
  const data: Trace[] = images.map((img, i) => {
    if (img.channels !== 1 && img.channels !== 3)
      throw new Error(`imageGrid: image ${i} has ${img.channels} channels; expected 1 or 3`);
    if (img.data.length !== img.channels * img.height * img.width) {
      throw new Error(
        `imageGrid: image ${i} has ${img.data.length} values, expected ${img.channels}x${img.height}x${img.width}`,
      );
    }
    const r = Math.floor(i / columns);
    const c = i % columns;
    const k = i === 0 ? "" : String(i + 1);
    const x0 = c / columns + gap / 2;
    const y1 = 1 - r / rows - gap / 2;
    layout[`xaxis${k}`] = {
      domain: [x0, x0 + 1 / columns - gap],
      visible: false,
      anchor: `y${k}`,
      constrain: "domain",
    };
    layout[`yaxis${k}`] = {
      domain: [y1 - 1 / rows + gap, y1],
      visible: false,
      anchor: `x${k}`,
      scaleanchor: `x${k}`,
      autorange: "reversed",
      constrain: "domain",
    };
    // xanchor "center": Plotly's default ("auto") left-aligns titles in the left third and right-aligns them in the right third.
    if (img.title)
      (layout.annotations as unknown[]).push({
        text: img.title,
        x: x0 + (1 / columns - gap) / 2,
        y: y1,
        xref: "paper",
        yref: "paper",
        xanchor: "center",
        yanchor: "bottom",
        showarrow: false,
      });
    return { type: "image", source: toPng(img), xaxis: `x${k}`, yaxis: `y${k}`, hoverinfo: "skip" };
  });
  return figure(data, layout);
}

/** The image as a PNG data URI (Plotly's image `source`: a few KB where `z` rows take ten times more). */
function toPng(img: GridImage): string {
  const plane = img.height * img.width;
  const byte = (v: number): number => Math.round(255 * Math.min(1, Math.max(0, v)));
  const rgb = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++)
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = byte(img.data[img.channels === 1 ? i : k * plane + i]!);
  return pngDataUri(img.width, img.height, rgb);
}
