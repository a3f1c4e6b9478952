import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseCsvDataset, readCsvDataset } from "../lib/data/csv";

const tmp = mkdtempSync(join(tmpdir(), "tsdl-csv-"));
const write = (name: string, data: string | Uint8Array): string => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

describe("CSV datasets", () => {
  it("reads the MNIST-as-CSV layout: label first, then the pixel columns named in the header", () => {
    const pixels = Array.from({ length: 784 }, (_, i) => `${1 + Math.floor(i / 28)}x${1 + (i % 28)}`);
    const rows = [
      [5, ...new Array<number>(784).fill(0)],
      [0, ...Array.from({ length: 784 }, (_, i) => i % 256)],
    ];
    const text = [["label", ...pixels].join(","), ...rows.map((r) => r.join(","))].join("\n") + "\n";
    const d = readCsvDataset(write("mnist_train.csv", text));
    expect([d.count, d.dim, d.labelName]).to.deep.equal([2, 784, "label"]);
    expect(Array.from(d.labels)).to.deep.equal([5, 0]);
    expect(d.columnNames.slice(0, 3)).to.deep.equal(["1x1", "1x2", "1x3"]);
    expect(d.columnNames[783]).to.equal("28x28");
    expect(d.features[784 + 300]).to.equal(300 % 256);
    expect(d.features).to.be.instanceOf(Float64Array);
    expect(d.labels).to.be.instanceOf(Int32Array);
    expect(readCsvDataset(write("mnist_train.csv.gz", gzipSync(text))).features).to.deep.equal(d.features);
  });

  it("reads float feature CSVs with the label column by name, by index or counted from the end", () => {
    const text = "f0,f1,class,f2\n0.5,-1.25e-3,2,+3\n1,.25,0,1E2\n";
    const byName = readCsvDataset(write("feats.csv", text), { labelColumn: "class" });
    expect(Array.from(byName.features)).to.deep.equal([0.5, -0.00125, 3, 1, 0.25, 100]);
    expect(Array.from(byName.labels)).to.deep.equal([2, 0]);
    expect(byName.columnNames).to.deep.equal(["f0", "f1", "f2"]);
    expect(parseCsvDataset(text, "f.csv", { labelColumn: 2 }).features).to.deep.equal(byName.features);
    const last = parseCsvDataset("0.1,0.2,1\n0.3,0.4,0\n", "last.csv", { labelColumn: -1 });
    expect(Array.from(last.labels)).to.deep.equal([1, 0]);
    expect(last.columnNames).to.deep.equal(["col1", "col2"]);
  });

  it("header or no header: detected from the first row, or forced", () => {
    const noHeader = parseCsvDataset("1,0.1,0.2\n0,0.3,0.4", "n.csv");
    expect([noHeader.count, noHeader.labelName]).to.deep.equal([2, "col1"]);
    expect(Array.from(noHeader.features)).to.deep.equal([0.1, 0.2, 0.3, 0.4]);
    // An all-numeric first row is data unless told otherwise.
    const forced = parseCsvDataset("9,1,2\n1,0.1,0.2\n", "h.csv", { header: true });
    expect([forced.count, forced.labelName, ...forced.columnNames]).to.deep.equal([1, "9", "1", "2"]);
    expect(() => parseCsvDataset("label,a\n1,2\n", "nh.csv", { header: false })).to.throw(
      /nh\.csv: line 1, column 1 \(col1\): "label" is not a number/,
    );
  });

  it("handles CRLF, a byte order mark, blank lines, quoted cells, tabs and semicolons", () => {
    const d = parseCsvDataset('\uFEFFlabel,a,b\r\n\r\n1,"2",3\r\n0,4,5\r\n\r\n', "crlf.csv");
    expect([d.count, ...d.features]).to.deep.equal([2, 2, 3, 4, 5]);
    expect(parseCsvDataset("label\ta\n3\t0.5\n", "t.tsv").features[0]).to.equal(0.5);
    expect(parseCsvDataset("label;a\n3;0.5\n", "s.csv").labels[0]).to.equal(3);
  });

  it("names file, line and column for non-numeric cells", () => {
    expect(() => parseCsvDataset("label,a,b\n1,2,x\n", "bad.csv")).to.throw(
      'bad.csv: line 2, column 3 (b): "x" is not a number',
    );
    expect(() => parseCsvDataset("label,a,b\n1,2,\n", "empty.csv")).to.throw(
      'empty.csv: line 2, column 3 (b): "" is not a number',
    );
    expect(() => parseCsvDataset("label,a\n1,0x1F\n", "hex.csv")).to.throw(
      /hex\.csv: line 2, column 2 \(a\): "0x1F" is not a number/,
    );
    expect(() => parseCsvDataset("label,a\n1,NaN\n", "nan.csv")).to.throw(/nan\.csv: line 2, column 2/);
    // Blank lines and a quoted newline still count as lines.
    expect(() => parseCsvDataset('label,a\n\n1,"2\n"\n\n3,oops\n', "lines.csv")).to.throw(
      'lines.csv: line 6, column 2 (a): "oops" is not a number',
    );
    const p = write("onDisk.csv", "label,a\n1,2\n2,z\n");
    expect(() => readCsvDataset(p)).to.throw(`${p}: line 3, column 2 (a): "z" is not a number`);
  });

  it("names file and line for ragged rows, bad labels, missing columns and empty files", () => {
    expect(() => parseCsvDataset("label,a,b\n1,2,3\n1,2\n", "rag.csv")).to.throw(
      "rag.csv: line 3 has 2 columns, expected 3 (as in line 2)",
    );
    expect(() => parseCsvDataset("label,a,b\n1,2,3,4\n", "wide.csv")).to.throw(
      /wide\.csv: line 2 has 4 columns, expected 3/,
    );
    expect(() => parseCsvDataset("a,b\n1.5,2\n", "lab.csv")).to.throw(
      'lab.csv: line 2, column 1 (a): label "1.5" is not a class index (a non-negative integer)',
    );
    expect(() => parseCsvDataset("a,b\n-1,2\n", "neg.csv")).to.throw(/neg\.csv: line 2, column 1 \(a\): label "-1"/);
    expect(() => parseCsvDataset("a,b\n1,2\n", "x.csv", { labelColumn: "y" })).to.throw(
      'x.csv: line 1: no column named "y" (columns: a, b)',
    );
    expect(() => parseCsvDataset("1,2\n", "x.csv", { labelColumn: "y" })).to.throw(
      /x\.csv: label column "y" is given by name, but line 1 is not a header/,
    );
    expect(() => parseCsvDataset("a,b\n1,2\n", "i.csv", { labelColumn: 5 })).to.throw(
      "i.csv: label column 5 is outside the 2 columns",
    );
    expect(() => parseCsvDataset("label\n1\n", "one.csv")).to.throw(
      /one\.csv: line 1: need a label column and at least one feature column/,
    );
    expect(() => parseCsvDataset("label,a\n", "head.csv")).to.throw("head.csv: no data rows");
    expect(() => parseCsvDataset("\n\n", "blank.csv")).to.throw("blank.csv: no data rows");
    expect(() => parseCsvDataset('label,a\n1,"2\n', "q.csv")).to.throw(/q\.csv: line 2: .*quote/i);
    expect(() => readCsvDataset(join(tmp, "nope.csv"))).to.throw(/nope\.csv: cannot read: ENOENT/);
  });
});
