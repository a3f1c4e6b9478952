import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { barChart, confusionMatrixFigure, heatmap, imageGrid, lineChart, trainingCurves } from "../lib/plot/charts";
import { describeFigure, show } from "../lib/plot/display";
import { exportHtml, figureHtml } from "../lib/plot/html";
import { exportPng, findChromium, runChromium } from "../lib/plot/png";
import type { EpochRecord } from "../lib/training/trainer";
import { decodePng, inkFraction } from "./helpers/png";

const history: EpochRecord[] = [1, 2, 3].map((epoch) => ({
  epoch,
  lr: 0.1,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5 + epoch / 10,
  valLoss: 1.2 / epoch,
  valAccuracy: 0.45 + epoch / 10,
  seconds: 1,
}));

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

  it("image grids convert grey and RGB CHW images to RGB rows, one subplot each", () => {
    const grey = { data: [0, 0.5, 1, 2], channels: 1, height: 2, width: 2, title: "grey" };
    const rgb = { data: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], channels: 3, height: 2, width: 2 };
    const fig = imageGrid([grey, rgb], { columns: 1 });
    expect(fig.data[0]!.z).to.deep.equal([
      [
        [0, 0, 0],
        [128, 128, 128],
      ],
      [
        [255, 255, 255],
        [255, 255, 255],
      ],
    ]);
    expect(fig.data[1]!.z).to.deep.equal([
      [
        [255, 0, 0],
        [0, 255, 0],
      ],
      [
        [0, 0, 255],
        [0, 0, 0],
      ],
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

  it("HTML fragments escape the figure JSON and inline plotly.js only when asked", () => {
    const fig = lineChart([{ name: "</script><b>", y: [1] }], { title: "x" });
    const html = figureHtml(fig, { divId: "d1" });
    expect(html).to.not.contain("</script><b>");
    expect(html).to.contain("\\u003c/script>\\u003cb>");
    expect(html.length).to.be.below(5000);
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
});

describe("exported figures in headless Chromium", function () {
  this.timeout(60000);
  before(function () {
    if (findChromium() === null) {
      console.log("    (skipped: Chromium not installed; apt-get install chromium)");
      this.skip();
    }
  });
  const dir = mkdtempSync(join(tmpdir(), "tsdl-plot-"));

  it("a self-contained HTML file renders its plot offline", () => {
    const path = join(dir, "curves.html");
    exportHtml([trainingCurves(history), barChart(["a", "b", "c"], [1, 2, 3])], path, "report");
    const html = readFileSync(path, "utf8");
    expect(html).to.not.match(/<script[^>]+src=/); // nothing fetched from anywhere
    const dom = runChromium(["--virtual-time-budget=10000", "--dump-dom", `file://${path}`]);
    expect((dom.match(/class="main-svg"/g) ?? []).length).to.be.at.least(2);
    expect((dom.match(/class="trace scatter/g) ?? []).length).to.equal(4);
    expect((dom.match(/class="point"/g) ?? []).length).to.equal(3); // bars
  });

  it("exports a PNG of the figure's size", () => {
    const path = join(dir, "bars.png");
    exportPng(
      { ...barChart(["a", "b"], [3, 1]), layout: { ...barChart(["a", "b"], [3, 1]).layout, width: 400, height: 300 } },
      path,
    );
    const img = decodePng(readFileSync(path));
    expect([img.width, img.height]).to.deep.equal([416, 316]); // plus the page margins
    // Two bars of heights 3 and 1 in Plotly's blue: a clear share of blue pixels, not a blank page.
    let blue = 0;
    for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i + 2]! > 150 && img.rgba[i]! < 100) blue++;
    expect(blue / (img.width * img.height)).to.be.within(0.05, 0.5);
    expect(inkFraction(img)).to.be.above(0.05);
  });
});
