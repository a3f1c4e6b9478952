import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { kitKernel } from "../notebook/kit";
import { escapeMarkup } from "../notebook/markup";
import type { Figure } from "./figure";
import { figureSize, figureSvg } from "./svg";

let plotlySource: string | null = null;

/** The minified plotly.js in node_modules (read once), for self-contained HTML files. */
export function plotlyJs(): string {
  if (plotlySource === null) plotlySource = readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
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

let kernelOfKit: string | null | undefined;

/** The kernel whose kernelspec folder serves plotly.js (null when the kit's name cannot be read). */
function defaultKernel(): string | null {
  if (kernelOfKit === undefined) {
    try {
      kernelOfKit = kitKernel().name;
    } catch {
      kernelOfKit = null;
    }
  }
  return kernelOfKit;
}

export const STATIC_NOTE =
  "Static picture of the figure: run the cell (or trust the notebook) to get the interactive one.";

/**
 * Draws the figure with plotly.js in place of the static picture, in the browser. Without
 * window.Plotly (a reloaded page, a saved notebook) it loads plotly.js once per page from the
 * kernelspec's folder, which Jupyter serves to the page: Notebook 6 at
 * `<base>kernelspecs/<name>/plotly.min.js` (base from <body data-base-url>), JupyterLab and
 * Notebook 7 likewise (base from the page's #jupyter-config-data). When that fails the static
 * picture stays, with a note that says why.
 */
const DRAW = `function (id, fig, config, kernel) {
  var root = document.getElementById(id);
  if (!root) return;
  var note = root.querySelector(".tsdl-figure-note");
  function say(text) { if (note) note.textContent = text; }
  function base() {
    var b = document.body && document.body.getAttribute("data-base-url");
    if (b) return b;
    var cfg = document.getElementById("jupyter-config-data");
    try { return cfg ? JSON.parse(cfg.textContent).baseUrl || null : null; } catch (e) { return null; }
  }
  function load() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (window.__tsdlPlotly) return window.__tsdlPlotly;
    var names = kernel ? [kernel] : [];
    var live = window.Jupyter && window.Jupyter.notebook && window.Jupyter.notebook.kernel;
    if (live && live.name && names.indexOf(live.name) < 0) names.unshift(live.name);
    var b = base(), i = 0;
    window.__tsdlPlotly = new Promise(function (resolve, reject) {
      function next() {
        if (window.Plotly) return resolve(window.Plotly);
        if (b === null || i >= names.length) return reject(new Error(b === null ? "no Jupyter server to load it from" : "not in the kernel's folder (npm run kernel:install puts it there)"));
        var s = document.createElement("script");
        s.src = b.replace(/\\/?$/, "/") + "kernelspecs/" + encodeURIComponent(names[i++]) + "/plotly.min.js";
        s.onload = next;
        s.onerror = next;
        document.head.appendChild(s);
      }
      next();
    });
    window.__tsdlPlotly.catch(function () { window.__tsdlPlotly = null; });
    return window.__tsdlPlotly;
  }
  function wait(ms) {
    // Another output on the page may carry plotly.js inline (show(fig, { includePlotly: true })).
    return new Promise(function (resolve, reject) {
      var t0 = Date.now();
      (function poll() {
        if (window.Plotly) resolve(window.Plotly);
        else if (Date.now() - t0 > ms) reject(new Error("it did not load"));
        else setTimeout(poll, 100);
      })();
    });
  }
  function draw(Plotly) {
    var el = document.createElement("div");
    el.className = "tsdl-plot";
    el.style.width = typeof fig.layout.width === "number" ? fig.layout.width + "px" : "100%";
    el.style.height = (typeof fig.layout.height === "number" ? fig.layout.height : 450) + "px";
    root.insertBefore(el, root.firstChild);
    return Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      Array.prototype.slice.call(root.children).forEach(function (c) { if (c !== el) root.removeChild(c); });
    }, function (e) {
      root.removeChild(el);
      say("Static picture of the figure: plotly.js could not draw it (" + (e && e.message || e) + ").");
    });
  }
  load().catch(function (e) { return wait(3000).catch(function () { throw e; }); }).then(draw, function (e) {
    say("Static picture of the figure: plotly.js could not be loaded for the interactive one (" + (e && e.message || e) + ").");
  });
}`;

/**
 * An HTML fragment for one figure: a static SVG picture (drawn by the kit, as a data: URI image, so
 * it survives the sanitizer of an untrusted notebook) with a note saying so, and a script that puts
 * the interactive plotly.js figure in its place. `includePlotly` inlines plotly.js (4.8 MB) for a
 * page that must work offline on its own (exportHtml); a notebook loads it from the kernelspec.
 */
export function figureHtml(
  fig: Figure,
  opts: {
    includePlotly?: boolean;
    divId?: string;
    displayModeBar?: boolean;
    kernel?: string | null;
    svg?: string;
  } = {},
): string {
  const id = opts.divId ?? `tsdl-figure-${Date.now().toString(36)}-${counter++}`;
  const { width, height } = figureSize(fig);
  const svg = Buffer.from(opts.svg ?? figureSvg(fig)).toString("base64");
  const title = fig.layout.title?.text ?? "figure";
  const lib = opts.includePlotly
    ? `<script type="text/javascript">${plotlyJs().replace(/<\/script/gi, "<\\/script")}</script>\n`
    : "";
  const config = { responsive: true, displaylogo: false, displayModeBar: opts.displayModeBar ?? "hover" };
  const kernel = opts.kernel === undefined ? defaultKernel() : opts.kernel;
  return `${lib}<div id="${id}" class="tsdl-figure">
<img src="data:image/svg+xml;base64,${svg}" width="${width}" height="${height}" alt="${escapeMarkup(title)}" style="max-width:100%;height:auto">
<div class="tsdl-figure-note" style="font-size:11px;color:#777">${STATIC_NOTE}</div>
</div>
<script type="text/javascript">
(${DRAW})(${JSON.stringify(id)}, ${scriptJson(fig)}, ${scriptJson(config)}, ${scriptJson(kernel)});
</script>`;
}

/** A complete, self-contained HTML page (plotly.js inlined) for one or more figures. */
export function figurePage(
  figs: Figure | readonly Figure[],
  title = "Figure",
  opts: { displayModeBar?: boolean } = {},
): string {
  const list = Array.isArray(figs) ? (figs as readonly Figure[]) : [figs as Figure];
  const body = list
    .map((f, i) => figureHtml(f, { includePlotly: i === 0, divId: `figure-${i}`, kernel: null, ...opts }))
    .join("\n");
  return `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${escapeMarkup(title)}</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
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
