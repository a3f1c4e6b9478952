import type { Figure } from "./figure";
import { figureHtml } from "./html";
import { displayBundle, inNotebook } from "../notebook/tslab";

let plotlySent = false;

/**
 * Shows a figure in a tslab notebook as one MIME bundle: Plotly JSON (rendered by JupyterLab's or
 * VS Code's Plotly renderer), an HTML fallback that draws with the plotly.js from node_modules
 * (offline; inlined with the first figure of the kernel session, so classic Notebook 6 works), and
 * plain text. Outside a notebook it prints the text summary instead.
 */
export function show(fig: Figure, opts: { includePlotly?: boolean } = {}): void {
  const text = describeFigure(fig);
  if (!inNotebook()) {
    console.log(`${text} (not in a notebook: use exportHtml to see it)`);
    return;
  }
  const includePlotly = opts.includePlotly ?? !plotlySent;
  plotlySent = true;
  displayBundle({
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout },
    "text/html": figureHtml(fig, { includePlotly }),
    "text/plain": text,
  });
}

/** A one-line text form of a figure (its title and traces). */
export function describeFigure(fig: Figure): string {
  const title = fig.layout.title?.text ?? "untitled";
  const kinds = [...new Set(fig.data.map((t) => t.type))].join(", ");
  return `<Figure "${title}": ${fig.data.length} trace(s) (${kinds})>`;
}
