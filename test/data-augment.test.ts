import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  augmentBatch,
  compose,
  contrast,
  cutout,
  cutoutAt,
  flipHorizontal,
  horizontalFlip,
  image,
  randomContrast,
  randomCrop,
  randomRotation,
  rotate,
  shift,
  type Augmentation,
  type Image,
} from "../lib/data/augment";
import { parseCifarBatch } from "../lib/data/cifar";
import { readIdxImages } from "../lib/data/idx";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { realDataDir } from "./helpers/data-dir";

function randomImage(c: number, h: number, w: number, seed: number): Image {
  const rng = new Rng(seed);
  return image(
    Float64Array.from({ length: c * h * w }, () => rng.random()),
    c,
    h,
    w,
  );
}
const px = (img: Image, ch: number, y: number, x: number): number => img.data[(ch * img.height + y) * img.width + x]!;
const values = (img: Image): number[] => Array.from(img.data);
const channelMean = (img: Image, ch: number): number => {
  const plane = img.height * img.width;
  return img.data.subarray(ch * plane, (ch + 1) * plane).reduce((a, b) => a + b, 0) / plane;
};
const changed = (a: Image, b: Image): number => a.data.filter((v, i) => Math.abs(v - b.data[i]!) > 1e-9).length;

describe("augmentations: exact properties", () => {
  const img = randomImage(3, 6, 6, 1);
  const wide = randomImage(2, 4, 7, 2);

  it("horizontal flip mirrors columns; twice is the identity; p=1 always, p=0 never flips", () => {
    const once = flipHorizontal(wide);
    for (let ch = 0; ch < 2; ch++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 7; x++) expect(px(once, ch, y, x)).to.equal(px(wide, ch, y, 6 - x));
    expect(values(flipHorizontal(once))).to.deep.equal(values(wide));
    expect(values(horizontalFlip(1)(img, new Rng(0)))).to.deep.equal(values(flipHorizontal(img)));
    expect(values(horizontalFlip(0)(img, new Rng(0)))).to.deep.equal(values(img));
    const flips = Array.from({ length: 400 }, (_, i) => horizontalFlip(0.5)(img, new Rng(i))).filter(
      (o) => o.data[0] !== img.data[0],
    ).length;
    expect(flips).to.be.within(160, 240);
    expect(() => horizontalFlip(1.5)).to.throw("horizontalFlip: probability must be in [0, 1], got 1.5");
  });

  it("rotation by 0 is the identity; by 90 equals the transposed image flipped upside down; 4 x 90 is the identity", () => {
    expect(values(rotate(img, 0))).to.deep.equal(values(img));
    expect(values(randomRotation([0, 0])(img, new Rng(3)))).to.deep.equal(values(img));
    const transposedFlipped = image(new Float64Array(img.data.length), 3, 6, 6);
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 6; x++) {
          transposedFlipped.data[(ch * 6 + y) * 6 + x] = px(img, ch, x, 5 - y); // transpose: (y, x) <- (x, y); then row y <- row 5 - y
        }
    expect(values(rotate(img, 90))).to.deep.equal(values(transposedFlipped));
    expect(values(rotate(rotate(rotate(rotate(img, 90), 90), 90), 90))).to.deep.equal(values(img));
    expect(values(rotate(rotate(img, 90), -90))).to.deep.equal(values(img));
    // 180 degrees on a non-square image: both flips.
    const r180 = rotate(wide, 180);
    expect(px(r180, 1, 0, 0)).to.equal(px(wide, 1, 3, 6));
  });

  it("rotation is bilinear, with the fill value outside, and draws its angle from the range", () => {
    const ramp = image(
      Float64Array.from({ length: 49 }, (_, i) => i % 7),
      1,
      7,
      7,
    ); // value = x
    const r = rotate(ramp, 45, -1);
    expect(px(r, 0, 3, 3)).to.be.closeTo(3, 1e-12); // the centre stays
    expect(px(r, 0, 0, 0)).to.equal(-1); // a corner maps from more than a pixel outside the image
    // (3, 4) comes from (3 + cos 45, 3 + sin 45) = (3.71, 3.71): bilinear on a ramp gives x exactly.
    expect(px(r, 0, 3, 4)).to.be.closeTo(3 + Math.SQRT1_2, 1e-12);
    // Bilinear weights are convex: every value lies between the fill and the image's range.
    expect(Math.min(...r.data)).to.equal(-1);
    expect(Math.max(...r.data)).to.be.at.most(6);
    // A uniform image stays uniform inside, whatever the angle.
    const flat = image(new Float64Array(49).fill(0.3), 1, 7, 7);
    expect(px(randomRotation(30, 0)(flat, new Rng(1)), 0, 3, 3)).to.be.closeTo(0.3, 1e-12);
    // The angle is the Rng's first draw, uniform in the range.
    expect(changed(randomRotation([10, 20])(img, new Rng(4)), rotate(img, new Rng(4).uniform(10, 20)))).to.equal(0);
  });

  it("cutout fills exactly size*size pixels per channel when inside, clipped at the border", () => {
    const ones = image(new Float64Array(3 * 36).fill(1), 3, 6, 6);
    const inside = image(ones.data.slice(), 3, 6, 6);
    cutoutAt(inside, 1, 2, 3);
    expect(inside.data.filter((v) => v === 0).length).to.equal(3 * 9);
    for (let ch = 0; ch < 3; ch++)
      expect(px(inside, ch, 1, 2) + px(inside, ch, 3, 4) + px(inside, ch, 0, 2) + px(inside, ch, 1, 5)).to.equal(2);
    const corner = image(ones.data.slice(), 3, 6, 6);
    cutoutAt(corner, -1, -1, 3, 0.5);
    expect(corner.data.filter((v) => v === 0.5).length).to.equal(3 * 4);
    for (let seed = 0; seed < 30; seed++) {
      const out = cutout(4)(ones, new Rng(seed));
      const zeros = out.data.filter((v) => v === 0).length;
      expect(zeros % 3).to.equal(0);
      expect(zeros / 3).to.be.within(4, 16);
    }
    expect(values(cutout(0)(img, new Rng(1)))).to.deep.equal(values(img));
  });

  it("random crop with pad 0 is the identity; otherwise a shift by at most pad, filled at the border", () => {
    expect(values(randomCrop(0)(img, new Rng(1)))).to.deep.equal(values(img));
    const s = shift(img, 1, -2, 0.5);
    expect(px(s, 0, 0, 2)).to.equal(px(img, 0, 1, 0));
    expect(px(s, 0, 5, 3)).to.equal(0.5); // source row 6 is outside
    expect(px(s, 0, 2, 1)).to.equal(0.5); // source column -1 is outside
    // Every crop with pad 2 equals one of the 25 shifts.
    const shifts = [];
    for (let oy = -2; oy <= 2; oy++) for (let ox = -2; ox <= 2; ox++) shifts.push(values(shift(img, oy, ox, 7)));
    const seen = new Set<number>();
    for (let seed = 0; seed < 100; seed++) {
      const out = values(randomCrop(2, 7)(img, new Rng(seed)));
      const k = shifts.findIndex((sh) => sh.every((v, i) => v === out[i]));
      expect(k).to.be.at.least(0);
      seen.add(k);
    }
    expect(seen.size).to.be.above(15);
  });

  it("contrast factor 1 is the identity; any factor keeps each channel's mean; factor 0 flattens", () => {
    expect(values(contrast(img, 1))).to.deep.equal(values(img));
    for (const f of [0, 0.5, 1.7, 3]) {
      const c = contrast(img, f);
      for (let ch = 0; ch < 3; ch++) expect(channelMean(c, ch)).to.be.closeTo(channelMean(img, ch), 1e-14);
    }
    expect(new Set(contrast(img, 0).data.subarray(0, 36)).size).to.equal(1);
    expect(values(randomContrast(1, 1)(img, new Rng(2)))).to.deep.equal(values(img));
    expect(() => randomContrast(1.2, 0.8)).to.throw("randomContrast: need 0 <= low <= high, got [1.2, 0.8]");
  });

  it("the same seed gives the same output, another seed a different one, and the input is untouched", () => {
    const aug = compose([randomRotation(15), randomCrop(2), horizontalFlip(), randomContrast(0.8, 1.2), cutout(2)]);
    const before = values(img);
    for (const a of [
      aug,
      randomRotation(20),
      randomCrop(2),
      horizontalFlip(),
      randomContrast(0.5, 1.5),
      cutout(3),
    ] as Augmentation[]) {
      expect(values(a(img, new Rng(5)))).to.deep.equal(values(a(img, new Rng(5))));
    }
    const outputs = new Set(Array.from({ length: 8 }, (_, s) => values(aug(img, new Rng(s))).join(",")));
    expect(outputs.size).to.equal(8);
    expect(values(img)).to.deep.equal(before);
    expect(values(compose([])(img, new Rng(0)))).to.deep.equal(before);
  });

  it("checks the image shape", () => {
    expect(() => image(new Float64Array(10), 3, 2, 2)).to.throw("image: a 3x2x2 image needs 12 values, data has 10");
    expect(() => rotate({ data: new Float64Array(4), channels: 1, height: 0, width: 4 }, 10)).to.throw(
      /rotate: channels, height and width must be positive integers, got 1x0x4/,
    );
    expect(() => cutout(2.5)).to.throw(/cutout: size must be a non-negative integer, got 2.5/);
    expect(() => randomCrop(-1)).to.throw(/randomCrop: padding must be a non-negative integer, got -1/);
  });

  it("augments a flattened batch image by image for the trainer", () => {
    const x = Tensor.from(
      Array.from({ length: 2 * 3 * 6 * 6 }, (_, i) => i % 7),
      [2, 108],
    );
    const y = Int32Array.of(1, 2);
    const out = augmentBatch(horizontalFlip(1), [3, 6, 6])({ x, y }, new Rng(0));
    expect(out.y).to.equal(y);
    expect(out.x.get(1, 0)).to.equal(x.get(1, 5));
    expect(() => augmentBatch(horizontalFlip(1), [3, 5, 5])({ x, y }, new Rng(0))).to.throw(
      /does not hold images of shape \[3, 5, 5\]/,
    );
  });
});

describe("augmentations on real MNIST and CIFAR-10 images", () => {
  const real = realDataDir();
  const mnistPath = join(real ?? "/nonexistent", "mnist", "t10k-images-idx3-ubyte.gz");
  const cifarPath = join(real ?? "/nonexistent", "cifar-10-batches-bin", "test_batch.bin");
  const samples: { name: string; img: Image }[] = [];
  before(function () {
    if (!existsSync(mnistPath) || !existsSync(cifarPath)) {
      console.log(
        `      (skipped: need mnist/ and cifar-10-batches-bin/ in ${real ?? "$TSDL_DATA or ../shared/data"}; set TSDL_DATA to a data directory with both)`,
      );
      this.skip();
    }
    const mnist = readIdxImages(mnistPath);
    // Only the first 10 CIFAR records are needed: 10 x 3073 bytes.
    const cifar = parseCifarBatch(readFileSync(cifarPath).subarray(0, 10 * 3073), cifarPath);
    for (let i = 0; i < 3; i++) {
      samples.push({
        name: `MNIST test ${i}`,
        img: image(
          Float64Array.from(mnist.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
          1,
          28,
          28,
        ),
      });
      samples.push({
        name: `CIFAR test ${i}`,
        img: image(
          Float64Array.from(cifar.images.subarray(i * 3072, (i + 1) * 3072), (v) => v / 255),
          3,
          32,
          32,
        ),
      });
    }
  });

  const inRange = (img: Image, lo: number, hi: number, what: string): void => {
    expect(Math.min(...img.data), what).to.be.at.least(lo - 1e-12);
    expect(Math.max(...img.data), what).to.be.at.most(hi + 1e-12);
  };

  it("rotation: values stay in [0, 1], many pixels change, MNIST ink is roughly conserved", () => {
    for (const { name, img } of samples) {
      const out = randomRotation([20, 30])(img, new Rng(11));
      inRange(out, 0, 1, name);
      expect(changed(out, img), name).to.be.above(img.data.length / 10);
      if (img.channels === 1) {
        // The digit sits inside a blank frame, so a small rotation keeps (almost) all of it.
        const ink = img.data.reduce((a, b) => a + b, 0);
        expect(
          out.data.reduce((a, b) => a + b, 0),
          name,
        ).to.be.closeTo(ink, ink * 0.05);
      }
    }
  });

  it("cutout: at most size*size pixels per channel change, all to the fill value", () => {
    for (const { name, img } of samples) {
      for (let seed = 0; seed < 5; seed++) {
        const out = cutout(8, 0.5)(img, new Rng(seed));
        inRange(out, 0, 1, name);
        const diff = out.data.map((v, i) => (v !== img.data[i] ? 1 : 0)).reduce((a, b) => a + b, 0);
        expect(diff, name).to.be.at.most(64 * img.channels);
        expect(
          out.data.filter((v, i) => v !== img.data[i]!).every((v) => v === 0.5),
          name,
        ).to.equal(true);
      }
    }
    // A CIFAR photo has no flat 0.5 area, so a cutout fully inside changes (almost) 64 pixels per channel.
    const cifar = samples.find((s) => s.img.channels === 3)!.img;
    const centred = image(cifar.data.slice(), 3, 32, 32);
    cutoutAt(centred, 12, 12, 8, 0.5);
    expect(changed(centred, cifar)).to.be.above(3 * 64 - 10);
  });

  it("random crop: pixels move, the border is filled, values stay in [0, 1]", () => {
    for (const { name, img } of samples) {
      const out = randomCrop(4)(img, new Rng(7));
      inRange(out, 0, 1, name);
      const moved = shift(img, 3, -2, 0);
      expect(changed(moved, img), name).to.be.above(img.channels === 3 ? 1000 : 50);
      expect(px(moved, 0, img.height - 1, 0), name).to.equal(0); // bottom rows and left columns are fill
    }
  });

  it("contrast: values stay in [0, 1] for factors below 1, channel means are kept, pixels change", () => {
    for (const { name, img } of samples) {
      const out = randomContrast(0.5, 0.7)(img, new Rng(3));
      inRange(out, 0, 1, name);
      for (let ch = 0; ch < img.channels; ch++)
        expect(channelMean(out, ch), name).to.be.closeTo(channelMean(img, ch), 1e-12);
      expect(changed(out, img), name).to.be.above(img.data.length / 2);
    }
  });

  it("flip: pixels change (real images are not symmetric) and the set of values is the same", () => {
    for (const { name, img } of samples) {
      const out = horizontalFlip(1)(img, new Rng(0));
      expect(changed(out, img), name).to.be.above(img.data.length / 10);
      expect([...out.data].sort(), name).to.deep.equal([...img.data].sort());
    }
  });

  it("the composed pipeline is reproducible on real images", () => {
    const aug = compose([randomCrop(4), horizontalFlip(), randomRotation(10), randomContrast(0.8, 1), cutout(8)]);
    for (const { name, img } of samples) {
      const a = aug(img, new Rng(42));
      inRange(a, 0, 1, name);
      expect(values(a), name).to.deep.equal(values(aug(img, new Rng(42))));
      expect(values(a), name).to.not.deep.equal(values(aug(img, new Rng(43))));
    }
  });
});
