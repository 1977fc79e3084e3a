/**
 * Ours against TensorFlow.js 4.22's webgpu backend, side by side on one adapter in one process:
 * the same training step (FA written with tf ops as a user of tf.js would; BP through
 * optimizer.minimize), per-kernel profiles of our step, and every matmul variant on the
 * networks' shapes beside tf.matMul; on request our epochs of fit. Runs wherever tf.js's webgpu backend does: a browser page
 * (npm run bench) or Deno / Node with dawn.node (fa-webgpu compare). Each figure is timed over
 * a run ended by reading a value back, after a warm-up; tables go to `log`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { describeAdapter, describeLimits } from '../src/index.js';
import { isCpuAdapter } from '../src/kernels/kernels.js';
import { Pcg32 } from '../src/model/rng.js';
import { benchData, deviceRecord, DEFAULT_COMPARE_PARTS, type Recorder, logEpochs, logMatmulSweep, logProfile, networkMatmuls, perSecond, STEP_CONFIGS, stepConfigs, stepRunner, type ComparePart, type MatmulCase, type StepConfig } from './bench.js';

export interface CompareOptions {
  /** which of STEP_CONFIGS (ids); default all */
  configs?: string[];
  /** default DEFAULT_COMPARE_PARTS (all but 'epochs') */
  parts?: ComparePart[];
  /** seconds per timed figure (ours and tf.js alike) */
  seconds: number;
}

/**
 * tf.js on its webgpu backend, sharing nothing with our device. Under Node, import this module
 * after acquireDevice: that puts dawn.node's GPU at navigator.gpu, where tf.js's backend looks
 * when its module loads.
 */
export async function setupTfjs(): Promise<string> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js: the webgpu backend did not start');
  await tf.ready();
  return `TensorFlow.js ${tf.version_core} (${tf.getBackend()})`;
}

export async function runCompare(device: GPUDevice, options: CompareOptions, log: (line: string) => void, record: Recorder = () => {}): Promise<void> {
  const configs = stepConfigs(options.configs ?? STEP_CONFIGS.map((c) => c.id));
  const parts = options.parts ?? [...DEFAULT_COMPARE_PARTS];
  const seconds = options.seconds;
  log(`adapter: ${describeAdapter(device)}; TensorFlow.js ${tf.version_core} (${tf.getBackend()}); ${new Date().toISOString().slice(0, 10)}`);
  log(`limits: ${describeLimits(device)}`);
  // tf.js asks for its own adapter: name it, so that a run on two different GPUs shows.
  const tfDevice = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (tfDevice) log(`TensorFlow.js's adapter: ${describeAdapter(tfDevice)}`);
  record({ ...deviceRecord(device), tfjs: { version: tf.version_core, backend: tf.getBackend(), adapter: tfDevice ? describeAdapter(tfDevice) : null } });
  if (parts.includes('steps')) {
    log(`\ntraining steps per second, each side ${ROUNDS} timed runs alternated with the other's (each ended by one readback): the medians, their ratio and the range of the rounds' ratios`);
    log('config                 batch   ours FA  tf.js FA  ratio (range)          ours BP  tf.js BP  ratio (range)');
    const f = (v: number) => v.toFixed(v < 10 ? 2 : v < 1000 ? 1 : 0).padStart(9);
    const r = (x: SideBySide) => `${x.ratio.toFixed(1).padStart(6)}× (${x.lo.toFixed(1)}–${x.hi.toFixed(1)})`.padEnd(22);
    for (const c of configs) {
      // ours: the warmed-up steps bench times (Network.train, the losses read back once a run)
      const fa = await sideBySide(() => stepRunner(device, c, 'fa'), () => tfStepper(c, false), seconds);
      const bp = await sideBySide(() => stepRunner(device, c, 'bp'), () => tfStepper(c, true), seconds);
      for (const [rule, x] of [['fa', fa], ['bp', bp]] as const) {
        record({ kind: 'compare', config: c.id, batch: c.batch, rule, ours: x.a, tfjs: x.b, ratio: x.ratio, ratioRange: [x.lo, x.hi], rounds: ROUNDS });
      }
      log(`${c.name.padEnd(20)} ${String(c.batch).padStart(6)} ${f(fa.a)} ${f(fa.b)} ${r(fa)} ${f(bp.a)} ${f(bp.b)} ${r(bp)}`.trimEnd());
      // Where tf.js's FA step is much slower than its own BP step, which does as much arithmetic, say so.
      if (fa.b < 0.75 * bp.b) log(`  (tf.js's FA step runs at ${(100 * fa.b / bp.b).toFixed(0)}% of its BP step's rate here)`);
    }
  }
  if (parts.includes('profile')) {
    for (const c of configs) await logProfile(device, c, seconds, log, undefined, record);
  }
  if (parts.includes('matmul')) {
    // Square products (up to 4096³ on a GPU; a CPU adapter takes half a minute for one 4096³),
    // and the networks' own. XOR's are a few dozen multiply-adds: launch cost only, which the
    // steps show.
    const squares: MatmulCase[] = (isCpuAdapter(device) ? [256] : [256, 1024, 4096]).map((n) => ({ M: n, N: n, K: n }));
    const shapes = [...squares, ...networkMatmuls(configs.filter((c) => c.id !== 'xor'), squares)];
    await logMatmulSweep(device, shapes, seconds, log, [{ name: 'tf.matMul', msEach: (mc) => tfMatmul(mc, seconds) }], record);
  }
  // Ours alone: to set TensorFlow.js beside it, divide the steps of an epoch by its steps/s above.
  if (parts.includes('epochs')) await logEpochs(device, configs, 2, log, undefined, record);
}

/** Timed runs of each side of a comparison. */
const ROUNDS = 3;

/** One side: n training steps and a wait for them. */
interface Stepper {
  run(n: number): Promise<void>;
  dispose(): void;
}

/** tf.js's step (tfStep), the run ended by reading W1 back. */
function tfStepper(c: StepConfig, viaOptimizer: boolean): Stepper {
  const s = tfStep(c, viaOptimizer);
  return {
    run: async (n) => {
      for (let i = 0; i < n; i++) s.step();
      await s.sync();
    },
    dispose: s.dispose,
  };
}

interface SideBySide { a: number; b: number; ratio: number; lo: number; hi: number }

/**
 * Steps per second of two sides, fairly: each warmed up and calibrated to runs of about
 * seconds / ROUNDS, then ROUNDS runs of each, a's and b's alternated (and which goes first),
 * so that drift (clocks, another process) falls on both; the median rates, their ratio, and the range of the rounds'
 * own ratios. Both sides are made here and disposed, whatever fails.
 */
async function sideBySide(makeA: () => Promise<Stepper>, makeB: () => Stepper, seconds: number): Promise<SideBySide> {
  const a = await makeA();
  let b: Stepper;
  try {
    b = makeB();
  } catch (e) {
    a.dispose();
    throw e;
  }
  try {
    const per = seconds / ROUNDS;
    const na = (await perSecond((n) => a.run(n), per)).n;
    const nb = (await perSecond((n) => b.run(n), per)).n;
    const rate = async (side: Stepper, n: number) => {
      const t0 = performance.now();
      await side.run(n);
      return n / ((performance.now() - t0) / 1000);
    };
    const ra: number[] = [], rb: number[] = [];
    // a b, b a, a b: which side goes first alternates too, so that steady drift favours neither.
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        ra.push(await rate(a, na));
        rb.push(await rate(b, nb));
      } else {
        rb.push(await rate(b, nb));
        ra.push(await rate(a, na));
      }
    }
    const ratios = ra.map((v, i) => v / rb[i]);
    const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
    return { a: median(ra), b: median(rb), ratio: median(ra) / median(rb), lo: Math.min(...ratios), hi: Math.max(...ratios) };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * The FA step written with tf ops as a user of tf.js would, its gradients applied by the same
 * SGD optimizer that BP's optimizer.minimize uses (one update path for both tf.js sides, its
 * learning rate a scalar the optimizer keeps); constants made once, not in every step.
 */
function tfStep(c: StepConfig, viaOptimizer: boolean) {
  const L = c.sizes.length - 1;
  const rng = new Pcg32(1, 1);
  // Everything made here, so that a failure part way (out of memory) frees it: the variables'
  // names (W1, b1, …) would otherwise stay registered and refuse the next comparison.
  const made: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T) => { made.push(t); return t; };
  let W: tf.Variable[], b: tf.Variable[], B: tf.Tensor2D[], x: tf.Tensor2D, y: tf.Tensor, perRow: tf.Scalar;
  try {
    // Each initial value is freed by tidy once its variable holds it.
    W = Array.from({ length: L }, (_, k) => keep(tf.tidy(() => tf.variable(tf.tensor2d(rng.normalArray(c.sizes[k] * c.sizes[k + 1], 0.05), [c.sizes[k], c.sizes[k + 1]]), true, `W${k + 1}`))));
    b = Array.from({ length: L }, (_, k) => keep(tf.tidy(() => tf.variable(tf.zeros([c.sizes[k + 1]]), true, `b${k + 1}`))));
    B = Array.from({ length: L - 1 }, (_, k) => keep(tf.tensor2d(new Pcg32(2 + k, 2).normalArray(c.sizes[k + 2] * c.sizes[k + 1], 0.05), [c.sizes[k + 2], c.sizes[k + 1]])));
    const { x: xs, labels } = benchData(c);
    x = keep(tf.tensor2d(xs, [c.batch, c.sizes[0]]));
    y = keep(tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), c.sizes[L])));
    perRow = keep(tf.scalar(1 / c.batch));
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
  const optimizer = tf.train.sgd(0.01);
  const lossOf = () => {
    let h: tf.Tensor2D = x;
    for (let k = 0; k < L; k++) {
      const a = tf.add(tf.matMul(h, W[k]), b[k]) as tf.Tensor2D;
      h = k === L - 1 ? a : tf.relu(a);
    }
    return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
  };
  const faStep = () => tf.tidy(() => {
    const pre: tf.Tensor2D[] = [];
    const hs: tf.Tensor2D[] = [x];
    for (let k = 0; k < L; k++) {
      const a = tf.add(tf.matMul(hs[k], W[k]), b[k]) as tf.Tensor2D;
      pre.push(a);
      if (k < L - 1) hs.push(tf.relu(a));
    }
    let delta = tf.mul(tf.sub(tf.softmax(pre[L - 1]), y), perRow) as tf.Tensor2D;
    const grads: Record<string, tf.Tensor> = {};
    for (let k = L - 1; k >= 0; k--) {
      grads[`W${k + 1}`] = tf.matMul(hs[k], delta, true, false);
      grads[`b${k + 1}`] = tf.sum(delta, 0);
      // FA: the error goes back through the fixed B, not Wᵀ (relu′ = step(a)).
      if (k > 0) delta = tf.mul(tf.matMul(delta, B[k - 1]), tf.step(pre[k - 1])) as tf.Tensor2D;
    }
    optimizer.applyGradients(grads);
  });
  return {
    step: viaOptimizer ? () => { optimizer.minimize(lossOf); } : faStep,
    // One value of b1, which the step updates (tf.js runs its work in order, so the read waits
    // for all of the step): reading all of W1 (3 MB at 784-1024) would charge tf.js a copy our
    // side does not make.
    sync: async () => {
      const last = tf.slice(b[0], [0], [1]);
      try {
        await last.data();
      } finally {
        last.dispose();
      }
    },
    dispose: () => { tf.dispose(made); optimizer.dispose(); },
  };
}

/** ms per tf.matMul of the shape (transposes through tf's own flags). */
async function tfMatmul(mc: MatmulCase, seconds: number): Promise<number> {
  const a = tf.randomNormal(mc.transA ? [mc.K, mc.M] : [mc.M, mc.K]);
  const b = tf.randomNormal(mc.transB ? [mc.N, mc.K] : [mc.K, mc.N]);
  try {
    const r = await perSecond(async (n) => {
      for (let i = 1; i < n; i++) tf.dispose(tf.matMul(a, b, mc.transA, mc.transB));
      // One value read back ends the run (reading all of C would add its copy: 64 MB at 4096²).
      const last = tf.matMul(a, b, mc.transA, mc.transB);
      const corner = tf.slice(last, [0, 0], [1, 1]);
      await corner.data();
      tf.dispose([last, corner]);
    }, seconds, 10_000);
    return 1000 / r.rate;
  } finally {
    a.dispose(); b.dispose();
  }
}
