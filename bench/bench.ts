/**
 * Benchmarks that print tables (never timed tests): training steps per second for the
 * configurations of issue 6, and a matmul sweep. Times are wall-clock over many steps in few
 * submits, after a warm-up, ended by onSubmittedWorkDone or one readback (more only where
 * --loss-every asks for them).
 */
import { createNetwork, describeAdapter, describeLimits, keyLimits, type EpochResult, type KernelFamily, type KernelTime, type Rule } from '../src/index.js';
import { storageBuffer } from '../src/gpu/buffers.js';
import { destroyDispatches, encodeDispatches, type Dispatch } from '../src/kernels/dispatch.js';
import { isCpuAdapter, matmul, matmulSplitK, matmulVariant, matmulVariantFits, MATMUL_VARIANTS, OUTPUT_LAYER_MAX_CLASSES, splitKChunks, takesLanes, type MatmulVariant } from '../src/kernels/kernels.js';
import { Pcg32 } from '../src/model/rng.js';

/**
 * A figure of the benchmarks in machine-readable form, beside the printed tables (`bench` and
 * `compare` with --json, the page's download): one record per table row.
 */
export type BenchRecord =
  | { kind: 'device'; adapter: string; date: string; timestampQuery: boolean; limits: Record<string, number>; tfjs?: { version: string; backend: string; adapter: string | null } }
  | { kind: 'steps'; config: string; batch: number; rule: Rule; kernels: KernelFamily; stepsPerSecond: number; msPerStep: number; gflops: number; lossEvery: number | null }
  | { kind: 'compare'; config: string; batch: number; rule: 'fa' | 'bp'; ours: number; tfjs: number; ratio: number; ratioRange: [number, number]; rounds: number }
  | { kind: 'profile'; config: string; batch: number; rule: Rule; method: string; stepMs: number; recordMs: number; kernels: { label: string; shader: string; entryPoint: string; workgroups: readonly number[]; ms: number | null; gflops: number | null }[] }
  | { kind: 'epochs'; config: string; batch: number; rows: number; steps: number; seconds: number[]; meanMs: number; gpuMs: number | null; stepsPerSecond: number }
  | { kind: 'matmul'; M: number; N: number; K: number; transA: boolean; transB: boolean; from: string; picked: string | null; columns: Record<string, { ms: number; gflops: number; chunks?: number } | null> };

/** Where records go; the default drops them. */
export type Recorder = (r: BenchRecord) => void;
const drop: Recorder = () => {};

/** The device's record: adapter, date, the limits describeLimits prints, timestamp-query. */
export function deviceRecord(device: GPUDevice): Extract<BenchRecord, { kind: 'device' }> {
  return {
    kind: 'device', adapter: describeAdapter(device), date: new Date().toISOString(), timestampQuery: device.features.has('timestamp-query'),
    limits: keyLimits(device),
  };
}

export interface StepConfig {
  /** for --configs */
  id: string;
  name: string;
  sizes: number[];
  batch: number;
}

/**
 * The parts of the comparison with TensorFlow.js (compare.ts; here so that checking options
 * needs no tf.js). 'epochs' is ours alone (TensorFlow.js has no fit of ours to set beside it):
 * the issue's epoch figure, which takes minutes for the larger networks on a CPU adapter, so it
 * is not among the parts run by default.
 */
export const COMPARE_PARTS = ['steps', 'profile', 'matmul', 'epochs'] as const;
export type ComparePart = (typeof COMPARE_PARTS)[number];
export const DEFAULT_COMPARE_PARTS: readonly ComparePart[] = ['steps', 'profile', 'matmul'];

export const STEP_CONFIGS: StepConfig[] = [
  { id: 'xor', name: 'XOR (seed)', sizes: [2, 8, 2], batch: 4 },
  { id: '784-256-10', name: '784-256-10', sizes: [784, 256, 10], batch: 64 },
  { id: '784-1000-10', name: '784-1000-10', sizes: [784, 1000, 10], batch: 128 },
  { id: '784-1024x3-10', name: '784-1024×3-10', sizes: [784, 1024, 1024, 1024, 10], batch: 256 },
];

/** The configurations with these ids, in that order; throws naming an unknown id and the known ones. */
export function stepConfigs(ids: readonly string[]): StepConfig[] {
  return ids.map((id) => {
    const c = STEP_CONFIGS.find((s) => s.id === id);
    if (!c) throw new Error(`unknown configuration ${JSON.stringify(id)}; expected ${STEP_CONFIGS.map((s) => s.id).join(', ')}`);
    return c;
  });
}

/** Multiply-adds ×2 of one training step (forward, weight gradients, hidden signals). */
export function stepFlops(sizes: number[], batch: number): number {
  let f = 0;
  for (let k = 0; k + 1 < sizes.length; k++) f += 2 * batch * sizes[k] * sizes[k + 1] * 2;
  for (let k = 1; k + 1 < sizes.length; k++) f += 2 * batch * sizes[k] * sizes[k + 1];
  return f;
}

/** The fixed batch every step benchmark trains on: N(0, 1) inputs, labels cycling over the classes. */
export function benchData(cfg: StepConfig): { x: Float32Array; labels: Int32Array } {
  const x = new Pcg32(1, 3).normalArray(cfg.batch * cfg.sizes[0], 1);
  const classes = cfg.sizes[cfg.sizes.length - 1];
  return { x, labels: Int32Array.from({ length: cfg.batch }, (_, i) => i % classes) };
}

/**
 * Calls run(n), which does n of something and waits for it, with n growing until one call
 * lasts `seconds` (or n reaches `max`), after one call of warm-up; resolves to n per second
 * of the last call.
 */
export async function perSecond(run: (n: number) => Promise<void>, seconds: number, max = 100_000): Promise<{ n: number; elapsed: number; rate: number }> {
  await run(1);
  let n = 2;
  for (;;) {
    const t0 = performance.now();
    await run(n);
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds || n >= max) return { n, elapsed, rate: n / elapsed };
    n = Math.min(max, Math.ceil(n * Math.max(2, (1.2 * seconds) / Math.max(elapsed, 1e-3))));
  }
}

/** Runs `reps` copies of the dispatches in one pass and waits for them. */
async function repeatDispatches(device: GPUDevice, list: readonly Dispatch[], reps: number): Promise<void> {
  const encoder = device.createCommandEncoder({ label: 'bench.repeat' });
  const pass = encoder.beginComputePass();
  for (let i = 0; i < reps; i++) encodeDispatches(pass, list);
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}

/**
 * Steps per second of Network.train on the configuration's fixed batch; the losses are read back
 * once per timed run, or every `lossEvery` steps (each readback beside the next window's steps).
 */
export async function benchSteps(device: GPUDevice, cfg: StepConfig, rule: Rule, seconds: number, kernels: KernelFamily = 'auto', lossEvery?: number) {
  const steps = await stepRunner(device, cfg, rule, kernels, lossEvery);
  try {
    const r = await perSecond(steps.run, seconds);
    return { steps: r.n, elapsed: r.elapsed, stepsPerSecond: r.rate, msPerStep: 1000 / r.rate, gflops: (stepFlops(cfg.sizes, cfg.batch) * r.rate) / 1e9 };
  } finally {
    steps.dispose();
  }
}

/**
 * A network of the configuration, warmed up (10 steps: pipelines and buffers made), whose
 * run(n) trains n steps on the fixed batch (benchData) and waits for them; the losses read back
 * once a run, or every `lossEvery` steps. What benchSteps times, and compare's side of ours.
 */
export async function stepRunner(device: GPUDevice, cfg: StepConfig, rule: Rule, kernels: KernelFamily = 'auto', lossEvery?: number): Promise<{ run(n: number): Promise<void>; dispose(): void }> {
  const net = await createNetwork({ sizes: cfg.sizes, rule, device, learningRate: 0.01, kernels });
  try {
    const { x, labels } = benchData(cfg);
    await net.train(x, labels, { steps: 10, lossEvery: 10 });
    return { run: async (n) => { await net.train(x, labels, { steps: n, lossEvery: lossEvery ?? n }); }, dispose: () => net.destroy() };
  } catch (e) {
    net.destroy();
    throw e;
  }
}

/**
 * Seconds of each of `epochs` epochs of Network.fit (FA, the configuration's batch, no
 * evaluation) over `rows` random byte-valued samples held on the GPU: the whole path of real
 * training (the shuffle, each batch gathered on the GPU, every step's loss kept and read back
 * once an epoch, the next epoch running meanwhile), after a one-epoch fit of two batches that
 * creates the step's pipelines. Each epoch's gpuSeconds (where the device has timestamps)
 * parts the GPU's time from the host's.
 */
export async function benchEpochs(device: GPUDevice, cfg: StepConfig, rule: Rule, epochs: number, rows = 60_000, kernels: KernelFamily = 'auto'): Promise<EpochResult[]> {
  const rng = new Pcg32(2, 5);
  const classes = cfg.sizes[cfg.sizes.length - 1];
  const x = new Uint8Array(rows * cfg.sizes[0]);
  for (let i = 0; i < x.length; i += 4) {
    const v = rng.nextUint32();
    x[i] = v & 255; x[i + 1] = (v >>> 8) & 255; x[i + 2] = (v >>> 16) & 255; x[i + 3] = v >>> 24;
  }
  const data = { x, labels: Int32Array.from({ length: rows }, (_, i) => i % classes), features: cfg.sizes[0], classes };
  const net = await createNetwork({ sizes: cfg.sizes, rule, device, learningRate: 0.01, kernels });
  try {
    const warm = Math.min(rows, 2 * cfg.batch);
    await net.fit({ ...data, x: x.subarray(0, warm * cfg.sizes[0]), labels: data.labels.subarray(0, warm) }, { epochs: 1, batchSize: cfg.batch });
    const r = await net.fit(data, { epochs, batchSize: cfg.batch });
    return r.epochs;
  } finally {
    net.destroy();
  }
}

/** The table of `bench --epochs`: benchEpochs for each configuration, their mean and GPU time. */
export async function logEpochs(device: GPUDevice, configs: StepConfig[], epochs: number, log: (line: string) => void, kernels?: KernelFamily, record: Recorder = drop): Promise<void> {
  const rows = 60_000;
  log(`\nepochs of fit (fa, ${rows.toLocaleString('en')} random samples on the GPU, gathered and shuffled there, after a short fit that makes the pipelines).`);
  log('fit submits the next epoch before it reads an epoch\'s results, so epochs overlap: each one\'s seconds run from the previous one\'s results;');
  log('epoch ms: their mean, the run\'s time over its epochs; GPU ms: the mean of each epoch\'s first step start to last step end, by timestamp');
  log('queries; the rest of the time is the host\'s)');
  log('config            batch  steps  epoch seconds (each)                epoch ms   GPU ms  steps/s');
  for (const cfg of configs) {
    const result = await benchEpochs(device, cfg, 'fa', epochs, rows, kernels);
    const steps = Math.floor(rows / cfg.batch);
    const mean = (f: (e: EpochResult) => number) => result.reduce((a, e) => a + f(e), 0) / result.length;
    const seconds = mean((e) => e.seconds);
    const gpuMs = result.some((e) => e.gpuSeconds === undefined) ? null : 1000 * mean((e) => e.gpuSeconds!);
    const gpu = gpuMs === null ? '—' : gpuMs.toFixed(1);
    record({ kind: 'epochs', config: cfg.id, batch: cfg.batch, rows, steps, seconds: result.map((e) => e.seconds), meanMs: 1000 * seconds, gpuMs, stepsPerSecond: steps / seconds });
    log(`${cfg.name.padEnd(17)} ${String(cfg.batch).padStart(5)}  ${String(steps).padStart(5)}  ${result.map((e) => e.seconds.toFixed(4)).join(' ').padEnd(36)} ${(1000 * seconds).toFixed(1).padStart(8)} ${gpu.padStart(8)}  ${(steps / seconds).toFixed(0).padStart(7)}`);
  }
}

/**
 * Time of each kernel of one FA training step: Network.profileStep (GPU timestamps, a pass per
 * kernel, the mean over several steps) where the device has 'timestamp-query'; without it, each
 * dispatch repeated alone in one pass and timed by the wall clock (which includes the
 * per-dispatch overhead, dominant for tiny kernels on a GPU). Says which method it used.
 */
export async function profileStep(device: GPUDevice, cfg: StepConfig, rule: Rule, seconds: number, kernels: KernelFamily = 'auto'): Promise<{ method: string; kernels: KernelTime[]; stepMs: number; recordMs: number }> {
  const t = await benchSteps(device, cfg, rule, seconds, kernels);
  const net = await createNetwork({ sizes: cfg.sizes, rule, device, learningRate: 0.01, kernels });
  try {
    const { x, labels } = benchData(cfg);
    await net.train(x, labels, { steps: 2, lossEvery: 2 });
    const list = net.describeStep(cfg.batch);
    const recordMs = recordMsPerStep(device, list);
    if (device.features.has('timestamp-query')) {
      const steps = Math.max(1, Math.min(32, Math.ceil((1000 * seconds) / t.msPerStep)));
      return { method: `timestamp-query, a pass per kernel, mean of ${steps} steps`, stepMs: t.msPerStep, recordMs, kernels: await net.profileStep(x, labels, { steps }) };
    }
    const ms = await isolated(device, list, seconds);
    return {
      method: 'each kernel repeated alone, wall clock',
      stepMs: t.msPerStep,
      recordMs,
      kernels: list.map((d, i) => ({ label: d.label, shader: d.shader, entryPoint: d.entryPoint, workgroups: d.workgroups, ms: ms[i], gflops: d.flops ? d.flops / ms[i] / 1e6 : null })),
    };
  } finally {
    net.destroy();
  }
}

async function isolated(device: GPUDevice, list: readonly Dispatch[], seconds: number): Promise<number[]> {
  const out: number[] = [];
  for (const d of list) out.push(1000 / (await perSecond((reps) => repeatDispatches(device, [d], reps), seconds / list.length, 10_000)).rate);
  return out;
}

/** One product of the sweep: C [M×N] = op(A)·op(B). */
export interface MatmulCase {
  M: number; N: number; K: number;
  transA?: boolean; transB?: boolean;
  /** where it comes from, e.g. '784-256-10 dW1' */
  what?: string;
  /**
   * A softmax output layer's forward product: on a GPU a training step makes it inside
   * softmax_cross_entropy's fused output launch, with no matmul of its own.
   */
  fusedOnGpu?: boolean;
}

/** "256" (square) or "784x256x64", each optionally followed by ":ta" and/or ":tb". */
export function parseMatmulCase(spec: string): MatmulCase | null {
  const m = /^(\d+)(?:x(\d+)x(\d+))?((?::t[ab])*)$/.exec(spec.trim());
  if (!m) return null;
  const M = Number(m[1]), N = m[2] ? Number(m[2]) : M, K = m[3] ? Number(m[3]) : M;
  if ([M, N, K].some((v) => v < 1 || v > 16384)) return null;
  return { M, N, K, transA: m[4].includes(':ta'), transB: m[4].includes(':tb') };
}

/**
 * The products a training step of each network does with matmul: forward, and dW (op(A) = hᵀ);
 * a shape already in `after` or met before is left out (784-1024×3-10 repeats its middle layer).
 */
export function networkMatmuls(configs: readonly StepConfig[], after: readonly MatmulCase[] = []): MatmulCase[] {
  const key = (mc: MatmulCase) => `${mc.M}×${mc.N}×${mc.K} ${mc.transA ? 'Aᵀ' : 'A'}${mc.transB ? 'Bᵀ' : 'B'}`;
  const seen = new Set(after.map(key));
  const out: MatmulCase[] = [];
  for (const c of configs) {
    for (let k = 0; k + 1 < c.sizes.length; k++) {
      const [i, o] = [c.sizes[k], c.sizes[k + 1]];
      const last = k + 2 === c.sizes.length;
      for (const mc of [
        { M: c.batch, N: o, K: i, what: `${c.id} forward ${k + 1}`, ...(last && o <= OUTPUT_LAYER_MAX_CLASSES ? { fusedOnGpu: true } : {}) },
        { M: i, N: o, K: c.batch, transA: true, what: `${c.id} dW${k + 1}` },
      ]) {
        if (!seen.has(key(mc))) { seen.add(key(mc)); out.push(mc); }
      }
    }
  }
  return out;
}

/** The columns of the matmul sweeps: every kernel, and matmul.wgsl's split-K (GPUs only). */
export const MATMUL_COLUMNS = [...MATMUL_VARIANTS, 'split-K'] as const;
export type MatmulColumn = (typeof MATMUL_COLUMNS)[number];

/**
 * ms per product (and GFLOP/s) with one kernel, or with split-K over splitKChunks chunks; null
 * for split-K where it does not apply (a CPU adapter, or a product with tiles enough already)
 * for a kernel that does not take the product (matmulVariantFits), and for matmul_lanes on a
 * device that does not take it (takesLanes: subgroups of 4 lanes, CPU adapters).
 */
export async function benchMatmul(device: GPUDevice, mc: MatmulCase, seconds: number, variant?: MatmulColumn): Promise<{ msEach: number; gflops: number; chunks: number } | null> {
  const { M, N, K } = mc;
  const chunks = variant === 'split-K' ? splitKChunks(M, N, K) : 1;
  if (variant === 'split-K' && (chunks === 1 || isCpuAdapter(device))) return null;
  if (variant !== undefined && variant !== 'split-K' && !matmulVariantFits(variant, mc)) return null;
  if (variant === 'matmul_lanes' && !takesLanes(device)) return null;
  const a = storageBuffer(device, 'A', M * K, new Pcg32(1, 4).normalArray(M * K, 1));
  const b = storageBuffer(device, 'B', K * N, new Pcg32(2, 4).normalArray(K * N, 1));
  const c = storageBuffer(device, 'C', M * N);
  const scratch = chunks > 1 ? storageBuffer(device, 'C.partials', chunks * M * N) : null;
  const p = { label: 'bench.matmul', a, b, c, M, N, K, transA: mc.transA, transB: mc.transB };
  const list = scratch ? matmulSplitK(device, { ...p, scratch, chunks }) : [matmul(device, { ...p, variant: variant as MatmulVariant | undefined })];
  try {
    const r = await perSecond((reps) => repeatDispatches(device, list, reps), seconds, 10_000);
    return { msEach: 1000 / r.rate, gflops: (2 * M * N * K * r.rate) / 1e9, chunks };
  } finally {
    destroyDispatches(list);
    a.destroy(); b.destroy(); c.destroy(); scratch?.destroy();
  }
}

export async function runBench(device: GPUDevice, options: { seconds: number; rules: Rule[]; matmuls: MatmulCase[]; configs: StepConfig[]; profile?: boolean; kernels?: KernelFamily; epochs?: number; lossEvery?: number }, log: (line: string) => void, record: Recorder = drop) {
  record(deviceRecord(device));
  log(`adapter: ${describeAdapter(device)}; ${new Date().toISOString().slice(0, 10)}`);
  log(`limits: ${describeLimits(device)}`);
  const readback = options.lossEvery ? `losses read back every ${options.lossEvery} steps` : 'loss read back once per timed run';
  log(`\ntraining steps (fa and bp, one step per pass, ${readback}; ${options.kernels ?? 'auto'} kernels)`);
  log('config            batch  rule  steps/s     ms/step   GFLOP/s');
  for (const cfg of options.configs) {
    for (const rule of options.rules) {
      const r = await benchSteps(device, cfg, rule, options.seconds, options.kernels, options.lossEvery);
      record({ kind: 'steps', config: cfg.id, batch: cfg.batch, rule, kernels: options.kernels ?? 'auto', stepsPerSecond: r.stepsPerSecond, msPerStep: r.msPerStep, gflops: r.gflops, lossEvery: options.lossEvery ?? null });
      log(`${cfg.name.padEnd(17)} ${String(cfg.batch).padStart(5)}  ${rule.padEnd(4)}  ${r.stepsPerSecond.toFixed(1).padStart(9)}  ${r.msPerStep.toFixed(3).padStart(8)}  ${r.gflops.toFixed(1).padStart(8)}`);
    }
  }
  if (options.epochs) await logEpochs(device, options.configs, options.epochs, log, options.kernels, record);
  if (options.profile) {
    for (const cfg of options.configs) await logProfile(device, cfg, options.seconds, log, options.kernels, record);
  }
  if (options.matmuls.length) await logMatmulSweep(device, options.matmuls, options.seconds, log, [], record);
}

/**
 * CPU milliseconds to record one training step (its dispatches, `list`) as Network.train records
 * it (a pass of the step's dispatches, then the loss copy), over `steps` steps in one command
 * buffer that is never submitted: the host's share of a step, below which the GPU's share cannot
 * take it.
 */
export function recordMsPerStep(device: GPUDevice, list: readonly Dispatch[], steps = 256): number {
  const loss = storageBuffer(device, 'bench.loss', 1), history = storageBuffer(device, 'bench.history', steps);
  try {
    const record = () => {
      const encoder = device.createCommandEncoder({ label: 'bench.record' });
      for (let s = 0; s < steps; s++) {
        const pass = encoder.beginComputePass();
        encodeDispatches(pass, list);
        pass.end();
        encoder.copyBufferToBuffer(loss, 0, history, 4 * s, 4);
      }
      encoder.finish();
    };
    record();
    const t0 = performance.now();
    record();
    return (performance.now() - t0) / steps;
  } finally {
    loss.destroy();
    history.destroy();
  }
}

/** Prints the per-kernel time of an FA step of `cfg` (profileStep) as a table. */
export async function logProfile(device: GPUDevice, cfg: StepConfig, seconds: number, log: (line: string) => void, kernels?: KernelFamily, record: Recorder = drop): Promise<void> {
  const p = await profileStep(device, cfg, 'fa', seconds, kernels);
  record({
    kind: 'profile', config: cfg.id, batch: cfg.batch, rule: 'fa', method: p.method, stepMs: p.stepMs, recordMs: p.recordMs,
    // ms null: a kernel none of whose rounds had its timestamps in order (a counter that reset)
    kernels: p.kernels.map((k) => ({ label: k.label, shader: k.shader, entryPoint: k.entryPoint, workgroups: k.workgroups, ms: Number.isFinite(k.ms) ? k.ms : null, gflops: k.gflops })),
  });
  const timed = p.kernels.filter((k) => Number.isFinite(k.ms));
  const total = timed.reduce((a, k) => a + k.ms, 0);
  const untimed = p.kernels.length - timed.length;
  log(`\nper kernel: ${cfg.name}, batch ${cfg.batch}, fa (${p.method}); the step: ${p.stepMs.toFixed(3)} ms, its kernels: ${total.toFixed(3)} ms${untimed ? ` (${untimed} not timed: their counter reset in every round)` : ''}, recording it on the CPU: ${p.recordMs.toFixed(3)} ms (${p.kernels.length} dispatches)`);
  const width = Math.max(32, ...p.kernels.map((k) => k.label.length));
  log(`${'kernel'.padEnd(width)} shader                  grid          ms       %   GFLOP/s`);
  for (const k of p.kernels) {
    const ms = Number.isFinite(k.ms) ? k.ms.toFixed(3) : '—';
    const share = Number.isFinite(k.ms) ? ((100 * k.ms) / total).toFixed(1) : '—';
    log(`${k.label.padEnd(width)} ${k.shader.padEnd(22)} ${k.workgroups.join('×').padEnd(11)} ${ms.padStart(8)} ${share.padStart(6)} ${k.gflops === null ? '        —' : k.gflops.toFixed(1).padStart(9)}`);
  }
}

/**
 * Prints ms and GFLOP/s of every matmul column (each kernel, split-K) per shape, * on what a
 * training step takes for it; `extra` adds columns timed by the caller (tf.matMul in
 * compare.ts: each call a tf.js op as its users call it, so its time includes tf.js's host
 * work per op, where ours are launches recorded once and repeated in one pass).
 */
export async function logMatmulSweep(device: GPUDevice, shapes: readonly MatmulCase[], seconds: number, log: (line: string) => void, extra: { name: string; msEach: (mc: MatmulCase) => Promise<number> }[] = [], record: Recorder = drop): Promise<void> {
  const cpu = isCpuAdapter(device);
  const cell = (text: string, gflops: string) => `${text.padStart(20)} ${gflops.padStart(8)}`;
  log(`\nmatmul C = op(A)·op(B), f32, every kernel and split-K (chunks of K in parentheses; GPUs only)${extra.map((e) => `, ${e.name}`).join('')}; * marks what a training step takes on this adapter (none where it fuses the product into the loss's launch)${extra.length ? `; ${extra.map((e) => e.name).join(', ')}: one call after another, its host work per call included` : ''}`);
  log(`shape (M×N×K)        from                   ${[...MATMUL_COLUMNS, ...extra.map((e) => e.name)].map((v) => `${v} ms`.padStart(20) + '  GFLOP/s').join('')}`);
  for (const mc of shapes) {
    // What a step does with the shape: on a GPU split-K where it has few tiles and a long K, else
    // the variant by size; nothing of these for an output layer fused into the loss's launch.
    const fused = !cpu && mc.fusedOnGpu;
    const chosen: MatmulColumn | null = fused ? null : !cpu && splitKChunks(mc.M, mc.N, mc.K) > 1 ? 'split-K' : matmulVariant(mc.M, mc.N, cpu, takesLanes(device), mc.transB);
    const flops = 2 * mc.M * mc.N * mc.K;
    const from = `${mc.what ?? (mc.M === mc.N && mc.N === mc.K ? 'square' : '')}${fused ? ' (fused)' : ''}`;
    let line = `${`${mc.M}×${mc.N}×${mc.K}${mc.transA ? ' Aᵀ' : ''}${mc.transB ? ' Bᵀ' : ''}`.padEnd(20)} ${from.padEnd(22)}`;
    const columns: Record<string, { ms: number; gflops: number; chunks?: number } | null> = {};
    for (const v of MATMUL_COLUMNS) {
      const r = await benchMatmul(device, mc, seconds, v);
      columns[v] = r && { ms: r.msEach, gflops: r.gflops, ...(r.chunks > 1 ? { chunks: r.chunks } : {}) };
      line += r === null ? cell('—', '—') : cell(`${v === chosen ? '*' : ''}${r.chunks > 1 ? `(${r.chunks}) ` : ''}${r.msEach.toFixed(3)}`, r.gflops.toFixed(1));
    }
    for (const e of extra) {
      const ms = await e.msEach(mc);
      columns[e.name] = { ms, gflops: flops / ms / 1e6 };
      line += cell(ms.toFixed(3), (flops / ms / 1e6).toFixed(1));
    }
    record({ kind: 'matmul', M: mc.M, N: mc.N, K: mc.K, transA: !!mc.transA, transB: !!mc.transB, from, picked: chosen, columns });
    log(line);
  }
}
