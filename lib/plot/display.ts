import type { Figure } from "./figure";
import { figureHtml } from "./html";
import { figureSvg } from "./svg";
import { escapeMarkup } from "../notebook/markup";
import { displayBundle, inNotebook } from "../notebook/tslab";

/**
 * Shows a figure in a tslab notebook as one MIME bundle, so every front end finds something it can
 * show: Plotly JSON (JupyterLab's and VS Code's Plotly renderers); HTML that holds a static picture
 * and draws the interactive figure over it with plotly.js (classic Notebook 6, which picks HTML
 * first; untrusted, its sanitizer keeps the picture and drops the script); the picture as SVG
 * (nbconvert, GitHub); and plain text. Outside a notebook it prints the text summary instead.
 * `includePlotly` inlines plotly.js (4.8 MB) in the output, for a notebook that must draw
 * interactively where no Jupyter server serves the kernel's copy.
 */
export function show(fig: Figure, opts: { includePlotly?: boolean } = {}): void {
  const text = describeFigure(fig);
  if (!inNotebook()) {
    console.log(`${text} (not in a notebook: use exportHtml to see it)`);
    return;
  }
  const svg = figureSvg(fig);
  displayBundle({
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout },
    "text/html": figureHtml(fig, { includePlotly: opts.includePlotly ?? false, svg }),
    "image/svg+xml": svg,
    "text/plain": text,
  });
}

/**
 * Shows an SVG picture in a notebook: as SVG, and as HTML holding it as an <img> (classic Notebook 6
 * picks HTML first, and untrusted it shows SVG only that way), with `text` for plain-text front
 * ends. Outside a notebook it prints `outside` (default: `text`).
 */
export function showSvg(svg: string, text: string, outside = text): void {
  if (!inNotebook()) {
    console.log(outside);
    return;
  }
  const size = /^<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  const dims = size ? ` width="${size[1]}" height="${size[2]}"` : "";
  displayBundle({
    "image/svg+xml": svg,
    "text/html": `<img src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}"${dims} alt="${escapeMarkup(text)}" style="max-width:100%;height:auto">`,
    "text/plain": text,
  });
}

/** A one-line text form of a figure (its title and traces). */
export function describeFigure(fig: Figure): string {
  const title = fig.layout.title?.text ?? "untitled";
  const kinds = [...new Set(fig.data.map((t) => t.type))].join(", ");
  return `<Figure "${title}": ${fig.data.length} trace(s) (${kinds})>`;
}
