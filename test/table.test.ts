// Tables in notebooks: aligned plain text, Markdown for reports, and HTML that keeps its shape in
// classic Notebook 6 (which lays tables out at a fixed 12 px and wraps their cells).
import { expect } from "chai";
import { formatTable, htmlTable, markdownTable, showTable } from "../lib/notebook/table";

const rows = [
  { setting: "lr 0.1, reg 0.001", "val acc": "87.67%", epochs: 4, error: 1.2e-9 },
  { setting: "lr 0.01", "val acc": "79.00%", epochs: 100, error: 0.25 },
];

describe("tables", () => {
  it("plain text: text columns to the left, number columns to the right", () => {
    expect(formatTable(rows)).to.equal(
      [
        "setting            val acc  epochs     error",
        "-----------------  -------  ------  --------",
        "lr 0.1, reg 0.001   87.67%       4  1.200e-9",
        "lr 0.01             79.00%     100      0.25",
      ].join("\n"),
    );
    expect(formatTable([])).to.equal("(no rows)");
    expect(formatTable(rows, ["epochs"])).to.equal("epochs\n------\n     4\n   100");
  });

  it("Markdown escapes the pipe", () => {
    expect(markdownTable([{ "a|b": "x|y" }])).to.equal("| a\\|b |\n| --- |\n| x\\|y |");
  });

  it("HTML: one line per cell, numbers right and text left, escaped, caption on top", () => {
    const html = htmlTable([{ name: "<b>", n: 2 }], { title: "T & U" });
    expect(html).to.equal(
      '<table style="margin-left:0"><caption style="text-align:left;caption-side:top">T &amp; U</caption>' +
        '<thead><tr><th style="text-align:left;white-space:nowrap">name</th><th style="text-align:right;white-space:nowrap">n</th></tr></thead>' +
        '<tbody><tr><td style="text-align:left;white-space:nowrap">&lt;b&gt;</td><td style="text-align:right;white-space:nowrap">2</td></tr></tbody></table>',
    );
  });

  it("showTable sends HTML and the aligned text together; prints the text outside a notebook", () => {
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    const sent: Record<string, unknown>[] = [];
    jupyter.lastWriteDisplayData = (c: { data: Record<string, unknown> }) => sent.push(c.data);
    try {
      showTable(rows, { title: "Grid" });
    } finally {
      jupyter.lastWriteDisplayData = null;
    }
    expect(sent).to.deep.equal([
      { "text/plain": `Grid\n${formatTable(rows)}`, "text/html": htmlTable(rows, { title: "Grid" }) },
    ]);
    const logged: string[] = [];
    const log = console.log;
    console.log = (s: string) => logged.push(s);
    try {
      showTable(rows);
    } finally {
      console.log = log;
    }
    expect(logged).to.deep.equal([formatTable(rows)]);
  });
});
