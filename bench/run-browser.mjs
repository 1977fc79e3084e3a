#!/usr/bin/env node
// npm run bench: our training step against TensorFlow.js 4.22's webgpu backend, side by side
// in one headless Chromium page (WebGPU on SwiftShader where there is no GPU), as a table.
//   node bench/run-browser.mjs [--quick] [--only steps|matmul|profile]
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer';
import { createServer } from 'vite';

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : null;
if (only !== null && !['steps', 'matmul', 'profile'].includes(only)) {
  console.error(`--only: expected steps, matmul or profile, got ${JSON.stringify(only)}`);
  process.exit(2);
}
const part = (name) => only === null || only === name;
// Steps per figure, sized for SwiftShader (about 1 GFLOP/s); warm-up steps first.
const configs = [
  { id: 'xor', name: 'XOR 2-8-2 (the seed)', sizes: [2, 8, 2], batch: 4, steps: 300, warmup: 20 },
  { id: '784-256-10', name: '784-256-10', sizes: [784, 256, 10], batch: 64, steps: 20, warmup: 3 },
  { id: '784-1000-10', name: '784-1000-10', sizes: [784, 1000, 10], batch: 128, steps: 5, warmup: 1 },
  { id: '784-1024x3-10', name: '784-1024-1024-1024-10', sizes: [784, 1024, 1024, 1024, 10], batch: 256, steps: 2, warmup: 1 },
].slice(0, quick ? 2 : 4);

const server = await createServer({ server: { port: 0, host: '127.0.0.1' }, logLevel: 'error', clearScreen: false });
await server.listen();
const { port } = server.httpServer.address();
const userDataDir = join(tmpdir(), `fa-webgpu-bench-${process.pid}`);
mkdirSync(userDataDir, { recursive: true });
const args = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
if (process.getuid?.() === 0) args.push('--no-sandbox');
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args, userDataDir, protocolTimeout: 1_800_000 });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e}`));
  await page.goto(`http://127.0.0.1:${port}/bench/tfjs.html`);
  await page.waitForFunction('window.benchReady === true', { timeout: 120_000 });
  const info = await page.evaluate(() => window.bench.setup());
  console.log(`adapter: ${info.adapter}; TensorFlow.js ${info.tfjs} (${info.backend}); ${new Date().toISOString().slice(0, 10)}`);
  if (part('steps')) {
    console.log('\ntraining steps per second, each timed run ended by one readback');
    console.log('config                    batch  ours FA  tf.js FA  ratio   ours BP  tf.js BP  ratio');
    for (const c of configs) {
      const r = await page.evaluate((cfg) => window.bench.run(cfg), c);
      const f = (v) => v.toFixed(v < 10 ? 2 : 0).padStart(8);
      console.log(`${c.name.padEnd(24)} ${String(c.batch).padStart(6)} ${f(r.oursFa)} ${f(r.tfFa)}  ${(r.oursFa / r.tfFa).toFixed(1).padStart(5)}× ${f(r.oursBp)} ${f(r.tfBp)}  ${(r.oursBp / r.tfBp).toFixed(1).padStart(5)}×`);
    }
  }
  if (part('profile')) {
    for (const c of configs.slice(1)) {
      const p = await page.evaluate((id) => window.bench.profile(id, 2), c.id);
      const total = p.kernels.reduce((a, k) => a + k.ms, 0);
      console.log(`\nper kernel: ${c.name}, batch ${c.batch}, FA (${p.method}); the step ${p.stepMs.toFixed(1)} ms, its kernels ${total.toFixed(1)} ms`);
      for (const k of p.kernels) {
        console.log(`  ${k.label.padEnd(32)} ${k.shader.padEnd(22)} ${k.ms.toFixed(3).padStart(9)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}%${k.gflops === null ? '' : `  ${k.gflops.toFixed(2)} GFLOP/s`}`);
      }
    }
  }
  if (part('matmul')) {
    // The networks' products (forward, and dW = hᵀ·δ), and a square one.
    const shapes = [{ M: 256, N: 256, K: 256, what: 'square' }];
    for (const c of configs.slice(1)) {
      for (let k = 0; k + 1 < c.sizes.length; k++) {
        if (k > 0 && c.sizes[k] === c.sizes[k - 1] && c.sizes[k + 1] === c.sizes[k]) continue;
        shapes.push({ M: c.batch, N: c.sizes[k + 1], K: c.sizes[k], what: `${c.id} forward ${k + 1}` });
        shapes.push({ M: c.sizes[k], N: c.sizes[k + 1], K: c.batch, transA: true, what: `${c.id} dW${k + 1}` });
      }
    }
    const head = await page.evaluate(() => window.bench.matmul({ M: 4, N: 4, K: 4 }, 0.01));
    const names = Object.keys(head.variants);
    console.log('\nmatmul, ms each (GFLOP/s); * marks the variant the host picks on this adapter');
    console.log(`${'shape (M×N×K)'.padEnd(18)} ${'from'.padEnd(20)}${names.map((n) => n.padStart(22)).join('')}${'tf.matMul'.padStart(22)}`);
    const cell = (ms, flops, mark = '') => `${mark}${ms.toFixed(2)} (${(flops / ms / 1e6).toFixed(2)})`.padStart(22);
    for (const mc of shapes) {
      const r = await page.evaluate((m, seconds) => window.bench.matmul(m, seconds), mc, quick ? 0.5 : 1.5);
      const flops = 2 * mc.M * mc.N * mc.K;
      console.log(`${`${mc.M}×${mc.N}×${mc.K}${mc.transA ? ' Aᵀ' : ''}`.padEnd(18)} ${mc.what.padEnd(20)}${names.map((n) => cell(r.variants[n], flops, n === r.chosen ? '*' : '')).join('')}${cell(r.tfjs, flops)}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
