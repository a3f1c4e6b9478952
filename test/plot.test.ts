import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { barChart, confusionMatrixFigure, heatmap, imageGrid, lineChart, trainingCurves } from "../lib/plot/charts";
import { describeFigure, show } from "../lib/plot/display";
import { kitKernel } from "../lib/notebook/kit";
import type { Figure } from "../lib/plot/figure";
import { exportHtml, figureHtml, plotlyJs, STATIC_NOTE } from "../lib/plot/html";
import { exportPng, findChromium, withChromium } from "../lib/plot/png";
import { figureSvg } from "../lib/plot/svg";
import { threeEpochs } from "./helpers/history";
import { decodePng } from "./helpers/png";

const history = threeEpochs;

describe("figure builders", () => {
  it("training curves: loss and accuracy panels, train beside validation", () => {
    const fig = trainingCurves(history, "MLP");
    expect(fig.data.map((t) => t.name)).to.deep.equal([
      "train loss",
      "validation loss",
      "train accuracy",
      "validation accuracy",
    ]);
    expect(fig.data[1]!.y).to.deep.equal(history.map((h) => h.valLoss));
    expect(fig.data[2]!.yaxis).to.equal("y2");
    expect(fig.data[0]!.x).to.deep.equal([1, 2, 3]);
    expect(fig.layout.title?.text).to.equal("MLP");
    const noVal = trainingCurves(history.map(({ valLoss: _l, valAccuracy: _a, ...rest }) => rest));
    expect(noVal.data.length).to.equal(2);
  });

  it("line, bar, heatmap and confusion-matrix specs carry the values", () => {
    const line = lineChart(
      [
        { name: "batch 1", y: [3, 2] },
        { name: "batch 4", x: [10, 20], y: [5, 4] },
      ],
      { logY: true },
    );
    expect(line.data[0]!.x).to.deep.equal([1, 2]);
    expect(line.data[1]!.x).to.deep.equal([10, 20]);
    expect((line.layout.yaxis as { type: string }).type).to.equal("log");
    const bar = barChart(["10%", "50%"], [0.9, 0.95], { percent: true });
    expect(bar.data[0]!.text).to.deep.equal(["90.00%", "95.00%"]);
    expect(() => barChart(["a"], [1, 2])).to.throw(/1 labels for 2 values/);
    const hm = heatmap(
      [
        [0.1, 0.25],
        [0.5, 1],
      ],
      ["lr 1e-2", "lr 1e-3"],
      ["reg 0", "reg 1"],
    );
    expect(hm.data[0]!.text).to.deep.equal([
      ["0.100", "0.250"],
      ["0.500", "1"],
    ]);
    expect(() => heatmap([[1]], ["a", "b"], ["c"])).to.throw(/z must be 1 rows of 2 values/);
    const cm = confusionMatrixFigure(
      [
        [5, 1],
        [0, 7],
      ],
      ["cat", "dog"],
    );
    expect(cm.data[0]!.z).to.deep.equal([
      [5, 1],
      [0, 7],
    ]);
    expect((cm.layout.xaxis as { title: { text: string } }).title.text).to.equal("predicted");
  });

  it("image grids carry grey and RGB CHW images as PNG sources, one subplot each", () => {
    const grey = { data: [0, 0.5, 1, 2], channels: 1, height: 2, width: 2, title: "grey" };
    const rgb = { data: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], channels: 3, height: 2, width: 2 };
    const fig = imageGrid([grey, rgb], { columns: 1 });
    const pixels = (source: unknown): number[][] => {
      const png = decodePng(Buffer.from(String(source).replace(/^data:image\/png;base64,/, ""), "base64"));
      expect([png.width, png.height]).to.deep.equal([2, 2]);
      return [0, 1, 2, 3].map((i) => [...png.rgba.subarray(4 * i, 4 * i + 3)]);
    };
    // Values are clipped to [0, 1] and scaled to bytes; grey becomes three equal channels.
    expect(pixels(fig.data[0]!.source)).to.deep.equal([
      [0, 0, 0],
      [128, 128, 128],
      [255, 255, 255],
      [255, 255, 255],
    ]);
    expect(pixels(fig.data[1]!.source)).to.deep.equal([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [0, 0, 0],
    ]);
    expect(fig.data[1]!.xaxis).to.equal("x2");
    expect(fig.layout.yaxis2).to.deep.include({ anchor: "x2", autorange: "reversed" });
    // Titles are centred over their image in every column (Plotly's "auto" anchor shifts the outer ones).
    const row = imageGrid([grey, grey, grey], { columns: 3 });
    const titles = row.layout.annotations as { x: number; xanchor: string }[];
    titles.forEach((t, i) => {
      const [lo, hi] = (row.layout[i === 0 ? "xaxis" : `xaxis${i + 1}`] as { domain: [number, number] }).domain;
      expect(t.xanchor).to.equal("center");
      expect(t.x).to.be.closeTo((lo + hi) / 2, 1e-12);
    });
    expect(() => imageGrid([{ data: [1, 2, 3], channels: 1, height: 2, width: 2 }])).to.throw(
      /image 0 has 3 values, expected 1x2x2/,
    );
  });

  it("HTML fragments hold the static picture, escape the figure JSON and inline plotly.js only when asked", () => {
    const fig = lineChart([{ name: "</script><b>", y: [1, 2] }], { title: "x" });
    const html = figureHtml(fig, { divId: "d1" });
    expect(html).to.not.contain("</script><b>");
    expect(html).to.contain("\\u003c/script>\\u003cb>");
    // The picture is an <img> with a data: URI, which a notebook's sanitizer keeps (it drops <svg>).
    const img = /<img src="data:image\/svg\+xml;base64,([^"]+)" width="800" height="450" alt="x"/.exec(html);
    expect(img, "static picture").to.not.equal(null);
    expect(Buffer.from(img![1]!, "base64").toString("utf8")).to.equal(figureSvg(fig));
    expect(html).to.contain(STATIC_NOTE);
    // plotly.js comes from the kernelspec named after the kit, not inside the output.
    expect(html).to.contain(`${JSON.stringify(kitKernel().name)});`);
    expect(html.length).to.be.below(20000);
    expect(figureHtml(fig, { includePlotly: true }).length).to.be.above(4_000_000);
    expect(describeFigure(fig)).to.equal('<Figure "x": 1 trace(s) (scatter)>');
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => logged.push(line);
    try {
      show(fig); // not in a notebook: a text summary instead
    } finally {
      console.log = log;
    }
    expect(logged).to.deep.equal(['<Figure "x": 1 trace(s) (scatter)> (not in a notebook: use exportHtml to see it)']);
  });

  it("in a notebook a figure is one bundle: Plotly JSON, HTML with the picture, SVG and text, never plotly.js", () => {
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    const sent: { data: Record<string, unknown> }[] = [];
    jupyter.lastWriteDisplayData = (content: { data: Record<string, unknown> }) => sent.push(content);
    try {
      show(barChart(["a", "b"], [1, 2]));
      show(heatmap([[1]], ["a"], ["b"]));
    } finally {
      jupyter.lastWriteDisplayData = null;
    }
    expect(sent.map((c) => Object.keys(c.data))).to.deep.equal([
      ["application/vnd.plotly.v1+json", "text/html", "image/svg+xml", "text/plain"],
      ["application/vnd.plotly.v1+json", "text/html", "image/svg+xml", "text/plain"],
    ]);
    for (const c of sent) {
      expect(String(c.data["text/html"]).length).to.be.below(30000);
      expect(String(c.data["image/svg+xml"])).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
  });
});

describe("figures in headless Chromium", function () {
  this.timeout(120000);
  before(function () {
    if (findChromium() === null) {
      console.log("    (skipped: Chromium not installed; apt-get install chromium)");
      this.skip();
    }
  });
  const dir = mkdtempSync(join(tmpdir(), "tsdl-plot-"));
  const bars = (): Figure => {
    const fig = barChart(["a", "b"], [3, 1]);
    return { ...fig, layout: { ...fig.layout, width: 400, height: 300 } };
  };
  /** Share of pixels in Plotly's first trace colour (#1f77b4), give or take anti-aliasing. */
  const blueShare = (img: { rgba: Uint8Array; width: number; height: number }): number => {
    let blue = 0;
    for (let i = 0; i < img.rgba.length; i += 4)
      if (Math.abs(img.rgba[i]! - 0x1f) < 30 && Math.abs(img.rgba[i + 1]! - 0x77) < 30 && img.rgba[i + 2]! > 150)
        blue++;
    return blue / (img.width * img.height);
  };

  it("a self-contained HTML file draws its plots offline, in place of the static pictures", async () => {
    const path = join(dir, "curves.html");
    exportHtml([trainingCurves(history), barChart(["a", "b", "c"], [1, 2, 3])], path, "report");
    const html = readFileSync(path, "utf8");
    expect(html).to.not.match(/<script[^>]+src=/); // nothing fetched from anywhere
    const counts = await withChromium(async (browser) => {
      const page = await browser.newPage();
      await page.goto(`file://${path}`);
      await page.waitForFunction('document.querySelectorAll(".tsdl-plot .main-svg").length >= 2', undefined, {
        timeout: 60000,
      });
      return page.evaluate(`({
        scatter: document.querySelectorAll(".trace.scatter").length,
        bars: document.querySelectorAll(".point").length,
        pictures: document.querySelectorAll("img").length,
      })`);
    });
    expect(counts).to.deep.equal({ scatter: 4, bars: 3, pictures: 0 });
  });

  it("exports a PNG of the figure's size through Playwright", async () => {
    const path = join(dir, "bars.png");
    await exportPng(bars(), path);
    const img = decodePng(readFileSync(path));
    expect([img.width, img.height]).to.deep.equal([400, 300]);
    // Two bars of heights 3 and 1 in Plotly's blue: a clear share of blue pixels, not a blank page.
    expect(blueShare(img)).to.be.within(0.05, 0.5);
    await exportPng(bars(), path, { scale: 2 });
    expect(decodePng(readFileSync(path)).width).to.equal(800);
  });

  it("untrusted (scripts removed), the static picture shows, with its note", async () => {
    // What Notebook 6 and JupyterLab keep of an untrusted output: the sanitizer drops scripts and styles.
    const sanitized = figureHtml(bars())
      .replace(/<script[\s\S]*?<\/script>/g, "")
      .replace(/ style="[^"]*"/g, "");
    const shot = await withChromium(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 500, height: 400 } });
      await page.setContent(`<body style="margin:0">${sanitized}</body>`, { waitUntil: "load" });
      const note = await page.locator(".tsdl-figure-note").innerText();
      return { note, png: await page.locator("img").screenshot() };
    });
    expect(shot.note).to.equal(STATIC_NOTE);
    const img = decodePng(shot.png);
    expect([img.width, img.height]).to.deep.equal([400, 300]);
    expect(blueShare(img)).to.be.within(0.05, 0.5);
  });

  it("in a Jupyter page without plotly.js, a figure loads it from the kernelspec folder and draws", async () => {
    // A stand-in for the Jupyter server: it serves the page and kernelspecs/<kernel>/plotly.min.js.
    const served: string[] = [];
    const server = createServer((req, res) => {
      served.push(req.url ?? "");
      if (req.url === `/base/kernelspecs/${kitKernel().name}/plotly.min.js`) {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(plotlyJs());
      } else if (req.url === "/base/notebook") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<html><body data-base-url="/base/">${figureHtml(bars())}${figureHtml(bars())}</body></html>`);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as AddressInfo;
    try {
      const drawn = await withChromium(async (browser) => {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/base/notebook`);
        await page.waitForFunction('document.querySelectorAll(".tsdl-plot.js-plotly-plot").length === 2', undefined, {
          timeout: 60000,
        });
        return page.evaluate('document.querySelectorAll("img, .tsdl-figure-note").length');
      });
      expect(drawn, "the pictures and notes give way to the plots").to.equal(0);
      expect(served.filter((u) => u.endsWith("plotly.min.js"))).to.deep.equal([
        `/base/kernelspecs/${kitKernel().name}/plotly.min.js`,
      ]); // once per page
    } finally {
      server.close();
    }
  });

  it("where plotly.js cannot be loaded, the picture stays and the note says why", async () => {
    const note = await withChromium(async (browser) => {
      const page = await browser.newPage();
      await page.setContent(`<body data-base-url="http://127.0.0.1:9/">${figureHtml(bars())}</body>`);
      await page.waitForFunction(
        '!/run the cell/.test(document.querySelector(".tsdl-figure-note").textContent)',
        undefined,
        {
          timeout: 20000,
        },
      );
      return {
        text: await page.locator(".tsdl-figure-note").innerText(),
        pictures: await page.locator("img").count(),
      };
    });
    expect(note.pictures).to.equal(1);
    expect(note.text).to.match(/plotly\.js could not be loaded .*npm run kernel:install/);
  });
});
