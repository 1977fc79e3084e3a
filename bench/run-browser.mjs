#!/usr/bin/env node
// npm run bench: our training step against TensorFlow.js 4.22's webgpu backend, side by side
// in one headless Chromium page (WebGPU on SwiftShader where there is no GPU), as a table.
//   node bench/run-browser.mjs [--quick]
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer';
import { createServer } from 'vite';

const quick = process.argv.includes('--quick');
// Steps per figure, sized for SwiftShader (about 1 GFLOP/s); warm-up steps first.
const configs = [
  { name: 'XOR 2-8-2 (the seed)', sizes: [2, 8, 2], batch: 4, steps: 300, warmup: 20 },
  { name: '784-256-10', sizes: [784, 256, 10], batch: 64, steps: 20, warmup: 3 },
  { name: '784-1000-10', sizes: [784, 1000, 10], batch: 128, steps: 5, warmup: 1 },
  { name: '784-1024-1024-1024-10', sizes: [784, 1024, 1024, 1024, 10], batch: 256, steps: 2, warmup: 1 },
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
  console.log('config                    batch  ours FA  tf.js FA  ratio   ours BP  tf.js BP  ratio   (steps/s)');
  for (const c of configs) {
    const r = await page.evaluate((cfg) => window.bench.run(cfg), c);
    const f = (v) => v.toFixed(v < 10 ? 2 : 0).padStart(8);
    console.log(`${c.name.padEnd(24)} ${String(c.batch).padStart(6)} ${f(r.oursFa)} ${f(r.tfFa)}  ${(r.oursFa / r.tfFa).toFixed(1).padStart(5)}× ${f(r.oursBp)} ${f(r.tfBp)}  ${(r.oursBp / r.tfBp).toFixed(1).padStart(5)}×`);
  }
} finally {
  await browser.close();
  await server.close();
}
