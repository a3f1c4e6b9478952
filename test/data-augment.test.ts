import { expect } from "chai";
import { compose, contrast, cutout, cutoutAt, horizontalFlip, randomContrast, randomCrop, randomRotation, rotate, shift, augmentBatch, type Image } from "../lib/data/augment";
import { loadCifar10, loadMnist } from "../lib/data/datasets";
import { Rng } from "../lib/random";
import { Tensor } from "../lib/tensor/tensor";
import { realDataDir } from "./helpers/data-dir";

function randomImage(c: number, h: number, w: number, seed: number): Image {
  const rng = new Rng(seed);
  return { data: Float64Array.from({ length: c * h * w }, () => rng.random()), channels: c, height: h, width: w };
}
const px = (img: Image, ch: number, y: number, x: number): number => img.data[(ch * img.height + y) * img.width + x]!;

describe("augmentations: exact properties", () => {
  const img = randomImage(3, 6, 6, 1);

  it("horizontal flip mirrors columns, twice is the identity, p=0 never flips", () => {
    const flip = horizontalFlip(1);
    const once = flip(img, new Rng(0));
    expect(px(once, 2, 3, 0)).to.equal(px(img, 2, 3, 5));
    expect(Array.from(flip(once, new Rng(0)).data)).to.deep.equal(Array.from(img.data));
    expect(Array.from(horizontalFlip(0)(img, new Rng(0)).data)).to.deep.equal(Array.from(img.data));
  });

  it("rotation by 0 is the identity and by 90 degrees is an exact transpose-and-flip", () => {
    expect(Array.from(rotate(img, 0).data)).to.deep.equal(Array.from(img.data));
    const r = rotate(img, 90);
    for (let ch = 0; ch < 3; ch++) for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
      // Inverse map with y down: source (sx, sy) = (cx - (y - cy), cy + (x - cx)) = (5 - y, x).
      expect(px(r, ch, y, x)).to.equal(px(img, ch, x, 5 - y));
    }
    expect(Array.from(rotate(rotate(img, 90), -90).data)).to.deep.equal(Array.from(img.data));
  });

  it("cutout fills exactly size*size pixels per channel when inside, clipped at the border", () => {
    const ones: Image = { ...img, data: new Float64Array(img.data.length).fill(1) };
    const inside = { ...ones, data: ones.data.slice() };
    cutoutAt(inside, 1, 2, 3);
    expect(inside.data.filter((v) => v === 0).length).to.equal(3 * 9);
    const corner = { ...ones, data: ones.data.slice() };
    cutoutAt(corner, -1, -1, 3);
    expect(corner.data.filter((v) => v === 0).length).to.equal(3 * 4);
    const random = cutout(4)(ones, new Rng(3));
    const zeros = random.data.filter((v) => v === 0).length;
    expect(zeros % 3).to.equal(0);
    expect(zeros / 3).to.be.within(4, 16);
  });

  it("random crop with padding 0 is the identity; shifts move pixels and fill the border", () => {
    expect(Array.from(randomCrop(0)(img, new Rng(1)).data)).to.deep.equal(Array.from(img.data));
    const s = shift(img, 1, -2, 0.5);
    expect(px(s, 0, 0, 2)).to.equal(px(img, 0, 1, 0));
    expect(px(s, 0, 5, 3)).to.equal(0.5); // source row 6 is outside
    expect(px(s, 0, 2, 1)).to.equal(0.5); // source column -1 is outside
  });

  it("contrast keeps each channel's mean for any factor, and factor 1 is the identity", () => {
    expect(Array.from(contrast(img, 1).data)).to.deep.equal(Array.from(img.data));
    for (const f of [0, 0.5, 2]) {
      const c = contrast(img, f);
      for (let ch = 0; ch < 3; ch++) {
        const mean = (im: Image): number => im.data.subarray(ch * 36, (ch + 1) * 36).reduce((a, b) => a + b, 0) / 36;
        expect(mean(c)).to.be.closeTo(mean(img), 1e-14);
      }
    }
    expect(new Set(contrast(img, 0).data.subarray(0, 36)).size).to.equal(1);
  });

  it("is reproducible for a seed and differs across seeds", () => {
    const aug = compose([randomRotation(15), randomCrop(2), horizontalFlip(), randomContrast(0.8, 1.2), cutout(2)]);
    expect(Array.from(aug(img, new Rng(5)).data)).to.deep.equal(Array.from(aug(img, new Rng(5)).data));
    expect(Array.from(aug(img, new Rng(5)).data)).to.not.deep.equal(Array.from(aug(img, new Rng(6)).data));
    expect(Array.from(img.data)).to.deep.equal(Array.from(randomImage(3, 6, 6, 1).data)); // input untouched
  });

  it("augments a flattened batch image by image for the trainer", () => {
    const x = Tensor.from(Array.from({ length: 2 * 3 * 6 * 6 }, (_, i) => i % 7), [2, 108]);
    const y = Int32Array.of(1, 2);
    const out = augmentBatch(horizontalFlip(1), [3, 6, 6])({ x, y }, new Rng(0));
    expect(out.y).to.equal(y);
    expect(out.x.get(1, 0)).to.equal(x.get(1, 5));
    expect(() => augmentBatch(horizontalFlip(1), [3, 5, 5])({ x, y }, new Rng(0))).to.throw(/does not hold images of shape \[3, 5, 5\]/);
  });
});

describe("augmentations on real images", function () {
  this.timeout(30000);
  const dir = realDataDir();
  before(function () {
    if (dir === null) this.skip();
  });

  it("each augmentation changes real MNIST and CIFAR-10 images and keeps values in range", () => {
    const mnist = loadMnist("test", { dataDir: dir! });
    const cifar = loadCifar10("test", { dataDir: dir! });
    const images: Image[] = [
      { data: Float64Array.from(mnist.images.subarray(0, 784), (v) => v / 255), channels: 1, height: 28, width: 28 },
      { data: Float64Array.from(cifar.images.subarray(0, 3072), (v) => v / 255), channels: 3, height: 32, width: 32 },
    ];
    const augs = { rotation: randomRotation(30), cutout: cutout(8, 0.5), crop: randomCrop(4), contrast: randomContrast(0.5, 0.7), flip: horizontalFlip(1) };
    for (const img of images) {
      for (const [name, aug] of Object.entries(augs)) {
        const out = aug(img, new Rng(11));
        const changed = out.data.filter((v, i) => Math.abs(v - img.data[i]!) > 1e-9).length;
        expect(changed, `${name} on ${img.channels}-channel image`).to.be.above(20);
        expect(Math.min(...out.data), name).to.be.at.least(0);
        expect(Math.max(...out.data), name).to.be.at.most(1);
      }
    }
    // MNIST digits are dark on the border: a flipped 7 keeps its ink, a rotated one too (mass roughly conserved).
    const ink = images[0]!.data.reduce((a, b) => a + b, 0);
    expect(horizontalFlip(1)(images[0]!, new Rng(0)).data.reduce((a, b) => a + b, 0)).to.be.closeTo(ink, 1e-9);
    expect(rotate(images[0]!, 20).data.reduce((a, b) => a + b, 0)).to.be.closeTo(ink, ink * 0.05);
  });
});
