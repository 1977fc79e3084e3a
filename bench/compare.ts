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
import { benchData, benchSteps, DEFAULT_COMPARE_PARTS, logEpochs, logMatmulSweep, logProfile, networkMatmuls, perSecond, STEP_CONFIGS, stepConfigs, type ComparePart, type MatmulCase, type StepConfig } from './bench.js';

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

export async function runCompare(device: GPUDevice, options: CompareOptions, log: (line: string) => void): Promise<void> {
  const configs = stepConfigs(options.configs ?? STEP_CONFIGS.map((c) => c.id));
  const parts = options.parts ?? [...DEFAULT_COMPARE_PARTS];
  const seconds = options.seconds;
  log(`adapter: ${describeAdapter(device)}; TensorFlow.js ${tf.version_core} (${tf.getBackend()}); ${new Date().toISOString().slice(0, 10)}`);
  log(`limits: ${describeLimits(device)}`);
  if (parts.includes('steps')) {
    log('\ntraining steps per second, each timed run ended by one readback');
    log('config                 batch   ours FA  tf.js FA   ratio   ours BP  tf.js BP   ratio');
    const f = (v: number) => v.toFixed(v < 10 ? 2 : v < 1000 ? 1 : 0).padStart(9);
    for (const c of configs) {
      const oursFa = await ours(device, c, 'fa', seconds);
      const tfFa = await tfjs(c, false, seconds);
      const oursBp = await ours(device, c, 'bp', seconds);
      const tfBp = await tfjs(c, true, seconds);
      log(`${c.name.padEnd(20)} ${String(c.batch).padStart(6)} ${f(oursFa)} ${f(tfFa)} ${(oursFa / tfFa).toFixed(1).padStart(6)}× ${f(oursBp)} ${f(tfBp)} ${(oursBp / tfBp).toFixed(1).padStart(6)}×`);
    }
  }
  if (parts.includes('profile')) {
    for (const c of configs) await logProfile(device, c, seconds, log);
  }
  if (parts.includes('matmul')) {
    // Square products (up to 4096³ on a GPU; a CPU adapter takes half a minute for one 4096³),
    // and the networks' own. XOR's are a few dozen multiply-adds: launch cost only, which the
    // steps show.
    const squares: MatmulCase[] = (isCpuAdapter(device) ? [256] : [256, 1024, 4096]).map((n) => ({ M: n, N: n, K: n }));
    const shapes = [...squares, ...networkMatmuls(configs.filter((c) => c.id !== 'xor'), squares)];
    await logMatmulSweep(device, shapes, seconds, log, [{ name: 'tf.matMul', msEach: (mc) => tfMatmul(mc, seconds) }]);
  }
  // Ours alone: to set TensorFlow.js beside it, divide the steps of an epoch by its steps/s above.
  if (parts.includes('epochs')) await logEpochs(device, configs, 2, log);
}

async function ours(device: GPUDevice, c: StepConfig, rule: 'fa' | 'bp', seconds: number): Promise<number> {
  return (await benchSteps(device, c, rule, seconds)).stepsPerSecond;
}

/** The FA step written with tf ops as a user of tf.js would, and BP through optimizer.minimize. */
function tfStep(c: StepConfig, viaOptimizer: boolean) {
  const L = c.sizes.length - 1;
  const rng = new Pcg32(1, 1);
  const W = Array.from({ length: L }, (_, k) => tf.variable(tf.tensor2d(rng.normalArray(c.sizes[k] * c.sizes[k + 1], 0.05), [c.sizes[k], c.sizes[k + 1]])));
  const b = Array.from({ length: L }, (_, k) => tf.variable(tf.zeros([c.sizes[k + 1]])));
  const B = Array.from({ length: L - 1 }, (_, k) => tf.tensor2d(new Pcg32(2, 2).normalArray(c.sizes[k + 2] * c.sizes[k + 1], 0.05), [c.sizes[k + 2], c.sizes[k + 1]]));
  const { x: xs, labels } = benchData(c);
  const x = tf.tensor2d(xs, [c.batch, c.sizes[0]]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), c.sizes[L]);
  const lr = 0.01;
  const optimizer = tf.train.sgd(lr);
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
    let delta = tf.div(tf.sub(tf.softmax(pre[L - 1]), y), c.batch) as tf.Tensor2D;
    const grads: [tf.Tensor, tf.Tensor][] = new Array(L);
    for (let k = L - 1; k >= 0; k--) {
      grads[k] = [tf.matMul(hs[k], delta, true, false), tf.sum(delta, 0)];
      // FA: the error goes back through the fixed B, not Wᵀ.
      if (k > 0) delta = tf.mul(tf.matMul(delta, B[k - 1]), tf.cast(tf.greater(pre[k - 1], 0), 'float32')) as tf.Tensor2D;
    }
    for (let k = 0; k < L; k++) {
      W[k].assign(tf.sub(W[k], tf.mul(grads[k][0], lr)));
      b[k].assign(tf.sub(b[k], tf.mul(grads[k][1], lr)));
    }
  });
  return {
    step: viaOptimizer ? () => { optimizer.minimize(lossOf); } : faStep,
    sync: async () => { await W[0].data(); },
    dispose: () => { tf.dispose([...W, ...b, ...B, x, y]); optimizer.dispose(); },
  };
}

async function tfjs(c: StepConfig, viaOptimizer: boolean, seconds: number): Promise<number> {
  const s = tfStep(c, viaOptimizer);
  try {
    return (await perSecond(async (n) => {
      for (let i = 0; i < n; i++) s.step();
      await s.sync();
    }, seconds)).rate;
  } finally {
    s.dispose();
  }
}

/** ms per tf.matMul of the shape (transposes through tf's own flags). */
async function tfMatmul(mc: MatmulCase, seconds: number): Promise<number> {
  const a = tf.randomNormal(mc.transA ? [mc.K, mc.M] : [mc.M, mc.K]);
  const b = tf.randomNormal(mc.transB ? [mc.N, mc.K] : [mc.K, mc.N]);
  try {
    const r = await perSecond(async (n) => {
      for (let i = 1; i < n; i++) tf.dispose(tf.matMul(a, b, mc.transA, mc.transB));
      const last = tf.matMul(a, b, mc.transA, mc.transB);
      await last.data();
      last.dispose();
    }, seconds, 10_000);
    return 1000 / r.rate;
  } finally {
    a.dispose(); b.dispose();
  }
}
