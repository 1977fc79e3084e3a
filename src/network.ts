/**
 * The public Network: owns the GPU parameters, a step graph per batch size, and the update
 * dispatches. Every method validates its arguments before touching the GPU, so a rejected
 * call changes nothing.
 */
import { FaWebGpuError, invalid } from './errors.js';
import { F32_BYTES, storageBuffer } from './gpu/buffers.js';
import { acquireDevice, describeAdapter } from './gpu/device.js';
import { destroyDispatches, encodeDispatches, type Dispatch } from './kernels/dispatch.js';
import type { SgdSettings } from './kernels/kernels.js';
import { initParameters, type Parameters } from './model/init.js';
import { ACTIVATIONS, DEFAULTS, LOSSES, RULES, type Activation, type InitScale, type Loss, type Rule } from './model/options.js';
import { GpuParameters, type GpuState } from './model/parameters.js';
import { StepGraph } from './train/graph.js';
import { angleFromSums, type LayerAlignment } from './train/metrics.js';
import { preStepDispatches, setUpdateSettings, updateDispatches, type Update } from './train/optimizer.js';
import { checkFloat32, checkLabels, checkNumber, checkOneOf, describe, rowsOf } from './validate.js';

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
  /** Steps between loss readbacks (and onProgress calls); default 100. */
  lossEvery?: number;
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainResult {
  /** The loss of every step, in order. */
  losses: Float32Array;
}

/** Steps recorded into one command buffer before it is submitted. */
const STEPS_PER_SUBMIT = 128;
/** Step graphs kept for recently used batch sizes. */
const GRAPH_CACHE = 4;
const MAX_LAYER = 1 << 24;

/** Creates a network on the GPU with seeded parameters (see NetworkOptions for defaults). */
export async function createNetwork(options: NetworkOptions): Promise<Network> {
  if (typeof options !== 'object' || options === null) throw invalid(`options: expected an object, got ${describe(options)}`);
  const { sizes } = options;
  if (!Array.isArray(sizes) || sizes.length < 2) throw invalid(`sizes: expected an array [input, hidden…, output] of at least 2 layer sizes, got ${describe(sizes)}`);
  sizes.forEach((s, i) => checkNumber(`sizes[${i}]`, s, 1, MAX_LAYER, { integer: true }));
  if (sizes[sizes.length - 1] < 2) throw invalid(`sizes[${sizes.length - 1}]: a softmax output needs at least 2 classes, got ${sizes[sizes.length - 1]}`);
  const rule = checkOneOf('rule', options.rule ?? DEFAULTS.rule, RULES);
  const activation = checkOneOf('activation', options.activation ?? DEFAULTS.activation, ACTIVATIONS);
  const loss = checkOneOf('loss', options.loss ?? DEFAULTS.loss, LOSSES);
  const optimizer = checkOptimizer({
    learningRate: options.learningRate ?? DEFAULTS.learningRate,
    momentum: options.momentum ?? DEFAULTS.momentum,
    weightDecay: options.weightDecay ?? DEFAULTS.weightDecay,
  });
  const seed = checkNumber('seed', options.seed ?? DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER, { integer: true });
  const init = options.init ?? DEFAULTS.init;
  if (!(init === 'xavier' || init === 'he' || (typeof init === 'number' && Number.isFinite(init) && init >= 0 && init <= 1e6))) {
    throw invalid(`init: expected a standard deviation in [0, 1e6], 'xavier' or 'he', got ${describe(init)}`);
  }
  if (options.device !== undefined && (typeof options.device !== 'object' || options.device === null || !('queue' in options.device))) {
    throw invalid(`device: expected a GPUDevice, got ${describe(options.device)}`);
  }
  const device = options.device ?? (await acquireDevice());
  return new Network(device, options.device === undefined, { sizes: [...sizes], rule, activation, loss, optimizer, seed, init });
}

function checkOptimizer(o: SgdSettings): SgdSettings {
  return {
    learningRate: checkNumber('learningRate', o.learningRate, 0, 1e6, { minExclusive: true }),
    momentum: checkNumber('momentum', o.momentum, 0, 1),
    weightDecay: checkNumber('weightDecay', o.weightDecay, 0, 1e6),
  };
}

interface Config {
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
  /** The adapter's name, for logs and benchmark tables. */
  readonly adapter: string;
  private settings: SgdSettings;
  private readonly params: GpuParameters;
  /** The sgd dispatches, one per trained tensor. */
  private readonly update: Update[];
  /** Work at the start of every step (brsf's redraws); usually empty. */
  private readonly preStep: Dispatch[];
  private readonly graphs = new Map<number, StepGraph>();
  private state: 'ready' | 'busy' | 'destroyed' | 'lost' = 'ready';
  private lostReason = '';

  /** Use createNetwork(); the constructor expects validated options. */
  constructor(readonly device: GPUDevice, private readonly ownsDevice: boolean, cfg: Config) {
    this.sizes = Object.freeze([...cfg.sizes]);
    this.rule = cfg.rule;
    this.activation = cfg.activation;
    this.loss = cfg.loss;
    this.seed = cfg.seed;
    this.init = cfg.init;
    this.settings = cfg.optimizer;
    this.adapter = describeAdapter(device);
    device.lost.then((info) => {
      if (this.state !== 'destroyed') {
        this.state = 'lost';
        this.lostReason = info.message || info.reason || 'unknown reason';
      }
    });
    this.params = new GpuParameters(device, this.sizes, this.rule, initParameters(this.sizes, this.rule, cfg.seed, cfg.init), cfg.optimizer.momentum > 0);
    this.update = updateDispatches(device, this.params, this.rule, this.settings);
    this.preStep = preStepDispatches(device, this.params, this.rule, this.seed, this.init);
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
    const next = checkOptimizer({ ...this.settings, ...o });
    if ((next.momentum > 0) !== (this.settings.momentum > 0)) {
      throw invalid(`momentum: this network was created with momentum ${this.settings.momentum}; it can change to another ${this.settings.momentum > 0 ? 'non-zero value' : 'value only if created with momentum'}, got ${next.momentum}`);
    }
    this.settings = next;
    setUpdateSettings(this.device, this.update, this.settings);
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
    const n = this.checkBatch(x, labels);
    return this.exclusive(async () => {
      const L = this.sizes.length - 1;
      if (L < 2) return [];
      const graph = this.graphFor(n);
      this.upload(graph, x, labels);
      const { dispatches, sums } = graph.alignment();
      const s = await this.runAndRead('alignment', sums, 6 * (L - 1), (encoder) => {
        const pass = encoder.beginComputePass({ label: 'alignment' });
        encodeDispatches(pass, dispatches);
        pass.end();
      });
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
    });
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
   * buffer. Resolves to the batch's mean cross-entropy before the update.
   */
  async trainStep(x: Float32Array, labels: Int32Array): Promise<number> {
    this.assertUsable();
    const n = this.checkBatch(x, labels);
    return this.exclusive(async () => {
      const graph = this.graphFor(n);
      this.upload(graph, x, labels);
      const [loss] = await this.runAndRead('trainStep', graph.loss, 1, (encoder) => this.encodeSteps(encoder, graph, 1));
      return loss;
    });
  }

  /**
   * Many steps without a readback per step: batches of `batchSize` rows are taken from x in
   * order (wrapping), and the loss is read back every `lossEvery` steps.
   */
  async train(x: Float32Array, labels: Int32Array, options: TrainOptions): Promise<TrainResult> {
    this.assertUsable();
    const rows = this.checkBatch(x, labels);
    if (typeof options !== 'object' || options === null) throw invalid(`options: expected { steps, batchSize?, lossEvery?, onProgress? }, got ${describe(options)}`);
    const steps = checkNumber('steps', options.steps, 1, Number.MAX_SAFE_INTEGER, { integer: true });
    const batch = checkNumber('batchSize', options.batchSize ?? rows, 1, rows, { integer: true });
    const every = checkNumber('lossEvery', options.lossEvery ?? Math.min(100, steps), 1, 1 << 20, { integer: true });
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
      const history = storageBuffer(this.device, 'lossHistory', every);
      const losses = new Float32Array(steps);
      try {
        for (let done = 0; done < steps;) {
          const window = Math.min(every, steps - done);
          for (let s = 0; s < window; s += STEPS_PER_SUBMIT) {
            const count = Math.min(STEPS_PER_SUBMIT, window - s);
            const encoder = this.device.createCommandEncoder({ label: 'train' });
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
              this.encodeSteps(encoder, graph, 1);
              encoder.copyBufferToBuffer(graph.loss, 0, history, (s + i) * F32_BYTES, F32_BYTES);
            }
            this.device.queue.submit([encoder.finish()]);
          }
          const part = await this.runAndRead('train', history, window, () => {});
          losses.set(part, done);
          const bad = part.findIndex((v) => !Number.isFinite(v));
          if (bad >= 0) {
            throw new FaWebGpuError('diverged', `train: the loss became ${part[bad]} at step ${done + bad + 1} of ${steps}; lower the learning rate or check the inputs`);
          }
          done += window;
          options.onProgress?.({ step: done, steps, loss: part[window - 1] });
        }
        return { losses };
      } finally {
        history.destroy();
        dataset?.x.destroy();
        dataset?.labels.destroy();
      }
    });
  }

  /** Logits [n×sizes[L]] for x [n×sizes[0]]. */
  async predict(x: Float32Array): Promise<Float32Array> {
    this.assertUsable();
    const n = rowsOf('x', x, this.sizes[0]);
    checkFloat32('x', x, x.length, `[${n}×${this.sizes[0]}]`);
    return this.exclusive(async () => {
      const graph = this.graphFor(n);
      this.device.queue.writeBuffer(graph.x, 0, x as Float32Array<ArrayBuffer>);
      const logits = graph.pre[graph.pre.length - 1];
      return this.runAndRead('predict', logits, n * this.sizes[this.sizes.length - 1], (encoder) => {
        const pass = encoder.beginComputePass({ label: 'predict' });
        encodeDispatches(pass, graph.forward);
        pass.end();
      });
    });
  }

  /**
   * The dispatches of one training step at batch size n, in order, with labels, shaders and
   * bound shapes: what a page shows when it explains a step.
   */
  describeStep(n: number): readonly Dispatch[] {
    this.assertUsable();
    checkNumber('n', n, 1, MAX_LAYER, { integer: true });
    const g = this.graphFor(n);
    return [...this.preStep, ...g.forward, ...g.lossPass, ...g.backward, ...this.updateDispatches()];
  }

  /** Frees every GPU buffer (and the device, if the network acquired it). Idempotent. */
  destroy(): void {
    if (this.state === 'destroyed') return;
    this.state = 'destroyed';
    for (const g of this.graphs.values()) g.destroy();
    this.graphs.clear();
    destroyDispatches([...this.updateDispatches(), ...this.preStep]);
    this.params.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  // ---------------------------------------------------------------------------------

  private updateDispatches(): Dispatch[] {
    return this.update.map((u) => u.dispatch);
  }

  private assertUsable(): void {
    if (this.state === 'destroyed') throw new FaWebGpuError('destroyed', 'this network was destroyed; create a new one');
    if (this.state === 'lost') throw new FaWebGpuError('device-lost', `the GPU device was lost (${this.lostReason}); create a new network`);
    if (this.state === 'busy') throw new FaWebGpuError('busy', 'another call on this network is still running; await it first');
  }

  /** Runs one async operation at a time; overlapping calls are refused, not interleaved. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.assertUsable();
    this.state = 'busy';
    try {
      return await fn();
    } finally {
      if (this.state === 'busy') this.state = 'ready';
    }
  }

  private checkBatch(x: Float32Array, labels: Int32Array): number {
    const n = rowsOf('x', x, this.sizes[0]);
    checkFloat32('x', x, x.length, `[${n}×${this.sizes[0]}]`);
    checkLabels('labels', labels, n, this.sizes[this.sizes.length - 1]);
    return n;
  }

  private graphFor(n: number): StepGraph {
    let g = this.graphs.get(n);
    if (g) {
      this.graphs.delete(n); // re-insert as most recent
    } else {
      g = new StepGraph(this.device, n, { sizes: this.sizes, rule: this.rule, activation: this.activation, loss: this.loss }, this.params);
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

  /** `steps` whole training steps on the graph's current batch, one pass each. */
  private encodeSteps(encoder: GPUCommandEncoder, graph: StepGraph, steps: number): void {
    for (let i = 0; i < steps; i++) {
      const pass = encoder.beginComputePass({ label: 'step' });
      encodeDispatches(pass, this.preStep);
      graph.encodeStep(pass);
      encodeDispatches(pass, this.updateDispatches());
      pass.end();
    }
  }

  /** Encodes work, then a copy of `count` f32 from `source`, submits, and maps the copy. */
  private async runAndRead(label: string, source: GPUBuffer, count: number, encode: (e: GPUCommandEncoder) => void): Promise<Float32Array> {
    const size = count * F32_BYTES;
    const staging = this.device.createBuffer({ label: `${label}.readback`, size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label });
      encode(encoder);
      encoder.copyBufferToBuffer(source, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } catch (e) {
      if (this.state === 'lost') throw new FaWebGpuError('device-lost', `${label}: the GPU device was lost (${this.lostReason}); create a new network`);
      throw e;
    } finally {
      staging.destroy();
    }
  }
}
