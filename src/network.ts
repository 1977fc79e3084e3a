/**
 * The public Network: owns the GPU parameters, a step graph per batch size, and the update
 * dispatches. Every method validates its arguments before touching the GPU, so a rejected
 * call changes nothing.
 */
import { FaWebGpuError, invalid } from './errors.js';
import { F32_BYTES, mapForRead, storageBuffer } from './gpu/buffers.js';
import { acquireDevice, describeAdapter } from './gpu/device.js';
import { collectDispatches, destroyDispatches, encodeDispatches, type Dispatch } from './kernels/dispatch.js';
import type { ShaderName } from './kernels/shaders.js';
import { initParameters, type Parameters } from './model/init.js';
import { ACTIVATIONS, DEFAULTS, LIMITS, LOSSES, RULES, type Activation, type InitScale, type Loss, type Rule } from './model/options.js';
import { checkParametersFit, GpuParameters, type GpuState } from './model/parameters.js';
import { StepGraph } from './train/graph.js';
import { GpuDataset } from './train/gpu-dataset.js';
import { checkDataset, type Dataset } from './data/dataset.js';
import { affineFault, copyAffine, identityOrder, normalizer, normalizedRows, NORMALIZATIONS, perFeature, shuffledOrder, splitValidation, type Affine, type Normalization } from './data/prepare.js';
import { correctRows, columnSum, gather, lanesRefusal, writeOptimizerSettings, KERNEL_FAMILIES, type KernelFamily, type SgdSettings } from './kernels/kernels.js';
import { decodeCheckpoint, encodeCheckpoint, nonFiniteValue, type Checkpoint } from './model/checkpoint.js';
import { StateSnapshots } from './train/snapshot.js';
import { FiniteCheck, FINITE_WORDS, type FiniteFlags } from './train/finite.js';
import { hasTimestamps, maxRounds, spanTimer, SPAN_BYTES, timedPasses } from './train/profile.js';
import { angleFromSums, type LayerAlignment } from './train/metrics.js';
import { feedbackUpdates, preStepDispatches } from './train/optimizer.js';
import { checkBoolean, checkFloat32, checkKeys, checkLabels, checkNumber, checkOneOf, describe, rowsOf } from './validate.js';

export interface NetworkOptions {
  /** [input, hidden…, output]; at least two entries. */
  sizes: readonly number[];
  /** How hidden layers get their error (see RULES): default 'fa', fixed random B. */
  rule?: Rule;
  /** Hidden-layer nonlinearity, default 'relu'. */
  activation?: Activation;
  /** 'softmax-cross-entropy' (default) or 'mse' (identity output). */
  loss?: Loss;
  /** SGD step size η, default 0.05. */
  learningRate?: number;
  /** Momentum μ in [0, 1], default 0 (torch.optim.SGD semantics). */
  momentum?: number;
  /** Weight decay λ ≥ 0 added to every trained tensor's gradient, default 0. */
  weightDecay?: number;
  /** Standard deviation of the initial weights and feedback (default 0.2), or 'xavier' / 'he'. */
  init?: InitScale;
  /** Seed of the initialisation (PCG32) and of brsf's draws, default 1. */
  seed?: number;
  /** A device to use; otherwise one is acquired (and destroyed with the network). */
  device?: GPUDevice;
  /**
   * Which kernels run the step (KERNEL_FAMILIES): 'auto' (default) picks by adapter and shape:
   * on CPU adapters 'lanes' where the device's subgroups are 4 lanes wide (SwiftShader), else
   * the barrier-free 'direct' ones; on GPUs each product's kernel by shape, split-K and the
   * fused launches (README, "The library"). 'tiled', 'direct', 'lanes', 'split-k' and
   * 'pipelined' force a family, for benchmarks, tests and the page's trace ('lanes' only where
   * the device takes it: device-limit otherwise); all give the same results to f32 rounding.
   */
  kernels?: KernelFamily;
}

export interface TrainProgress {
  /** Steps done so far. */
  step: number;
  steps: number;
  /** Loss of the last step done (its forward pass, before its update). */
  loss: number;
}

export interface TrainOptions {
  steps: number;
  /** Rows per step, taken in order from x and wrapping around; default all rows. */
  batchSize?: number;
  /** Steps between loss readbacks (and onProgress calls); default 100. Each readback overlaps the next window's steps. */
  lossEvery?: number;
  /** After each window's losses are read; an error it throws stops the run with the network as it was after that window (the window running behind it is undone). */
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainResult {
  /** The loss of every step, in order. */
  losses: Float32Array;
}

/** Learning rate per epoch: constant, or multiplied by `gamma` every `every` epochs. */
export type Schedule = { type: 'constant' } | { type: 'step'; every: number; gamma: number };

export interface FitOptions {
  epochs: number;
  /** Rows per step. Each epoch takes floor(n / batchSize) batches of a fresh shuffle. */
  batchSize: number;
  /** Evaluated after every epoch. */
  test?: Dataset;
  /** Fraction of the training rows held out (seeded) and evaluated after every epoch. */
  validationSplit?: number;
  /** Default 'unit' (bytes ÷ 255; floats min-max to [0, 1]), from the training rows. */
  normalization?: Normalization;
  /** Default constant. */
  schedule?: Schedule;
  /** Shuffle every epoch, from the network's seed (default true). */
  shuffle?: boolean;
  /** Rows per evaluation batch (default 1000). */
  evalBatchSize?: number;
  /** Rows of the training set whose alignment metrics are measured after every epoch (default 0: none). */
  alignmentRows?: number;
  onEpoch?: (r: EpochResult) => void | Promise<void>;
}

export interface Evaluation {
  /** Mean loss over the rows. */
  loss: number;
  /** Fraction of rows whose largest output is the label. */
  accuracy: number;
}

export interface EpochResult {
  /** 1-based. */
  epoch: number;
  learningRate: number;
  /** Mean of the epoch's step losses. */
  trainLoss: number;
  validation?: Evaluation;
  test?: Evaluation;
  alignment?: LayerAlignment[];
  /**
   * Wall-clock seconds from the previous epoch's results (for the first: from when the run's
   * datasets are on the GPU) to this one's: the run's pace. fit submits the next epoch before
   * it reads this one's results, so the GPU runs it meanwhile and epochs overlap; the seconds
   * add up to the run's time after the upload.
   */
  seconds: number;
  /**
   * GPU seconds from the start of the epoch's first step to the end of its last (timestamp
   * queries; only where the device has 'timestamp-query'). What `seconds` holds beyond it: the
   * evaluations on the GPU, and the host's share (recording and submitting, waits, readbacks).
   */
  gpuSeconds?: number;
}

export interface FitResult {
  epochs: EpochResult[];
  /** The map x·scale + offset applied to every set (from the training rows). */
  normalization: Affine;
}

/** A training session over a GPU-resident dataset (Network.trainer). */
export interface Trainer {
  /** Steps `steps` batches on, through epoch boundaries; resolves to every step's loss. */
  run(steps: number): Promise<Float32Array>;
  /** Loss and accuracy on the test set, on the GPU. */
  evaluate(): Promise<Evaluation>;
  /** Whole epochs this trainer has run: its own steps / stepsPerEpoch (the network's other steps do not count). */
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  readonly normalization: Affine;
  /**
   * Releases its GPU data (the network's destroy() does too). During a run, the run stops at
   * its next chunk with 'destroyed' and the data goes then.
   */
  destroy(): void;
}

/** One dispatch of a traced step (Network.traceStep). */
export interface TraceEntry {
  label: string;
  shader: ShaderName;
  entryPoint: string;
  constants: Readonly<Record<string, number>>;
  /** What each storage binding holds: "binding 1: name [rows×cols]", the update's as "group 1, binding 1: W1 [rows×cols] (stepped)". */
  bindings: readonly string[];
  workgroups: readonly [number, number, number];
  /** Every buffer the dispatch writes, before and after it ran (null when too large to show). */
  outputs: { binding: string; before: Float32Array | Int32Array | Uint32Array | null; after: Float32Array | Int32Array | Uint32Array | null }[];
  /** GPU time of this dispatch in ms, where the device has 'timestamp-query'; else null. */
  ms: number | null;
}

/** One kernel of a profiled step (Network.profileStep). */
export interface KernelTime {
  label: string;
  shader: ShaderName;
  entryPoint: string;
  workgroups: readonly [number, number, number];
  /** Mean GPU time in ms over the profiled steps (those whose timestamps are in order; NaN if none were). */
  ms: number;
  /** Floating-point operations per second of its products, in GFLOP/s; null for kernels without any. */
  gflops: number | null;
}

/** Steps recorded into one command buffer before it is submitted (after the first few, below). */
const STEPS_PER_SUBMIT = 128;
/** Steps in a run's first command buffer; each next one doubles, up to STEPS_PER_SUBMIT. */
const FIRST_SUBMIT = 8;

/**
 * [first step, count] of each command buffer of a run of `steps` steps: 8, 16, 32, 64, then 128
 * at a time, so that the GPU starts on the first steps while the host records the rest (recording
 * 128 steps took ~3.7 ms under dawn.node, an idle GPU at the start of every epoch).
 */
function* submitChunks(steps: number): Generator<[number, number]> {
  for (let s0 = 0, size = FIRST_SUBMIT; s0 < steps; s0 += size, size = Math.min(2 * size, STEPS_PER_SUBMIT)) yield [s0, Math.min(size, steps - s0)];
}

interface StepsOptions {
  epochs?: { perEpoch: number; skip: number; start: number };
  timed?: boolean;
  /** Check the state before the steps too (default true): false for a run's later windows, whose state the window before them was checked to leave. */
  checkBefore?: boolean;
}

interface StepsRead {
  losses: Float32Array;
  gpuSeconds: number | null;
  /** The state's finiteness before the steps and after them. */
  finite: FiniteFlags;
}

/** Where a window of steps lies in its run, for the 'diverged' error's message. */
interface WindowPlace {
  /** The run's error at the window's `bad`-th loss, e.g. "train: the loss became NaN at step 7 of 100". */
  loss(bad: number): string;
  /** The run, e.g. 'train' */
  label: string;
  /** The window, e.g. "steps 101–200 of 1000", "epoch 3" */
  span: string;
}

/** The readbacks of an epoch of fit, on their way. */
interface EpochReads {
  steps: Promise<StepsRead>;
  validation: Promise<Evaluation> | null;
  test: Promise<Evaluation> | null;
  alignment: Promise<LayerAlignment[]> | null;
}

/** An epoch of fit whose work is submitted. */
interface SubmittedEpoch {
  rate: number;
  /** Its steps. */
  count: number;
  /** Starts its readbacks (the first call; later calls return the same). */
  read: () => EpochReads;
}

/** "steps 101–200" for `count` steps after `done` (counted from 1); "step 7" for one. */
function stepRange(done: number, count: number): string {
  return count === 1 ? `step ${done + 1}` : `steps ${done + 1}–${done + count}`;
}

/** The rows of each evaluation batch over `rows` rows in order, at most `batch` each. */
function evaluationBatches(rows: number, batch: number): number[] {
  return Array.from({ length: Math.ceil(rows / batch) }, (_, b) => Math.min(batch, rows - b * batch));
}

/** Waits until every readback of a submitted epoch has ended, whether it succeeded or not. */
async function drainEpoch(e: SubmittedEpoch): Promise<void> {
  const r = e.read();
  await Promise.allSettled([r.steps, r.validation, r.test, r.alignment]);
}

/** Step graphs kept for recently used batch sizes. */
const GRAPH_CACHE = 6;

const NETWORK_OPTIONS = ['sizes', 'rule', 'activation', 'loss', 'learningRate', 'momentum', 'weightDecay', 'init', 'seed', 'device', 'kernels'] as const satisfies readonly (keyof NetworkOptions)[];

/** An optional `device` option: undefined, or a GPUDevice as far as can be told without using it. */
function checkDevice(d: unknown): void {
  const ok = d === undefined || (typeof d === 'object' && d !== null && typeof (d as GPUDevice).createBuffer === 'function' && typeof (d as GPUDevice).queue?.submit === 'function' && typeof (d as GPUDevice).lost?.then === 'function');
  if (!ok) throw invalid(`device: expected a GPUDevice, got ${describe(d)}`);
}

/**
 * createNetwork's options checked and with their defaults, without a device: what a caller
 * (an experiment, the command line) checks before it starts any work.
 */
export function checkNetworkOptions(options: NetworkOptions): NetworkConfig {
  if (typeof options !== 'object' || options === null) throw invalid(`options: expected an object, got ${describe(options)}`);
  checkKeys('options', options, NETWORK_OPTIONS);
  const { sizes } = options;
  if (!Array.isArray(sizes) || sizes.length < 2) throw invalid(`sizes: expected an array [input, hidden…, output] of at least 2 layer sizes, got ${describe(sizes)}`);
  sizes.forEach((s, i) => checkNumber(`sizes[${i}]`, s, 1, LIMITS.layer, { integer: true }));
  const rule = checkOneOf('rule', options.rule ?? DEFAULTS.rule, RULES);
  const activation = checkOneOf('activation', options.activation ?? DEFAULTS.activation, ACTIVATIONS);
  const loss = checkOneOf('loss', options.loss ?? DEFAULTS.loss, LOSSES);
  // Labels index the outputs: one output would leave one class.
  if (sizes[sizes.length - 1] < 2) throw invalid(`sizes[${sizes.length - 1}]: the output layer needs at least 2 units (one per class), got ${sizes[sizes.length - 1]}`);
  const optimizer = checkOptimizer({
    learningRate: options.learningRate ?? DEFAULTS.learningRate,
    momentum: options.momentum ?? DEFAULTS.momentum,
    weightDecay: options.weightDecay ?? DEFAULTS.weightDecay,
  });
  const seed = checkNumber('seed', options.seed ?? DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER, { integer: true });
  const init = options.init ?? DEFAULTS.init;
  if (!(init === 'xavier' || init === 'he' || (typeof init === 'number' && Number.isFinite(init) && init >= 0 && init <= LIMITS.init))) {
    throw invalid(`init: expected a standard deviation in [0, ${LIMITS.init}], 'xavier' or 'he', got ${describe(init)}`);
  }
  checkDevice(options.device);
  const kernels = checkOneOf('kernels', options.kernels ?? 'auto', KERNEL_FAMILIES);
  return { sizes: [...sizes], rule, activation, loss, optimizer, seed, init, kernels };
}

/** Creates a network on the GPU with seeded parameters (see NetworkOptions for defaults). */
export async function createNetwork(options: NetworkOptions): Promise<Network> {
  const config = checkNetworkOptions(options);
  const device = options.device ?? (await acquireDevice());
  try {
    return new Network(device, options.device === undefined, config);
  } catch (e) {
    // Sizes past the device's limits: a device acquired for this network goes with it.
    if (options.device === undefined) device.destroy();
    throw e;
  }
}

/**
 * A network rebuilt from a checkpoint, on `device` (a new one after a device loss) or on one
 * the library acquires: the checkpoint's options, then its state.
 */
export async function loadCheckpoint(bytes: Uint8Array, options: { device?: GPUDevice } = {}): Promise<Network> {
  if (typeof options !== 'object' || options === null) throw invalid(`options: expected { device? }, got ${describe(options)}`);
  checkKeys('options', options, ['device']);
  checkDevice(options.device);
  const c = decodeCheckpoint(bytes);
  // The options this version knows (restoreCheckpoint reads the same ones and no others).
  const known = Object.fromEntries(Object.entries(c.options).filter(([k]) => (NETWORK_OPTIONS as readonly string[]).includes(k) && k !== 'device'));
  let net: Network;
  try {
    net = await createNetwork({ ...(known as unknown as NetworkOptions), device: options.device });
  } catch (e) {
    if (e instanceof FaWebGpuError && e.code === 'invalid-argument') throw new FaWebGpuError('invalid-data', `checkpoint options: ${e.message}`);
    throw e;
  }
  try {
    await net.restoreCheckpoint(bytes);
  } catch (e) {
    net.destroy();
    throw e;
  }
  return net;
}

const FIT_OPTIONS = ['epochs', 'batchSize', 'test', 'validationSplit', 'normalization', 'schedule', 'shuffle', 'evalBatchSize', 'alignmentRows', 'onEpoch'] as const satisfies readonly (keyof FitOptions)[];

/** A dataset's features and classes against a network's input and output sizes. */
function checkShapeFits(sizes: readonly number[], name: string, d: Dataset): void {
  const out = sizes[sizes.length - 1];
  if (d.features !== sizes[0]) throw invalid(`${name}: has ${d.features} features, the network takes ${sizes[0]}`);
  if (d.classes > out) throw invalid(`${name}: has ${d.classes} classes, the network has ${out} outputs`);
}

/** The learning rate of epoch e (from 0) under a schedule. */
function scheduledRate(base: number, schedule: Schedule, e: number): number {
  return schedule.type === 'step' ? base * schedule.gamma ** Math.floor(e / schedule.every) : base;
}

/**
 * fit's options checked against a network of these sizes, seed and learning rate (every rate a
 * schedule makes included), with their defaults and the validation split they imply; nothing
 * is trained. An experiment checks its runs with it before the first one starts.
 */
export function checkFitOptions(net: { sizes: readonly number[]; seed: number; learningRate: number }, train: Dataset, options: FitOptions) {
  checkDataset('train', train);
  checkShapeFits(net.sizes, 'train', train);
  if (typeof options !== 'object' || options === null) throw invalid(`options: expected { epochs, batchSize, … }, got ${describe(options)}`);
  checkKeys('options', options, FIT_OPTIONS);
  if (options.test !== undefined) {
    checkDataset('test', options.test);
    checkShapeFits(net.sizes, 'test', options.test);
  }
  const epochs = checkNumber('epochs', options.epochs, 1, LIMITS.epochs, { integer: true });
  // (a number: "0.3" or [0.3] would pass the range test by coercion)
  if (options.validationSplit !== undefined && typeof options.validationSplit !== 'number') throw invalid(`validationSplit: expected a number in [0, 1), got ${describe(options.validationSplit)}`);
  const split = options.validationSplit === undefined || options.validationSplit === 0 ? null : splitValidation(train, options.validationSplit, net.seed);
  const trainPart = split?.train ?? train;
  if (split && typeof options.batchSize === 'number' && options.batchSize > trainPart.labels.length) {
    throw invalid(`batchSize: ${options.batchSize} is more than the ${trainPart.labels.length} training rows left after validationSplit ${options.validationSplit} holds out ${split.validation.labels.length}`);
  }
  const batchSize = checkNumber('batchSize', options.batchSize, 1, trainPart.labels.length, { integer: true });
  const normalization = checkOneOf('normalization', options.normalization ?? 'unit', NORMALIZATIONS);
  const schedule: Schedule = options.schedule ?? { type: 'constant' };
  if (typeof schedule !== 'object' || schedule === null) throw invalid(`schedule: expected { type: 'constant' } or { type: 'step', every, gamma }, got ${describe(schedule)}`);
  checkKeys('schedule', schedule, schedule.type === 'step' ? ['type', 'every', 'gamma'] : ['type']);
  if (schedule.type === 'step') {
    checkNumber('schedule.every', schedule.every, 1, LIMITS.scheduleEvery, { integer: true });
    checkNumber('schedule.gamma', schedule.gamma, 0, LIMITS.scheduleGamma, { minExclusive: true });
    // The rate moves one way: its last value is its extreme.
    const last = scheduledRate(net.learningRate, schedule, epochs - 1);
    if (!(last >= LIMITS.minLearningRate && last <= LIMITS.learningRate)) {
      throw invalid(`schedule: × ${schedule.gamma} every ${schedule.every} epochs from ${net.learningRate} makes epoch ${epochs}'s learning rate ${last}, outside [${LIMITS.minLearningRate}, ${LIMITS.learningRate}] (a GPU may flush a smaller one to 0)`);
    }
  } else if (schedule.type !== 'constant') {
    throw invalid(`schedule.type: expected 'constant' or 'step', got ${describe((schedule as { type: unknown }).type)}`);
  }
  const evalBatchSize = checkNumber('evalBatchSize', options.evalBatchSize ?? 1000, 1, LIMITS.layer, { integer: true });
  const alignmentRows = checkNumber('alignmentRows', options.alignmentRows ?? 0, 0, trainPart.labels.length, { integer: true });
  if (options.onEpoch !== undefined && typeof options.onEpoch !== 'function') throw invalid(`onEpoch: expected a function, got ${describe(options.onEpoch)}`);
  return { epochs, batchSize, normalization, schedule, evalBatchSize, alignmentRows, shuffle: checkBoolean('shuffle', options.shuffle ?? true), train: trainPart, validation: split?.validation };
}

function checkOptimizer(o: SgdSettings): SgdSettings {
  return {
    learningRate: checkNumber('learningRate', o.learningRate, LIMITS.minLearningRate, LIMITS.learningRate),
    momentum: checkNumber('momentum', o.momentum, 0, 1),
    weightDecay: checkNumber('weightDecay', o.weightDecay, 0, LIMITS.weightDecay),
  };
}

export interface NetworkConfig {
  kernels: KernelFamily;
  sizes: number[];
  rule: Rule;
  activation: Activation;
  loss: Loss;
  optimizer: SgdSettings;
  seed: number;
  init: InitScale;
}

export class Network {
  readonly sizes: readonly number[];
  readonly rule: Rule;
  readonly activation: Activation;
  readonly loss: Loss;
  readonly seed: number;
  readonly init: InitScale;
  /** The kernels asked for (NetworkOptions.kernels). */
  readonly kernels: KernelFamily;
  /** The adapter's name, for logs and benchmark tables. */
  readonly adapter: string;
  private settings: SgdSettings;
  private readonly params: GpuParameters;
  /** The last training call stopped with 'diverged' (what restoreLastFinite undoes). */
  private divergedLast = false;
  /** The map the inputs went through in the last fit or trainer (null: none since creation or setParameters). */
  private trainedWith: Affine | null = null;
  /** kp's feedback updates after the step (W and b take theirs in the graph's backward); usually empty. */
  private readonly postStep: Dispatch[];
  /** Work at the start of every step (brsf's redraws); usually empty. */
  private readonly preStep: Dispatch[];
  private readonly graphs = new Map<number, StepGraph>();
  private state: 'ready' | 'busy' | 'destroyed' | 'lost' = 'ready';
  /** destroy() was called while a call ran: it stops at its next boundary, then the network goes. */
  private destroyRequested = false;
  /** Trainers not yet destroyed: destroy() takes them along. */
  private readonly trainers = new Set<Trainer>();
  /** Training steps done (trainStep, train, fit), restored with a checkpoint. */
  private stepsDone = 0;
  /** The last states known to have a finite loss, recorded by train and fit. */
  private snapshots?: StateSnapshots;
  /** The NaN/infinity check of the same state the snapshots copy. */
  private finite?: FiniteCheck;
  private lostReason = '';

  /** Use createNetwork(); the constructor expects validated options. */
  constructor(readonly device: GPUDevice, private readonly ownsDevice: boolean, cfg: NetworkConfig) {
    this.sizes = Object.freeze([...cfg.sizes]);
    this.rule = cfg.rule;
    this.activation = cfg.activation;
    this.loss = cfg.loss;
    this.seed = cfg.seed;
    this.init = cfg.init;
    this.kernels = cfg.kernels;
    this.settings = cfg.optimizer;
    this.adapter = describeAdapter(device);
    device.lost.then((info) => {
      if (this.state !== 'destroyed') {
        this.state = 'lost';
        this.lostReason = info.message || info.reason || 'unknown reason';
      }
    });
    checkParametersFit(device, this.sizes, this.rule);
    const noLanes = cfg.kernels === 'lanes' ? lanesRefusal(device) : undefined;
    if (noLanes) throw new FaWebGpuError('device-limit', `kernels: 'lanes' (matmul_lanes.wgsl) needs a device whose subgroups are 4 lanes wide, with the 'subgroups' feature (SwiftShader's, through acquireDevice); this one (${this.adapter}) ${noLanes}: use 'auto'`);
    this.params = new GpuParameters(device, this.sizes, this.rule, initParameters(this.sizes, this.rule, cfg.seed, cfg.init), cfg.optimizer);
    const made = collectDispatches();
    try {
      this.postStep = feedbackUpdates(device, this.params, this.rule);
      this.preStep = preStepDispatches(device, this.params, this.rule, this.seed, this.init);
      made.end(false);
    } catch (e) {
      // A grid past the device's limits: free what was made, the dispatches made before it included.
      made.end(true);
      this.params.destroy();
      throw e;
    }
  }

  /**
   * The map x·scale + offset the network was last trained with, by fit or a trainer's run (from
   * their training rows), kept in checkpoints; null before either, and after setParameters. `evaluate` applies
   * it unless told otherwise; `predict`, `activations` and `alignment` take x as the network
   * sees it, so apply it first (`normalizedRows(data, rows, net.normalization)`).
   */
  get normalization(): Affine | null {
    return this.trainedWith && copyAffine(this.trainedWith);
  }

  get learningRate(): number {
    return this.settings.learningRate;
  }

  get momentum(): number {
    return this.settings.momentum;
  }

  get weightDecay(): number {
    return this.settings.weightDecay;
  }

  /**
   * Changes the optimizer for the following steps (a learning-rate schedule calls this).
   * Momentum can change only between non-zero values, or stay 0: velocity buffers exist only
   * for a network created with momentum.
   */
  setOptimizer(o: Partial<SgdSettings>): void {
    this.assertUsable();
    if (typeof o !== 'object' || o === null) throw invalid(`setOptimizer: expected { learningRate?, momentum?, weightDecay? }, got ${describe(o)}`);
    checkKeys('setOptimizer', o, ['learningRate', 'momentum', 'weightDecay']);
    const next = checkOptimizer({ ...this.settings, ...o });
    if ((next.momentum > 0) !== (this.settings.momentum > 0)) {
      throw invalid(`momentum: this network was created with momentum ${this.settings.momentum}; it can change to another ${this.settings.momentum > 0 ? 'non-zero value' : 'value only if created with momentum'}, got ${next.momentum}`);
    }
    this.setOptimizerSettings(next);
  }

  private setOptimizerSettings(next: SgdSettings): void {
    this.settings = next;
    writeOptimizerSettings(this.device, this.params.settings, this.settings);
  }

  /** Changes the SGD step size for the following steps. */
  setLearningRate(lr: number): void {
    this.setOptimizer({ learningRate: lr });
  }

  /** Momentum velocities of every trained tensor ({ weights, biases, feedback }; feedback only for kp). */
  async getOptimizerState(): Promise<GpuState> {
    return this.exclusive(() => this.params.readVelocities(this.settings.momentum > 0));
  }

  /**
   * Alignment metrics of the current state on a batch, computed on the GPU (nothing is
   * updated): per hidden layer, the angle between the rule's signal and backprop's, and the
   * angle and norm ratio between the feedback as used and W_{h+1}ᵀ.
   */
  async alignment(x: Float32Array, labels: Int32Array): Promise<LayerAlignment[]> {
    this.assertUsable();
    this.checkBatch(x, labels);
    return this.exclusive(() => this.submitAlignment(x, labels)());
  }

  /** Submits the alignment sums for these rows; the returned function reads them back (once). */
  private submitAlignment(x: Float32Array, labels: Int32Array): () => Promise<LayerAlignment[]> {
    const n = labels.length;
    const L = this.sizes.length - 1;
    if (L < 2) return async () => [];
    const graph = this.graphFor(n);
    this.upload(graph, x, labels);
    const { dispatches, sums } = graph.alignment();
    const read = this.submitRead('alignment', sums, 6 * (L - 1), (encoder) => {
      const pass = encoder.beginComputePass({ label: 'alignment' });
      encodeDispatches(pass, dispatches);
      pass.end();
    });
    return async () => {
      const s = await read();
      return Array.from({ length: L - 1 }, (_, i) => {
        const h = i + 1;
        const [sd, sa, sb, fd, fa, fb] = s.subarray(6 * i, 6 * i + 6);
        const direct = this.rule === 'dfa' && h < L - 1;
        const bp = this.rule === 'bp';
        return {
          layer: h,
          signalAngle: angleFromSums(sd, sa, sb),
          feedbackAngle: direct ? null : bp ? 0 : angleFromSums(fd, fa, fb),
          normRatio: direct ? null : bp ? 1 : Math.sqrt(fa / fb),
        };
      });
    };
  }

  /**
   * Replaces parameters. Each list given must be complete and each tensor the right shape
   * (see Parameters: weights[k] [sizes[k]×sizes[k+1]], biases[k] [sizes[k+1]], one feedback
   * matrix per hidden layer, [] for 'bp'); omitted lists are kept. brsf redraws its
   * magnitudes at the start of every step, so feedback set for brsf lasts until the next step.
   */
  setParameters(p: Partial<Parameters>): void {
    this.assertUsable();
    if (typeof p !== 'object' || p === null) throw invalid(`parameters: expected { weights?, biases?, feedback? }, got ${describe(p)}`);
    checkKeys('parameters', p, ['weights', 'biases', 'feedback']);
    if (p.weights === undefined && p.biases === undefined && p.feedback === undefined) throw invalid('parameters: expected at least one of weights, biases, feedback');
    const shapes = this.params.shapes;
    for (const key of ['weights', 'biases', 'feedback'] as const) {
      const list = p[key];
      if (list === undefined) continue;
      const want = shapes[key];
      if (!Array.isArray(list) || list.length !== want.length) {
        throw invalid(`${key}: expected ${want.length} arrays for sizes [${this.sizes}] and rule '${this.rule}', got ${describe(list)}`);
      }
      list.forEach((t, k) => checkFloat32(`${key}[${k}]`, t, want[k][0] * want[k][1], key === 'biases' ? `[${want[k][1]}]` : `[${want[k][0]}×${want[k][1]}]`));
    }
    this.params.write(p);
    // The states copied before are of parameters that are gone: restoreLastFinite has none to go back to.
    this.snapshots?.forget();
    this.divergedLast = false;
    // Parameters from elsewhere: what their inputs went through is not known here.
    this.trainedWith = null;
  }

  /** Reads every parameter back from the GPU (one round trip). */
  async getParameters(): Promise<Parameters> {
    return this.exclusive(() => this.params.read());
  }

  /**
   * The gradients the last step computed ({ weights, biases } in the parameters' shapes),
   * for inspecting a step; they are what that step's update subtracted, times lr.
   */
  async getGradients(): Promise<{ weights: Float32Array[]; biases: Float32Array[] }> {
    return this.exclusive(() => this.params.readGradients());
  }

  /**
   * One step of the rule on this batch: forward, loss, backward, update, in one command
   * buffer. Resolves to the batch's mean loss (cross-entropy or mse) before the update.
   */
  async trainStep(x: Float32Array, labels: Int32Array): Promise<number> {
    this.assertUsable();
    const n = this.checkBatch(x, labels);
    return this.exclusive(async () => {
      const graph = this.graphFor(n);
      this.upload(graph, x, labels);
      // (Cleared once the step's graph is made: a refused call changes nothing.)
      this.divergedLast = false;
      const read = this.submitRead('trainStep', graph.loss, 1, (encoder) => this.encodeStep(encoder, graph));
      const [loss] = await this.readRan(read(), 1);
      this.stepsDone++;
      return loss;
    });
  }

  /**
   * Many steps without a readback per step: batches of `batchSize` rows are taken from x in
   * order (wrapping), and the loss is read back every `lossEvery` steps, each window's losses
   * while the next window runs. A divergence is reported once that next window has ended.
   */
  async train(x: Float32Array, labels: Int32Array, options: TrainOptions): Promise<TrainResult> {
    this.assertUsable();
    const rows = this.checkBatch(x, labels);
    if (typeof options !== 'object' || options === null) throw invalid(`options: expected { steps, batchSize?, lossEvery?, onProgress? }, got ${describe(options)}`);
    checkKeys('options', options, ['steps', 'batchSize', 'lossEvery', 'onProgress']);
    const steps = checkNumber('steps', options.steps, 1, LIMITS.steps, { integer: true });
    const batch = checkNumber('batchSize', options.batchSize ?? rows, 1, rows, { integer: true });
    const every = checkNumber('lossEvery', options.lossEvery ?? Math.min(100, steps), 1, LIMITS.lossEvery, { integer: true });
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw invalid(`onProgress: expected a function, got ${describe(options.onProgress)}`);

    return this.exclusive(async () => {
      const graph = this.graphFor(batch);
      const inputs = this.sizes[0];
      // Full batch: upload once. Mini-batches: keep the whole set on the GPU and copy each
      // step's rows into the batch buffers inside the command buffer.
      const dataset = batch === rows ? null : {
        x: storageBuffer(this.device, 'dataset.x', x.length, x),
        labels: storageBuffer(this.device, 'dataset.labels', rows, labels),
      };
      if (!dataset) this.upload(graph, x, labels);
      // A ring of two windows: each window's losses go to its history buffer, then to its
      // staging buffer, which is read while the next window runs (the GPU never waits for the
      // readback; at most one window runs past a divergence).
      const longest = Math.min(every, steps);
      // Each window's words: its losses, then the state's finiteness before and after it.
      const ring = [0, 1].map((i) => ({
        history: storageBuffer(this.device, `train.losses${i}`, longest + FINITE_WORDS),
        staging: this.device.createBuffer({ label: `train.losses${i}.readback`, size: (longest + FINITE_WORDS) * F32_BYTES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
      }));
      const losses = new Float32Array(steps);
      const snapshots = this.snapshotsFor();
      const finite = this.finiteCheck();
      // The known-good state, the window being read, the window running.
      snapshots.reserve(3);
      // Everything made: from here the run trains.
      this.divergedLast = false;
      const before = this.stepsDone;
      type Window = { done: number; window: number; losses: Promise<Float32Array> };
      // The window whose losses are on their way back while the next one runs.
      let inFlight: Window | null = null;
      const settle = async (w: Window) => {
        const words = await this.readRan(w.losses, w.window);
        const part = words.subarray(0, w.window);
        losses.set(part, w.done);
        this.settleWindow(part, finite.read(words, w.window, w.done === 0), {
          loss: (bad) => `train: the loss became ${part[bad]} at step ${w.done + bad + 1} of ${steps}`,
          label: 'train', span: `${stepRange(w.done, w.window)} of ${steps}`,
        });
        try {
          options.onProgress?.({ step: w.done + w.window, steps, loss: part[w.window - 1] });
        } catch (e) {
          stoppedByCaller = true;
          throw e;
        }
      };
      // onProgress threw: the run stops with the network as it was after that window.
      let stoppedByCaller = false;
      try {
        for (let done = 0, k = 0; done < steps; k++) {
          this.stopIfDestroyed('train', done);
          const window = Math.min(every, steps - done);
          const { history, staging } = ring[k % 2];
          for (const [s, count] of submitChunks(window)) {
            const encoder = this.device.createCommandEncoder({ label: 'train' });
            if (s === 0) {
              snapshots.record(encoder, before + done);
              // (later windows start from the state the one before them was checked to leave)
              if (done === 0) finite.encode(encoder, history, window);
            }
            for (let i = 0; i < count; i++) {
              const step = done + s + i;
              if (dataset) {
                const start = (step * batch) % rows;
                const first = Math.min(batch, rows - start);
                const copyRows = (from: number, to: number, n: number) => {
                  encoder.copyBufferToBuffer(dataset.x, from * inputs * F32_BYTES, graph.x, to * inputs * F32_BYTES, n * inputs * F32_BYTES);
                  encoder.copyBufferToBuffer(dataset.labels, from * F32_BYTES, graph.labels, to * F32_BYTES, n * F32_BYTES);
                };
                copyRows(start, 0, first);
                if (first < batch) copyRows(0, first, batch - first);
              }
              this.encodeStep(encoder, graph);
              encoder.copyBufferToBuffer(graph.loss, 0, history, (s + i) * F32_BYTES, F32_BYTES);
            }
            if (s + count === window) {
              finite.encode(encoder, history, window + 1);
              encoder.copyBufferToBuffer(history, 0, staging, 0, (window + FINITE_WORDS) * F32_BYTES);
            }
            this.device.queue.submit([encoder.finish()]);
          }
          const current: Window = { done, window, losses: this.mapRead('train', staging, window + FINITE_WORDS) };
          // Awaited in turn below, or when a run stops early: never left rejected and unhandled.
          current.losses.catch(() => {});
          done += window;
          const previous = inFlight;
          inFlight = current;
          if (previous) await settle(previous);
        }
        const last = inFlight;
        inFlight = null;
        if (last) await settle(last);
        return { losses };
      } catch (e) {
        if (inFlight && stoppedByCaller) {
          // The window running behind the one onProgress saw is undone, as fit undoes the
          // epoch behind an onEpoch that throws: the network is as the caller last saw it.
          const running = inFlight;
          inFlight = null;
          const read = await running.losses.then(() => true, () => false);
          if (read) snapshots.rollback();
          else this.stepsDone += running.window;
        }
        // A window still running when an earlier one diverged: its steps ran, and none of
        // its states is known to be finite.
        if (inFlight) {
          this.stepsDone += inFlight.window;
          await inFlight.losses.catch(() => {});
        }
        snapshots.abandon();
        throw e;
      } finally {
        for (const b of ring) {
          b.history.destroy();
          b.staging.destroy();
        }
        dataset?.x.destroy();
        dataset?.labels.destroy();
      }
    });
  }

  /** Logits [n×sizes[L]] for x [n×sizes[0]]. */
  async predict(x: Float32Array): Promise<Float32Array> {
    const [logits] = await this.forwardRead(x, (g) => [g.pre[g.pre.length - 1]]);
    return logits;
  }

  /**
   * Epochs of shuffled mini-batches over a dataset that stays on the GPU: batches are gathered
   * and normalised there, the loss of every step is kept there and read back once per epoch,
   * with the validation and test sets evaluated on the GPU after every epoch. Each epoch's steps
   * and evaluations are submitted before the previous epoch's results are awaited, so the GPU
   * runs epoch e + 1 while epoch e's come back. A non-finite loss, or a NaN or an infinity in
   * the state before or after an epoch's steps, stops training with code 'diverged', naming
   * the epoch and the step or the tensor (the epoch submitted after it has run too, and is
   * counted in `steps`); an error thrown by onEpoch stops it with the network as it was after
   * that epoch (the next one, already submitted, is undone).
   */
  async fit(train: Dataset, options: FitOptions): Promise<FitResult> {
    this.assertUsable();
    const o = checkFitOptions({ sizes: this.sizes, seed: this.seed, learningRate: this.settings.learningRate }, train, options);
    return this.exclusive(async () => {
      const affine = normalizer(o.train, o.normalization);
      const sets: GpuDataset[] = [];
      const baseRate = this.settings.learningRate;
      const upload = (d: Dataset, label: string) => {
        const g = new GpuDataset(this.device, d, label);
        sets.push(g);
        return g;
      };
      // The epoch whose results are awaited, and the one submitted behind it.
      let reading: SubmittedEpoch | null = null;
      let running: SubmittedEpoch | null = null;
      try {
        const gpuTrain = upload(o.train, 'train');
        const gpuValidation = o.validation && upload(o.validation, 'validation');
        const gpuTest = options.test && upload(options.test, 'test');
        const probe = o.alignmentRows > 0 ? normalizedRows(o.train, o.alignmentRows, affine) : null;
        const perEpoch = Math.floor(gpuTrain.rows / o.batchSize);
        const first = this.stepsDone;
        // Every graph the run needs, made before its first step: evaluation batches or alignment
        // rows past the device's limits fail here, with nothing trained.
        const evalSizes = (d: GpuDataset | null | undefined) => (d ? evaluationBatches(d.rows, o.evalBatchSize) : []);
        for (const n of new Set([o.batchSize, ...evalSizes(gpuValidation), ...evalSizes(gpuTest)])) this.graphFor(n);
        if (probe && this.sizes.length > 2) this.graphFor(probe.labels.length).alignment();
        // The known-good state, the epoch being read, the epoch running.
        this.snapshotsFor().reserve(3);
        // Queues epoch e: its rate and order (written behind the work already submitted), its
        // steps, then its evaluations. Their readbacks start when `read` is first called: fit
        // calls it for epoch e + 1 once epoch e's results are in, as under Deno a mapAsync call
        // waits for all the work submitted before it (BENCHMARKS.md, session 7).
        const submit = (e: number): SubmittedEpoch => {
          const rate = scheduledRate(baseRate, o.schedule, e);
          if (rate !== this.settings.learningRate) this.setOptimizerSettings({ ...this.settings, learningRate: rate });
          gpuTrain.setOrder(o.shuffle ? shuffledOrder(gpuTrain.rows, this.seed, e) : identityOrder(gpuTrain.rows));
          const later = {
            steps: this.submitSteps(gpuTrain, affine, o.batchSize, perEpoch, { timed: true, before: first + e * perEpoch, checkBefore: e === 0 }),
            validation: gpuValidation ? this.submitEvaluation(gpuValidation, affine, o.evalBatchSize) : null,
            test: gpuTest ? this.submitEvaluation(gpuTest, affine, o.evalBatchSize) : null,
            alignment: probe ? this.submitAlignment(probe.x, probe.labels) : null,
          };
          let reads: EpochReads | null = null;
          const read = () => {
            if (!reads) {
              reads = { steps: later.steps(), validation: later.validation?.() ?? null, test: later.test?.() ?? null, alignment: later.alignment?.() ?? null };
              // Awaited in turn, or drained when the run stops: never left rejected and unhandled.
              for (const p of [reads.steps, reads.validation, reads.test, reads.alignment]) p?.catch(() => {});
            }
            return reads;
          };
          return { rate, count: perEpoch, read };
        };
        const epochs: EpochResult[] = [];
        // The first epoch's clock starts once the datasets are on the GPU: their upload (47 MB
        // for Fashion-MNIST's training set) is not an epoch's work.
        await this.device.queue.onSubmittedWorkDone();
        // Everything made and uploaded (a failure before here changed nothing): the run trains.
        this.divergedLast = false;
        this.trainedWith = copyAffine(affine);
        let mark = performance.now();
        running = submit(0);
        running.read();
        for (let e = 0; e < o.epochs; e++) {
          const ep = running!;
          reading = ep;
          // The next epoch runs on the GPU while this one's results come back.
          running = null;
          if (e + 1 < o.epochs) running = submit(e + 1);
          const r = ep.read();
          const { losses, gpuSeconds, finite } = await this.readRan(r.steps, ep.count);
          this.settleWindow(losses, finite, {
            loss: (bad) => `fit: the loss became ${losses[bad]} at epoch ${e + 1}, step ${bad + 1} of ${losses.length}`,
            label: 'fit', span: `epoch ${e + 1}`,
          });
          const result: EpochResult = {
            epoch: e + 1,
            learningRate: ep.rate,
            trainLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
            seconds: 0,
          };
          if (gpuSeconds !== null) result.gpuSeconds = gpuSeconds;
          if (r.validation) result.validation = await r.validation;
          if (r.test) result.test = await r.test;
          if (r.alignment) result.alignment = await r.alignment;
          reading = null;
          const now = performance.now();
          result.seconds = (now - mark) / 1000;
          mark = now;
          epochs.push(result);
          try {
            await options.onEpoch?.(result);
          } catch (err) {
            // Stopped by the caller: the epoch submitted behind this one is undone (or, where
            // its readback failed and its snapshot went with it, counted: it ran).
            if (running) {
              await drainEpoch(running);
              if (this.snapshots!.rollback() === null) this.stepsDone += running.count;
              running = null;
            }
            throw err;
          }
          if (this.destroyRequested) {
            // destroy() was called during the run: it ends with this epoch, and the one submitted behind it, which ran.
            if (running) {
              await drainEpoch(running);
              this.stepsDone += running.count;
            }
            running = null;
            this.stopIfDestroyed('fit', this.stepsDone - first);
          }
          running?.read();
        }
        return { epochs, normalization: copyAffine(affine) };
      } catch (err) {
        // Diverged, or the GPU failed: the epoch submitted behind the one being read ran too (its
        // steps count), and none of the states after the last good one is known to be finite.
        if (reading) await drainEpoch(reading);
        if (running) {
          await drainEpoch(running);
          this.stepsDone += running.count;
        }
        this.snapshots?.abandon();
        throw err;
      } finally {
        // A schedule's rate lasts only for the run, whether it ends or stops.
        if (this.settings.learningRate !== baseRate) this.setOptimizerSettings({ ...this.settings, learningRate: baseRate });
        for (const g of sets) g.destroy();
      }
    });
  }

  /** Mean loss and accuracy over a dataset, computed on the GPU in batches (normalised as given). */
  async evaluate(data: Dataset, options: { normalization?: Affine; batchSize?: number } = {}): Promise<Evaluation> {
    this.assertUsable();
    checkDataset('data', data);
    this.checkDatasetShape('data', data);
    if (typeof options !== 'object' || options === null) throw invalid(`options: expected { normalization?, batchSize? }, got ${describe(options)}`);
    checkKeys('options', options, ['normalization', 'batchSize']);
    if (options.normalization !== undefined) {
      const fault = affineFault(options.normalization, this.sizes[0]);
      if (fault) throw invalid(`normalization: expected { scale, offset } (fit's result has it): ${fault}`);
    }
    // The map the network was trained with, else bytes to [0, 1] and floats as they are.
    const affine = options.normalization ?? this.trainedWith ?? normalizer(data, data.x instanceof Uint8Array ? 'unit' : 'none');
    const batch = checkNumber('batchSize', options.batchSize ?? 1000, 1, LIMITS.layer, { integer: true });
    return this.exclusive(async () => {
      const g = new GpuDataset(this.device, data, 'eval');
      try {
        return await this.evaluateOn(g, affine, batch);
      } finally {
        g.destroy();
      }
    });
  }

  /**
   * A training session over a dataset that stays on the GPU, for callers that drive training
   * step by step (a page's start, pause and single step): `run(steps)` continues through
   * seeded epoch shuffles, `evaluate()` scores the test set on the GPU. Destroy it when done.
   */
  async trainer(train: Dataset, options: { batchSize: number; test?: Dataset; normalization?: Normalization; shuffle?: boolean }): Promise<Trainer> {
    this.assertUsable();
    checkDataset('train', train);
    this.checkDatasetShape('train', train);
    if (typeof options !== 'object' || options === null) throw invalid(`options: expected { batchSize, test?, normalization?, shuffle? }, got ${describe(options)}`);
    checkKeys('options', options, ['batchSize', 'test', 'normalization', 'shuffle']);
    // (as fit: a test set given is checked, null included)
    if (options.test !== undefined) {
      checkDataset('test', options.test);
      this.checkDatasetShape('test', options.test);
    }
    const batch = checkNumber('batchSize', options.batchSize, 1, train.labels.length, { integer: true });
    const affine = normalizer(train, checkOneOf('normalization', options.normalization ?? 'unit', NORMALIZATIONS));
    const shuffle = checkBoolean('shuffle', options.shuffle ?? true);
    const rows = train.labels.length;
    const perEpoch = Math.floor(rows / batch);
    // Orders for several epochs at once when epochs are short, so one command buffer spans them.
    const epochsPerOrder = Math.max(1, Math.min(1024, Math.floor(65536 / rows)));
    const gpuTrain = new GpuDataset(this.device, train, 'train', epochsPerOrder);
    let gpuTest: GpuDataset | null;
    try {
      gpuTest = options.test ? new GpuDataset(this.device, options.test, 'test') : null;
    } catch (e) {
      gpuTrain.destroy();
      throw e;
    }
    // The trainer's own steps (not the network's: steps of train or traceStep before or between
    // runs do not move its epochs), and where it is in the current orders.
    let trained = 0, epoch = 0, position = 0, destroyed = false, running = false;
    // Epoch e takes rows order(e)[0 … perEpoch·batch); the cursor jumps over each epoch's remainder.
    const setOrders = (first: number) => {
      const all = new Uint32Array(rows * epochsPerOrder);
      for (let e = 0; e < epochsPerOrder; e++) {
        all.set(shuffle ? shuffledOrder(rows, this.seed, first + e) : identityOrder(rows), e * rows);
      }
      gpuTrain.setOrder(all);
    };
    setOrders(0);
    const alive = () => {
      if (destroyed) throw new FaWebGpuError('destroyed', 'this trainer was destroyed');
    };
    const free = () => {
      gpuTrain.destroy();
      gpuTest?.destroy();
      this.trainers.delete(trainer);
    };
    const trainer: Trainer = {
      // (a copy each time: the map the trainer's gathers use is its own)
      get normalization() { return copyAffine(affine); },
      stepsPerEpoch: perEpoch,
      get epoch() { return epoch; },
      // async: a refused call is a rejected promise, as the type says, not a throw at the call
      run: async (steps: number) => {
        alive();
        checkNumber('steps', steps, 1, LIMITS.trainerSteps, { integer: true });
        return this.exclusive(async () => {
          running = true;
          try {
            const losses = new Float32Array(steps);
            for (let done = 0; done < steps;) {
              if (destroyed) throw new FaWebGpuError('destroyed', `trainer.run: the trainer was destroyed while this ran; stopped after ${done} steps`);
              this.stopIfDestroyed('trainer.run', done);
              const k = Math.min(steps - done, perEpoch * epochsPerOrder - position);
              const epochs = rows % batch === 0 ? undefined : { perEpoch, skip: rows - perEpoch * batch, start: position };
              const read = this.submitSteps(gpuTrain, affine, batch, k, { epochs, checkBefore: done === 0 });
              if (done === 0) {
                // The run's first steps submitted: the network is now trained with this map
                // (evaluate's default, checkpoints), and no earlier divergence is left to undo.
                this.divergedLast = false;
                this.trainedWith = copyAffine(affine);
              }
              // The steps are submitted and the cursor moved, whether their losses come back
              // finite, or at all.
              const at = done;
              done += k;
              position += k;
              trained += k;
              epoch = Math.floor(trained / perEpoch);
              if (position === perEpoch * epochsPerOrder) {
                position = 0;
                setOrders(epoch);
              }
              const { losses: part, finite } = await this.readRan(read(), k);
              losses.set(part, at);
              this.settleWindow(part, finite, {
                loss: (bad) => `trainer: the loss became ${part[bad]} at step ${at + bad + 1} of ${steps}`,
                label: 'trainer', span: `${stepRange(at, k)} of ${steps}`,
              });
            }
            return losses;
          } finally {
            running = false;
            if (destroyed) free();
          }
        });
      },
      evaluate: async () => {
        alive();
        if (!gpuTest) throw invalid('trainer.evaluate: the trainer was made without a test set');
        return this.exclusive(() => this.evaluateOn(gpuTest, affine, 1000));
      },
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        // A run in progress stops at its next chunk and frees them then.
        if (!running) free();
      },
    };
    this.trainers.add(trainer);
    return trainer;
  }

  /**
   * Runs one real training step on this batch one dispatch at a time, reading every buffer a
   * dispatch writes before and after it (tensors above `maxValues` values are left out): the
   * kernel-by-kernel view of a step, for teaching. Options: `maxValues` (default 4096), and
   * `undo`: false (default), the parameters are updated as by trainStep; true, the step is
   * undone once traced (the state, the optimizer's velocities and the step count as before it,
   * as a page's trace of a run that goes on). A readback that fails part way puts the state back
   * as it was before the step, either way (the gradients and activations keep what the part that
   * ran wrote). The state is copied first, into the snapshot slots train and fit use: on a
   * network that has not trained yet, that is one more copy of its state in GPU memory.
   */
  async traceStep(x: Float32Array, labels: Int32Array, options: { maxValues?: number; undo?: boolean } = {}): Promise<TraceEntry[]> {
    this.assertUsable();
    const n = this.checkBatch(x, labels);
    if (typeof options !== 'object' || options === null) throw invalid(`options: expected { maxValues?, undo? }, got ${describe(options)}`);
    checkKeys('options', options, ['maxValues', 'undo']);
    const maxValues = checkNumber('maxValues', options.maxValues ?? 4096, 0, Number.MAX_SAFE_INTEGER, { integer: true });
    const undo = checkBoolean('undo', options.undo ?? false);
    return this.exclusive(async () => {
      const graph = this.graphFor(n);
      this.upload(graph, x, labels);
      const list = this.stepDispatches(graph);
      if (!undo) this.divergedLast = false;
      const entries: TraceEntry[] = [];
      const read = async (d: Dispatch) => Promise.all(d.outputs.map(async (o) => {
        const b = d.buffers[o.index];
        const count = b.size / F32_BYTES;
        if (count > maxValues) return null;
        const raw = await this.readNow(`trace.${d.label}`, b, count);
        return o.type === 'f32' ? raw : o.type === 'i32' ? new Int32Array(raw.buffer) : new Uint32Array(raw.buffer);
      }));
      const timestamps = hasTimestamps(this.device);
      // The step happens whole or not at all: a readback that fails part way puts back the
      // state from before it (a copy made first), not half a step.
      const snapshots = this.snapshotsFor();
      const start = this.device.createCommandEncoder({ label: 'trace.snapshot' });
      snapshots.record(start, this.stepsDone);
      this.device.queue.submit([start.finish()]);
      try {
        for (const d of list) {
          const before = await read(d);
          const encoder = this.device.createCommandEncoder({ label: `trace.${d.label}` });
          const timed = timestamps ? timedPasses(this.device, encoder, [d], 1) : null;
          if (!timed) {
            const pass = encoder.beginComputePass({ label: d.label });
            encodeDispatches(pass, [d]);
            pass.end();
          }
          this.device.queue.submit([encoder.finish()]);
          let ms: number | null = null;
          try {
            if (timed) {
              const [t] = await timed.read();
              ms = Number.isNaN(t) ? null : t;
            }
          } finally {
            timed?.destroy();
          }
          const after = await read(d);
          entries.push({
            label: d.label, shader: d.shader, entryPoint: d.entryPoint, constants: d.constants, bindings: d.bindings,
            workgroups: d.workgroups,
            outputs: d.outputs.map((o, i) => ({ binding: d.bindings[o.index], before: before[i], after: after[i] })),
            ms,
          });
        }
      } catch (e) {
        snapshots.rollback();
        throw e;
      }
      if (undo) {
        snapshots.rollback();
      } else {
        snapshots.abandon();
        this.stepsDone++;
      }
      return entries;
    });
  }

  /**
   * Where a step's time goes: runs `steps` real training steps on this batch (they train the
   * network as trainStep would), each kernel in its own compute pass with GPU timestamps, and
   * resolves to every kernel's mean time. Needs a device with 'timestamp-query' (acquireDevice
   * asks for it where the adapter has it); fails with device-limit otherwise.
   */
  async profileStep(x: Float32Array, labels: Int32Array, options: { steps?: number } = {}): Promise<KernelTime[]> {
    this.assertUsable();
    const n = this.checkBatch(x, labels);
    if (typeof options !== 'object' || options === null) throw invalid(`options: expected { steps? }, got ${describe(options)}`);
    checkKeys('options', options, ['steps']);
    if (!hasTimestamps(this.device)) throw new FaWebGpuError('device-limit', "profileStep: this device has no 'timestamp-query' feature (request it when creating the device, or use acquireDevice)");
    const steps = checkNumber('steps', options.steps ?? 8, 1, 1024, { integer: true });
    return this.exclusive(async () => {
      const graph = this.graphFor(n);
      const list = this.stepDispatches(graph);
      // One query set holds the timestamps of every pass.
      if (steps > maxRounds(list.length)) throw invalid(`steps: at most ${maxRounds(list.length)} for this network (${list.length} kernels a step), got ${steps}`);
      this.upload(graph, x, labels);
      this.divergedLast = false;
      const encoder = this.device.createCommandEncoder({ label: 'profileStep' });
      const timed = timedPasses(this.device, encoder, list, steps);
      try {
        this.device.queue.submit([encoder.finish()]);
        const ms = await this.readRan(timed.read(), steps);
        this.stepsDone += steps;
        return list.map((d, i) => ({
          label: d.label, shader: d.shader, entryPoint: d.entryPoint, workgroups: d.workgroups,
          ms: ms[i], gflops: d.flops && ms[i] > 0 ? d.flops / ms[i] / 1e6 : null,
        }));
      } catch (e) {
        throw this.lostOr('profileStep', e);
      } finally {
        timed.destroy();
      }
    });
  }

  /** Training steps done so far (trainStep, train, fit, a trainer's run, profileStep and traceStep without undo; set by a checkpoint). */
  get steps(): number {
    return this.stepsDone;
  }

  /**
   * After train, fit or a trainer's run stopped with 'diverged': puts back the last state
   * recorded at the start of a window (lossEvery steps, or an epoch) whose loss was finite and
   * whose every tensor was (the finiteness check), parameters and velocities included, and
   * resolves to the number of steps that state had done.
   */
  async restoreLastFinite(): Promise<number> {
    return this.exclusive(async () => {
      if (this.snapshots?.goodStep == null) throw invalid('restoreLastFinite: no state with a finite loss and finite parameters is recorded (no training run yet, none that started from a finite state, or restoreCheckpoint or setParameters replaced the state since)');
      // Without a divergence to undo it would only throw away good steps.
      if (!this.divergedLast) throw invalid("restoreLastFinite: the last training call did not stop with 'diverged'; there is no divergence to undo (it would rewind good steps)");
      this.divergedLast = false;
      this.stepsDone = this.snapshots.restore();
      this.params.writeStep(this.stepsDone);
      await this.device.queue.onSubmittedWorkDone();
      return this.stepsDone;
    });
  }

  /**
   * The whole training state as a checkpoint (see src/model/checkpoint.ts for the format):
   * options, parameters, feedback, velocities, steps done, with a CRC-32.
   */
  async saveCheckpoint(): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const tensors = this.params.stateTensors(this.settings.momentum > 0);
      const data = await this.params.readBuffers(tensors);
      // A file of it would never load (decodeCheckpoint refuses non-finite values).
      for (const [i, t] of tensors.entries()) {
        const fault = nonFiniteValue(t.name, data[i]);
        if (fault) throw new FaWebGpuError('diverged', `saveCheckpoint: ${fault}: the state is not finite, so no checkpoint of it is written`);
      }
      const checkpoint: Checkpoint = {
        options: {
          sizes: [...this.sizes], rule: this.rule, activation: this.activation, loss: this.loss,
          learningRate: this.settings.learningRate, momentum: this.settings.momentum, weightDecay: this.settings.weightDecay,
          init: this.init, seed: this.seed,
        },
        step: this.stepsDone,
        tensors: tensors.map((t, i) => ({ name: t.name, shape: t.shape, data: data[i] })),
        ...(this.trainedWith ? { normalization: this.trainedWith } : {}),
      };
      return encodeCheckpoint(checkpoint);
    });
  }

  /**
   * Puts a checkpoint's state into this network. Its sizes, rule, activation, loss and whether
   * it has momentum must be this network's; its optimizer settings replace this network's.
   * A damaged or mismatched checkpoint changes nothing.
   */
  async restoreCheckpoint(bytes: Uint8Array): Promise<void> {
    this.assertUsable();
    const c = decodeCheckpoint(bytes);
    const o = c.options;
    const mismatch = (what: string, got: unknown, want: unknown) => new FaWebGpuError('invalid-data', `checkpoint: ${what} ${JSON.stringify(got)} does not match this network's ${JSON.stringify(want)}`);
    if (JSON.stringify(o.sizes) !== JSON.stringify(this.sizes)) throw mismatch('sizes', o.sizes, this.sizes);
    for (const key of ['rule', 'activation', 'loss'] as const) if (o[key] !== this[key]) throw mismatch(key, o[key], this[key]);
    // brsf draws its magnitudes from (seed, init) and the step: another seed or init would not go on with the same draws.
    if (this.rule === 'brsf') for (const key of ['seed', 'init'] as const) if (o[key] !== this[key]) throw mismatch(`${key} (brsf's draws follow it)`, o[key], this[key]);
    let settings: SgdSettings;
    try {
      settings = checkOptimizer({ learningRate: o.learningRate as number, momentum: o.momentum as number, weightDecay: o.weightDecay as number });
    } catch (e) {
      throw new FaWebGpuError('invalid-data', `checkpoint: ${(e as Error).message}`);
    }
    if ((settings.momentum > 0) !== (this.settings.momentum > 0)) throw mismatch('momentum', settings.momentum, this.settings.momentum);
    const mapFault = c.normalization && affineFault(c.normalization, this.sizes[0]);
    if (mapFault) throw new FaWebGpuError('invalid-data', `checkpoint: normalization: ${mapFault}`);
    const want = this.params.stateTensors(settings.momentum > 0);
    const names = (list: { name: string; shape: [number, number] }[]) => list.map((t) => `${t.name} [${t.shape.join('×')}]`).join(', ');
    // Tensor by tensor, not the joined lists: a name holding ", " could stand for two.
    const same = c.tensors.length === want.length && want.every((t, i) => c.tensors[i].name === t.name && c.tensors[i].shape[0] === t.shape[0] && c.tensors[i].shape[1] === t.shape[1]);
    if (!same) throw new FaWebGpuError('invalid-data', `checkpoint: holds ${names(c.tensors)}; this network needs ${names(want)}`);
    return this.exclusive(async () => {
      want.forEach((t, i) => this.device.queue.writeBuffer(t.buffer, 0, c.tensors[i].data as Float32Array<ArrayBuffer>));
      this.params.writeStep(c.step);
      this.stepsDone = c.step;
      this.trainedWith = c.normalization ? copyAffine(c.normalization) : null;
      this.setOptimizerSettings(settings);
      // The states copied before belong to the timeline the checkpoint replaced.
      this.snapshots?.forget();
      this.divergedLast = false;
      await this.device.queue.onSubmittedWorkDone();
    });
  }

  /**
   * Every hidden layer's output h_k [n×sizes[k]] for x [n×sizes[0]] (forward pass only): what
   * each hidden unit computes, for showing it.
   */
  async activations(x: Float32Array): Promise<Float32Array[]> {
    return this.forwardRead(x, (g) => g.hidden);
  }

  /** Runs the forward pass on x and reads back the buffers `pick` names, whole. */
  private async forwardRead(x: Float32Array, pick: (g: StepGraph) => GPUBuffer[]): Promise<Float32Array[]> {
    this.assertUsable();
    const n = rowsOf('x', x, this.sizes[0]);
    checkFloat32('x', x, x.length, `[${n}×${this.sizes[0]}]`);
    return this.exclusive(async () => {
      const graph = this.graphFor(n);
      this.device.queue.writeBuffer(graph.x, 0, x as Float32Array<ArrayBuffer>);
      const encoder = this.device.createCommandEncoder({ label: 'forward' });
      const pass = encoder.beginComputePass({ label: 'forward' });
      encodeDispatches(pass, graph.forward);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      const out: Float32Array[] = [];
      for (const b of pick(graph)) out.push(await this.readNow('forward', b, b.size / F32_BYTES));
      return out;
    });
  }

  /**
   * The dispatches of one training step at batch size n, in order, with labels, shaders and
   * bound shapes: what a page shows when it explains a step.
   */
  describeStep(n: number): readonly Dispatch[] {
    this.assertUsable();
    checkNumber('n', n, 1, LIMITS.layer, { integer: true });
    return this.stepDispatches(this.graphFor(n));
  }

  /** Frees every GPU buffer (and the device, if the network acquired it). Idempotent. */
  destroy(): void {
    if (this.state === 'destroyed') return;
    // A call still running stops at its next window, epoch or chunk, and the network goes then.
    if (this.state === 'busy') {
      this.destroyRequested = true;
      return;
    }
    this.state = 'destroyed';
    for (const t of [...this.trainers]) t.destroy();
    for (const g of this.graphs.values()) g.destroy();
    this.graphs.clear();
    destroyDispatches([...this.postStep, ...this.preStep]);
    this.snapshots?.destroy();
    this.finite?.destroy();
    this.params.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  // ---------------------------------------------------------------------------------

  /** Inside a run: stops it once destroy() was called during it. */
  private stopIfDestroyed(label: string, done: number): void {
    if (this.destroyRequested) throw new FaWebGpuError('destroyed', `${label}: the network was destroyed while this ran; stopped after ${done} steps`);
  }

  private assertUsable(): void {
    if (this.state === 'destroyed') throw new FaWebGpuError('destroyed', 'this network was destroyed; create a new one');
    if (this.state === 'lost') throw new FaWebGpuError('device-lost', `the GPU device was lost (${this.lostReason}); create a new network`);
    if (this.state === 'busy') throw new FaWebGpuError('busy', 'another call on this network is still running; await it first');
  }

  /** (A method, as the device's loss changes the state between awaits.) */
  private isLost(): boolean {
    return this.state === 'lost';
  }

  /** Runs one async operation at a time; overlapping calls are refused, not interleaved. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.assertUsable();
    this.state = 'busy';
    try {
      return await fn();
    } catch (e) {
      // A call that failed because the device went (a readback's 'gpu-error', or the device's own error).
      if (this.isLost() && !(e instanceof FaWebGpuError && e.code === 'device-lost')) throw new FaWebGpuError('device-lost', `the GPU device was lost (${this.lostReason}); create a new network`);
      throw e;
    } finally {
      if (this.state === 'busy') this.state = 'ready';
      // (also when the device was lost meanwhile: destroy() frees what a lost device held too)
      if (this.destroyRequested && (this.state === 'ready' || this.state === 'lost')) this.destroy();
    }
  }

  private checkBatch(x: Float32Array, labels: Int32Array): number {
    const n = rowsOf('x', x, this.sizes[0]);
    checkFloat32('x', x, x.length, `[${n}×${this.sizes[0]}]`);
    checkLabels('labels', labels, n, this.sizes[this.sizes.length - 1], this.sizes[0]);
    return n;
  }

  private graphFor(n: number): StepGraph {
    let g = this.graphs.get(n);
    if (g) {
      this.graphs.delete(n); // re-insert as most recent
    } else {
      g = new StepGraph(this.device, n, { sizes: this.sizes, rule: this.rule, activation: this.activation, loss: this.loss, kernels: this.kernels }, this.params);
      if (this.graphs.size >= GRAPH_CACHE) {
        const [oldest, old] = this.graphs.entries().next().value!;
        old.destroy();
        this.graphs.delete(oldest);
      }
    }
    this.graphs.set(n, g);
    return g;
  }

  private upload(graph: StepGraph, x: Float32Array, labels: Int32Array): void {
    this.device.queue.writeBuffer(graph.x, 0, x as Float32Array<ArrayBuffer>);
    this.device.queue.writeBuffer(graph.labels, 0, labels as Int32Array<ArrayBuffer>);
  }

  /**
   * Every dispatch of one training step, in order: brsf's redraw, then the graph's forward,
   * loss and backward (which steps W and b), then kp's feedback update once every gradient exists.
   */
  private stepDispatches(graph: StepGraph): Dispatch[] {
    return [...this.preStep, ...graph.step, ...this.postStep];
  }

  /** One whole training step on the graph's current batch, in its own pass. */
  private encodeStep(encoder: GPUCommandEncoder, graph: StepGraph): void {
    const pass = encoder.beginComputePass({ label: 'step' });
    encodeDispatches(pass, this.stepDispatches(graph));
    pass.end();
  }

  private snapshotsFor(): StateSnapshots {
    this.snapshots ??= new StateSnapshots(this.device, [...this.params.stateTensors(this.settings.momentum > 0).map((t) => t.buffer), this.params.step]);
    return this.snapshots;
  }

  /** The check for NaN and infinities of the state the snapshots copy (the step counter aside). */
  private finiteCheck(): FiniteCheck {
    this.finite ??= new FiniteCheck(this.device, this.params.stateTensors(this.settings.momentum > 0));
    return this.finite;
  }

  /**
   * After a window of steps (one snapshot, one readback): keeps the snapshot if its state was
   * finite and its loss too (the window's first), counts the steps, and throws 'diverged' at the
   * first non-finite loss, or where the state held a NaN or an infinity behind finite losses.
   */
  private settleWindow(losses: Float32Array, finite: FiniteFlags, place: WindowPlace): void {
    this.snapshots!.settle(Number.isFinite(losses[0]) && finite.before === null);
    this.stepsDone += losses.length;
    const bad = losses.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw this.diverged(place.loss(bad));
    const tensor = finite.before ?? finite.after;
    if (tensor !== null) {
      throw this.diverged(`${place.label}: ${tensor} held a NaN or an infinity ${finite.before !== null ? 'before' : 'after'} ${place.span}, though every loss was finite (an activation can hide a NaN from the loss)`);
    }
  }

  private diverged(what: string): FaWebGpuError {
    this.divergedLast = true;
    const good = this.snapshots?.goodStep;
    const back = good == null ? 'no finite state was recorded' : `restoreLastFinite() puts back the state after step ${good}`;
    return new FaWebGpuError('diverged', `${what}; ${back}; lower the learning rate or check the inputs`);
  }

  private checkDatasetShape(name: string, d: Dataset): void {
    checkShapeFits(this.sizes, name, d);
  }

  /**
   * The readback of `steps` submitted steps: if it fails (a driver error, a buffer destroyed
   * under it), the steps ran all the same and are counted, so that the step count stays the
   * state's (a checkpoint records it; brsf's draws follow the GPU's own counter).
   */
  private async readRan<T>(read: Promise<T>, steps: number): Promise<T> {
    try {
      return await read;
    } catch (e) {
      this.stepsDone += steps;
      throw e;
    }
  }

  /**
   * Submits `steps` steps from the dataset's cursor on, each gathering its batch on the GPU;
   * the returned function reads back (once) every step's loss, with `timed` the GPU seconds from
   * the first step's start to the last's end where the device has timestamps (else null), and
   * the state's finiteness, and frees what the run made. The caller keeps the cursor within the
   * epoch's order (`epochs`: where epochs end inside the run, for the rows no full batch takes).
   * `before`: the steps done before this run once the runs ahead of it are counted (default
   * `steps`, right when none is in flight).
   */
  private submitSteps(data: GpuDataset, affine: Affine, batch: number, steps: number, o: StepsOptions & { before?: number } = {}): () => Promise<StepsRead> {
    const epochs = o.epochs ?? null;
    const graph = this.graphFor(batch);
    // Gathers by cursor buffer (parity) and by whether the batch ends an epoch, where the
    // cursor also jumps over the rows no full batch takes; made as the run needs them.
    const gathers = new Map<string, Dispatch>();
    const fetch = (s: number) => {
      const ends = epochs !== null && epochs.skip > 0 && (epochs.start + s + 1) % epochs.perEpoch === 0;
      const key = `${data.cursorPair(s).parity}${ends}`;
      let d = gathers.get(key);
      if (!d) {
        d = this.batchGather('Batch.gather', data, graph, affine, s, batch + (ends ? epochs!.skip : 0));
        gathers.set(key, d);
      }
      return d;
    };
    // Every step's loss, then (when timed, where the device has timestamps) the run's GPU span,
    // then the state's finiteness before the steps and after them.
    const span = o.timed && hasTimestamps(this.device) ? spanTimer(this.device, 'epoch') : null;
    const flagsAt = steps + (span ? SPAN_BYTES / F32_BYTES : 0);
    const words = flagsAt + FINITE_WORDS;
    const history = storageBuffer(this.device, 'epoch.losses', words);
    const snapshots = this.snapshotsFor();
    const finite = this.finiteCheck();
    const checkBefore = o.checkBefore ?? true;
    const free = () => {
      destroyDispatches([...gathers.values()]);
      history.destroy();
      span?.destroy();
    };
    let read: () => Promise<Float32Array>;
    try {
      const list = this.stepDispatches(graph);
      for (const [s0, count] of submitChunks(steps)) {
        const encoder = this.device.createCommandEncoder({ label: 'epoch' });
        if (s0 === 0) {
          snapshots.record(encoder, o.before ?? this.stepsDone);
          if (checkBefore) finite.encode(encoder, history, flagsAt);
        }
        for (let s = s0; s < s0 + count; s++) {
          const timestampWrites = span?.writes(s === 0, s === steps - 1);
          const pass = encoder.beginComputePass({ label: 'step', ...(timestampWrites ? { timestampWrites } : {}) });
          encodeDispatches(pass, [fetch(s)]);
          encodeDispatches(pass, list);
          pass.end();
          encoder.copyBufferToBuffer(graph.loss, 0, history, s * F32_BYTES, F32_BYTES);
        }
        if (s0 + count === steps) finite.encode(encoder, history, flagsAt + 1);
        this.device.queue.submit([encoder.finish()]);
      }
      data.advanced(steps);
      read = this.submitRead('epoch', history, words, (e) => span?.resolve(e, history, steps * F32_BYTES));
    } catch (e) {
      snapshots.abandon();
      free();
      throw e;
    }
    return async () => {
      try {
        const r = await read();
        return { losses: r.slice(0, steps), gpuSeconds: span ? span.seconds(r.buffer, steps * F32_BYTES) : null, finite: finite.read(r, flagsAt, checkBefore) };
      } catch (e) {
        snapshots.abandon();
        throw e;
      } finally {
        free();
      }
    };
  }

  /**
   * The gather of the i-th batch from now on the dataset's cursor: the graph's n rows into its
   * x and labels, then the cursor moved on by `by` (into the cursor's other buffer).
   */
  private batchGather(label: string, data: GpuDataset, graph: StepGraph, affine: Affine, i: number, by: number): Dispatch {
    const { counter, next } = data.cursorPair(i);
    const map = perFeature(affine) ? data.affineBuffer(affine) : { scale: affine.scale as number, offset: affine.offset as number };
    return gather(this.device, {
      label, source: data.x, sourceLabels: data.labels, order: data.order, counter, next, by,
      x: graph.x, labels: graph.labels, rows: graph.n, features: data.features, sourceU8: data.bytes, map,
    });
  }

  /** Loss and accuracy over a GPU dataset in its stored order, batches of at most `batch` rows. */
  private async evaluateOn(data: GpuDataset, affine: Affine, batch: number): Promise<Evaluation> {
    return this.submitEvaluation(data, affine, batch)();
  }

  /** Submits evaluateOn's work; the returned function reads the sums back (once) and frees what it made. */
  private submitEvaluation(data: GpuDataset, affine: Affine, batch: number): () => Promise<Evaluation> {
    const sizes = evaluationBatches(data.rows, batch);
    const made: Dispatch[] = [];
    const buffers: GPUBuffer[] = [];
    const perSize = new Map<number, { graph: StepGraph; dispatches: Dispatch[]; count: GPUBuffer }>();
    const gathers = new Map<string, Dispatch>();
    const results = storageBuffer(this.device, 'eval.results', 2 * sizes.length);
    buffers.push(results);
    const free = () => {
      destroyDispatches(made);
      for (const b of buffers) b.destroy();
    };
    let read: () => Promise<Float32Array>;
    try {
      data.rewind();
      const encoder = this.device.createCommandEncoder({ label: 'evaluate' });
      sizes.forEach((n, b) => {
        let entry = perSize.get(n);
        if (!entry) {
          const graph = this.graphFor(n);
          const correct = storageBuffer(this.device, 'correct', n);
          const count = storageBuffer(this.device, 'correctCount', 1);
          buffers.push(correct, count);
          const L = this.sizes.length - 1;
          const own = [
            correctRows(this.device, { label: 'Eval.correct', z: graph.pre[L - 1], labels: graph.labels, correct, rows: n, classes: this.sizes[L] }),
            columnSum(this.device, { label: 'Eval.count', g: correct, out: count, rows: n, cols: 1 }),
          ];
          made.push(...own);
          entry = { graph, count, dispatches: [...graph.forwardLoss, graph.lossMean, ...own] };
          perSize.set(n, entry);
        }
        const key = `${n},${data.cursorPair(b).parity}`;
        let fetch = gathers.get(key);
        if (!fetch) {
          fetch = this.batchGather('Eval.gather', data, entry.graph, affine, b, n);
          gathers.set(key, fetch);
          made.push(fetch);
        }
        const pass = encoder.beginComputePass({ label: 'evaluate' });
        encodeDispatches(pass, [fetch, ...entry.dispatches]);
        pass.end();
        encoder.copyBufferToBuffer(entry.graph.loss, 0, results, 2 * b * F32_BYTES, F32_BYTES);
        encoder.copyBufferToBuffer(entry.count, 0, results, (2 * b + 1) * F32_BYTES, F32_BYTES);
      });
      this.device.queue.submit([encoder.finish()]);
      data.advanced(sizes.length);
      read = this.submitRead('evaluate', results, 2 * sizes.length, () => {});
    } catch (e) {
      free();
      throw e;
    }
    return async () => {
      try {
        const r = await read();
        let loss = 0, correct = 0;
        sizes.forEach((n, b) => {
          loss += r[2 * b] * n;
          correct += r[2 * b + 1];
        });
        return { loss: loss / data.rows, accuracy: correct / data.rows };
      } finally {
        free();
      }
    };
  }

  /** What a GPU call that failed should throw: 'device-lost' once the device is lost, else its own error. */
  private lostOr(label: string, e: unknown): unknown {
    return this.state === 'lost' ? new FaWebGpuError('device-lost', `${label}: the GPU device was lost (${this.lostReason}); create a new network`) : e;
  }

  /** `count` f32 of `source` as the work submitted so far leaves them (one round trip). */
  private async readNow(label: string, source: GPUBuffer, count: number): Promise<Float32Array> {
    return this.submitRead(label, source, count, () => {})();
  }

  /**
   * Encodes work, then a copy of `count` f32 from `source`, and submits; the returned function
   * maps the copy (once) and frees it.
   * Where mapAsync blocks until the queue is idle (Deno), calling it after more work is submitted
   * lets that work run during the wait for the map.
   */
  private submitRead(label: string, source: GPUBuffer, count: number, encode: (e: GPUCommandEncoder) => void): () => Promise<Float32Array> {
    const size = count * F32_BYTES;
    const staging = this.device.createBuffer({ label: `${label}.readback`, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label });
      encode(encoder);
      encoder.copyBufferToBuffer(source, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
    } catch (e) {
      staging.destroy();
      throw e;
    }
    return async () => {
      try {
        return await this.mapRead(label, staging, count);
      } finally {
        staging.destroy();
      }
    };
  }

  /** The first `count` f32 of a MAP_READ buffer, once the work submitted before is done; leaves it unmapped. */
  private async mapRead(label: string, staging: GPUBuffer, count: number): Promise<Float32Array> {
    try {
      await mapForRead(staging, label, count * F32_BYTES);
      const out = new Float32Array(staging.getMappedRange(0, count * F32_BYTES).slice(0));
      staging.unmap();
      return out;
    } catch (e) {
      throw this.lostOr(label, e);
    }
  }
}
