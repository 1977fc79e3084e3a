/**
 * fa-webgpu: train neural networks with feedback alignment on the GPU through WebGPU.
 * This module is the library's whole public surface; it holds no DOM code.
 */
export { checkFitOptions, checkNetworkOptions, createNetwork, loadCheckpoint, Network } from './network.js';
export { encodeCheckpoint, decodeCheckpoint, crc32, CHECKPOINT_MAGIC, CHECKPOINT_VERSION, type Checkpoint, type CheckpointTensor } from './model/checkpoint.js';
export type { NetworkConfig, NetworkOptions, TrainOptions, TrainProgress, TrainResult } from './network.js';
export type { Parameters } from './model/init.js';
export { initParameters, initStd, parameterShapes } from './model/init.js';
export { Pcg32 } from './model/rng.js';
export { RULES, ACTIVATIONS, LOSSES, DEFAULTS, LIMITS, RULE_TRAITS, RULE_DESCRIPTIONS, type Rule, type Activation, type Loss, type InitScale, type RuleTraits } from './model/options.js';
export { FaWebGpuError, type FaErrorCode } from './errors.js';
export { VERSION } from './version.js';
export { acquireDevice, describeAdapter, describeLimits, keyLimits } from './gpu/device.js';
export { trackBuffers } from './gpu/track.js';
export { accuracy, argmaxRows, confusionMatrix, softmaxRows, type LayerAlignment } from './train/metrics.js';
export { isCpuAdapter, takesLanes, KERNEL_FAMILIES, KERNEL_FAMILY_DESCRIPTIONS, type KernelFamily, type SgdSettings } from './kernels/kernels.js';
export type { GpuState } from './model/parameters.js';
export { xorDataset } from './data/xor.js';
export { twoSpirals, xorPoints, circles, blobs, type TwoSpiralOptions, type BlobOptions, type SyntheticOptions } from './data/synthetic.js';
export { checkDataset, rowCount, subset, type Dataset, type FloatDataset } from './data/dataset.js';
export { parseIdx, gunzipIfNeeded, loadIdx, loadIdxDataset, readSource, type IdxArray, type DataSource } from './data/idx.js';
export { loadFashionMnist, loadFashionMnistFiles, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, FASHION_MNIST_FEATURES, type FashionMnistFiles } from './data/fashion-mnist.js';
export { loadMnistDigits } from './data/mnist-digits.js';
export { parseCsvDataset, loadCsvDataset, loadCsvSets, csvLabelColumn, CSV_NORMALIZATION, CSV_TEST_FRACTION, MAX_CSV_BYTES, type CsvOptions, type CsvDataset } from './data/csv.js';
export { affineAt, NORMALIZATIONS, normalizer, normalizedRows, shuffledOrder, splitValidation, validationRows, type Normalization, type Affine } from './data/prepare.js';
export { SHADERS, type ShaderName } from './kernels/shaders.js';
export type { Dispatch } from './kernels/dispatch.js';
export { checkExperiment, runExperiment, summarize, meanStd, pairedDifferences, t95, type PairedDifference, type ExperimentConfig, type ExperimentResult, type RunResult, type RuleSummary, type MeanStd, type ExperimentHooks } from './experiment/experiment.js';
export { toJson, toCsv, toSvg, formatSummary } from './experiment/report.js';
export type { FitOptions, FitResult, EpochResult, Evaluation, KernelTime, Schedule, Trainer, TraceEntry } from './network.js';
