/**
 * Benchmarks that print tables (never timed tests): training steps per second for the
 * configurations of issue 6, and a matmul sweep. Times are wall-clock over many steps in few
 * submits, after a warm-up, ended by onSubmittedWorkDone (no readback inside the timed part).
 */
import { createNetwork, describeAdapter, type Rule } from '../src/index.js';
import { storageBuffer } from '../src/gpu/buffers.js';
import { destroyDispatches, encodeDispatches } from '../src/kernels/dispatch.js';
import { isCpuAdapter, matmul } from '../src/kernels/kernels.js';
import { Pcg32 } from '../src/model/rng.js';

export interface StepConfig {
  name: string;
  sizes: number[];
  batch: number;
}

export const STEP_CONFIGS: StepConfig[] = [
  { name: 'XOR (seed)', sizes: [2, 8, 2], batch: 4 },
  { name: '784-256-10', sizes: [784, 256, 10], batch: 64 },
  { name: '784-1000-10', sizes: [784, 1000, 10], batch: 128 },
  { name: '784-1024×3-10', sizes: [784, 1024, 1024, 1024, 10], batch: 256 },
];

/** Multiply-adds ×2 of one training step (forward, weight gradients, hidden signals). */
export function stepFlops(sizes: number[], batch: number): number {
  let f = 0;
  for (let k = 0; k + 1 < sizes.length; k++) f += 2 * batch * sizes[k] * sizes[k + 1] * 2;
  for (let k = 1; k + 1 < sizes.length; k++) f += 2 * batch * sizes[k] * sizes[k + 1];
  return f;
}

export async function benchSteps(device: GPUDevice, cfg: StepConfig, rule: Rule, seconds: number) {
  const net = await createNetwork({ sizes: cfg.sizes, rule, device, learningRate: 0.01 });
  try {
    const rng = new Pcg32(1, 3);
    const x = rng.normalArray(cfg.batch * cfg.sizes[0], 1);
    const classes = cfg.sizes[cfg.sizes.length - 1];
    const labels = Int32Array.from({ length: cfg.batch }, (_, i) => i % classes);
    await net.train(x, labels, { steps: 10, lossEvery: 10 });
    // Grow the step count until a run lasts long enough to time.
    let steps = 20, elapsed = 0;
    for (;;) {
      const t0 = performance.now();
      await net.train(x, labels, { steps, lossEvery: steps });
      elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= seconds || steps >= 100_000) break;
      steps = Math.min(100_000, Math.ceil(steps * Math.max(2, (1.2 * seconds) / Math.max(elapsed, 1e-3))));
    }
    const perSecond = steps / elapsed;
    return { steps, elapsed, stepsPerSecond: perSecond, msPerStep: 1000 / perSecond, gflops: (stepFlops(cfg.sizes, cfg.batch) * perSecond) / 1e9 };
  } finally {
    net.destroy();
  }
}

export async function benchMatmul(device: GPUDevice, M: number, N: number, K: number, seconds: number) {
  const a = storageBuffer(device, 'A', M * K, new Pcg32(1, 4).normalArray(M * K, 1));
  const b = storageBuffer(device, 'B', K * N, new Pcg32(2, 4).normalArray(K * N, 1));
  const c = storageBuffer(device, 'C', M * N);
  const d = matmul(device, { label: 'bench.matmul', a, b, c, M, N, K });
  try {
    const run = async (reps: number) => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (let i = 0; i < reps; i++) encodeDispatches(pass, [d]);
      pass.end();
      const t0 = performance.now();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / 1000;
    };
    await run(2);
    let reps = 2, elapsed = 0;
    for (;;) {
      elapsed = await run(reps);
      if (elapsed >= seconds || reps >= 10_000) break;
      reps = Math.min(10_000, Math.ceil(reps * Math.max(2, (1.2 * seconds) / Math.max(elapsed, 1e-3))));
    }
    return { reps, elapsed, msEach: (1000 * elapsed) / reps, gflops: (2 * M * N * K * reps) / elapsed / 1e9 };
  } finally {
    destroyDispatches([d]);
    a.destroy(); b.destroy(); c.destroy();
  }
}

export async function runBench(device: GPUDevice, options: { seconds: number; rules: Rule[]; matmulSizes: number[]; configs: StepConfig[] }, log: (line: string) => void) {
  log(`adapter: ${describeAdapter(device)}; ${new Date().toISOString().slice(0, 10)}`);
  log('\ntraining steps (fa and bp, one step per pass, loss read back once per timed run)');
  log('config            batch  rule  steps/s     ms/step   GFLOP/s');
  for (const cfg of options.configs) {
    for (const rule of options.rules) {
      const r = await benchSteps(device, cfg, rule, options.seconds);
      log(`${cfg.name.padEnd(17)} ${String(cfg.batch).padStart(5)}  ${rule.padEnd(4)}  ${r.stepsPerSecond.toFixed(1).padStart(9)}  ${r.msPerStep.toFixed(3).padStart(8)}  ${r.gflops.toFixed(1).padStart(8)}`);
    }
  }
  log(`\nmatmul C = A·B (f32; ${isCpuAdapter(device) ? 'matmul_wide: 64×64 tile, 8×8 per thread' : 'matmul: 32×32 tile, 4×4 per thread'} in named vec4 registers)`);
  log('M=N=K      ms each    GFLOP/s');
  for (const n of options.matmulSizes) {
    const r = await benchMatmul(device, n, n, n, options.seconds);
    log(`${String(n).padEnd(9)} ${r.msEach.toFixed(3).padStart(9)}  ${r.gflops.toFixed(1).padStart(9)}`);
  }
}
