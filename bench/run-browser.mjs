#!/usr/bin/env node
// npm run bench: our training step against TensorFlow.js 4.22's webgpu backend, side by side
// in one headless Chromium page (WebGPU on SwiftShader where there is no GPU), as tables
// (bench/compare.ts does the work; this script starts the browser and prints its lines).
// With --page it times the page instead: the steps/s per rule of its live training (its default
// controls: two spirals, 2-32-32-2, BP beside FA, batch 32), three windows of S seconds after a
// warm-up, as the page runs them (its frames, curves and views included).
//   node bench/run-browser.mjs [--quick] [--only steps,profile,matmul,epochs] [--seconds S]
//   node bench/run-browser.mjs --page [--seconds S]
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer';
import { createServer } from 'vite';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, seconds: { type: 'string' }, page: { type: 'boolean' } }, strict: true });
// epochs (two of our fit, the epoch figure) only on request: minutes on a CPU adapter.
const parts = values.only?.split(',') ?? ['steps', 'profile', 'matmul'];
if (parts.some((p) => !['steps', 'profile', 'matmul', 'epochs'].includes(p))) {
  console.error(`--only: expected steps, profile, matmul and/or epochs, got ${JSON.stringify(values.only)}`);
  process.exit(2);
}
// --quick keeps to the two small networks, for a first look on a CPU adapter.
const configs = values.quick ? ['xor', '784-256-10'] : undefined;
const seconds = values.seconds === undefined ? 2 : Number(values.seconds);
if (!(seconds > 0 && seconds <= 600)) {
  console.error(`--seconds: expected a number in (0, 600], got ${JSON.stringify(values.seconds)}`);
  process.exit(2);
}

// No HMR and no watcher: an edit to a source file must not reload the page mid-run.
const server = await createServer({ server: { port: 0, host: '127.0.0.1', hmr: false, watch: null }, logLevel: 'error', clearScreen: false });
await server.listen();
const { port } = server.httpServer.address();
const userDataDir = join(tmpdir(), `fa-webgpu-bench-${process.pid}`);
mkdirSync(userDataDir, { recursive: true });
// WebGPU developer features: timestamps not rounded to 100 µs (Chrome's default), so that a GPU's
// per-kernel times of a few µs read as measured.
const args = ['--enable-unsafe-webgpu', '--enable-webgpu-developer-features', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
if (process.getuid?.() === 0) args.push('--no-sandbox');
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args, userDataDir, protocolTimeout: 3_600_000 });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e}`));
  if (values.page) {
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction('!document.getElementById("start").disabled', { timeout: 120_000 });
    console.log(`the page's training, ${await page.$eval('#status', (e) => e.textContent)}; ${new Date().toISOString().slice(0, 10)}`);
    const steps = () => page.evaluate('window.faPage.state().steps');
    await page.click('#start');
    await new Promise((r) => setTimeout(r, 4000));
    for (let i = 0; i < 3; i++) {
      const a = await steps(), t0 = performance.now();
      await new Promise((r) => setTimeout(r, 1000 * seconds));
      const b = await steps();
      console.log(`steps/s per rule: ${((b - a) / ((performance.now() - t0) / 1000)).toFixed(0)}`);
    }
  } else {
    await page.exposeFunction('benchLog', (line) => console.log(line));
    await page.goto(`http://127.0.0.1:${port}/bench/tfjs.html`);
    await page.waitForFunction('window.benchReady === true', { timeout: 120_000 });
    await page.evaluate((options) => window.bench.run(options), { configs, parts, seconds });
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
