// The static pictures of figures (lib/plot/svg*.ts): what a notebook shows where plotly.js cannot
// run. Positions, colours and tick labels are checked against values worked out by hand.
import { expect } from "chai";
import { barChart, heatmap, imageGrid, lineChart, trainingCurves } from "../lib/plot/charts";
import { colorAt, colorscale, contrastText } from "../lib/plot/colors";
import { figure, type Figure } from "../lib/plot/figure";
import { encodePng } from "../lib/plot/png-encode";
import { Value } from "../lib/autodiff/value";
import { graphSvg } from "../lib/plot/graph";
import { figureSvg } from "../lib/plot/svg";
import { valueGraph, valueGraphSvg } from "../lib/plot/value-graph";
import { buildAxis, formatNumber, formatWith, niceStep, ticks } from "../lib/plot/svg-axes";
import { threeEpochs } from "./helpers/history";
import { decodePng } from "./helpers/png";

/** Every match of `re` in the SVG, as its capture groups. */
const all = (svg: string, re: RegExp): string[][] => [...svg.matchAll(re)].map((m) => m.slice(1));
const texts = (svg: string): string[] => all(svg, /<text[^>]*>([^<]*)<\/text>/g).map((m) => m[0]!);

/** A 500x300 figure with 50 px margins: the plot area is 400x200, from (50, 50) to (450, 250). */
function framed(fig: Figure, layout: Record<string, unknown> = {}): Figure {
  return {
    ...fig,
    layout: { ...fig.layout, width: 500, height: 300, margin: { l: 50, r: 50, t: 50, b: 50 }, ...layout },
  };
}

describe("static figure pictures (SVG)", () => {
  it("axes: ticks at 1, 2 or 5 times a power of ten, about every 80 px across and 40 px up", () => {
    const data = { values: [0, 2.2], includeZero: false, pad: 0 };
    const y = buildAxis({}, data, 230, 50); // 180 px tall
    expect(ticks(y, false).map((t) => t.label)).to.deep.equal(["0", "0.5", "1", "1.5", "2"]);
    const x = buildAxis({}, { values: [1, 20], includeZero: false, pad: 0 }, 0, 570);
    expect(ticks(x, true).map((t) => t.label)).to.deep.equal(["5", "10", "15", "20"]);
    const log = buildAxis({ type: "log" }, { values: [1, 4e10, -3], includeZero: false, pad: 0 }, 300, 0);
    expect(ticks(log, false).map((t) => t.label)).to.deep.equal(["1", "100", "10k", "1M", "100M", "10B"]);
    const pct = buildAxis({ tickformat: ".0%" }, { values: [0.45, 0.92], includeZero: false, pad: 0 }, 160, 0);
    expect(ticks(pct, false).map((t) => t.label)).to.deep.equal(["50%", "60%", "70%", "80%", "90%"]);
    // Strings that read as numbers make a linear axis (as in Plotly); others a category axis.
    expect(buildAxis({}, { values: ["0", "9"], includeZero: false, pad: 0 }, 0, 100).kind).to.equal("linear");
    const cat = buildAxis({}, { values: ["lr 0.1", "lr 0.01"], includeZero: false, pad: 0 }, 0, 100);
    expect([cat.kind, cat.range, cat.categories]).to.deep.equal(["category", [-0.5, 1.5], ["lr 0.1", "lr 0.01"]]);
    expect(buildAxis({ autorange: "reversed" }, data, 0, 1).range).to.deep.equal([2.2, 0]);
    expect([niceStep(0.42), niceStep(3), niceStep(7), niceStep(1000)]).to.deep.equal([0.5, 5, 10, 1000]);
    expect([formatNumber(2500, 500), formatNumber(25000, 5000), formatNumber(0.30000000000000004, 0.1)]).to.deep.equal([
      "2500",
      "25k",
      "0.3",
    ]);
    expect([formatWith(".1%", 0.9173), formatWith(".2f", 1 / 3)]).to.deep.equal(["91.7%", "0.33"]);
  });

  it("lines go through the data's pixels; a missing value breaks the line", () => {
    const fig = framed(figure([{ type: "scatter", mode: "lines", x: [0, 2, 4], y: [0, 5, 10] }]), {
      xaxis: { range: [0, 4] },
      yaxis: { range: [0, 10] },
    });
    const svg = figureSvg(fig);
    expect(all(svg, /<polyline points="([^"]+)"/g)).to.deep.equal([["50,250 250,150 450,50"]]);
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="500" height="300"/);
    const gap = figureSvg(
      framed(figure([{ type: "scatter", mode: "lines", x: [0, 1, 2, 3, 4], y: [1, 2, NaN, 4, NaN] }]), {
        xaxis: { range: [0, 4] },
        yaxis: { range: [0, 10] },
      }),
    );
    // Two points before the gap make a line; the lone point after it is drawn as a dot.
    expect(all(gap, /<polyline points="([^"]+)"/g)).to.deep.equal([["50,230 150,210"]]);
    expect(all(gap, /<circle cx="([^"]+)" cy="([^"]+)"/g)).to.deep.equal([["350", "170"]]);
  });

  it("log axes drop values <= 0 and place the rest by their logarithm", () => {
    const svg = figureSvg(
      framed(lineChart([{ name: "loss", x: [1, 2, 3, 4], y: [1, 0, 100, 10000] }], { logY: true }), {
        xaxis: { range: [1, 4] },
        yaxis: { type: "log", range: [0, 4] },
      }),
    );
    const dots = all(svg, /<circle cx="([^"]+)" cy="([^"]+)"/g);
    expect(dots).to.deep.equal([
      ["50", "250"],
      ["316.7", "150"],
      ["450", "50"],
    ]);
  });

  it("bars stand on zero with heights in proportion, and carry their text", () => {
    const svg = figureSvg(framed(barChart(["a", "b"], [3, 1], { percent: false })));
    const rects = all(svg, /<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" fill="#1f77b4"/g).map((r) =>
      r.map(Number),
    );
    expect(rects.length).to.equal(2);
    const [[y0, h0], [y1, h1]] = rects as [[number, number], [number, number]];
    expect(y0 + h0).to.be.closeTo(y1 + h1, 0.11); // one baseline
    expect(h0 / h1).to.be.closeTo(3, 0.01);
    expect(texts(svg)).to.include.members(["3", "1", "a", "b"]);
  });

  it("heatmaps colour each cell from the scale and write its value in a readable colour", () => {
    const svg = figureSvg(framed(heatmap([[0, 0.5, 1]], ["a", "b", "c"], ["r"])));
    const fills = all(svg, /<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="(#[0-9a-f]{6})"\/>/g);
    expect(fills.map((f) => f[0])).to.deep.equal(["#440154", colorAt(colorscale("Viridis"), 0.5), "#fde725"]);
    const labels = all(svg, /<text [^>]*fill="(#[0-9a-f]{6})">([^<]*)<\/text>/g);
    expect(labels).to.deep.include.members([
      ["#ffffff", "0"],
      ["#444444", "1"],
    ]);
    expect(colorAt(colorscale("Viridis", true), 0)).to.equal("#fde725");
    expect([contrastText("#440154"), contrastText("#fde725")]).to.deep.equal(["#ffffff", "#444444"]);
  });

  it("image grids place every image with square pixels, from its PNG", () => {
    const img = { data: new Array(3 * 4 * 2).fill(0.5), channels: 3, height: 4, width: 2, title: "tall" };
    const svg = figureSvg(imageGrid([img, img, img], { columns: 3, title: "three" }));
    const images = all(
      svg,
      /<image x="[^"]+" y="[^"]+" width="([^"]+)" height="([^"]+)"[^>]*href="data:image\/png;base64,/g,
    );
    expect(images.length).to.equal(3);
    for (const [w, h] of images) expect(Number(h) / Number(w)).to.be.closeTo(2, 0.01);
    expect(texts(svg)).to.deep.equal(["tall", "tall", "tall", "three"]);
    const png = decodePng(encodePng(2, 1, Uint8Array.from([255, 0, 0, 0, 0, 255])));
    expect([...png.rgba]).to.deep.equal([255, 0, 0, 255, 0, 0, 255, 255]);
    expect(() => encodePng(2, 2, new Uint8Array(3))).to.throw(/3 bytes for 2x2 RGB pixels \(expected 12\)/);
  });

  it("training curves: two panels with their axis titles, percent ticks and a legend", () => {
    const svg = figureSvg(trainingCurves(threeEpochs, "A & B < C"));
    const t = texts(svg);
    expect(t).to.include.members([
      "loss",
      "accuracy",
      "epoch",
      "train loss",
      "validation accuracy",
      "A &amp; B &lt; C",
    ]);
    expect(t.filter((s) => /^\d+%$/.test(s)).length).to.be.at.least(3);
    expect(all(svg, /<polyline /g).length).to.equal(4);
    expect(svg).to.contain('stroke-dasharray="9,9"'); // validation curves dashed
    // A single trace needs no legend.
    expect(texts(figureSvg(lineChart([{ name: "only", y: [1, 2] }])))).to.not.include("only");
  });

  it("graphs: inputs left of what they feed, every edge drawn left to right, micrograd's boxes", () => {
    const a = new Value(2).named("a");
    const b = new Value(-3).named("b");
    const c = new Value(10).named("c");
    const L = a.mul(b).named("e").add(c).named("d").tanh().named("L");
    L.backward();
    const { nodes, edges } = valueGraph(L);
    expect(nodes.length).to.equal(9); // six values and three operations
    expect(edges.length).to.equal(8);
    const svg = valueGraphSvg(L);
    expect(texts(svg)).to.include.members(["a", "data 2.0000", "grad -0.0040", "*", "+", "tanh", "L", "grad 1.0000"]);
    const paths = all(svg, /<path d="M([\d.]+),[\d.]+ [^"]*?([\d.]+),[\d.]+"/g);
    expect(paths.length).to.equal(8);
    for (const [x0, x1] of paths) expect(Number(x1)).to.be.above(Number(x0));
    // The boxes of a, b and c (inputs) sit left of e's, e's left of d's, d's left of L's.
    const boxX = (label: string): number =>
      Number(
        new RegExp(`<rect x="([\\d.]+)"[^>]*/><text x="[\\d.]+" y="[\\d.]+" text-anchor="middle">${label}</text>`).exec(
          svg,
        )![1],
      );
    expect(boxX("a")).to.be.below(boxX("e"));
    expect(boxX("c")).to.be.below(boxX("d"));
    expect(boxX("d")).to.be.below(boxX("L"));
    expect(() => graphSvg([{ id: "x", fields: ["x"], shape: "record" }], [{ from: "x", to: "y" }])).to.throw(
      /edge x -> y names an unknown node/,
    );
    const loop = [
      { id: "p", fields: ["p"], shape: "ellipse" as const },
      { id: "q", fields: ["q"], shape: "ellipse" as const },
    ];
    expect(() =>
      graphSvg(loop, [
        { from: "p", to: "q" },
        { from: "q", to: "p" },
      ]),
    ).to.throw(/a cycle through/);
  });
});
