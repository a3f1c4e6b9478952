// The library's public surface: `import { Tensor, Linear, train, ... } from "./lib"`.
export { Rng } from "./random";
export { Tensor, tensor, sigmoid, type NestedArray, type Operand } from "./tensor/tensor";
export type { DType, Storage } from "./tensor/dtype";
export { StepArena, withArena, outsideArena } from "./tensor/arena";
export { shapeStr, broadcastShapes, type Shape } from "./tensor/shape";
export { im2col, col2im, convGeometry, type WindowSpec } from "./tensor/im2col";
export { kernels, setKernels, convOutputSize, type Kernels, type GemmArgs, type ConvGeometry } from "./kernels/kernels";
export { referenceKernels } from "./kernels/reference";

export {
  Value,
  assignmentExpression,
  assignmentExpressionNumber,
  assignmentExpressionGradient,
} from "./autodiff/index";

export { Layer, parameter, type Parameter, type StateBuffer } from "./layers/layer";
export { Linear, type LinearOptions } from "./layers/linear";
export { ReLU, LeakyReLU, Sigmoid, Tanh } from "./layers/activations";
export { Softmax, LogSoftmax, softmax, logSoftmax, softmaxAlong, softmaxRows } from "./layers/softmax";
export { Flatten } from "./layers/flatten";
export { Dropout, type DropoutOptions } from "./layers/dropout";
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from "./layers/batchnorm";
export { LayerNorm, type LayerNormOptions } from "./layers/layernorm";
export type { AffineParameter } from "./layers/affine";
export { Conv2d, type Conv2dOptions } from "./layers/conv2d";
export { MaxPool2d, AvgPool2d } from "./layers/pool";
export { Sequential } from "./layers/sequential";
export {
  stateDict,
  loadStateDict,
  saveModel,
  loadModel,
  type StateDict,
  type SavedTensor,
  type SavedValue,
} from "./layers/serialize";
export { gaussianKernel } from "./filters";

export { type Reduction, type ReductionOptions, type LossResult } from "./losses/reduction";
export { softmaxCrossEntropy } from "./losses/softmax-cross-entropy";
export { nllLoss, type NllOptions } from "./losses/nll";
export { bceWithLogitsLoss, type BceOptions } from "./losses/bce";
export { hingeLoss, type HingeOptions } from "./losses/hinge";
export { mseLoss, l2Loss, l2Distance } from "./losses/regression";
export { l1Loss, huberLoss, smoothL1Loss, type HuberOptions, type SmoothL1Options } from "./losses/robust";
export { l2Regularization } from "./losses/regularization";

export { Optimizer, type OptimizerState } from "./optim/optimizer";
export { SGD, type SGDOptions } from "./optim/sgd";
export { RMSProp, type RMSPropOptions } from "./optim/rmsprop";
export { Adam, type AdamOptions } from "./optim/adam";
export { clipGradValue, clipGradNorm } from "./optim/clip";
export {
  stepDecay,
  exponentialDecay,
  cosineAnnealing,
  constantLr,
  schedule,
  applySchedule,
  type Schedule,
} from "./optim/schedules";

export {
  relError,
  maxAbsError,
  allclose,
  numericalGradient,
  numericalGradientArray,
  gradCheckSparse,
  checkLayer,
  type LayerCheckReport,
  type CheckLayerOptions,
  type GradCheckRow,
  type DifferenceOrder,
} from "./gradcheck";

export {
  type Dataset,
  subset,
  trainValSplit,
  randomFraction,
  batches,
  oneHot,
  fitStandardizer,
  bytesToTensor,
  type Standardizer,
} from "./training/dataset";
export { accuracy, confusionMatrix, perClassAccuracy, type PerClassAccuracy } from "./training/metrics";
export {
  train,
  evaluate,
  predict,
  formatEpoch,
  type TrainOptions,
  type TrainResult,
  type EpochRecord,
  type LossFn,
  type EarlyStopping,
} from "./training/trainer";
export { gridSearch, combinations, formatGridTable, type Grid, type GridRow } from "./training/grid";
export {
  autoProgress,
  lineProgress,
  terminalProgress,
  notebookProgress,
  silentProgress,
  progressBar,
  type Progress,
} from "./training/progress";
export { inNotebook, displayBundle } from "./notebook/tslab";
export { spirals, blobs, xor, type SyntheticSet } from "./data/synthetic";
export * from "./plot/index";
export { loadMnist, loadFashionMnist, loadCifar10, toDataset, type RawImageDataset, type Split } from "./data/datasets";
export { findDataset, dataDirCandidates, type DatasetName, type DataDirOptions } from "./data/datadir";
export { readIdxImages, readIdxLabels } from "./data/idx";
export { readCifarBatch } from "./data/cifar";
export { readCsvDataset, parseCsvDataset, type CsvDataset, type CsvOptions } from "./data/csv";
export {
  horizontalFlip,
  randomRotation,
  rotate,
  cutout,
  randomCrop,
  randomContrast,
  contrast,
  compose,
  augmentBatch,
  type Augmentation,
  type Image,
} from "./data/augment";
export { isQuick, pick, QUICK_ENV } from "./notebook/mode";
export { formatTable, markdownTable, showTable, type Cell } from "./notebook/table";
export { wasmKernels, useWasmKernels } from "./kernels/wasm/index";
