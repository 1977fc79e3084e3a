/**
 * Browser side of the GPU tests. Each function runs kernels or whole steps on the GPU and
 * compares them, in the page, against the float64 reference on the same float32 inputs;
 * the Node test asserts on the returned comparisons. Every case runs inside error scopes
 * (any WebGPU error fails it) and destroys what it made.
 */
import { createNetwork, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, type Network, type Parameters, type TraceEntry } from '../../src/index.js';
import { acquireDevice, describeAdapter } from '../../src/gpu/device.js';
import { trackBuffers } from '../../src/gpu/track.js';
import { readFloat32, storageBuffer } from '../../src/gpu/buffers.js';
import { destroyDispatches, encodeDispatches, type Dispatch } from '../../src/kernels/dispatch.js';
import * as K from '../../src/kernels/kernels.js';
import { Pcg32 } from '../../src/model/rng.js';
import type { Activation, InitScale, Loss, Rule } from '../../src/model/options.js';
import { drawKey } from '../../src/model/hash.js';
import { initStd } from '../../src/model/init.js';
import * as ref from '../../src/reference/index.js';
import { accuracy, argmaxRows } from '../../src/train/metrics.js';
import { xorDataset } from '../../src/data/xor.js';
import { blobs, twoSpirals } from '../../src/data/synthetic.js';
import { subset, type Dataset } from '../../src/data/dataset.js';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { runExperiment, summarize } from '../../src/experiment/experiment.js';
import { formatSummary, toCsv, toJson, toSvg } from '../../src/experiment/report.js';
import { affineAt, normalizedRows, normalizer, shuffledOrder, splitValidation, type Affine, type Normalization } from '../../src/data/prepare.js';
import { compare, compareLists, type Comparison } from '../util/compare.js';

/** Per-tensor tolerance on the norm-wise relative error (issue 2: under 1e-5 per step). */
const TOL = 1e-5;

const device = await acquireDevice().catch((e) => {
  window.harnessReady = `no device: ${e}`;
  throw e;
});
const uncaptured: string[] = [];
device.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));

/** Runs fn with validation, out-of-memory and internal error scopes; any error fails it. */
async function scoped<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const filters: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];
  for (const f of filters) device.pushErrorScope(f);
  let result: T | undefined;
  let failure: unknown;
  try {
    result = await fn();
  } catch (e) {
    failure = e;
  }
  const errors = [];
  for (let i = 0; i < filters.length; i++) errors.push(await device.popErrorScope());
  const messages = errors.filter((e) => e).map((e) => e!.message);
  if (uncaptured.length) messages.push(...uncaptured.splice(0));
  if (messages.length) throw new Error(`${what}: WebGPU error: ${messages.join('; ')}`);
  if (failure) throw failure;
  return result as T;
}

/** A dispatch with its grid replaced (x, y, 1): a folded grid on sizes that would not need one. */
function withGrid(d: Dispatch, grid?: [number, number]): Dispatch {
  return grid ? { ...d, workgroups: [grid[0], grid[1], 1] as const } : d;
}

function random(seed: number, count: number, scale = 1): Float32Array {
  return new Pcg32(seed, 3).normalArray(count, scale);
}

/**
 * Makes buffers (inputs initialised, outputs zeroed), runs the dispatches in one pass,
 * reads back the buffers named in `read` (inputs updated in place included), frees everything.
 */
async function runKernels(
  what: string,
  inputs: Record<string, Float32Array | Int32Array>,
  outputs: Record<string, number>,
  read: string[],
  build: (b: Record<string, GPUBuffer>) => Dispatch[],
): Promise<Record<string, Float32Array>> {
  return scoped(what, async () => {
    const buffers: Record<string, GPUBuffer> = {};
    const counts: Record<string, number> = { ...outputs };
    for (const [name, data] of Object.entries(inputs)) {
      buffers[name] = storageBuffer(device, name, data.length, data);
      counts[name] = data.length;
    }
    for (const [name, count] of Object.entries(outputs)) buffers[name] = storageBuffer(device, name, count);
    let dispatches: Dispatch[] = [];
    try {
      dispatches = build(buffers);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeDispatches(pass, dispatches);
      pass.end();
      device.queue.submit([encoder.finish()]);
      const result: Record<string, Float32Array> = {};
      for (const name of read) result[name] = await readFloat32(device, buffers[name], counts[name]);
      return result;
    } finally {
      destroyDispatches(dispatches);
      for (const b of Object.values(buffers)) b.destroy();
    }
  });
}

/** An SGD step a gradient kernel takes in its own launch (its `_update` entry point). */
export interface StepSettings { lr: number; momentum: number; weightDecay: number }

/**
 * θ and its velocity (random, `count` values each) as inputs named θ`tag` and v`tag`, and after
 * the kernels ran, their comparisons with the reference step from θ with gradient `grad`
 * (float64); with momentum 0 the velocity must be left as it was. Each entry is held to the size
 * of the terms it sums (`gradMagnitude`: the gradient's own terms, |grad| by default; λ|θ|, μ|v|,
 * and for θ, |θ| and η times those), so that a velocity whose terms nearly cancel is not held to
 * the size of what is left (a 1×1 case made 7.2e-4 from terms ~0.3: an error of 1e-8 in f32).
 */
function stepped(u: StepSettings, count: number, seed: number, tag: string) {
  const theta = random(seed, count), velocity = random(seed + 1, count);
  const settings = { learningRate: u.lr, momentum: u.momentum, weightDecay: u.weightDecay };
  return {
    inputs: { [`θ${tag}`]: theta, [`v${tag}`]: velocity },
    read: [`θ${tag}`, `v${tag}`],
    /** The step's tensors in `x` (the settings buffer joins them, freed with them) */
    step: (x: Record<string, GPUBuffer>): K.SgdStep => {
      x.settings ??= K.optimizerSettings(device, 'settings', settings);
      return { settings: x.settings, theta: x[`θ${tag}`], velocity: x[`v${tag}`], momentum: u.momentum !== 0 };
    },
    compare: (name: string, got: Record<string, Float32Array>, grad: Float64Array, gradMagnitude: ArrayLike<number> = grad.map(Math.abs)): Comparison[] => {
      const want = ref.sgdMomentum(theta, grad, u.momentum ? velocity : new Float64Array(count), settings);
      const vTerms = Float64Array.from(grad, (_, i) => Math.abs(gradMagnitude[i]) + u.weightDecay * Math.abs(theta[i]) + u.momentum * Math.abs(velocity[i]));
      const thetaTerms = Float64Array.from(vTerms, (m, i) => Math.abs(theta[i]) + u.lr * m);
      return [
        compare(`${name} θ${tag}`, got[`θ${tag}`], want.theta, TOL, thetaTerms),
        compare(`${name} v${tag}`, got[`v${tag}`], u.momentum ? want.velocity : velocity, u.momentum ? TOL : 0, u.momentum ? vTerms : undefined),
      ];
    },
  };
}

export interface MatmulCase {
  M: number; N: number; K: number; transA: boolean; transB: boolean; seed: number; variant: K.MatmulVariant;
  /** split-K over this many chunks of K (matmul.wgsl and column_sum) */ chunks?: number;
  /** split-K's column_sum form (default: by adapter) */ sum?: 'serial' | 'lanes';
  /** C is θ's gradient: θ steps in the same launch (main_update, or split-K's sum) */ update?: StepSettings;
  /** op(B)'s column sums, θ2's gradient, and θ2's step in the same launch (main_sums_update; with update) */ sums?: boolean;
  /** and Σ rowLoss [K] beside them (main_sums_loss_update; with sums) */ loss?: boolean;
  /** C + bias, and for an activation out = f(C + bias) (main_bias, main_bias_act) */ epilogue?: Activation | 'logits';
}

async function matmul(cases: MatmulCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const a = random(c.seed, c.M * c.K), b = random(c.seed + 1, c.K * c.N);
    const u = c.update;
    const w = u ? stepped(u, c.M * c.N, c.seed + 2, '') : undefined;
    const b2 = u && c.sums ? stepped(u, c.N, c.seed + 4, '2') : undefined;
    const rowLoss = c.loss ? random(c.seed + 6, c.K) : new Float32Array(0);
    const bias = c.epilogue ? random(c.seed + 7, c.N) : new Float32Array(0);
    const act = c.epilogue && c.epilogue !== 'logits' ? c.epilogue : undefined;
    const name = `${c.chunks ? `split-K ×${c.chunks}${c.sum ? ` (${c.sum} sum)` : ''}` : c.variant}${c.sums ? ' + sums' : ''}${c.loss ? ' + loss' : ''}${c.epilogue ? ` + bias${act ? `, ${act}` : ''}` : ''}${u ? ` + step (lr=${u.lr} μ=${u.momentum} λ=${u.weightDecay})` : ''} ${c.transA ? 'Aᵀ' : 'A'}·${c.transB ? 'Bᵀ' : 'B'} M=${c.M} N=${c.N} K=${c.K}`;
    const p = { label: name, M: c.M, N: c.N, K: c.K, transA: c.transA, transB: c.transB };
    const got = await runKernels(name, { a, b, rowLoss, bias, ...w?.inputs, ...b2?.inputs }, { c: c.M * c.N, scratch: (c.chunks ?? 1) * c.M * c.N, sums: c.N, loss: 1, out: c.M * c.N }, ['c', 'sums', 'loss', 'out', ...(w?.read ?? []), ...(b2?.read ?? [])], (x) => c.chunks
      ? K.matmulSplitK(device, { ...p, a: x.a, b: x.b, c: x.c, scratch: x.scratch, chunks: c.chunks, sum: c.sum, step: w?.step(x) })
      : [K.matmul(device, {
        ...p, a: x.a, b: x.b, c: x.c, variant: c.variant, step: w?.step(x),
        sums: b2 ? { out: x.sums, step: b2.step(x) } : undefined, loss: c.loss ? { rowLoss: x.rowLoss, out: x.loss } : undefined,
        epilogue: c.epilogue ? { bias: x.bias, out: act ? x.out : undefined, activation: act ?? 'linear' } : undefined,
      })]);
    const product = ref.matmul(a, b, c.M, c.N, c.K, c.transA, c.transB);
    if (c.epilogue) {
      const want = ref.biasActivation(product, bias, c.M, c.N, act ?? 'linear');
      out.push(compare(name, got.c, want.pre, TOL));
      if (act) out.push(compare(`${name} out`, got.out, want.out, TOL));
    } else {
      out.push(compare(name, got.c, product, TOL));
    }
    if (w) out.push(...w.compare(name, got, product, ref.matmul(a.map(Math.abs), b.map(Math.abs), c.M, c.N, c.K, c.transA, c.transB)));
    if (b2) {
      const opB = c.transB ? ref.transpose(b, c.N, c.K) : b;
      const sums = ref.columnSum(opB, c.K, c.N);
      const sumTerms = ref.columnSum(opB.map(Math.abs), c.K, c.N);
      out.push(compare(`${name} sums`, got.sums, sums, TOL, sumTerms), ...b2.compare(name, got, sums, sumTerms));
    }
    if (c.loss) out.push(compare(`${name} loss`, got.loss, ref.columnSum(rowLoss, c.K, 1), TOL, ref.columnSum(rowLoss.map(Math.abs), c.K, 1)));
  }
  return out;
}

export interface BiasActivationCase {
  rows: number; cols: number; activation: Activation | 'logits'; seed: number;
  /** split-K layers of partial products that sum_main adds first (hidden layers only) */ layers?: number;
  /** force this grid, to test the folded index */ grid?: [number, number];
}

async function biasActivation(cases: BiasActivationCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const pre = random(c.seed, c.rows * c.cols, 2), bias = random(c.seed + 1, c.cols);
    const name = `bias_activation ${c.activation} ${c.rows}×${c.cols}${c.layers ? ` + ${c.layers} partial products` : ''}${c.grid ? ` grid ${c.grid.join('×')}` : ''}`;
    const logits = c.activation === 'logits';
    const activation: Activation = c.activation === 'logits' ? 'linear' : c.activation;
    const count = c.rows * c.cols;
    const partials = random(c.seed + 2, (c.layers ?? 0) * count);
    const got = await runKernels(name, { pre, bias, partials }, logits ? {} : { h: count }, logits ? ['pre'] : ['pre', 'h'], (x) => {
      const d = K.biasActivation(device, { label: name, pre: x.pre, bias: x.bias, out: x.h, rows: c.rows, cols: c.cols, activation, partials: c.layers ? { buffer: x.partials, layers: c.layers } : undefined });
      return [c.grid ? { ...d, workgroups: [c.grid[0], c.grid[1], 1] as const } : d];
    });
    // With partials, pre's old values are replaced by the layers' sum.
    const product = c.layers ? ref.columnSum(partials, c.layers, count) : pre;
    const want = ref.biasActivation(product, bias, c.rows, c.cols, activation);
    out.push(compare(`${name} pre`, got.pre, want.pre, TOL));
    if (!logits) out.push(compare(`${name} out`, got.h, want.out, TOL));
  }
  return out;
}

export interface SoftmaxCase {
  rows: number; classes: number; seed: number; /** standard deviation of the logits */ scale: number;
  /** the fused output layer (`output`): logits = h·W + b from h [rows×inputs] first */ inputs?: number;
  /** force this grid (output), to test the folded row index */ grid?: [number, number];
  /**
   * With inputs: `output_signal`, the hidden signal δ = (dLogits·F) ⊙ f′ of the layer below,
   * whose output h = f(a) is then made from a random a; F as hidden_signal's cases have it
   */
  signal?: { transposed: boolean; signConcordant: boolean; activation: Activation };
}

async function softmaxCrossEntropy(cases: SoftmaxCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const rng = new Pcg32(c.seed, 4);
    const labels = Int32Array.from({ length: c.rows }, () => rng.nextUint32() % c.classes);
    const fused = c.inputs !== undefined;
    const sig = c.signal;
    const kind = sig && (sig.transposed ? 'Wᵀ (bp)' : sig.signConcordant ? 'M ⊙ sign(W)ᵀ (usf/frsf/brsf)' : 'B (fa)');
    const name = `softmax_cross_entropy ${sig ? `output_signal through ${kind} ${sig.activation} ` : ''}${fused ? `output ${c.rows}×${c.inputs} · ${c.inputs}×${c.classes}` : `${c.rows}×${c.classes}`} logits σ=${c.scale}${c.grid ? ` grid ${c.grid.join('×')}` : ''}`;
    // Fused: h·W has a standard deviation of `scale` (h of variance scale²/inputs, W of 1). With
    // the signal, h = f(a) for a of that spread (as the forward made it, rounded to float32).
    const a = sig ? random(c.seed + 1, c.rows * c.inputs!, c.scale / Math.sqrt(c.inputs!)) : new Float32Array(0);
    const h = sig ? a.map((v) => ref.activate(v, sig.activation)) : fused ? random(c.seed + 1, c.rows * c.inputs!, c.scale / Math.sqrt(c.inputs!)) : new Float32Array(0);
    const w = fused ? random(c.seed + 2, c.inputs! * c.classes) : new Float32Array(0);
    if (sig) for (let i = 0; i < w.length; i += 7) w[i] = 0; // sign(0) = 0
    const bias = fused ? random(c.seed + 3, c.classes) : new Float32Array(0);
    // F: B or M [classes×inputs]; bp reads W itself
    const f = sig ? (sig.transposed ? w : random(c.seed + 4, c.classes * c.inputs!)) : new Float32Array(0);
    const given = fused ? new Float32Array(c.rows * c.classes) : random(c.seed, c.rows * c.classes, c.scale);
    const outputs = { dLogits: c.rows * c.classes, rowLoss: c.rows, loss: 1, delta: sig ? c.rows * c.inputs! : 0 };
    const got = await runKernels(name, { logits: given, labels, h, w, bias, f }, outputs, ['logits', 'dLogits', 'rowLoss', 'loss', ...(sig ? ['delta'] : [])], (x) => {
      const d = K.softmaxCrossEntropy(device, {
        label: name, logits: x.logits, labels: x.labels, dLogits: x.dLogits, rowLoss: x.rowLoss, rows: c.rows, classes: c.classes,
        layer: fused ? { h: x.h, w: x.w, bias: x.bias, inputs: c.inputs! } : undefined,
        // bp binds W a second time, as the step graph does
        signal: sig && { ...sig, f: sig.transposed ? x.w : x.f, delta: x.delta },
      });
      return [
        c.grid ? { ...d, workgroups: [c.grid[0], c.grid[1], 1] as const } : d,
        K.columnSum(device, { label: `${name} mean`, g: x.rowLoss, out: x.loss, rows: c.rows, cols: 1 }),
      ];
    });
    if (fused) {
      // The product against float64 (to the size of its terms); the loss against the reference
      // on the logits the kernel made, so that the product's float32 rounding is not counted twice.
      const product = ref.matmul(h, w, c.rows, c.classes, c.inputs!);
      const terms = ref.matmul(h.map(Math.abs), w.map(Math.abs), c.rows, c.classes, c.inputs!);
      out.push(compare(`${name} logits`, got.logits, product.map((v, i) => v + bias[i % c.classes]), TOL, terms.map((v, i) => v + Math.abs(bias[i % c.classes]))));
    }
    const want = ref.softmaxCrossEntropy(fused ? got.logits : given, labels, c.rows, c.classes);
    out.push(compare(`${name} dLogits`, got.dLogits, want.dLogits, TOL));
    out.push(compare(`${name} rowLoss`, got.rowLoss, want.rowLoss, TOL));
    out.push(compare(`${name} loss`, got.loss, [want.loss], TOL));
    if (sig) {
      // The signal against the reference's from a (not h) on the dLogits the kernel made.
      const fEff = sig.signConcordant ? ref.signConcordant(f, w, c.classes, c.inputs!) : f;
      const magnitude = ref.hiddenSignal(got.dLogits.map(Math.abs), fEff.map(Math.abs), a, c.rows, c.inputs!, c.classes, sig.transposed, 'linear');
      out.push(compare(`${name} delta`, got.delta, ref.hiddenSignal(got.dLogits, fEff, a, c.rows, c.inputs!, c.classes, sig.transposed, sig.activation), TOL, magnitude));
    }
  }
  return out;
}

export interface HiddenSignalCase {
  rows: number; hidden: number; classes: number; transposed: boolean; signConcordant: boolean; activation: Activation; form: K.SignalForm; seed: number;
  /** split-K over this many chunks of the classes (hidden_signal main, then column_sum masked) */ chunks?: number;
  /** with chunks: force this grid on column_sum masked, to test its folded index */ sumGrid?: [number, number];
}

async function hiddenSignal(cases: HiddenSignalCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const e = random(c.seed, c.rows * c.classes), f = random(c.seed + 1, c.classes * c.hidden), pre = random(c.seed + 2, c.rows * c.hidden);
    const w = random(c.seed + 3, c.hidden * c.classes);
    for (let i = 0; i < w.length; i += 7) w[i] = 0; // sign(0) = 0
    const kind = c.transposed ? 'Wᵀ (bp)' : c.signConcordant ? 'M ⊙ sign(W)ᵀ (usf/frsf/brsf)' : 'B (fa)';
    const name = `hidden_signal (${c.chunks ? `split-K ×${c.chunks}` : c.form}) ${kind} ${c.activation} rows=${c.rows} hidden=${c.hidden} classes=${c.classes}${c.sumGrid ? ` sum grid ${c.sumGrid.join('×')}` : ''}`;
    // the kernels that ran, as shader:entryPoint (the lanes form gives sign-concordant rules to direct)
    let ran = '';
    const got = await runKernels(name, { e, f, pre, w }, { delta: c.rows * c.hidden, scratch: (c.chunks ?? 1) * c.rows * c.hidden }, ['delta'], (x) => {
      const p = { label: name, e: x.e, f: x.f, pre: x.pre, delta: x.delta, w: x.w, rows: c.rows, hidden: c.hidden, classes: c.classes, transposed: c.transposed, signConcordant: c.signConcordant, activation: c.activation };
      if (!c.chunks) {
        const d = K.hiddenSignal(device, { ...p, form: c.form });
        ran = `${d.shader}:${d.entryPoint}`;
        return [d];
      }
      const list = K.hiddenSignalSplitK(device, { ...p, scratch: x.scratch, chunks: c.chunks });
      const g = c.sumGrid;
      return g ? list.map((d) => (d.entryPoint === 'masked' ? { ...d, workgroups: [g[0], g[1], 1] as const } : d)) : list;
    });
    const fEff = c.signConcordant ? ref.signConcordant(f, w, c.classes, c.hidden) : f;
    // Σ_k |e_k·f_k| per entry (the activation's derivative is at most 1): the scale of rounding in each dot product
    const magnitude = ref.hiddenSignal(e.map(Math.abs), fEff.map(Math.abs), pre, c.rows, c.hidden, c.classes, c.transposed, 'linear');
    out.push(compare(`${name}${ran ? ` [${ran}]` : ''}`, got.delta, ref.hiddenSignal(e, fEff, pre, c.rows, c.hidden, c.classes, c.transposed, c.activation), TOL, magnitude));
  }
  return out;
}

export interface GatherCase {
  /** the dataset's rows and features; the batch's rows; where the batch starts in the order; the cursor's advance */
  n: number; features: number; rows: number; cursor: number; by: number; bytes: boolean; seed: number;
  /** force this grid, to test the folded index */ grid?: [number, number];
  /** a scale and offset per feature (main_per_feature) */ perFeature?: boolean;
  /** f32 values with a large mean and a small spread (10000·(f + 1) + U·0.05), standardised: x·s + o in f32 would cancel */ far?: boolean;
}

/** gather.wgsl: a batch by a shuffled order from f32 or byte sources, against the host's own gather. */
async function gather(cases: GatherCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const name = `gather ${c.bytes ? 'bytes' : 'f32'} ${c.rows} of ${c.n}×${c.features} from ${c.cursor}${c.grid ? ` grid ${c.grid.join('×')}` : ''}${c.perFeature ? ' per feature' : ''}`;
    const rng = new Pcg32(c.seed, 6);
    const values = c.bytes ? Uint8Array.from({ length: c.n * c.features }, () => rng.nextUint32() & 0xff)
      : c.far ? Float32Array.from({ length: c.n * c.features }, (_, i) => 10000 * ((i % c.features) + 1) + rng.nextUniform() * 0.05)
      : random(c.seed, c.n * c.features);
    // bytes four to a u32, little-endian, as GpuDataset packs them
    const packed = new Uint8Array(4 * Math.ceil(values.length / 4));
    if (c.bytes) packed.set(values);
    const source = c.bytes ? new Float32Array(packed.buffer) : (values as Float32Array);
    const sourceLabels = Int32Array.from({ length: c.n }, () => rng.nextUint32() % 10);
    const order = new Int32Array(shuffledOrder(c.n, c.seed, 0).buffer);
    // far: each column's own mean and standard deviation, in f64 (one map: the first column's)
    const standardise = (f: number) => {
      const col = Array.from({ length: c.n }, (_, r) => values[r * c.features + f]);
      const mean = col.reduce((a, v) => a + v, 0) / c.n;
      const std = Math.sqrt(col.reduce((a, v) => a + (v - mean) ** 2, 0) / c.n);
      return [1 / std, -mean / std];
    };
    const [scale, offset] = c.far ? standardise(0) : c.bytes ? [1 / 255, -0.5] : [2, 0.25];
    // per feature: scales and offsets of every sign and size (far: each column standardised)
    const map = c.perFeature ? {
      scale: Array.from({ length: c.features }, (_, f) => (c.far ? standardise(f)[0] : (rng.nextUniform() - 0.3) * 10 ** (f % 4))),
      offset: Array.from({ length: c.features }, (_, f) => (c.far ? standardise(f)[1] : rng.nextUniform() * 8 - 4)),
    } : null;
    const at = (f: number): [number, number] => (map ? [map.scale[f], map.offset[f]] : [scale, offset]);
    const inputs = { source, sourceLabels, order, counter: Int32Array.of(c.cursor), ...(map ? { affine: K.gatherMapWords(map) } : {}) };
    const got = await runKernels(name, inputs, { x: c.rows * c.features, labels: c.rows, next: 1 }, ['x', 'labels', 'next'], (b) => {
      const d = K.gather(device, {
        label: name, source: b.source, sourceLabels: b.sourceLabels, order: b.order, counter: b.counter, next: b.next, by: c.by,
        x: b.x, labels: b.labels, rows: c.rows, features: c.features, sourceU8: c.bytes, map: map ? b.affine : { scale, offset },
      });
      return [c.grid ? { ...d, workgroups: [c.grid[0], c.grid[1], 1] as const } : d];
    });
    const rowOf = (i: number) => new Uint32Array(order.buffer)[c.cursor + i];
    const want = Float64Array.from({ length: c.rows * c.features }, (_, i) => {
      const [s, o] = at(i % c.features);
      return values[rowOf(Math.floor(i / c.features)) * c.features + (i % c.features)] * s + o;
    });
    out.push(compare(`${name} x`, got.x, want, TOL));
    const labels = new Int32Array(got.labels.buffer);
    out.push(compare(`${name} labels`, labels, Int32Array.from({ length: c.rows }, (_, i) => sourceLabels[rowOf(i)]), 0));
    out.push(compare(`${name} next`, new Uint32Array(got.next.buffer), [c.cursor + c.by], 0));
  }
  return out;
}

export interface AccuracyCase { rows: number; classes: number; seed: number; /** rows whose largest value appears twice */ ties: boolean }

/** accuracy.wgsl: correct[i] = [argmax z_i = labels[i]], the first on ties, against argmaxRows. */
async function correctRows(cases: AccuracyCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const name = `accuracy ${c.rows}×${c.classes}${c.ties ? ' with ties' : ''}`;
    const rng = new Pcg32(c.seed, 7);
    const z = random(c.seed, c.rows * c.classes);
    const labels = Int32Array.from({ length: c.rows }, () => rng.nextUint32() % c.classes);
    if (c.ties) {
      // every other row: its largest value again at another class, the label on one of the two
      for (let i = 0; i < c.rows; i += 2) {
        const row = z.subarray(i * c.classes, (i + 1) * c.classes);
        const best = argmaxRows(row, 1, c.classes)[0];
        const other = (best + 1 + (rng.nextUint32() % (c.classes - 1))) % c.classes;
        row[other] = row[best];
        labels[i] = rng.nextUint32() % 2 ? best : other;
      }
    }
    const got = await runKernels(name, { z, labels }, { correct: c.rows }, ['correct'], (b) => [
      K.correctRows(device, { label: name, z: b.z, labels: b.labels, correct: b.correct, rows: c.rows, classes: c.classes }),
    ]);
    const pred = argmaxRows(z, c.rows, c.classes);
    out.push(compare(name, got.correct, Float64Array.from(pred, (p, i) => Number(p === labels[i])), 0));
  }
  return out;
}

export interface MseCase { rows: number; classes: number; seed: number }

async function mseLoss(cases: MseCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const z = random(c.seed, c.rows * c.classes);
    const rng = new Pcg32(c.seed, 4);
    const labels = Int32Array.from({ length: c.rows }, () => rng.nextUint32() % c.classes);
    const name = `mse_loss ${c.rows}×${c.classes}`;
    const got = await runKernels(name, { z, labels }, { dOut: c.rows * c.classes, rowLoss: c.rows }, ['dOut', 'rowLoss'], (x) => [
      K.mseLoss(device, { label: name, z: x.z, labels: x.labels, dOut: x.dOut, rowLoss: x.rowLoss, rows: c.rows, classes: c.classes }),
    ]);
    const want = ref.mseLoss(z, labels, c.rows, c.classes);
    out.push(compare(`${name} dOut`, got.dOut, want.dOut, TOL));
    out.push(compare(`${name} rowLoss`, got.rowLoss, want.rowLoss, TOL));
  }
  return out;
}

export interface DrawCase { count: number; key: number; step: number; std: number; /** force this grid, to test the folded index */ grid?: [number, number] }

async function feedbackDraw(cases: DrawCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const name = `feedback_draw count=${c.count} key=${c.key} step=${c.step}${c.grid ? ` grid ${c.grid.join('×')}` : ''}`;
    const got = await runKernels(name, { step: Int32Array.of(c.step) }, { m: c.count }, ['m'], (x) => [
      withGrid(K.feedbackDraw(device, { label: name, m: x.m, step: x.step, count: c.count, key: c.key, std: c.std }), c.grid),
    ]);
    out.push(compare(name, got.m, ref.drawMagnitudes(c.key, c.step, c.count, c.std), TOL));
  }
  return out;
}

export interface FiniteCase {
  counts: number[];
  /** [tensor, index, bits]: a value written as its bits (a NaN's payload, an infinity). */
  bad: [number, number, number][];
  seed: number;
}

/** finite.wgsl over several tensors into one flag: the code of the first bad tensor, or 0. */
async function finiteCheck(cases: FiniteCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const name = `finite counts=${c.counts} bad=${c.bad.map(([t, i, b]) => `${t}:${i}:0x${b.toString(16)}`).join(',') || 'none'}`;
    const tensors = c.counts.map((n, t) => {
      const v = random(c.seed + t, n, 1e3);
      // The finite extremes: the largest f32 either way, the smallest subnormal, −0
      [3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -0].forEach((e, i) => { if (i < n) v[n - 1 - i] = e; });
      return v;
    });
    for (const [t, i, bits] of c.bad) new Uint32Array(tensors[t].buffer)[i] = bits;
    const inputs = Object.fromEntries(tensors.map((v, t) => [`x${t}`, v]));
    const got = await runKernels(name, inputs, { flag: 1 }, ['flag'], (b) => tensors.map((v, t) =>
      K.finiteCheck(device, { label: `${name} x${t}`, x: b[`x${t}`], flag: b.flag, count: v.length, code: tensors.length - t })));
    out.push(compare(name, new Uint32Array(got.flag.buffer), [ref.finiteFlag(tensors)], 0));
  }
  return out;
}

export interface AlignmentKernelCase { rows: number; cols: number; seed: number; /** force this grid on effective_feedback, to test the folded index */ grid?: [number, number] }

async function alignmentKernels(cases: AlignmentKernelCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const a = random(c.seed, c.rows * c.cols), b = random(c.seed + 1, c.rows * c.cols);
    for (const bTransposed of [false, true]) {
      const name = `alignment dot_norms ${c.rows}×${c.cols}${bTransposed ? ' bᵀ' : ''}`;
      const got = await runKernels(name, { a, b }, { sums: 6 }, ['sums'], (x) => [
        K.dotNorms(device, { label: name, a: x.a, b: x.b, out: x.sums, rows: c.rows, cols: c.cols, bTransposed, slot: 1 }),
      ]);
      const bb = bTransposed ? ref.transpose(b, c.cols, c.rows) : b;
      let dot = 0, aa = 0, sb = 0;
      for (let i = 0; i < a.length; i++) { dot += a[i] * bb[i]; aa += a[i] * a[i]; sb += bb[i] * bb[i]; }
      out.push(compare(name, got.sums, [0, 0, 0, dot, aa, sb], TOL));
    }
    const name = `alignment effective_feedback ${c.rows}×${c.cols}${c.grid ? ` grid ${c.grid.join('×')}` : ''}`;
    const got = await runKernels(name, { m: a, w: b }, { f: c.rows * c.cols }, ['f'], (x) => [
      withGrid(K.effectiveFeedback(device, { label: name, m: x.m, w: x.w, out: x.f, rows: c.rows, cols: c.cols }), c.grid),
    ]);
    out.push(compare(name, got.f, ref.signConcordant(a, b, c.rows, c.cols), 0));
  }
  return out;
}

export interface ColumnSumCase {
  rows: number; cols: number; form: 'serial' | 'lanes'; seed: number;
  /** the sums are θ's gradient: θ steps in the same launch (main_update, lanes_update) */ update?: StepSettings;
  /** lanes_loss_update, main_loss_update: Σ rowLoss beside (with update) */ loss?: boolean;
}

async function columnSum(cases: ColumnSumCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const g = random(c.seed, c.rows * c.cols);
    const rowLoss = c.loss ? random(c.seed + 1, c.rows) : new Float32Array(0);
    const u = c.update;
    const bias = u ? stepped(u, c.cols, c.seed + 2, '') : undefined;
    const name = `column_sum ${c.form}${c.loss ? ' + loss' : ''}${u ? ` + step (lr=${u.lr} μ=${u.momentum} λ=${u.weightDecay})` : ''} ${c.rows}×${c.cols}`;
    const got = await runKernels(name, { g, rowLoss, ...bias?.inputs }, { out: c.cols, loss: 1 }, ['out', 'loss', ...(bias?.read ?? [])], (x) => [
      K.columnSum(device, { label: name, g: x.g, out: x.out, rows: c.rows, cols: c.cols, form: c.form, step: bias?.step(x), loss: c.loss ? { rowLoss: x.rowLoss, out: x.loss } : undefined }),
    ]);
    const sums = ref.columnSum(g, c.rows, c.cols);
    const sumTerms = ref.columnSum(g.map(Math.abs), c.rows, c.cols);
    out.push(compare(name, got.out, sums, TOL, sumTerms));
    if (bias) out.push(...bias.compare(name, got, sums, sumTerms));
    if (c.loss) out.push(compare(`${name} loss`, got.loss, ref.columnSum(rowLoss, c.rows, 1), TOL, ref.columnSum(rowLoss.map(Math.abs), c.rows, 1)));
  }
  return out;
}

export interface SgdCase {
  rows: number; cols: number; lr: number; momentum: number; weightDecay: number; gradTransposed: boolean; seed: number;
  /** force this grid, to test the folded index */ grid?: [number, number];
}

async function sgd(cases: SgdCase[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const c of cases) {
    const count = c.rows * c.cols;
    const grad = random(c.seed, count);
    const w = stepped(c, count, c.seed + 1, '');
    const name = `sgd ${c.rows}×${c.cols} lr=${c.lr} μ=${c.momentum} λ=${c.weightDecay}${c.gradTransposed ? ' gradᵀ' : ''}${c.grid ? ` grid ${c.grid.join('×')}` : ''}`;
    const got = await runKernels(name, { grad, ...w.inputs }, {}, w.read, (x) => {
      const d = K.sgd(device, { label: name, grad: x.grad, step: w.step(x), rows: c.rows, cols: c.cols, gradTransposed: c.gradTransposed });
      return [c.grid ? { ...d, workgroups: [c.grid[0], c.grid[1], 1] as const } : d];
    });
    out.push(...w.compare(name, got, Float64Array.from(c.gradTransposed ? ref.transpose(grad, c.cols, c.rows) : grad)));
  }
  return out;
}

export interface StepCase {
  sizes: number[]; rule: Rule; activation: Activation; n: number; seed: number; steps: number;
  learningRate: number; loss?: Loss; momentum?: number; weightDecay?: number; init?: InitScale;
  kernels?: K.KernelFamily;
  /** on a device with WebGPU's default limits (8 storage buffers a stage), not acquireDevice's */ defaultLimits?: boolean;
  /** setOptimizer before each step (the reference takes the same settings) */ perStep?: { learningRate: number; weightDecay: number; momentum?: number }[];
}

/**
 * Whole training steps through the public API against referenceStep. Each step starts the
 * reference from the GPU's own parameters and velocities, so the error reported is that of
 * one step. brsf's reference uses the magnitudes the GPU drew for that step.
 */
async function step(c: StepCase): Promise<Comparison[]> {
  return scoped(`step ${c.rule} [${c.sizes}]`, async () => {
    const { sizes, rule, activation, learningRate, loss, momentum, weightDecay, init, seed, kernels } = c;
    const net = await createNetwork({ sizes, rule, activation, learningRate, loss, momentum, weightDecay, init, seed, kernels, device: c.defaultLimits ? await defaultLimitsDevice() : device });
    try {
      const x = random(c.seed + 10, c.n * c.sizes[0]);
      const rng = new Pcg32(c.seed, 5);
      const classes = c.sizes[c.sizes.length - 1];
      const labels = Int32Array.from({ length: c.n }, () => rng.nextUint32() % classes);
      const out: Comparison[] = [];
      for (let s = 1; s <= c.steps; s++) {
        const settings = c.perStep?.[s - 1];
        if (settings) net.setOptimizer(settings);
        const cfg = { sizes: c.sizes, rule: c.rule, activation: c.activation, learningRate: c.learningRate, loss: c.loss, momentum: c.momentum, weightDecay: c.weightDecay, ...settings };
        const before = await net.getParameters();
        const vBefore = await net.getOptimizerState();
        const loss = await net.trainStep(x, labels);
        const grads = await net.getGradients();
        const after = await net.getParameters();
        const vAfter = await net.getOptimizerState();
        const used = c.rule === 'brsf' ? { ...before, feedback: after.feedback } : before;
        const want = ref.referenceStep(cfg, used, x, labels, c.n, vBefore);
        const tag = `${c.rule} ${c.activation} ${c.loss ?? 'xent'} μ=${cfg.momentum ?? 0} λ=${cfg.weightDecay ?? 0} η=${cfg.learningRate} [${c.sizes}] n=${c.n}${c.kernels ? ` ${c.kernels} kernels` : ''} step ${s}`;
        out.push(compare(`${tag} loss`, [loss], [want.loss], TOL));
        out.push(...compareLists(`${tag} dW`, grads.weights, want.gradWeights, TOL));
        out.push(...compareLists(`${tag} db`, grads.biases, want.gradBiases, TOL));
        out.push(...compareLists(`${tag} W`, after.weights, want.next.weights, TOL));
        out.push(...compareLists(`${tag} b`, after.biases, want.next.biases, TOL));
        // brsf's feedback after the step is the magnitudes it drew for it, which the reference
        // step was given (brsfDraws checks the draws): only their count can differ.
        if (c.rule === 'brsf') out.push(compare(`${tag} feedback tensors`, [after.feedback.length], [want.next.feedback.length], 0));
        else out.push(...compareLists(`${tag} feedback #`, after.feedback, want.next.feedback, c.rule === 'kp' ? TOL : 0));
        if (c.momentum) {
          out.push(...compareLists(`${tag} vW`, vAfter.weights, want.velocity.weights, TOL));
          out.push(...compareLists(`${tag} vb`, vAfter.biases, want.velocity.biases, TOL));
          out.push(...compareLists(`${tag} v feedback #`, vAfter.feedback, want.velocity.feedback, TOL));
        }
      }
      return out;
    } finally {
      net.destroy();
    }
  });
}

/**
 * Kolen-Pollack: W_{h+1} and B_{h+1}ᵀ get the same gradient, so with plain SGD
 * W − Bᵀ ← (1 − ηλ)(W − Bᵀ) each step. Returns ‖W − Bᵀ‖ before and after every step per layer
 * and the element-wise comparison with the predicted decay.
 */
async function kpDecay(c: { sizes: number[]; learningRate: number; weightDecay: number; steps: number; seed: number; n: number }) {
  return scoped('kpDecay', async () => {
    const net = await createNetwork({ sizes: c.sizes, rule: 'kp', learningRate: c.learningRate, weightDecay: c.weightDecay, seed: c.seed, device });
    try {
      const x = random(c.seed + 10, c.n * c.sizes[0]);
      const labels = Int32Array.from({ length: c.n }, (_, i) => i % c.sizes[c.sizes.length - 1]);
      const gap = (p: Parameters) => p.feedback.map((b, k) => {
        const w = p.weights[k + 1];
        const bT = ref.transpose(b, c.sizes[k + 2], c.sizes[k + 1]);
        return Float64Array.from(w, (v, i) => v - bT[i]);
      });
      const norm = (v: Float64Array) => Math.hypot(...v);
      const norms: number[][] = [];
      const comparisons: Comparison[] = [];
      let g = gap(await net.getParameters());
      norms.push(g.map(norm));
      const factor = 1 - c.learningRate * c.weightDecay;
      for (let s = 1; s <= c.steps; s++) {
        await net.trainStep(x, labels);
        const next = gap(await net.getParameters());
        next.forEach((d, k) => comparisons.push(compare(`W${k + 2} − B${k + 2}ᵀ after step ${s}`, d, g[k].map((v) => v * factor), 1e-4)));
        norms.push(next.map(norm));
        g = next;
      }
      return { norms, comparisons };
    } finally {
      net.destroy();
    }
  });
}

/** brsf: the magnitudes each step used, against the reference draw; and sign agreement. */
async function brsfDraws(c: { sizes: number[]; steps: number; seed: number; n: number; init?: InitScale }) {
  return scoped('brsfDraws', async () => {
    const net = await createNetwork({ sizes: c.sizes, rule: 'brsf', seed: c.seed, init: c.init, device });
    try {
      const x = random(c.seed + 10, c.n * c.sizes[0]);
      const labels = Int32Array.from({ length: c.n }, (_, i) => i % c.sizes[c.sizes.length - 1]);
      const comparisons: Comparison[] = [];
      const changed: boolean[] = [];
      let nonNegative = true, signsAgree = true;
      let previous = (await net.getParameters()).feedback;
      for (let s = 0; s < c.steps; s++) {
        await net.trainStep(x, labels);
        const p = await net.getParameters();
        p.feedback.forEach((m, k) => {
          const [rows, cols] = [c.sizes[k + 2], c.sizes[k + 1]];
          comparisons.push(compare(`M${k + 2} step ${s}`, m, ref.drawMagnitudes(drawKey(c.seed, k + 1), s, m.length, initStd(c.init ?? 0.2, rows, cols)), TOL));
          changed.push(m.some((v, i) => v !== previous[k][i]));
          if (m.some((v) => !(v >= 0))) nonNegative = false;
          // The feedback as used, M ⊙ sign(W)ᵀ, has the signs of Wᵀ wherever M > 0.
          const f = ref.signConcordant(m, p.weights[k + 1], rows, cols);
          const wT = ref.transpose(p.weights[k + 1], cols, rows);
          if (f.some((v, i) => m[i] > 0 && Math.sign(v) !== Math.sign(wT[i]))) signsAgree = false;
        });
        previous = p.feedback;
      }
      return { comparisons, changed, nonNegative, signsAgree };
    } finally {
      net.destroy();
    }
  });
}

/** Network.alignment against referenceAlignment on the same state and batch. */
async function alignment(c: { sizes: number[]; rule: Rule; activation: Activation; n: number; seed: number; trainSteps: number; kernels?: K.KernelFamily }) {
  return scoped('alignment', async () => {
    const net = await createNetwork({ sizes: c.sizes, rule: c.rule, activation: c.activation, seed: c.seed, learningRate: 0.1, kernels: c.kernels, device });
    try {
      const x = random(c.seed + 10, c.n * c.sizes[0]);
      const labels = Int32Array.from({ length: c.n }, (_, i) => (i * 7) % c.sizes[c.sizes.length - 1]);
      for (let s = 0; s < c.trainSteps; s++) await net.trainStep(x, labels);
      const got = await net.alignment(x, labels);
      const p = await net.getParameters();
      const want = ref.referenceAlignment({ sizes: c.sizes, rule: c.rule, activation: c.activation, learningRate: 0.1 }, p, x, labels, c.n);
      return { got, want };
    } finally {
      net.destroy();
    }
  });
}

/**
 * Does FA really use B and BP really use W2ᵀ? Same seed, same batch:
 * - FA with B replaced: dW2 must not move at all, dW1 must;
 * - FA with B := W2ᵀ must give BP's dW1.
 */
async function feedbackUse(c: { sizes: [number, number, number]; n: number; seed: number }) {
  return scoped('feedbackUse', async () => {
    const [inp, hid, outp] = c.sizes;
    const x = random(c.seed + 10, c.n * inp);
    const labels = Int32Array.from({ length: c.n }, (_, i) => i % outp);
    const nets: Network[] = [];
    const make = async (rule: Rule, edit?: (p: Parameters) => Partial<Parameters>) => {
      const net = await createNetwork({ sizes: c.sizes, rule, seed: c.seed, device });
      nets.push(net);
      if (edit) net.setParameters(edit(await net.getParameters()));
      await net.trainStep(x, labels);
      return net.getGradients();
    };
    try {
      const fa = await make('fa');
      const faOtherB = await make('fa', () => ({ feedback: [random(c.seed + 99, outp * hid, 0.2)] }));
      const bp = await make('bp');
      const faWithWt = await make('fa', (p) => ({ feedback: [Float32Array.from(ref.transpose(p.weights[1], hid, outp))] }));
      return {
        dW2ChangeWithB: compare('dW2 with another B', faOtherB.weights[1], fa.weights[1], 0),
        db2ChangeWithB: compare('db2 with another B', faOtherB.biases[1], fa.biases[1], 0),
        dW1ChangeWithB: compare('dW1 with another B', faOtherB.weights[0], fa.weights[0], 0),
        bpVsFaWithWt: compare('BP dW1 vs FA dW1 with B = W2ᵀ', faWithWt.weights[0], bp.weights[0], TOL),
        bpVsFa: compare('BP dW1 vs FA dW1', fa.weights[0], bp.weights[0], 0),
      };
    } finally {
      for (const n of nets) n.destroy();
    }
  });
}

export interface XorRun { seed: number | null; accuracy: number; referenceAccuracy: number; losses: number[] }

/**
 * The seed's XOR run (2-8-2, full batch, lr 0.05) on the GPU for each seed (null: the default
 * seed), with the float64 reference's outcome from the same initialisation beside it.
 */
async function xor(c: { seeds: (number | null)[]; steps: number; rule: Rule }): Promise<XorRun[]> {
  const { x, labels } = xorDataset();
  const runs: XorRun[] = [];
  for (const seed of c.seeds) {
    const run = await scoped(`xor seed ${seed}`, async () => {
      const net = await createNetwork({ sizes: [2, 8, 2], rule: c.rule, device, ...(seed === null ? {} : { seed }) });
      try {
        const cfg = { sizes: net.sizes, rule: net.rule, activation: net.activation, learningRate: net.learningRate };
        let p: ref.ReferenceParameters = await net.getParameters();
        const { losses } = await net.train(x, labels, { steps: c.steps, lossEvery: 200 });
        const logits = await net.predict(x);
        for (let s = 0; s < c.steps; s++) p = ref.referenceStep(cfg, p, x, labels, 4).next;
        const refLogits = ref.referenceForward(cfg, p, x, 4).logits;
        return {
          seed,
          accuracy: accuracy(logits, labels, 2),
          referenceAccuracy: accuracy(refLogits, labels, 2),
          losses: Array.from(losses.filter((_, i) => (i + 1) % 200 === 0)),
        };
      } finally {
        net.destroy();
      }
    });
    runs.push(run);
  }
  return runs;
}

/** A three-hidden-layer tanh network on two spirals, full batch, trained on the GPU. */
async function spirals(c: { rule: Rule; n: number; hidden: number; steps: number; learningRate: number; momentum: number; seed: number }) {
  return scoped(`spirals ${c.rule}`, async () => {
    const d = twoSpirals({ n: c.n, turns: 1.5, seed: c.seed });
    const net = await createNetwork({
      sizes: [2, c.hidden, c.hidden, c.hidden, 2], rule: c.rule, activation: 'tanh', init: 'xavier',
      learningRate: c.learningRate, momentum: c.momentum, seed: c.seed, device,
    });
    try {
      const { losses } = await net.train(d.x, d.labels, { steps: c.steps, lossEvery: c.steps });
      return { accuracy: accuracy(await net.predict(d.x), d.labels, 2), firstLoss: losses[0], finalLoss: losses[c.steps - 1] };
    } finally {
      net.destroy();
    }
  });
}

/**
 * fit() against a replay: the same network trained with trainStep on batches gathered on the
 * host in the same shuffled order must see the same losses; evaluate() against predict() and
 * the reference loss on its logits.
 */
async function fitReplay(c: { rule: Rule; n: number; batchSize: number; epochs: number; bytes: boolean; seed: number; kernels?: K.KernelFamily; normalization?: Normalization }) {
  return scoped('fitReplay', async () => {
    const source = blobs({ n: c.n, classes: 4, noise: 0.4, seed: c.seed });
    // As bytes, the set exercises the packed-u8 gather path; the features become 0..255.
    const data: Dataset = c.bytes ? { ...source, x: Uint8Array.from(source.x, (v) => Math.max(0, Math.min(255, Math.round(100 * v + 128)))) } : source;
    const test = blobs({ n: 333, classes: 4, noise: 0.4, seed: c.seed + 1 });
    const testData: Dataset = c.bytes ? { ...test, x: Uint8Array.from(test.x, (v) => Math.max(0, Math.min(255, Math.round(100 * v + 128)))) } : test;
    const options = { sizes: [2, 17, 4], rule: c.rule, seed: c.seed, learningRate: 0.3, momentum: 0.5, kernels: c.kernels, device };
    const a = await createNetwork(options);
    const b = await createNetwork(options);
    const t = await createNetwork(options);
    try {
      const epochLosses: number[] = [];
      const fitted = await a.fit(data, { epochs: c.epochs, batchSize: c.batchSize, test: testData, evalBatchSize: 100, normalization: c.normalization, onEpoch: (r) => { epochLosses.push(r.trainLoss); } });
      // As the GPU maps each value: in f32, feature by feature where the map has one per feature.
      const norm = (d: Dataset) => Float32Array.from(d.x, (v, i) => {
        const [scale, offset] = affineAt(fitted.normalization, i % d.features);
        return Math.fround(Math.fround(v * scale) + offset);
      });
      const xs = norm(data);
      const replay: number[] = [];
      for (let e = 0; e < c.epochs; e++) {
        const order = shuffledOrder(c.n, c.seed, e);
        const steps = Math.floor(c.n / c.batchSize);
        let sum = 0;
        for (let s = 0; s < steps; s++) {
          const rows = order.subarray(s * c.batchSize, (s + 1) * c.batchSize);
          const x = new Float32Array(c.batchSize * 2);
          rows.forEach((r, i) => x.set(xs.subarray(2 * r, 2 * r + 2), 2 * i));
          sum += await b.trainStep(x, Int32Array.from(rows, (r) => data.labels[r]));
        }
        replay.push(sum / steps);
      }
      // A trainer over the same data, run in uneven pieces across epoch ends, takes the same batches.
      const trainer = await t.trainer(data, { batchSize: c.batchSize, normalization: c.normalization });
      const perEpoch = trainer.stepsPerEpoch;
      const pieces = [3, perEpoch * c.epochs - 3 - 5, 5];
      const trainerLosses: number[] = [];
      const trainerEpochs: number[] = [];
      for (const k of pieces) {
        trainerLosses.push(...(await trainer.run(k)));
        trainerEpochs.push(trainer.epoch);
      }
      trainer.destroy();
      const pt = await t.getParameters();
      // A trainer counts its own steps: one made after other training starts at epoch 0.
      await t.train(Float32Array.from(data.x), data.labels, { steps: 2 * perEpoch + 1 });
      const late = await t.trainer(data, { batchSize: c.batchSize, normalization: c.normalization });
      const lateEpochs: number[] = [];
      for (const k of [perEpoch - 1, 1]) {
        await late.run(k);
        lateEpochs.push(late.epoch);
      }
      late.destroy();
      const trainerMeans = Array.from({ length: c.epochs }, (_, e) => trainerLosses.slice(e * perEpoch, (e + 1) * perEpoch).reduce((x, y) => x + y, 0) / perEpoch);
      const pa = await a.getParameters(), pb = await b.getParameters();
      const xt = norm(testData);
      const logits = await a.predict(xt);
      const want = ref.softmaxCrossEntropy(logits, testData.labels, testData.labels.length, 4);
      const last = fitted.epochs[c.epochs - 1].test!;
      return {
        losses: compare('epoch train loss, fit vs replay', epochLosses, replay, TOL),
        weights: pa.weights.map((w, k) => compare(`W${k + 1} after fit vs replay`, w, pb.weights[k], TOL)),
        trainer: [compare('epoch train loss, fit vs trainer', epochLosses, trainerMeans, 0), ...pa.weights.map((w, k) => compare(`W${k + 1} after fit vs trainer`, w, pt.weights[k], 0))],
        trainerEpochs,
        lateEpochs,
        perEpoch,
        testLoss: compare('test loss, evaluate vs reference on predict', [last.loss], [want.loss], TOL),
        testAccuracy: { got: last.accuracy, want: accuracy(logits, testData.labels, 4) },
        epochs: fitted.epochs.map((r) => ({ trainLoss: r.trainLoss, testAccuracy: r.test!.accuracy, seconds: r.seconds, gpuSeconds: r.gpuSeconds })),
        timestamps: device.features.has('timestamp-query'),
      };
    } finally {
      a.destroy();
      b.destroy();
      t.destroy();
    }
  });
}

/** A step schedule: the rate of each epoch, and the network's own rate afterwards. */
async function schedule() {
  return scoped('schedule', async () => {
    const options = { sizes: [2, 5, 3], learningRate: 0.4, momentum: 0.5, seed: 4, device };
    const net = await createNetwork(options);
    const replay = await createNetwork(options);
    try {
      const data = blobs({ n: 90, seed: 2 });
      const r = await net.fit(data, { epochs: 5, batchSize: 30, shuffle: false, schedule: { type: 'step', every: 2, gamma: 0.5 } });
      // The rates the GPU must have stepped with: one epoch at a time, each rate set beforehand
      // (in stored order, so that each one-epoch fit takes the same batches).
      for (let e = 0; e < 5; e++) {
        replay.setLearningRate(0.4 * 0.5 ** Math.floor(e / 2));
        await replay.fit(data, { epochs: 1, batchSize: 30, shuffle: false });
      }
      return { rates: r.epochs.map((e) => e.learningRate), after: net.learningRate, sameAsReplay: sameState(await stateOf(net), await stateOf(replay)) };
    } finally {
      net.destroy();
      replay.destroy();
    }
  });
}

/** A small Fashion-MNIST experiment, run in the page, with its reports. */
async function fashionExperiment(c: { trainRows: number; testRows: number; epochs: number }) {
  const { train, test } = await loadFashionMnist(`/@fs${FASHION_MNIST_DIR}`);
  const first = (d: Dataset, n: number) => subset(d, Array.from({ length: n }, (_, i) => i));
  return scoped('fashionExperiment', async () => {
    const runsSoFar: string[][] = [];
    const result = await runExperiment(first(train, c.trainRows), first(test, c.testRows), {
      data: 'fashion-mnist (subset)', sizes: [784, 32, 10], rules: ['bp', 'fa'], seeds: [1], epochs: c.epochs, batchSize: 50,
      learningRate: 0.01, momentum: 0.9, init: 'xavier', alignmentRows: 100,
    }, { device, onRun: (sofar) => { runsSoFar.push(sofar.runs.map((r) => r.rule)); } });
    return { json: toJson(result), csv: toCsv(result), svg: toSvg(result), summary: formatSummary(result), rules: summarize(result), runsSoFar };
  });
}

/** An experiment whose runs diverge: each is recorded with its finished epochs, and the summary leaves them out of its statistics. */
async function divergedExperiment() {
  return scoped('divergedExperiment', async () => {
    const data = blobs({ n: 120, classes: 3, seed: 3 });
    const result = await runExperiment(data, data, {
      // A calm first epoch, then a rate of 5 (the float64 reference diverges within 5 steps there
      // from the initial state): each run records at least one finished epoch.
      data: 'blobs', sizes: [2, 8, 3], rules: ['fa', 'bp'], seeds: [1], epochs: 4, batchSize: 10,
      learningRate: 0.05, schedule: { type: 'step', every: 1, gamma: 100 }, loss: 'mse', activation: 'linear', alignmentRows: 0,
    }, { device });
    return { runs: result.runs.map((r) => ({ rule: r.rule, epochs: r.epochs.length, diverged: r.diverged ?? null })), summary: formatSummary(result), rules: summarize(result), csv: toCsv(result), svg: toSvg(result) };
  });
}

const sameBits = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length && a.every((t, k) => t.length === b[k].length && t.every((v, i) => Object.is(v, b[k][i])));
const stateOf = async (net: Network) => ({ p: await net.getParameters(), v: await net.getOptimizerState() });
const sameState = (a: Awaited<ReturnType<typeof stateOf>>, b: Awaited<ReturnType<typeof stateOf>>) =>
  sameBits(a.p.weights, b.p.weights) && sameBits(a.p.biases, b.p.biases) && sameBits(a.p.feedback, b.p.feedback)
  && sameBits(a.v.weights, b.v.weights) && sameBits(a.v.biases, b.v.biases) && sameBits(a.v.feedback, b.v.feedback);
const errorOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
    return null;
  } catch (e) {
    return { name: (e as Error).name, code: (e as { code?: string }).code ?? null, message: (e as Error).message };
  }
};

/** Save, load into a new network, and train both: the states must stay bit-identical. */
async function checkpointRoundTrip(c: { rule: Rule; sizes: number[]; momentum: number }) {
  return scoped('checkpointRoundTrip', async () => {
    const a = await createNetwork({ sizes: c.sizes, rule: c.rule, momentum: c.momentum, weightDecay: 0.01, learningRate: 0.1, seed: 3, device });
    const x = random(7, 9 * c.sizes[0]);
    const labels = Int32Array.from({ length: 9 }, (_, i) => i % c.sizes[c.sizes.length - 1]);
    try {
      for (let s = 0; s < 3; s++) await a.trainStep(x, labels);
      const bytes = await a.saveCheckpoint();
      const b = await loadCheckpoint(bytes, { device });
      try {
        const saved = await stateOf(a);
        // The f32 values a checkpoint must hold: parameters, feedback, velocities.
        const values = [saved.p.weights, saved.p.biases, saved.p.feedback, saved.v.weights, saved.v.biases, saved.v.feedback].flat().reduce((n, t) => n + t.length, 0);
        const loadedEqual = sameState(saved, await stateOf(b));
        const la = await a.trainStep(x, labels), lb = await b.trainStep(x, labels);
        const trainedEqual = sameState(await stateOf(a), await stateOf(b)) && Object.is(la, lb);
        return { bytes: bytes.length, valueBytes: 4 * values, loadedEqual, trainedEqual, steps: [a.steps, b.steps] };
      } finally {
        b.destroy();
      }
    } finally {
      a.destroy();
    }
  });
}

/**
 * train() with mini-batches that wrap around x, its losses read in windows of 7, against
 * trainStep on the same batches sliced on the host: the same losses, the same state.
 */
async function trainReplay() {
  return scoped('trainReplay', async () => {
    const rows = 13, batch = 5, steps = 23, features = 3;
    const x = random(41, rows * features);
    const labels = Int32Array.from({ length: rows }, (_, i) => (i * 7) % 4);
    const options = { sizes: [features, 6, 4], rule: 'fa' as const, momentum: 0.9, seed: 12, device };
    const a = await createNetwork(options);
    const b = await createNetwork(options);
    try {
      const { losses } = await a.train(x, labels, { steps, batchSize: batch, lossEvery: 7 });
      const replay: number[] = [];
      for (let s = 0; s < steps; s++) {
        const picked = Array.from({ length: batch }, (_, i) => (s * batch + i) % rows);
        const bx = new Float32Array(batch * features);
        picked.forEach((r, i) => bx.set(x.subarray(r * features, (r + 1) * features), i * features));
        replay.push(await b.trainStep(bx, Int32Array.from(picked, (r) => labels[r])));
      }
      return { losses: Array.from(losses), replay, same: sameState(await stateOf(a), await stateOf(b)), steps: [a.steps, b.steps] };
    } finally {
      a.destroy();
      b.destroy();
    }
  });
}

/** Loss and accuracy of `logits` (from predict) by the float64 reference. */
function referenceEvaluation(logits: Float32Array, labels: Int32Array, classes: number) {
  return { loss: ref.softmaxCrossEntropy(logits, labels, labels.length, classes).loss, accuracy: accuracy(logits, labels, classes) };
}

/**
 * Every evaluation path against the reference loss and accuracy of predict's logits on rows
 * normalised on the host: fit's validation split and test set; evaluate() by default with the
 * map the network was trained with (fit's, a trainer's, a checkpoint's), on an untrained
 * network or after setParameters floats as they are and bytes ÷ 255, or an affine given; and a
 * trainer's evaluate().
 */
async function evaluations() {
  return scoped('evaluations', async () => {
    const nets: Network[] = [];
    const make = async (sizes: number[]) => {
      const n = await createNetwork({ sizes, learningRate: 0.2, momentum: 0.9, seed: 9, device });
      nets.push(n);
      return n;
    };
    const out: { name: string; got: { loss: number; accuracy: number }; want: { loss: number; accuracy: number } }[] = [];
    // net.normalization: fit's map, the loaded network's, null untrained and after setParameters
    const maps: boolean[] = [];
    const check = async (name: string, net: Network, got: { loss: number; accuracy: number }, d: Dataset, affine: Affine) => {
      const rows = normalizedRows(d, d.labels.length, affine);
      out.push({ name, got, want: referenceEvaluation(await net.predict(rows.x), rows.labels, d.classes) });
    };
    try {
      // Floats far from [0, 1], so that a normalisation applied or skipped by mistake shows.
      const data = blobs({ n: 117, classes: 3, noise: 0.8, seed: 21 });
      data.x = data.x.map((v) => 3 * v + 5);
      const test = blobs({ n: 41, classes: 3, noise: 0.8, seed: 22 });
      test.x = test.x.map((v) => 3 * v + 5);
      const net = await make([2, 6, 3]);
      const r = await net.fit(data, { epochs: 2, batchSize: 10, validationSplit: 0.25, test, evalBatchSize: 16 });
      const last = r.epochs[1];
      await check('fit validation', net, last.validation!, splitValidation(data, 0.25, 9).validation, r.normalization);
      await check('fit test', net, last.test!, test, r.normalization);
      // (fit's default 'unit' maps these floats, far from [0, 1], by a scale and offset far from 1 and 0)
      await check('evaluate after fit: fit\'s map by default', net, await net.evaluate(test, { batchSize: 7 }), test, r.normalization);
      await check('evaluate floats, an affine given', net, await net.evaluate(test, { normalization: { scale: 1, offset: 0 } }), test, { scale: 1, offset: 0 });
      const fresh = await make([2, 6, 3]);
      await check('evaluate floats, untrained: as they are', fresh, await fresh.evaluate(test), test, { scale: 1, offset: 0 });
      // A checkpoint keeps the map: the loaded network evaluates as the saved one.
      const loaded = await loadCheckpoint(await net.saveCheckpoint(), { device });
      nets.push(loaded);
      await check('evaluate after loadCheckpoint: the saved map', loaded, await loaded.evaluate(test), test, r.normalization);
      // Parameters from elsewhere: no map known, floats as they are again.
      const replaced = await make([2, 6, 3]);
      await replaced.fit(data, { epochs: 1, batchSize: 10 });
      replaced.setParameters(await net.getParameters());
      await check('evaluate after setParameters: as they are', replaced, await replaced.evaluate(test), test, { scale: 1, offset: 0 });
      // A trainer made and destroyed unrun trained nothing: no map.
      const idle = await make([2, 6, 3]);
      (await idle.trainer(data, { batchSize: 10, normalization: 'standardize' })).destroy();
      // The caller's copy is not the network's: changing it changes nothing here.
      const original = r.normalization.scale as number;
      r.normalization.scale = original * 2;
      const kept = net.normalization!.scale === original;
      r.normalization.scale = original;
      maps.push(JSON.stringify(net.normalization) === JSON.stringify(r.normalization), JSON.stringify(loaded.normalization) === JSON.stringify(r.normalization), fresh.normalization === null, replaced.normalization === null, idle.normalization === null, kept);

      const rng = new Pcg32(23, 1);
      const bytes: Dataset = { x: Uint8Array.from({ length: 53 * 4 }, () => rng.nextUint32() % 256), labels: Int32Array.from({ length: 53 }, (_, i) => i % 3), features: 4, classes: 3 };
      const byteNet = await make([4, 5, 3]);
      await byteNet.fit(bytes, { epochs: 1, batchSize: 8 });
      await check('evaluate bytes after fit', byteNet, await byteNet.evaluate(bytes), bytes, { scale: 1 / 255, offset: 0 });
      const freshBytes = await make([4, 5, 3]);
      await check('evaluate bytes, untrained: ÷ 255', freshBytes, await freshBytes.evaluate(bytes), bytes, { scale: 1 / 255, offset: 0 });
      const affine = { scale: 1 / 100, offset: -0.5 };
      await check('evaluate bytes, an affine given', byteNet, await byteNet.evaluate(bytes, { normalization: affine }), bytes, affine);

      const trainerNet = await make([2, 6, 3]);
      const trainer = await trainerNet.trainer(data, { batchSize: 10, test });
      await trainer.run(15);
      await check('trainer evaluate', trainerNet, await trainer.evaluate(), test, trainer.normalization);
      await check('evaluate after a trainer: its map', trainerNet, await trainerNet.evaluate(test), test, trainer.normalization);
      trainer.destroy();

      // A map per feature: the second feature 1000 times the first's range, each mapped on its own.
      const wide = (d: Dataset): Dataset => ({ ...d, x: (d.x as Float32Array).map((v, i) => (i % 2 ? 1000 * v - 7000 : v)) });
      const [wideData, wideTest] = [wide(data), wide(test)];
      const perNet = await make([2, 6, 3]);
      const per = await perNet.fit(wideData, { epochs: 2, batchSize: 10, test: wideTest, normalization: 'standardize-per-feature' });
      await check('fit test, a map per feature', perNet, per.epochs[1].test!, wideTest, per.normalization);
      await check('evaluate after fit, a map per feature', perNet, await perNet.evaluate(wideTest, { batchSize: 9 }), wideTest, per.normalization);
      const perLoaded = await loadCheckpoint(await perNet.saveCheckpoint(), { device });
      nets.push(perLoaded);
      await check('evaluate after loadCheckpoint, a map per feature', perLoaded, await perLoaded.evaluate(wideTest), wideTest, per.normalization);
      const perTrainerNet = await make([2, 6, 3]);
      const perTrainer = await perTrainerNet.trainer(wideData, { batchSize: 10, test: wideTest, normalization: 'unit-per-feature' });
      await perTrainer.run(12);
      await check('trainer evaluate, a map per feature', perTrainerNet, await perTrainer.evaluate(), wideTest, perTrainer.normalization);
      // the trainer's map is its own: a caller changing what it was given changes neither the trainer nor the network
      const given = perTrainer.normalization;
      (given.scale as number[])[0] = 1000;
      const trainerKept = (perTrainer.normalization.scale as number[])[0] !== 1000 && (perTrainerNet.normalization!.scale as number[])[0] !== 1000;
      await perTrainer.run(1);
      const stillKept = JSON.stringify(perTrainerNet.normalization) === JSON.stringify(perTrainer.normalization);
      perTrainer.destroy();
      // each feature standardised on its own (the host's normalizer, tested on its own in test/node):
      // scales some 1000 times apart, where one map for both would squash the first feature
      const [s0, s1] = per.normalization.scale as number[];
      // the arrays too are the caller's own: changing them changes nothing in the network
      (per.normalization.scale as number[])[0] = 0;
      (perNet.normalization!.scale as number[])[1] = 0;
      const arraysKept = JSON.stringify(perNet.normalization!.scale) === JSON.stringify([s0, s1]);
      (per.normalization.scale as number[])[0] = s0;
      maps.push(JSON.stringify(per.normalization) === JSON.stringify(normalizer(wideData, 'standardize-per-feature')) && s0 / s1 > 100,
        JSON.stringify(perLoaded.normalization) === JSON.stringify(per.normalization), arraysKept, trainerKept && stillKept);
      return { out, maps };
    } finally {
      for (const n of nets) n.destroy();
    }
  });
}

/**
 * restoreCheckpoint takes the checkpoint's optimizer settings too: a network made with others
 * then trains as the saved one does. setParameters puts weights and biases in place: read
 * back bit for bit, and a step from them as the reference steps.
 */
async function stateReplaced() {
  return scoped('stateReplaced', async () => {
    const x = random(31, 9 * 4);
    const labels = Int32Array.from({ length: 9 }, (_, i) => i % 3);
    const saved = await createNetwork({ sizes: [4, 7, 3], rule: 'fa', learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, seed: 2, device });
    const other = await createNetwork({ sizes: [4, 7, 3], rule: 'fa', learningRate: 0.3, momentum: 0.5, weightDecay: 0, seed: 3, device });
    const set = await createNetwork({ sizes: [4, 7, 3], rule: 'fa', learningRate: 0.2, momentum: 0, seed: 4, device });
    try {
      await saved.train(x, labels, { steps: 3 });
      await other.restoreCheckpoint(await saved.saveCheckpoint());
      const settings = [other.learningRate, other.momentum, other.weightDecay];
      await saved.train(x, labels, { steps: 4 });
      await other.train(x, labels, { steps: 4 });
      const trainsAlike = sameState(await stateOf(saved), await stateOf(other));

      const before = await set.getParameters();
      const weights = before.weights.map((w, k) => random(50 + k, w.length, 0.7));
      const biases = before.biases.map((b, k) => random(60 + k, b.length, 0.3));
      set.setParameters({ weights, biases });
      const p = await set.getParameters();
      const readBack = sameBits(p.weights, weights) && sameBits(p.biases, biases) && sameBits(p.feedback, before.feedback);
      const loss = await set.trainStep(x, labels);
      const after = await set.getParameters();
      const want = ref.referenceStep({ sizes: [4, 7, 3], rule: 'fa', activation: 'relu', learningRate: 0.2 }, { weights, biases, feedback: before.feedback }, x, labels, 9);
      const comparisons = [
        compare('loss after setParameters', [loss], [want.loss], TOL),
        ...compareLists('W after setParameters', after.weights, want.next.weights, TOL),
        ...compareLists('b after setParameters', after.biases, want.next.biases, TOL),
      ];
      return { settings, trainsAlike, readBack, comparisons };
    } finally {
      for (const n of [saved, other, set]) n.destroy();
    }
  });
}

/** Every kind of bad call on a trained network: each must fail with its code and change nothing. */
async function rejectedCalls() {
  return scoped('rejectedCalls', async () => {
    const net = await createNetwork({ sizes: [3, 5, 2], rule: 'fa', momentum: 0.9, seed: 2, device });
    const x = random(1, 12), labels = Int32Array.of(0, 1, 1, 0);
    await net.trainStep(x, labels);
    const before = await stateOf(net);
    const good = await net.saveCheckpoint();
    const other = await createNetwork({ sizes: [3, 6, 2], rule: 'fa', momentum: 0.9, device });
    const mismatched = await other.saveCheckpoint();
    other.destroy();
    const corrupted = Uint8Array.from(good);
    corrupted[corrupted.length - 10] ^= 0x40;
    // The same options, one tensor short (vW1 dropped): a well-formed file that is not this network's state.
    const decoded = decodeCheckpoint(good);
    const shortOne = encodeCheckpoint({ ...decoded, tensors: decoded.tensors.filter((t) => t.name !== 'vW1') });
    const nanX = Float32Array.from(x);
    nanX[4] = NaN;
    const data = { x: Float32Array.from(x), labels, features: 3, classes: 2 };
    const calls: [string, () => unknown][] = [
      ['x with the wrong width', () => net.trainStep(random(1, 10), labels)],
      ['x as a plain array', () => net.trainStep([1, 2, 3] as unknown as Float32Array, Int32Array.of(0))],
      ['labels out of range', () => net.trainStep(x, Int32Array.of(0, 1, 2, 0))],
      ['negative label', () => net.trainStep(x, Int32Array.of(0, -1, 1, 0))],
      ['labels of the wrong length', () => net.trainStep(x, Int32Array.of(0, 1))],
      ['NaN in x', () => net.trainStep(nanX, labels)],
      ['Infinity in x for train', () => net.train(Float32Array.of(1, 2, Infinity), Int32Array.of(0), { steps: 2 })],
      ['zero steps', () => net.train(x, labels, { steps: 0 })],
      ['batch larger than the data', () => net.train(x, labels, { steps: 1, batchSize: 5 })],
      ['NaN in a weight', () => net.setParameters({ weights: [new Float32Array(15).fill(NaN), new Float32Array(10)] })],
      ['a weight of the wrong shape', () => net.setParameters({ weights: [new Float32Array(14), new Float32Array(10)] })],
      ['feedback missing a matrix', () => net.setParameters({ feedback: [] })],
      ['negative learning rate', () => net.setLearningRate(-1)],
      ['momentum switched off', () => net.setOptimizer({ momentum: 0 })],
      ['a corrupted checkpoint', () => net.restoreCheckpoint(corrupted)],
      ['a checkpoint of other sizes', () => net.restoreCheckpoint(mismatched)],
      ['a checkpoint missing a tensor', () => net.restoreCheckpoint(shortOne)],
      ['alignment with bad labels', () => net.alignment(x, Int32Array.of(5, 0, 0, 0))],
      ['predict of the wrong width', () => net.predict(random(1, 7))],
      ['train steps past 1e8', () => net.train(x, labels, { steps: 1e9 })],
      ['evaluate with a NaN scale', () => net.evaluate(data, { normalization: { scale: NaN, offset: 0 } })],
      ['trainer without options', () => net.trainer(data, null as never)],
      ['trainer with a null test set', () => net.trainer(data, { batchSize: 2, test: null as never })],
      ['fit with shuffle "yes"', () => net.fit(data, { epochs: 1, batchSize: 2, shuffle: 'yes' as never })],
      ['traceStep with negative maxValues', () => net.traceStep(x, labels, { maxValues: -1 })],
      ['traceStep with undo not a boolean', () => net.traceStep(x, labels, { undo: 1 as never })],
      ['traceStep with an unknown option', () => net.traceStep(x, labels, { undone: true } as never)],
      ['setOptimizer(5)', () => net.setOptimizer(5 as never)],
      ['setOptimizer with a misspelt key', () => net.setOptimizer({ lr: 0.1 } as never)],
      ['train with a misspelt key', () => net.train(x, labels, { steps: 1, batchsize: 2 } as never)],
      ['setParameters with nothing', () => net.setParameters({})],
      ['setParameters with a misspelt key', () => net.setParameters({ weight: [] } as never)],
      ['fit with a schedule past the rates\' range', () => net.fit(data, { epochs: 3, batchSize: 2, schedule: { type: 'step', every: 1, gamma: 1e6 } })],
    ];
    // A trainer's refused run is a rejected promise, not a throw at the call.
    const trainer = await net.trainer(data, { batchSize: 2 });
    let refusedRun: unknown;
    try {
      refusedRun = trainer.run(0);
    } catch (e) {
      refusedRun = e;
    }
    const trainerRejects = refusedRun instanceof Promise;
    calls.push(['trainer.run(0)', () => refusedRun]);
    const results: { what: string; error: Awaited<ReturnType<typeof errorOf>> }[] = [];
    const stepsBefore = net.steps, rateBefore = net.learningRate;
    for (const [what, call] of calls) results.push({ what, error: await errorOf(call) });
    trainer.destroy();
    // None of them changed anything: parameters, velocities, steps, rate.
    const unchanged = sameState(await stateOf(net), before) && net.steps === stepsBefore && net.learningRate === rateBefore;
    // An overlapping call is refused while another runs.
    const running = net.train(x, labels, { steps: 50, lossEvery: 50 });
    results.push({ what: 'a call while train runs', error: await errorOf(() => net.trainStep(x, labels)) });
    await running;
    const afterRun = await stateOf(net);
    // Nothing diverged: restoreLastFinite would only rewind good steps (to the last window's
    // start, step 0 here), so it is refused, and the run's steps stay.
    const stepsAfterRun = net.steps;
    results.push({ what: 'restoreLastFinite after a run that finished', error: await errorOf(() => net.restoreLastFinite()) });
    const keptAfterRefusal = sameState(await stateOf(net), afterRun) && net.steps === stepsAfterRun;
    // The checkpoint saved before the rejected calls puts that state back, and forgets the states
    // the run copied: restoreLastFinite has none of this timeline to go back to.
    await net.restoreCheckpoint(good);
    results.push({ what: 'restoreLastFinite after a checkpoint restore', error: await errorOf(() => net.restoreLastFinite()) });
    const restored = await stateOf(net);
    // brsf draws from (seed, init): a checkpoint of another seed would not go on with the same draws.
    const brsf = (seed: number) => createNetwork({ sizes: [3, 5, 2], rule: 'brsf', seed, device });
    const [b2, b3] = [await brsf(2), await brsf(3)];
    const b3Checkpoint = await b3.saveCheckpoint();
    results.push({ what: 'a brsf checkpoint of another seed', error: await errorOf(() => b2.restoreCheckpoint(b3Checkpoint)) });
    b2.destroy();
    b3.destroy();
    net.destroy();
    results.push({ what: 'a call after destroy', error: await errorOf(() => net.trainStep(x, labels)) });
    return { results, unchanged, restoredEqual: sameState(restored, before), trainMoved: !sameState(afterRun, before), stepsRestored: net.steps === stepsBefore, trainerRejects, keptAfterRefusal };
  });
}

/**
 * A NaN or an infinity in the state behind finite losses: written into B2, which only the
 * backward pass reads (step 1's loss is finite), it stops train, fit and a trainer before their
 * first step; made by a step whose loss is finite (inputs of 1e35 and a rate of 1e6 take the
 * weights past f32's range), it stops train after it, and restoreLastFinite puts back the
 * state before it.
 */
async function hiddenNonFinite() {
  return scoped('hiddenNonFinite', async () => {
    const { x, labels } = xorDataset();
    const data: Dataset = { x, labels, features: 2, classes: 2 };
    const options = { sizes: [2, 8, 2], rule: 'fa' as const, momentum: 0.9, seed: 3, device };
    const poison = (net: Network) => {
      const b2 = net.describeStep(4).flatMap((d) => d.buffers).find((b) => b.label === 'B2')!;
      return () => device.queue.writeBuffer(b2, 4 * 5, Float32Array.of(NaN));
    };
    const poisoned = async () => {
      const net = await createNetwork(options);
      poison(net)();
      return net;
    };
    const big = x.map((v) => v * 1e35);
    const nets: Network[] = [];
    const keep = (n: Network) => (nets.push(n), n);
    try {
      // What the loss alone shows: each first step's loss is finite.
      const poisonedLoss = await keep(await poisoned()).trainStep(x, labels);
      const overflowLoss = await keep(await createNetwork({ ...options, learningRate: 1e6 })).trainStep(big, labels);

      const a = keep(await poisoned());
      const train = await errorOf(a.train(x, labels, { steps: 1, lossEvery: 1 }));
      const trainSteps = a.steps;
      const noGoodState = await errorOf(a.restoreLastFinite());
      // Its state still holds the NaN: a checkpoint of it would never load, so none is written.
      const save = await errorOf(a.saveCheckpoint());
      const fit = await errorOf(keep(await poisoned()).fit(data, { epochs: 2, batchSize: 2 }));
      const tr = await keep(await poisoned()).trainer(data, { batchSize: 2 });
      const trainer = await errorOf(tr.run(3));
      tr.destroy();

      // Later windows: NaN written from onProgress after window 1 is read lands behind window 2,
      // which was already submitted; window 3 (one step: its loss is finite) starts from it and
      // only its check after the steps can tell. (A test-only write between windows: the state
      // window 3 starts from is not the one window 2 was checked to leave.)
      // (describeStep is refused while a run is busy: the buffer is found before it.)
      const late = keep(await createNetwork(options));
      const poisonLate = poison(late);
      const trainLater = await errorOf(late.train(x, labels, { steps: 5, lossEvery: 2, onProgress: (p) => { if (p.step === 2) poisonLate(); } }));
      // fit likewise: epochs of one step, NaN written after epoch 1 lands behind epoch 2.
      const lateFit = keep(await createNetwork(options));
      const poisonLateFit = poison(lateFit);
      const fitLater = await errorOf(lateFit.fit(data, { epochs: 3, batchSize: 4, onEpoch: (r) => { if (r.epoch === 1) poisonLateFit(); } }));

      const hot = keep(await createNetwork({ ...options, learningRate: 1e6 }));
      const overflow = await errorOf(hot.train(big, labels, { steps: 1, lossEvery: 1 }));
      // Calls refused in between (too many profiled steps, a batch past the rows, x of another
      // width) change nothing: the divergence is still there to undo.
      const refusedBetween = [
        await errorOf(hot.profileStep(big, labels, { steps: 1024 })),
        await errorOf(hot.fit(data, { epochs: 1, batchSize: 100 })),
        await errorOf(hot.trainStep(new Float32Array(3 * labels.length), labels)),
      ];
      const restoredTo = await hot.restoreLastFinite();
      const fresh = keep(await createNetwork({ ...options, learningRate: 1e6 }));
      const restoredFresh = sameState(await stateOf(hot), await stateOf(fresh));
      return { poisonedLoss, overflowLoss, refusedBetween, train, trainSteps, noGoodState, save, fit, trainer, trainLater, fitLater, overflow, restoredTo, restoredFresh };
    } finally {
      for (const n of nets) n.destroy();
    }
  });
}

/**
 * onProgress throwing after the second window of five steps: the run stops with that error and
 * the network as after 10 steps (the third window, submitted before the readback, is undone).
 */
async function progressStop() {
  return scoped('progressStop', async () => {
    const x = random(3, 12), labels = Int32Array.of(0, 1, 1, 0);
    const options = { sizes: [3, 5, 2], momentum: 0.9, seed: 6, device };
    const a = await createNetwork(options);
    const b = await createNetwork(options);
    try {
      const seen: number[] = [];
      const error = await errorOf(a.train(x, labels, { steps: 20, lossEvery: 5, onProgress: (p) => {
        seen.push(p.step);
        if (p.step === 10) throw new Error('stop at 10');
      } }));
      const steps = a.steps;
      await b.train(x, labels, { steps: 10, lossEvery: 10 });
      const same = sameState(await stateOf(a), await stateOf(b));
      // and on from there as b does
      await a.train(x, labels, { steps: 3 });
      await b.train(x, labels, { steps: 3 });
      return { error, seen, steps, same, sameAfter: sameState(await stateOf(a), await stateOf(b)) };
    } finally {
      a.destroy();
      b.destroy();
    }
  });
}

/**
 * A readback that fails (injected: mapAsync rejects once for a buffer of that label) in the
 * middle of train, fit and a trainer's run: 'gpu-error', and the steps counted are the steps
 * that ran (the failed window's and the one running behind it), so that training on gives the
 * state a fresh run of that many steps reaches, bit for bit.
 */
async function readbackFailure() {
  return scoped('readbackFailure', async () => {
    const proto = GPUBuffer.prototype as unknown as { mapAsync: (...args: unknown[]) => Promise<undefined> };
    const original = proto.mapAsync;
    let failLabel = '', skip = 0;
    proto.mapAsync = function (this: GPUBuffer, ...args: unknown[]) {
      if (failLabel && this.label === failLabel && skip-- === 0) {
        failLabel = '';
        return Promise.reject(new Error('injected failure'));
      }
      return original.apply(this, args);
    };
    const failNext = (label: string, after = 0) => { failLabel = label; skip = after; };
    const { x, labels } = xorDataset();
    const data: Dataset = { x, labels, features: 2, classes: 2 };
    const options = { sizes: [2, 6, 2], rule: 'brsf' as const, momentum: 0.9, seed: 4, device };
    const nets: Network[] = [];
    const make = async () => {
      const n = await createNetwork(options);
      nets.push(n);
      return n;
    };
    try {
      // train, windows of 3: window 2's readback fails while window 3 runs: 9 steps ran
      const a = await make();
      failNext('train.losses1.readback');
      const train = await errorOf(a.train(x, labels, { steps: 12, lossEvery: 3 }));
      const trainSteps = a.steps;
      const fresh = await make();
      await fresh.train(x, labels, { steps: trainSteps, lossEvery: trainSteps });
      const trainSame = sameState(await stateOf(a), await stateOf(fresh));
      // (brsf's draws follow the GPU's step counter: training on must agree too)
      await a.train(x, labels, { steps: 2 });
      await fresh.train(x, labels, { steps: 2 });
      const trainSameAfter = sameState(await stateOf(a), await stateOf(fresh));

      // fit, epochs of 2 steps: epoch 2's readback fails while epoch 3 runs: 6 steps ran
      const b = await make();
      failNext('epoch.readback', 1);
      const fit = await errorOf(b.fit(data, { epochs: 5, batchSize: 2 }));
      const fitSteps = b.steps;
      const freshFit = await make();
      await freshFit.fit(data, { epochs: fitSteps / 2, batchSize: 2 });
      const fitSame = sameState(await stateOf(b), await stateOf(freshFit));

      // a trainer: its first run's readback fails; its epochs go on from the steps that ran
      const c = await make();
      const tc = await c.trainer(data, { batchSize: 2 });
      failNext('epoch.readback');
      const trainer = await errorOf(tc.run(5));
      const trainerSteps = c.steps;
      await tc.run(3);
      const trainerEpoch = tc.epoch;
      tc.destroy();
      const freshTrainerNet = await make();
      const td = await freshTrainerNet.trainer(data, { batchSize: 2 });
      await td.run(8);
      td.destroy();
      const trainerSame = sameState(await stateOf(c), await stateOf(freshTrainerNet));
      // traceStep: a readback part way through the step fails; the state is as before it
      const d = await make();
      await d.train(x, labels, { steps: 3 });
      const beforeTrace = await stateOf(d);
      const stepsBeforeTrace = d.steps;
      const lastLabel = d.describeStep(4).at(-1)!.label;
      failNext(`trace.${lastLabel}.readback`);
      const trace = await errorOf(d.traceStep(x, labels));
      const traceUndone = sameState(await stateOf(d), beforeTrace) && d.steps === stepsBeforeTrace;
      // and a trace that works afterwards is the step trainStep takes
      const e = await make();
      await e.train(x, labels, { steps: 3 });
      await d.traceStep(x, labels);
      await e.trainStep(x, labels);
      const traceThenSame = sameState(await stateOf(d), await stateOf(e)) && d.steps === e.steps;
      // profileStep: its timings' readback fails; the steps ran and are counted
      failNext('profile.readback');
      const profile = await errorOf(d.profileStep(x, labels, { steps: 2 }));
      const profileSteps = d.steps - e.steps;
      // trainStep likewise
      const stepsBeforeStep = d.steps;
      failNext('trainStep.readback');
      const trainStep = await errorOf(d.trainStep(x, labels));
      const trainStepCounted = d.steps - stepsBeforeStep;
      // fit stopped by onEpoch after epoch 1 while epoch 2's readback fails: epoch 2 ran, is
      // counted (its snapshot went with the failed read, so it cannot be undone)
      const f = await make();
      failNext('epoch.readback', 1);
      const stopped = await errorOf(f.fit(data, { epochs: 4, batchSize: 2, onEpoch: (r) => { if (r.epoch === 1) throw new Error('stop'); } }));
      const stoppedSteps = f.steps;
      const freshStopped = await make();
      await freshStopped.fit(data, { epochs: stoppedSteps / 2, batchSize: 2 });
      const stoppedSame = sameState(await stateOf(f), await stateOf(freshStopped));
      return { train, trainSteps, trainSame, trainSameAfter, fit, fitSteps, fitSame, trainer, trainerSteps, trainerEpoch, trainerSame, trace, traceUndone, traceThenSame, profile, profileSteps, trainStep, trainStepCounted, stopped, stoppedSteps, stoppedSame };
    } finally {
      proto.mapAsync = original;
      for (const n of nets) n.destroy();
    }
  });
}

/** A run that diverges stops with 'diverged'; restoreLastFinite puts back a state equal to a fresh run of that many steps. */
async function divergence() {
  return scoped('divergence', async () => {
    const options = { sizes: [2, 8, 2], rule: 'fa' as const, loss: 'mse' as const, activation: 'linear' as const, learningRate: 1.5, seed: 5, device };
    const { x, labels } = xorDataset();
    const net = await createNetwork(options);
    try {
      const error = await errorOf(net.train(x, labels, { steps: 400, lossEvery: 10 }));
      const stepsAtError = net.steps;
      const step = await net.restoreLastFinite();
      const restored = await net.getParameters();
      const fresh = await createNetwork(options);
      let same = false, finiteLoss = false;
      try {
        if (step > 0) await fresh.train(x, labels, { steps: step, lossEvery: step });
        same = sameBits(restored.weights, (await fresh.getParameters()).weights);
        finiteLoss = Number.isFinite(await net.trainStep(x, labels));
      } finally {
        fresh.destroy();
      }
      return { error, step, same, finiteLoss, stepsAtError };
    } finally {
      net.destroy();
    }
  });
}

/**
 * fit stopped while the epoch after the current one is already submitted (fit reads epoch e's
 * results while e + 1 runs): by onEpoch throwing after epoch 2 of 5, where the network must hold
 * the state a fresh 2-epoch fit reaches; and by a divergence, where restoreLastFinite must put
 * back the state a fresh fit of that many epochs reaches.
 */
async function fitStops() {
  return scoped('fitStops', async () => {
    const data = blobs({ n: 90, classes: 3, noise: 0.5, seed: 6 });
    const calm = { sizes: [2, 7, 3], rule: 'fa' as const, learningRate: 0.2, momentum: 0.9, seed: 8, device };
    const fit = { batchSize: 20, test: data, alignmentRows: 10 };
    const net = await createNetwork(calm);
    const fresh = await createNetwork(calm);
    const hot = { sizes: [2, 8, 3], rule: 'fa' as const, loss: 'mse' as const, activation: 'linear' as const, learningRate: 0.5, seed: 5, device };
    const wild = await createNetwork(hot);
    const again = await createNetwork(hot);
    try {
      const seen: number[] = [];
      const stopped = await errorOf(net.fit(data, { ...fit, epochs: 5, onEpoch: (r) => {
        seen.push(r.epoch);
        if (r.epoch === 2) throw new Error('stop after epoch 2');
      } }));
      const stepsAfterStop = net.steps;
      await fresh.fit(data, { ...fit, epochs: 2 });
      const sameAsTwoEpochs = sameState(await stateOf(net), await stateOf(fresh));
      // Usable afterwards, and on from the same state as the fresh network.
      const [a, b] = [await net.fit(data, { ...fit, epochs: 1 }), await fresh.fit(data, { ...fit, epochs: 1 })];
      const sameAfterMore = a.epochs[0].trainLoss === b.epochs[0].trainLoss && sameState(await stateOf(net), await stateOf(fresh));

      const diverged = await errorOf(wild.fit(data, { batchSize: 10, epochs: 500 }));
      const stepsAtError = wild.steps;
      const step = await wild.restoreLastFinite();
      let same = false;
      if (step > 0) {
        await again.fit(data, { batchSize: 10, epochs: step / 9 });
        same = sameBits((await wild.getParameters()).weights, (await again.getParameters()).weights);
      }
      // A trainer's run that diverges still moved its cursor by every step it ran.
      const tr = await again.trainer(data, { batchSize: 10 });
      const trainerDiverged = await errorOf(tr.run(2000));
      const trainerEpoch = tr.epoch;
      tr.destroy();
      return { stopped, seen, stepsAfterStop, sameAsTwoEpochs, sameAfterMore, diverged, stepsAtError, step, same, trainerDiverged, trainerEpoch };
    } finally {
      for (const n of [net, fresh, wild, again]) n.destroy();
    }
  });
}

/** A network on a device that is then lost: later calls say so; a checkpoint rebuilds it on another device. */
async function deviceLoss() {
  const other = await acquireDevice();
  const net = await createNetwork({ sizes: [2, 8, 2], rule: 'kp', momentum: 0.5, seed: 4, device: other });
  const { x, labels } = xorDataset();
  await net.train(x, labels, { steps: 20, lossEvery: 20 });
  const saved = await net.getParameters();
  const bytes = await net.saveCheckpoint();
  other.destroy();
  const info = await other.lost;
  const after = await errorOf(() => net.trainStep(x, labels));
  return scoped('deviceLoss rebuild', async () => {
    const rebuilt = await loadCheckpoint(bytes, { device });
    try {
      const p = await rebuilt.getParameters();
      return { reason: info.reason, after, same: sameBits(p.weights, saved.weights) && sameBits(p.feedback, saved.feedback), steps: rebuilt.steps };
    } finally {
      rebuilt.destroy();
      net.destroy();
    }
  });
}

/** Two runs of every rule from one seed on one adapter give bit-identical parameters. */
async function determinism(c: { steps: number }) {
  return scoped('determinism', async () => {
    const out: { rule: Rule; same: boolean }[] = [];
    const x = random(3, 16 * 5), labels = Int32Array.from({ length: 16 }, (_, i) => i % 3);
    for (const rule of ['fa', 'bp', 'dfa', 'usf', 'frsf', 'brsf', 'kp'] as const) {
      const run = async () => {
        const net = await createNetwork({ sizes: [5, 9, 7, 3], rule, momentum: 0.9, weightDecay: 1e-3, learningRate: 0.05, seed: 11, device });
        try {
          await net.train(x, labels, { steps: c.steps, batchSize: 5, lossEvery: c.steps });
          return await stateOf(net);
        } finally {
          net.destroy();
        }
      };
      out.push({ rule, same: sameState(await run(), await run()) });
    }
    return out;
  });
}

let plainDevice: GPUDevice | undefined;
/** A device with WebGPU's default limits, as a caller of createNetwork may pass (made once). */
async function defaultLimitsDevice(): Promise<GPUDevice> {
  plainDevice ??= await (await navigator.gpu.requestAdapter())!.requestDevice({ label: 'default limits' });
  return plainDevice;
}

/** The kernels each family puts in a step: shader and entry point of every product. */
async function kernelChoice() {
  return scoped('kernelChoice', async () => {
    type Key = K.KernelFamily | 'tiled, default limits' | 'split-k, default limits';
    const out: Record<Key, string[]> & { cpu?: boolean; takesLanes?: boolean; adapter?: string; wide?: string[]; tall?: string[]; lanesRefused?: string } = { auto: [], tiled: [], direct: [], lanes: [], 'split-k': [], pipelined: [], 'tiled, default limits': [], 'split-k, default limits': [] };
    out.cpu = K.isCpuAdapter(device);
    out.takesLanes = K.takesLanes(device);
    out.adapter = describeAdapter(device);
    const plain = await defaultLimitsDevice();
    // 'lanes' on a device made without 'subgroups' (as a caller's own device may be): refused
    // at createNetwork with device-limit, the device left as it was
    const made = trackBuffers(plain);
    try {
      await createNetwork({ sizes: [3, 4, 2], kernels: 'lanes', device: plain });
      out.lanesRefused = 'created';
    } catch (e) {
      out.lanesRefused = `${(e as { code?: string }).code}: ${(e as Error).message} (buffers left: ${made.live()})`;
    }
    const runs: [Key, K.KernelFamily, GPUDevice][] = [...K.KERNEL_FAMILIES.map((k) => [k, k, device] as [Key, K.KernelFamily, GPUDevice]), ['tiled, default limits', 'tiled', plain], ['split-k, default limits', 'split-k', plain]];
    for (const [key, kernels, on] of runs) {
      if (kernels === 'lanes' && !out.takesLanes) continue;
      // K = 300 in the first layer's forward product and 260 in the third's, 260 classes in the
      // first hidden signal (e = δ2): split-K makes 4 chunks of each
      const net = await createNetwork({ sizes: [300, 6, 260, 3], kernels, device: on });
      try {
        out[key] = net.describeStep(7).filter((d) => /^matmul|^hidden_signal$|^column_sum$|^bias_activation$|^softmax_cross_entropy$|^sgd$/.test(d.shader)).map((d) => `${d.label} ${d.shader}:${d.entryPoint}${d.workgroups[2] > 1 ? ` ×${d.workgroups[2]}` : ''}`);
      } finally {
        net.destroy();
      }
    }
    // 1,100,000 columns: 'lanes' (16 a workgroup) would need 68,750 workgroups in x, past the
    // limit, so the family's forced lanes give way to the serial form there
    const wide = await createNetwork({ sizes: [1, 1_100_000, 2], kernels: 'pipelined', device });
    try {
      out.wide = wide.describeStep(1).filter((d) => d.shader === 'column_sum').map((d) => `${d.label} ${d.shader}:${d.entryPoint} ${d.workgroups.join('×')}`);
    } finally {
      wide.destroy();
    }
    // A fan-in of 1,048,600: dW1 [1,048,600×3] would need 65,539 rows of matmul_lanes's
    // workgroups (16 rows each, and the sums' row), past the limit of 65,535: auto gives that
    // product matmul_direct (64 rows a workgroup) and keeps lanes for the others
    if (out.takesLanes) {
      const tall = await createNetwork({ sizes: [1_048_600, 3, 2], device });
      try {
        out.tall = tall.describeStep(1).filter((d) => /^matmul/.test(d.shader)).map((d) => `${d.label} ${d.shader}:${d.entryPoint} ${d.workgroups.join('×')}`);
      } finally {
        tall.destroy();
      }
    }
    return out;
  });
}

/**
 * profileStep and traceStep train exactly as trainStep does (bit for bit, brsf's redraw and
 * momentum included), list every kernel of describeStep in order, and give GPU times where the
 * device has timestamps; bad step counts change nothing.
 */
/**
 * traceStep with undo on a (b, its twin, at the same state): the trace shows the same step as
 * without undo, and afterwards a is as before it (state, velocities, step count; for brsf the
 * GPU's step counter, which its redraws follow): a's next step is b's.
 */
async function undoneTrace(a: Network, b: Network) {
  const x = random(6, 13 * 6), labels = Int32Array.from({ length: 13 }, (_, i) => (i * 3) % 4);
  const stepsBefore = a.steps;
  const before = await stateOf(a);
  const undone = await a.traceStep(x, labels, { undo: true });
  const sameAfterUndo = sameState(before, await stateOf(a)) && a.steps === stepsBefore;
  // The same step without undo, on the twin: the same values, dispatch by dispatch.
  const kept = await b.traceStep(x, labels);
  const values = (t: TraceEntry[]) => t.flatMap((e) => e.outputs.map((o) => (o.after ? Array.from(o.after) : null)));
  const undoneShowsTheStep = JSON.stringify(values(undone)) === JSON.stringify(values(kept));
  // a now takes the step b took, from the same state: bit for bit the same.
  await a.trainStep(x, labels);
  return { sameAfterUndo, undoneShowsTheStep, sameAfterNextStep: sameState(await stateOf(a), await stateOf(b)) && a.steps === b.steps };
}

async function profiling(c: { steps: number }) {
  return scoped('profiling', async () => {
    const x = random(5, 13 * 6), labels = Int32Array.from({ length: 13 }, (_, i) => i % 4);
    const out: { rule: Rule; sameAsTrainSteps: boolean; sameAfterTrace: boolean; sameAfterUndo: boolean; undoneShowsTheStep: boolean; sameAfterNextStep: boolean; traced: string[]; traceMismatches: string[]; labels: string[]; describe: string[]; ms: number[]; gflops: (number | null)[]; shaders: string[]; traceMs: (number | null)[]; steps: number; rejected: (string | null)[] }[] = [];
    for (const rule of ['fa', 'bp', 'brsf'] as const) {
      const make = () => createNetwork({ sizes: [6, 11, 9, 4], rule, momentum: 0.9, learningRate: 0.05, seed: 5, device });
      const [a, b] = [await make(), await make()];
      try {
        const before = await stateOf(a);
        const rejected = [];
        for (const steps of [0, 2.5, 100_000]) rejected.push((await errorOf(a.profileStep(x, labels, { steps })))?.code ?? null);
        rejected.push(sameState(before, await stateOf(a)) ? null : 'changed');
        const kernels = await a.profileStep(x, labels, { steps: c.steps });
        for (let i = 0; i < c.steps; i++) await b.trainStep(x, labels);
        const sameAsTrainSteps = sameState(await stateOf(a), await stateOf(b));
        const stateBefore = await stateOf(a);
        const trace = await a.traceStep(x, labels);
        await b.trainStep(x, labels);
        // Each tensor the trace shows: its first writer's 'before' is the state before the step,
        // its last writer's 'after' the state (or gradient) after it, bit for bit.
        const stateAfter = await stateOf(a), grads = await a.getGradients();
        const tensors = (v: { weights: Float32Array[]; biases: Float32Array[] }, prefix = '') => Object.fromEntries([
          ...v.weights.map((t, k) => [`${prefix}W${k + 1}`, t]), ...v.biases.map((t, k) => [`${prefix}b${k + 1}`, t]),
        ]) as Record<string, Float32Array>;
        const initial: Record<string, Float32Array> = { ...tensors(stateBefore.p), ...tensors(stateBefore.v, 'v') };
        const after: Record<string, Float32Array> = { ...tensors(stateAfter.p), ...tensors(stateAfter.v, 'v'), ...tensors(grads, 'd') };
        const firstWrite: Record<string, Float32Array | Int32Array | Uint32Array | null> = {}, lastWrite: typeof firstWrite = {};
        for (const entry of trace) {
          for (const o of entry.outputs) {
            const name = /: (\S+) \[/.exec(o.binding)?.[1];
            if (!name || !(name in after)) continue;
            if (!(name in firstWrite)) firstWrite[name] = o.before;
            lastWrite[name] = o.after;
          }
        }
        const same = (x: ArrayLike<number> | null, y: ArrayLike<number>) => x !== null && x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
        const traceMismatches = Object.keys(lastWrite).filter((n) => !same(lastWrite[n], after[n]) || (n in initial && !same(firstWrite[n], initial[n])));
        out.push({
          rule, sameAsTrainSteps, sameAfterTrace: sameState(await stateOf(a), await stateOf(b)), traced: Object.keys(lastWrite).sort(), traceMismatches,
          ...(await undoneTrace(a, b)),
          labels: kernels.map((k) => k.label), describe: a.describeStep(13).map((d) => d.label),
          ms: kernels.map((k) => k.ms), gflops: kernels.map((k) => k.gflops), shaders: kernels.map((k) => k.shader),
          traceMs: trace.map((t) => t.ms), steps: a.steps, rejected,
        });
      } finally {
        a.destroy(); b.destroy();
      }
    }
    return { timestamps: device.features.has('timestamp-query'), runs: out };
  });
}

/**
 * Live GPU buffers on an instrumented device across create/train/fit/checkpoint/destroy cycles
 * and across a 10,000-step run: the count must come back to where it started and not grow.
 */
async function bufferCount(c: { longSteps: number }) {
  const counted = await acquireDevice();
  const buffers = trackBuffers(counted);
  try {
    const baseline = buffers.live();
    const afterCycle: number[] = [];
    const { x, labels } = xorDataset();
    const data = blobs({ n: 60, classes: 2, seed: 1 });
    for (let cycle = 0; cycle < 3; cycle++) {
      const net = await createNetwork({ sizes: [2, 8, 2], rule: cycle === 1 ? 'brsf' : 'kp', momentum: 0.9, device: counted });
      await net.trainStep(x, labels);
      await net.train(x, labels, { steps: 30, lossEvery: 10 });
      await net.predict(x);
      await net.alignment(x, labels);
      await net.fit(data, { epochs: 2, batchSize: 16, test: data, validationSplit: 0.2, alignmentRows: 8 });
      await net.evaluate(data);
      await net.restoreCheckpoint(await net.saveCheckpoint());
      // A trainer left open goes with its network.
      const trainer = await net.trainer(data, { batchSize: 16, test: data });
      await trainer.run(5);
      net.destroy();
      afterCycle.push(buffers.live() - baseline);
    }
    // destroy() during a run: fit stops at the epoch's end, then everything goes.
    const doomed = await createNetwork({ sizes: [2, 8, 2], rule: 'fa', momentum: 0.9, device: counted });
    const stopped = await errorOf(doomed.fit(data, { epochs: 5, batchSize: 16, test: data, onEpoch: (r) => { if (r.epoch === 1) doomed.destroy(); } }));
    const afterStop = await errorOf(() => doomed.getParameters());
    const afterDestroyedRun = buffers.live() - baseline;
    const net = await createNetwork({ sizes: [2, 8, 2], rule: 'fa', device: counted });
    const during: number[] = [];
    await net.train(x, labels, { steps: c.longSteps, lossEvery: 1000, onProgress: () => { during.push(buffers.live() - baseline); } });
    net.destroy();
    return { afterCycle, stopped, afterStop, afterDestroyedRun, during, afterLong: buffers.live() - baseline };
  } finally {
    counted.destroy();
  }
}

/** Sizes past the device's limits fail with 'device-limit' and leave no buffer behind. */
async function limits() {
  const counted = await acquireDevice();
  const buffers = trackBuffers(counted);
  try {
    const baseline = buffers.live();
    const huge = await errorOf(createNetwork({ sizes: [2, 70_000, 70_000, 2], device: counted }));
    const afterHuge = buffers.live() - baseline;
    const net = await createNetwork({ sizes: [2, 50_000, 2], device: counted });
    const before = await net.getParameters();
    const live = buffers.live();
    const batch = await errorOf(net.trainStep(new Float32Array(2 * 100_000), new Int32Array(100_000)));
    const afterBatch = buffers.live() - live;
    const unchanged = sameBits((await net.getParameters()).weights, before.weights);
    // fit whose alignment rows are past the limits fails before its first step (the training
    // batch's graph is made beforehand, by predict: graphs are kept between calls).
    const rows = 6000;
    const big = { x: Float32Array.from({ length: 2 * rows }, (_, i) => (i % 7) / 7), labels: Int32Array.from({ length: rows }, (_, i) => i % 2), features: 2, classes: 2 };
    await net.predict(new Float32Array(2 * 1000));
    const live3 = buffers.live();
    const probe = await errorOf(net.fit(big, { epochs: 1, batchSize: 1000, alignmentRows: rows }));
    const afterProbe = buffers.live() - live3;
    // (and no map recorded: evaluate's default and the next checkpoint are as before)
    const probeUnchanged = sameBits((await net.getParameters()).weights, before.weights) && net.steps === 0 && net.normalization === null;
    net.destroy();
    const wide = await createNetwork({ sizes: [1, 6_000_000, 2], device: counted });
    const live2 = buffers.live();
    const grid = await errorOf(wide.trainStep(Float32Array.of(1), Int32Array.of(0)));
    const afterGrid = buffers.live() - live2;
    wide.destroy();
    return { huge, afterHuge, batch, afterBatch, unchanged, probe, afterProbe, probeUnchanged, grid, afterGrid, end: buffers.live() - baseline, maxBinding: counted.limits.maxStorageBufferBindingSize };
  } finally {
    counted.destroy();
  }
}

/** With one hidden layer, fa and dfa are the same rule: same B, same steps, bit for bit. */
async function faEqualsDfa() {
  return scoped('faEqualsDfa', async () => {
    const x = random(2, 12 * 5), labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const states = [];
    for (const rule of ['fa', 'dfa'] as const) {
      const net = await createNetwork({ sizes: [5, 17, 3], rule, momentum: 0.9, seed: 8, device });
      try {
        await net.train(x, labels, { steps: 20, lossEvery: 20 });
        states.push(await stateOf(net));
      } finally {
        net.destroy();
      }
    }
    return sameState(states[0], states[1]);
  });
}

/** Network.activations against the reference forward pass. */
async function activations(c: { sizes: number[]; activation: Activation; n: number; seed: number }) {
  return scoped('activations', async () => {
    const net = await createNetwork({ sizes: c.sizes, activation: c.activation, seed: c.seed, device });
    try {
      const x = random(c.seed, c.n * c.sizes[0]);
      const got = await net.activations(x);
      const want = ref.referenceForward({ sizes: c.sizes, rule: 'fa', activation: c.activation, learningRate: 0.1 }, await net.getParameters(), x, c.n).hidden.slice(1);
      return got.map((h, k) => compare(`h${k + 1}`, h, want[k], TOL));
    } finally {
      net.destroy();
    }
  });
}

const harness = {
  adapter: async () => describeAdapter(device),
  /** Whether the device runs matmul_lanes (subgroups of 4: SwiftShader in Chromium, which reliability.test.ts requires to) */
  takesLanes: async () => K.takesLanes(device),
  storageBuffersPerStage: async () => device.limits.maxStorageBuffersPerShaderStage,
  matmul, biasActivation, softmaxCrossEntropy, mseLoss, hiddenSignal, columnSum, sgd, feedbackDraw, alignmentKernels, gather, correctRows,
  step, feedbackUse, kpDecay, brsfDraws, alignment, xor, spirals, fitReplay, fashionExperiment, divergedExperiment, finiteCheck, hiddenNonFinite, trainReplay, evaluations, stateReplaced, progressStop, readbackFailure,
  checkpointRoundTrip, rejectedCalls, divergence, fitStops, deviceLoss, determinism, bufferCount, limits, faEqualsDfa, activations, schedule,
  profiling, kernelChoice,
};
export type Harness = typeof harness;

declare global {
  interface Window { harness: Harness; harnessReady: true | string }
}
window.harness = harness;
window.harnessReady = true;
