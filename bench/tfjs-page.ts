/**
 * The same training step, ours and TensorFlow.js 4.22's webgpu backend, on the same adapter in
 * the same page: the FA step written with tf ops (forward, d_logits, dW, db, (δ·B) ⊙ f′, four
 * assign_sub per layer), and BP with optimizer.minimize. Each figure is steps per second over
 * a timed run ended by reading a value back, after a warm-up.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { acquireDevice, createNetwork, describeAdapter } from '../src/index.js';
import { Pcg32 } from '../src/model/rng.js';
import { benchMatmul, profileStep, STEP_CONFIGS, type MatmulCase } from './bench.js';
import { isCpuAdapter, matmulVariant, MATMUL_VARIANTS } from '../src/kernels/kernels.js';

interface Config { sizes: number[]; batch: number; steps: number; warmup: number }

function data(c: Config) {
  const x = new Pcg32(1, 3).normalArray(c.batch * c.sizes[0], 1);
  const classes = c.sizes[c.sizes.length - 1];
  const labels = Int32Array.from({ length: c.batch }, (_, i) => i % classes);
  return { x, labels };
}

async function ours(device: GPUDevice, c: Config, rule: 'fa' | 'bp'): Promise<number> {
  const net = await createNetwork({ sizes: c.sizes, rule, learningRate: 0.01, device });
  try {
    const { x, labels } = data(c);
    await net.train(x, labels, { steps: c.warmup, lossEvery: c.warmup });
    const t0 = performance.now();
    await net.train(x, labels, { steps: c.steps, lossEvery: c.steps });
    return c.steps / ((performance.now() - t0) / 1000);
  } finally {
    net.destroy();
  }
}

/** The FA step written with tf ops as a user of tf.js would, and BP through optimizer.minimize. */
function tfStep(c: Config, viaOptimizer: boolean) {
  const L = c.sizes.length - 1;
  const rng = new Pcg32(1, 1);
  const W = Array.from({ length: L }, (_, k) => tf.variable(tf.tensor2d(rng.normalArray(c.sizes[k] * c.sizes[k + 1], 0.05), [c.sizes[k], c.sizes[k + 1]])));
  const b = Array.from({ length: L }, (_, k) => tf.variable(tf.zeros([c.sizes[k + 1]])));
  const B = Array.from({ length: L - 1 }, (_, k) => tf.tensor2d(new Pcg32(2, 2).normalArray(c.sizes[k + 2] * c.sizes[k + 1], 0.05), [c.sizes[k + 2], c.sizes[k + 1]]));
  const { x: xs, labels } = data(c);
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
    const n = c.batch;
    let delta = tf.div(tf.sub(tf.softmax(pre[L - 1]), y), n) as tf.Tensor2D;
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
  const bpStep = () => { optimizer.minimize(lossOf); };
  return {
    step: viaOptimizer ? bpStep : faStep,
    sync: async () => { await W[0].data(); },
    dispose: () => { tf.dispose([...W, ...b, ...B, x, y]); optimizer.dispose(); },
  };
}

async function tfjs(c: Config, viaOptimizer: boolean): Promise<number> {
  const s = tfStep(c, viaOptimizer);
  try {
    for (let i = 0; i < c.warmup; i++) s.step();
    await s.sync();
    const t0 = performance.now();
    for (let i = 0; i < c.steps; i++) s.step();
    await s.sync();
    return c.steps / ((performance.now() - t0) / 1000);
  } finally {
    s.dispose();
  }
}

let device: GPUDevice;
const bench = {
  async setup() {
    await tf.setBackend('webgpu');
    await tf.ready();
    device = await acquireDevice({ optionalFeatures: ['timestamp-query'] });
    return { adapter: describeAdapter(device), tfjs: tf.version_core, backend: tf.getBackend() };
  },
  async run(c: Config) {
    const oursFa = await ours(device, c, 'fa');
    const tfFa = await tfjs(c, false);
    const oursBp = await ours(device, c, 'bp');
    const tfBp = await tfjs(c, true);
    return { oursFa, tfFa, oursBp, tfBp };
  },
  /** Every matmul variant on one shape, and which the host picks; tf.matMul beside them. */
  async matmul(mc: MatmulCase, seconds: number) {
    const variants: Record<string, number> = {};
    for (const v of MATMUL_VARIANTS) variants[v] = (await benchMatmul(device, mc, seconds, v)).msEach;
    return { variants, chosen: matmulVariant(mc.M, mc.N, isCpuAdapter(device)), tfjs: await tfMatmul(mc, seconds) };
  },
  async profile(id: string, seconds: number) {
    return profileStep(device, STEP_CONFIGS.find((c) => c.id === id)!, 'fa', seconds);
  },
};

/** ms per tf.matMul of the same shape (transposes as tf's own flags). */
async function tfMatmul(mc: MatmulCase, seconds: number): Promise<number> {
  const a = tf.randomNormal(mc.transA ? [mc.K, mc.M] : [mc.M, mc.K]);
  const b = tf.randomNormal(mc.transB ? [mc.N, mc.K] : [mc.K, mc.N]);
  try {
    const run = async (reps: number) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) tf.dispose(tf.matMul(a, b, mc.transA, mc.transB));
      const last = tf.matMul(a, b, mc.transA, mc.transB);
      await last.data();
      last.dispose();
      return (performance.now() - t0) / (reps + 1);
    };
    await run(1);
    let reps = 1, each = 0;
    for (;;) {
      each = await run(reps);
      if (each * (reps + 1) >= 1000 * seconds || reps >= 1000) break;
      reps = Math.min(1000, Math.ceil(reps * Math.max(2, (1200 * seconds) / Math.max(each * (reps + 1), 1e-3))));
    }
    return each;
  } finally {
    a.dispose(); b.dispose();
  }
}

(window as unknown as { bench: typeof bench; benchReady: boolean }).bench = bench;
(window as unknown as { benchReady: boolean }).benchReady = true;
