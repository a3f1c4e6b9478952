import { join } from "node:path";
import { loadCifar10 as loadCifar10Dir } from "./cifar";
import { DATASET_LAYOUT, datasetFile, findDataset, type DataDirOptions, type DatasetName } from "./datadir";
import { readIdxImages, readIdxLabels } from "./idx";
import type { RawImageDataset, Split } from "./types";

export type { RawImageDataset, Split } from "./types";
// Kept here so existing `import { toDataset } from "./data/datasets"` keeps working.
export { toDataset } from "./to-dataset";

export const MNIST_CLASSES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** Reads an IDX image/label pair of 28x28 grey images and checks that they belong together. */
function loadIdxPair(name: DatasetName, dir: string, split: Split, classNames: readonly string[]): RawImageDataset {
  const prefix = split === "train" ? "train" : "t10k";
  const [imagesFile, labelsFile] = DATASET_LAYOUT[name].files.filter((f) => f.startsWith(`${prefix}-`));
  const imagesPath = datasetFile(dir, imagesFile!) ?? join(dir, imagesFile!);
  const labelsPath = datasetFile(dir, labelsFile!) ?? join(dir, labelsFile!);
  const { images, count } = readIdxImages(imagesPath, { rows: 28, cols: 28 });
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== count)
    throw new Error(
      `${labelsPath}: wrong dimensions: expected ${count} labels (one per image in ${imagesPath}), got ${labels.length}`,
    );
  for (let i = 0; i < count; i++) {
    if (labels[i]! >= classNames.length)
      throw new Error(`${labelsPath}: label ${i} is ${labels[i]}, expected 0..${classNames.length - 1}`);
  }
  return { images, labels, count, channels: 1, height: 28, width: 28, classNames: [...classNames] };
}

/** MNIST digits: 60000 train / 10000 test grey 28x28 images, found with findDataset. */
export function loadMnist(split: Split, opts: DataDirOptions = {}): RawImageDataset {
  return loadIdxPair("mnist", findDataset("mnist", opts), split, MNIST_CLASSES);
}

/** Fashion-MNIST: same layout as MNIST, 10 clothing classes (also found in Debian's package folder). */
export function loadFashionMnist(split: Split, opts: DataDirOptions = {}): RawImageDataset {
  return loadIdxPair("fashion-mnist", findDataset("fashion-mnist", opts), split, FASHION_MNIST_CLASSES);
}

/** CIFAR-10: 50000 train / 10000 test colour 32x32 images, CHW bytes. */
export function loadCifar10(split: Split, opts: DataDirOptions = {}): RawImageDataset {
  return loadCifar10Dir(findDataset("cifar-10", opts), split);
}
