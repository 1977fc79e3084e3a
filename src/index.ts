/**
 * fa-webgpu: train neural networks with feedback alignment on the GPU through WebGPU.
 * This module is the library's whole public surface; it holds no DOM code.
 */
export { createNetwork, Network } from './network.js';
export type { NetworkOptions, TrainOptions, TrainProgress, TrainResult } from './network.js';
export type { Parameters } from './model/init.js';
export { initParameters, initStd, parameterShapes } from './model/init.js';
export { Pcg32 } from './model/rng.js';
export { RULES, ACTIVATIONS, LOSSES, DEFAULTS, RULE_TRAITS, type Rule, type Activation, type Loss, type InitScale, type RuleTraits } from './model/options.js';
export { FaWebGpuError, type FaErrorCode } from './errors.js';
export { acquireDevice, describeAdapter } from './gpu/device.js';
export { accuracy, argmaxRows, softmaxRows, type LayerAlignment } from './train/metrics.js';
export type { SgdSettings } from './kernels/kernels.js';
export type { GpuState } from './model/parameters.js';
export { xorDataset } from './data/xor.js';
export { twoSpirals, type Dataset, type TwoSpiralOptions } from './data/synthetic.js';
export { SHADERS, type ShaderName } from './kernels/shaders.js';
export type { Dispatch } from './kernels/dispatch.js';
