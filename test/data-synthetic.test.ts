import { expect } from "chai";
import { blobs, spirals, xor } from "../lib/data/synthetic";

const rows = (features: Float64Array, dim: number): number[][] =>
  Array.from({ length: features.length / dim }, (_, i) => Array.from(features.subarray(i * dim, (i + 1) * dim)));

describe("synthetic datasets", () => {
  it("spirals: K classes of N points in 2-D, radius growing along each arm, seeded", () => {
    const s = spirals({ classes: 4, perClass: 50, noise: 0.1, seed: 3 });
    expect([s.count, s.dim, s.numClasses, s.features.length]).to.deep.equal([200, 2, 4, 400]);
    expect(s.features).to.be.instanceOf(Float64Array);
    expect(s.labels).to.be.instanceOf(Int32Array);
    expect(Array.from(s.labels.subarray(48, 52))).to.deep.equal([0, 0, 1, 1]);
    rows(s.features, 2).forEach(([x, y], i) => expect(Math.hypot(x!, y!)).to.be.closeTo((i % 50) / 50, 1e-12));
    expect(spirals({ classes: 4, perClass: 50, noise: 0.1, seed: 3 }).features).to.deep.equal(s.features);
    expect(spirals({ classes: 4, perClass: 50, noise: 0.1, seed: 4 }).features).to.not.deep.equal(s.features);
    // Without noise, arm c is arm 0 turned by c * 2*pi/K.
    const clean = spirals({ classes: 4, perClass: 10, noise: 0 });
    const angle = (i: number): number => Math.atan2(clean.features[2 * i]!, clean.features[2 * i + 1]!);
    const turn = (angle(15) - angle(5) + 4 * Math.PI) % (2 * Math.PI);
    expect(turn).to.be.closeTo(Math.PI / 2, 1e-12);
  });

  it("blobs: points around each centre with the requested spread", () => {
    const b = blobs(
      [
        [0, 0, 0],
        [10, -10, 5],
      ],
      { perClass: 2000, std: 0.5, seed: 1 },
    );
    expect([b.count, b.dim, b.numClasses]).to.deep.equal([4000, 3, 2]);
    for (const [c, centre] of [
      [0, 0, 0],
      [10, -10, 5],
    ].entries()) {
      const pts = rows(b.features, 3).filter((_, i) => b.labels[i] === c);
      expect(pts.length).to.equal(2000);
      for (let d = 0; d < 3; d++) {
        const mean = pts.reduce((a, p) => a + p[d]!, 0) / pts.length;
        const sd = Math.sqrt(pts.reduce((a, p) => a + (p[d]! - mean) ** 2, 0) / pts.length);
        expect(mean).to.be.closeTo(centre[d]!, 0.05);
        expect(sd).to.be.closeTo(0.5, 0.03);
      }
    }
    expect(() => blobs([[0, 0], [1]])).to.throw("blobs: centres must be non-empty and all of one dimension");
  });

  it("xor: class 1 exactly where one coordinate is near 1", () => {
    const x = xor({ perCorner: 30, noise: 0.05, seed: 2 });
    expect([x.count, x.dim, x.numClasses]).to.deep.equal([120, 2, 2]);
    rows(x.features, 2).forEach(([a, b], i) => expect(x.labels[i]).to.equal(Math.round(a!) !== Math.round(b!) ? 1 : 0));
    expect(Array.from(x.labels).filter((l) => l === 1).length).to.equal(60);
  });

  it("doubles as a trainer Dataset: x is a [count, dim] tensor over the same memory, y is the labels", () => {
    const s = spirals({ perClass: 5 });
    expect(s.x.shape).to.deep.equal([15, 2]);
    expect(s.x.data).to.equal(s.features);
    expect(s.y).to.equal(s.labels);
  });
});
