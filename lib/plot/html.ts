import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Figure } from "./figure";

let plotlySource: string | null = null;

/** The minified plotly.js shipped in node_modules (read once): figures work offline. */
export function plotlyJs(): string {
  if (plotlySource === null) {
    const path = require.resolve("plotly.js-dist-min/plotly.min.js");
    plotlySource = readFileSync(path, "utf8");
  }
  return plotlySource;
}

let counter = 0;

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * An HTML fragment that draws the figure. With `includePlotly` the library is inlined (about
 * 4.8 MB); without it the fragment waits up to 10 s for an earlier output to have loaded Plotly.
 */
export function figureHtml(
  fig: Figure,
  opts: { includePlotly?: boolean; divId?: string; displayModeBar?: boolean } = {},
): string {
  const id = opts.divId ?? `tsdl-plot-${Date.now().toString(36)}-${counter++}`;
  const width = typeof fig.layout.width === "number" ? `${fig.layout.width}px` : "100%";
  const height = typeof fig.layout.height === "number" ? `${fig.layout.height}px` : "450px";
  const lib = opts.includePlotly
    ? `<script type="text/javascript">${plotlyJs().replace(/<\/script/gi, "<\\/script")}</script>\n`
    : "";
  return `${lib}<div id="${id}" class="tsdl-plot" style="width:${width};height:${height};"></div>
<script type="text/javascript">
(function () {
  var fig = ${scriptJson(fig)};
  var config = ${scriptJson({ responsive: true, displaylogo: false, displayModeBar: opts.displayModeBar ?? "hover" })};
  var tries = 0;
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (window.Plotly && el) { window.Plotly.newPlot(el, fig.data, fig.layout, config); return; }
    if (++tries < 100) { setTimeout(draw, 100); return; }
    if (el) el.textContent = "Plotly did not load: run the notebook's first figure cell again, or call show(fig, { includePlotly: true }).";
  }
  draw();
})();
</script>`;
}

/** A complete, self-contained HTML page (plotly.js inlined) for one or more figures. */
export function figurePage(
  figs: Figure | readonly Figure[],
  title = "Figure",
  opts: { displayModeBar?: boolean } = {},
): string {
  const list = Array.isArray(figs) ? (figs as readonly Figure[]) : [figs as Figure];
  const body = list.map((f, i) => figureHtml(f, { includePlotly: i === 0, divId: `figure-${i}`, ...opts })).join("\n");
  const escaped = title.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  return `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${escaped}</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

/** Writes a self-contained HTML file (atomically). */
export function exportHtml(
  figs: Figure | readonly Figure[],
  path: string,
  title?: string,
  opts: { displayModeBar?: boolean } = {},
): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, figurePage(figs, title, opts));
  renameSync(tmp, path);
}
