/**
 * The page: two rules trained side by side from the same initial weights, with live curves,
 * decision regions or test images, weight heatmaps, a kernel-by-kernel trace and a benchmark of
 * the visitor's GPU. DOM code lives here and only here; everything on the GPU is a library call
 * (the benchmark's, bench/compare.ts, as npm run bench runs it).
 */
import {
  acquireDevice, argmaxRows, blobs, circles, confusionMatrix, createNetwork, csvLabelColumn, CSV_NORMALIZATION, describeAdapter, FaWebGpuError, KERNEL_FAMILIES, KERNEL_FAMILY_DESCRIPTIONS, takesLanes, loadCsvSets, loadFashionMnistFiles, loadMnistDigits, normalizedRows, rowCount, RULES,
  RULE_DESCRIPTIONS, RULE_TRAITS, softmaxRows, splitValidation, subset, twoSpirals, xorDataset, xorPoints,
  LIMITS, type Activation, type Dataset, type KernelFamily, type LayerAlignment, type Network, type Rule, type Trainer,
} from '../src/index.js';
import { wireBench } from './bench-view.js';
import { LiveChart } from './charts.js';
import { showTrace } from './trace-view.js';
import { drawBoundary, drawConfusion, drawHeatmap, drawImages, extent, gridPoints, maxAbs } from './views.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const buttons = { start: $<HTMLButtonElement>('start'), step: $<HTMLButtonElement>('step'), reset: $<HTMLButtonElement>('reset'), trace: $<HTMLButtonElement>('trace') };
const COLORS = ['#1f77b4', '#d62728'];
const GRID = 48;

interface Data {
  train: Dataset;
  test: Dataset;
  /** 2-D points (the plane's classes drawn), images (drawn with their predictions), or a table's rows (their confusion matrix drawn) */
  kind: '2d' | 'image' | 'table';
  names: readonly string[];
  /** A few training rows, normalised as the trainers normalise them, for alignment metrics and the trace. */
  probe: { x: Float32Array; labels: Int32Array };
}

/** What loadData gives; the probe needs the trainers' normalisation. */
type Loaded = Omit<Data, 'probe'>;

interface Run {
  rule: Rule;
  net: Network;
  trainer: Trainer;
  color: string;
  canvas: HTMLCanvasElement;
  stats: HTMLElement;
  accuracy: number | null;
  testLoss: number | null;
  trainLoss: number | null;
  alignment: LayerAlignment[];
}

let device: GPUDevice;
let data: Data | null = null;
let runs: Run[] = [];
let running = false;
let steps = 0;
let chunk = 8;
let lastRender = 0;
let generation = 0;
let charts: { loss: LiveChart; accuracy: LiveChart; angle: LiveChart } | null = null;
let speed = '';
/** Recent (time, steps) marks of the running loop: its pace over the last seconds, drawing and waits included. */
let marks: { t: number; steps: number }[] = [];
/** The batch the trainers were made with (the field may have changed since). */
let batchInUse = 1;
/** A reset is making the runs (between destroying the old ones and showing the new). */
let resetting = false;
/** A run diverged: Start and Step stay off until a reset. */
let diverged = false;
/** The device was lost: the next reset acquires a new one. */
let deviceLost = false;

/** Every GPU operation of the page runs through this queue, one at a time, in click order. */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn);
  queue = next.catch(() => undefined);
  return next;
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

/** The datasets read from files the user picks: their file input, and how the status asks for them. */
const PICKED_DATA: Record<string, { input: string; what: string; it: string }> = {
  fashion: { input: 'files', what: 'the four Fashion-MNIST files', it: 'them' },
  csv: { input: 'csvFiles', what: 'a CSV file', it: 'it' },
};

/** The controls' labels for the library's names of the options they set. */
const FIELD_LABELS: Record<string, string> = {
  learningRate: 'Learning rate', batchSize: 'Batch size', momentum: 'Momentum', weightDecay: 'Weight decay', seed: 'Seed', noise: 'Noise', sizes: 'Hidden layers', label: 'Label column',
};

/**
 * "Stopped (diverged): …" for the library's errors (with their code), "Stopped: …" for others;
 * an option the library refused is named by its control's label ("Learning rate: expected …").
 */
function failure(what: string, e: unknown): string {
  if (e instanceof FaWebGpuError) {
    const named = /^(\w+)((?:\[\d+\])?): (.*)$/s.exec(e.message);
    const label = e.code === 'invalid-argument' && named ? FIELD_LABELS[named[1]] : undefined;
    if (label) return `${what}: ${label}${named![2] ? ` (${named![1]}${named![2]})` : ''}: ${named![3]}`;
    return `${what} (${e.code}): ${e.message}`;
  }
  return `${what}: ${e instanceof Error ? e.message : String(e)}`;
}

function options() {
  const f = new FormData(form);
  // An empty field is NaN, which the library refuses with the field's name, not a silent 0.
  const num = (name: string) => {
    const text = String(f.get(name) ?? '').trim();
    return text === '' ? NaN : Number(text);
  };
  const hiddenText = String(f.get('hidden') ?? '').trim();
  const hidden = hiddenText === '' ? [] : hiddenText.split(',').map((v) => Number(v.trim()));
  return {
    data: String(f.get('data')),
    noise: num('noise'),
    hidden,
    activation: String(f.get('activation')) as Activation,
    rules: [String(f.get('ruleA')), String(f.get('ruleB'))] as Rule[],
    kernels: String(f.get('kernels')) as KernelFamily,
    learningRate: num('lr'),
    batch: num('batch'),
    momentum: num('momentum'),
    weightDecay: num('decay'),
    seed: num('seed'),
    files: (form.elements.namedItem('files') as HTMLInputElement).files,
    csvFiles: (form.elements.namedItem('csvFiles') as HTMLInputElement).files,
    csvLabel: String(f.get('csvLabel') ?? '').trim(),
  };
}

async function loadData(o: ReturnType<typeof options>): Promise<Loaded> {
  const twoD = (train: Dataset, test: Dataset): Loaded => ({ train, test, kind: '2d', names: [] });
  const opts = (seed: number) => ({ n: 400, noise: o.noise, seed });
  switch (o.data) {
    case 'xor4': {
      const d = xorDataset();
      const set: Dataset = { x: d.x, labels: d.labels, features: 2, classes: 2 };
      return twoD(set, set);
    }
    case 'xor': return twoD(xorPoints(opts(o.seed)), xorPoints(opts(o.seed + 1000)));
    case 'circles': return twoD(circles(opts(o.seed)), circles(opts(o.seed + 1000)));
    case 'spirals': return twoD(twoSpirals(opts(o.seed)), twoSpirals(opts(o.seed + 1000)));
    case 'blobs': return twoD(blobs(opts(o.seed)), blobs(opts(o.seed + 1000)));
    case 'mnist': {
      setStatus('Loading the MNIST digits (21 MB)…');
      const { train, validation } = splitValidation(await loadMnistDigits(), 0.2, 1);
      return images(train, testRows(validation));
    }
    case 'fashion': {
      const files = [...(o.files ?? [])];
      const pick = (re: RegExp) => files.find((f) => re.test(f.name));
      const parts = [/train-images/, /train-labels/, /t10k-images/, /t10k-labels/].map(pick);
      if (parts.some((p) => !p)) throw new Error('Pick the four Fashion-MNIST files: train-images, train-labels, t10k-images and t10k-labels (…-idx?-ubyte, gzipped or not).');
      setStatus('Reading the Fashion-MNIST files…');
      const { train, test } = await loadFashionMnistFiles({ trainImages: parts[0]!, trainLabels: parts[1]!, testImages: parts[2]!, testLabels: parts[3]! });
      return images(train, testRows(test));
    }
    case 'csv': {
      const files = [...(o.csvFiles ?? [])];
      if (files.length < 1 || files.length > 2) throw new Error('Pick one CSV file (a fifth of its rows is held out as the test set), or two: the training rows and one whose name holds "test".');
      const test = files.length === 2 ? files.find((f) => /test/i.test(f.name)) : undefined;
      const train = files.find((f) => f !== test);
      if (files.length === 2 && (!test || /test/i.test(train!.name))) throw new Error(`Of two CSV files, exactly one's name must hold "test" (the test set); got ${files.map((f) => JSON.stringify(f.name)).join(' and ')}.`);
      setStatus('Reading the CSV…');
      const sets = await loadCsvSets(train!, test, { label: csvLabelColumn(o.csvLabel) });
      return { train: sets.train, test: testRows(sets.test), kind: 'table', names: sets.train.classNames ?? range(sets.train.classes).map(String) };
    }
    default: throw new Error(`unknown dataset ${o.data}`);
  }
}

/** The first TEST_ROWS rows of a test set (all, where it has fewer): what the page evaluates on. */
const TEST_ROWS = 1000;
function testRows(d: Dataset): Dataset {
  return subset(d, range(Math.min(TEST_ROWS, rowCount(d))));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function images(train: Dataset, test: Dataset): Loaded {
  return { train, test, kind: 'image', names: train.classNames ?? range(train.classes).map(String) };
}

/**
 * A field the browser finds empty or outside its range: said with the field's label, and
 * nothing changes (the runs, running or not, go on as they were; with none, Reset waits for
 * the fix). True when one was found.
 */
function refuseInvalidField(): boolean {
  // (A fractional `step` sets the arrows' increment, not the values allowed: momentum 0.99 is
  // fine; a step of 1 means whole numbers: batch 1.5 is not.)
  const faulty = (el: HTMLInputElement) => {
    const v = el.validity;
    return v.valueMissing || v.badInput || v.rangeUnderflow || v.rangeOverflow || v.patternMismatch || v.typeMismatch || (v.stepMismatch && el.step === '1');
  };
  const invalid = [...form.elements].find((el): el is HTMLInputElement => el instanceof HTMLInputElement && !el.closest('[hidden]') && faulty(el));
  if (!invalid) return false;
  const label = invalid.labels?.[0]?.firstChild?.textContent?.trim() ?? invalid.name;
  const what = `${label}: ${invalid.validationMessage || 'not a valid value'}`;
  if (resetting) setStatus(`${what} The runs being made keep the settings from before it.`);
  else if (runs.length > 0) setStatus(`${what} The runs below keep the settings they were made with.`);
  else {
    setStatus(`${what} Then Reset makes the runs.`);
    buttons.reset.disabled = false;
  }
  return true;
}

/** Rebuilds both networks from the controls. A newer reset supersedes one still running. */
async function reset(): Promise<void> {
  if (refuseInvalidField()) return;
  resetting = true;
  try {
    await rebuild();
  } finally {
    resetting = false;
  }
}

/** reset's work, once the fields are valid. */
async function rebuild(): Promise<void> {
  const my = ++generation;
  pause();
  const focused = document.activeElement;
  for (const b of Object.values(buttons)) b.disabled = true;
  for (const r of runs) {
    r.trainer.destroy();
    r.net.destroy();
  }
  runs = [];
  steps = 0;
  chunk = 8;
  speed = '';
  marks = [];
  diverged = false;
  // Every view of the networks just destroyed goes with them (a trace shows one of their steps).
  clearViews();
  const o = options();
  const fresh: Run[] = [];
  // Every network made, so that a reset that fails or is superseded destroys them (trainers too).
  const made: Network[] = [];
  const superseded = () => my !== generation;
  try {
    if (o.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error('Hidden layers: widths as positive integers, comma-separated (e.g. 16,16), or empty.');
    if (deviceLost) {
      device = await acquireDevice();
      deviceLost = false;
      watchDevice();
    }
    const loaded = await loadData(o);
    if (superseded()) return;
    const sizes = [loaded.train.features, ...o.hidden, loaded.train.classes];
    const cards: HTMLElement[] = [];
    for (const [i, rule] of o.rules.entries()) {
      // The seed's XOR keeps the seed's N(0, 0.2²); the other sets start from xavier scaling.
      const init = o.data === 'xor4' ? 0.2 : 'xavier';
      const net = await createNetwork({ sizes, rule, activation: o.activation, learningRate: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay, seed: o.seed, init, kernels: o.kernels, device });
      made.push(net);
      // 2-D points as they are; pixels by one map for all; a table's columns each by its own mean and deviation
      const normalization = loaded.kind === '2d' ? 'none' : loaded.kind === 'image' ? 'unit' : CSV_NORMALIZATION;
      const trainer = await net.trainer(loaded.train, { batchSize: Math.min(o.batch, loaded.train.labels.length), test: loaded.test, normalization });
      const card = document.createElement('div');
      card.className = 'model';
      card.innerHTML = `<h3><span class="swatch" style="background:${COLORS[i]}"></span>Rule ${i === 0 ? 'A' : 'B'}: ${rule}</h3>`;
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 320;
      canvas.setAttribute('role', 'img');
      const view = { '2d': 'the class predicted over the plane, with the test points', image: 'test images with the predicted class', table: 'the confusion matrix of the test rows (true class by row, predicted by column)' }[loaded.kind];
      canvas.setAttribute('aria-label', `Rule ${i === 0 ? 'A' : 'B'} (${rule}): ${view}`);
      const stats = document.createElement('div');
      stats.className = 'stats';
      card.append(canvas, stats);
      cards.push(card);
      fresh.push({ rule, net, trainer, color: COLORS[i], canvas, stats, accuracy: null, testLoss: null, trainLoss: null, alignment: [] });
      if (superseded()) return;
    }
    data = { ...loaded, probe: normalizedRows(loaded.train, Math.min(32, loaded.train.labels.length), fresh[0].trainer.normalization) };
    runs = fresh;
    batchInUse = Math.min(o.batch, loaded.train.labels.length);
    $('models').replaceChildren(...cards);
    makeCharts(o.rules, o.hidden.length);
    await measure();
    await render();
    if (superseded()) return;
    const rows = o.data === 'xor4' ? `the ${loaded.train.labels.length} points of XOR (its "test" figures are on the same 4 points)` : `${loaded.train.labels.length} training and ${loaded.test.labels.length} test rows`;
    const capped = batchInUse < o.batch ? ` Batches of ${batchInUse}, all the training rows (${o.batch} asked).` : '';
    setStatus(`GPU: ${describeAdapter(device)}. [${sizes.join('-')}] ${o.activation}; ${rows}. Both rules start from the same weights (seed ${o.seed}).${capped}`);
    for (const b of Object.values(buttons)) b.disabled = false;
    // A field emptied while these runs were being made: said now, not lost under the line above.
    resetting = false;
    refuseInvalidField();
  } catch (e) {
    if (superseded()) return;
    setStatus(failure('Error', e));
    buttons.reset.disabled = false;
  } finally {
    // Keyboard focus stays on the button that was pressed (disabling it dropped it to the page).
    if (focused instanceof HTMLButtonElement && !focused.disabled && document.activeElement !== focused) focused.focus();
    for (const net of made) {
      if (!runs.some((r) => r.net === net)) net.destroy();
    }
    updateCounter();
  }
}

/** Empties the views of the runs: models, charts, units, weights and the trace. */
function clearViews(): void {
  $('models').replaceChildren();
  $('weights').replaceChildren();
  $('units').replaceChildren();
  $('units-section').hidden = true;
  if (charts) for (const c of Object.values(charts)) c.destroy();
  charts = null;
  for (const id of ['chart-loss', 'chart-accuracy', 'chart-angle', 'dispatches', 'dispatch-detail']) $(id).replaceChildren();
}

function makeCharts(rules: Rule[], hiddenLayers: number): void {
  const hosts = ['chart-loss', 'chart-accuracy', 'chart-angle'].map((id) => $(id));
  if (charts) for (const c of Object.values(charts)) c.destroy();
  for (const h of hosts) h.replaceChildren();
  const per = (what: string, dash?: number[]) => rules.map((r, i) => ({ label: `${r} ${what}`, stroke: COLORS[i], dash }));
  const angleSeries = rules.flatMap((r, i) => range(hiddenLayers).map((h) => ({ label: `${r} layer ${h + 1}`, stroke: COLORS[i], dash: h === 0 ? undefined : [4 * h, 3] })));
  charts = {
    loss: new LiveChart(hosts[0], [...per('train'), ...per('test', [6, 4])], 'loss'),
    accuracy: new LiveChart(hosts[1], per('test'), 'accuracy'),
    angle: new LiveChart(hosts[2], angleSeries, 'degrees'),
  };
  if (hiddenLayers === 0) hosts[2].prepend(Object.assign(document.createElement('p'), { className: 'muted', textContent: 'No hidden layers: every rule trains the one layer with its true gradient, so there is no signal to compare.' }));
}

/** Test loss and accuracy, and alignment on the probe rows, for every run. */
async function measure(): Promise<void> {
  if (!data) return;
  for (const r of runs) {
    const e = await r.trainer.evaluate();
    r.accuracy = e.accuracy;
    r.testLoss = e.loss;
    r.alignment = await r.net.alignment(data.probe.x, data.probe.labels);
  }
  charts?.loss.push(steps, [...runs.map((r) => r.trainLoss), ...runs.map((r) => r.testLoss)]);
  charts?.accuracy.push(steps, runs.map((r) => r.accuracy));
  if (runs[0]?.alignment.length) charts?.angle.push(steps, runs.flatMap((r) => r.alignment.map((a) => a.signalAngle)));
}

async function render(): Promise<void> {
  if (!data) return;
  const d = data;
  for (const r of runs) {
    if (d.kind === '2d') {
      const range2 = extent(d.train.x as Float32Array);
      const logits = await r.net.predict(gridPoints(GRID, range2));
      drawBoundary(r.canvas, softmaxRows(logits, GRID * GRID, d.train.classes), d.train.classes, GRID, range2, d.test.x, d.test.labels);
    } else if (d.kind === 'table') {
      const n = rowCount(d.test);
      const logits = await r.net.predict(normalizedRows(d.test, n, r.trainer.normalization).x);
      drawConfusion(r.canvas, confusionMatrix(logits, d.test.labels, d.test.classes), d.test.classes, d.names);
    } else {
      const count = 24;
      const scale = d.test.x instanceof Uint8Array ? 1 : 255;
      const logits = await r.net.predict(normalizedRows(d.test, count, r.trainer.normalization).x);
      const predicted = argmaxRows(logits, count, d.test.classes);
      drawImages(r.canvas, d.test.x, scale, count, Math.round(Math.sqrt(d.test.features)), predicted, d.test.labels, d.names);
    }
    const align = r.alignment.map((a) => `layer ${a.layer}: ${a.signalAngle.toFixed(1)}° to BP's signal${a.feedbackAngle === null ? '' : `, feedback ${a.feedbackAngle.toFixed(1)}° from Wᵀ`}`).join('<br>');
    r.stats.innerHTML = `test accuracy <b data-accuracy="${r.accuracy ?? ''}">${r.accuracy === null ? '—' : (100 * r.accuracy).toFixed(1) + '%'}</b>,
      test loss ${r.testLoss?.toFixed(4) ?? '—'}, train loss ${r.trainLoss?.toFixed(4) ?? '—'}<br>${align}`;
  }
  await renderUnits();
  await renderWeights();
}

/** For 2-D data: the first hidden layer's units over the plane, up to 16 per rule. */
async function renderUnits(): Promise<void> {
  const section = $('units-section');
  const host = $('units');
  if (!data || data.kind !== '2d' || runs.length === 0 || runs[0].net.sizes.length < 3) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  host.replaceChildren();
  const g = 24;
  const points = gridPoints(g, extent(data.train.x as Float32Array));
  for (const [i, r] of runs.entries()) {
    const [h1] = await r.net.activations(points);
    const width = r.net.sizes[1];
    const box = document.createElement('div');
    box.innerHTML = `<p class="muted">Rule ${i === 0 ? 'A' : 'B'}: ${r.rule}${width > 16 ? ` (16 of ${width} units)` : ''}</p>`;
    const row = document.createElement('div');
    row.className = 'row';
    for (let u = 0; u < Math.min(16, width); u++) {
      const unit = new Float32Array(g * g);
      for (let p = 0; p < g * g; p++) unit[p] = h1[p * width + u];
      const canvas = document.createElement('canvas');
      drawHeatmap(canvas, unit, g, g, 48);
      canvas.title = `unit ${u + 1}`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `rule ${r.rule}, unit ${u + 1} of the first hidden layer over the plane`);
      row.append(canvas);
    }
    box.append(row);
    host.append(box);
  }
}

async function renderWeights(): Promise<void> {
  const host = $('weights');
  host.replaceChildren();
  for (const [i, r] of runs.entries()) {
    const p = await r.net.getParameters();
    const sizes = r.net.sizes;
    const traits = RULE_TRAITS[r.rule];
    const add = (title: string, m: ArrayLike<number>, rows: number, cols: number, scale: number, note = '') => {
      if (rows * cols > 64 * 64) return;
      const fig = document.createElement('figure');
      const canvas = document.createElement('canvas');
      drawHeatmap(canvas, m, rows, cols, 144, scale);
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${title}, ${rows} by ${cols}, as a heatmap`);
      const cap = document.createElement('figcaption');
      cap.textContent = `${i === 0 ? 'A' : 'B'} (${r.rule}) ${title} [${rows}×${cols}]${note}`;
      fig.append(canvas, cap);
      host.append(fig);
    };
    p.weights.forEach((w, k) => {
      // The feedback that stands in for this W's transpose (for layer k ≥ 1), drawn as Fᵀ [in×out] beside it.
      const f = k >= 1 ? p.feedback[k - 1] : undefined;
      const [rows, cols] = [sizes[k], sizes[k + 1]];
      let shown: Float32Array | undefined, name = '';
      if (f && traits.feedback === 'layer') {
        // f is [cols×rows] (B or M of layer k+1); Fᵀ[a, b] = F[b, a], with W's signs for the sign-concordant rules
        shown = new Float32Array(rows * cols);
        for (let a = 0; a < rows; a++) for (let b = 0; b < cols; b++) {
          const v = f[b * rows + a];
          shown[a * cols + b] = traits.signConcordant ? v * Math.sign(w[a * cols + b]) : v;
        }
        name = traits.signConcordant ? `(M${k + 1} ⊙ sign(W${k + 1})ᵀ)ᵀ` : `B${k + 1}ᵀ`;
      }
      const scale = maxAbs(w, ...(shown ? [shown] : []));
      add(`W${k + 1}`, w, rows, cols, scale);
      if (!shown) return;
      add(name, shown, rows, cols, scale);
      if (traits.trained) {
        // Kolen-Pollack: W − Bᵀ, which only weight decay shrinks (both take the same steps).
        const diff = w.map((v, j) => v - shown![j]);
        const norm = Math.sqrt(diff.reduce((a, v) => a + v * v, 0));
        add(`W${k + 1} − B${k + 1}ᵀ`, diff, rows, cols, scale, `, ‖·‖ = ${norm.toPrecision(3)}${r.net.weightDecay > 0 ? '' : ' (constant: no weight decay)'}`);
      }
    });
    if (traits.feedback === 'direct') {
      // D_k [outputs×hidden k]: from the output straight to hidden layer k, drawn as Dᵀ [hidden×outputs]
      const out = sizes[sizes.length - 1];
      p.feedback.forEach((d, k) => {
        const hidden = sizes[k + 1];
        const t = new Float32Array(hidden * out);
        for (let a = 0; a < hidden; a++) for (let b = 0; b < out; b++) t[a * out + b] = d[b * hidden + a];
        add(`D${k + 1}ᵀ`, t, hidden, out, maxAbs(t));
      });
    }
  }
}

function updateCounter(): void {
  $('counter').textContent = `${steps} steps${speed ? `; ${speed}` : ''}`;
}

/** A rule's run stopped by a non-finite loss or state, said in the page's terms. */
class Diverged extends Error {}

/** k steps of every run, then the curves; the views at most every half second (none while the tab is hidden). */
async function advance(k: number): Promise<void> {
  // After a reset that failed, or a divergence, there is nothing to step.
  if (runs.length === 0 || diverged) return;
  const started = performance.now();
  // Both rules' steps are submitted before either's losses are awaited: one readback's wait, not
  // two; each run is awaited to its end, so that neither is still running when this returns.
  const results = await Promise.allSettled(runs.map((r) => r.trainer.run(k)));
  const seconds = (performance.now() - started) / 1000;
  results.forEach((res, i) => { if (res.status === 'fulfilled') runs[i].trainLoss = res.value.reduce((a, b) => a + b, 0) / res.value.length; });
  // The networks count the steps that ran (the page's counter is theirs).
  steps = Math.max(...runs.map((r) => r.net.steps));
  const failed = results.findIndex((res) => res.status === 'rejected');
  if (failed >= 0) {
    const e = (results[failed] as PromiseRejectedResult).reason;
    updateCounter();
    if (!(e instanceof FaWebGpuError && e.code === 'diverged')) throw e;
    diverged = true;
    // (the keyboard's focus, on Start or Step, goes to Reset, the way on)
    const hadFocus = document.activeElement === buttons.start || document.activeElement === buttons.step;
    buttons.start.disabled = buttons.step.disabled = buttons.trace.disabled = true;
    if (hadFocus) buttons.reset.focus();
    const r = runs[failed];
    // The library's message without its advice on restoreLastFinite, which the page does not offer.
    const what = e.message.split('; restoreLastFinite')[0].replace(/^trainer: /, '');
    throw new Diverged(`Rule ${failed === 0 ? 'A' : 'B'} (${r.rule}) diverged by step ${r.net.steps} (${what}). Lower the learning rate (any change of a control starts both runs again).`);
  }
  // The pace: steps over wall-clock time in the last two seconds of a running loop (drawing and
  // waits included); for a single step, that step's own time.
  const now = performance.now();
  marks = running ? [...marks.filter((m) => now - m.t < 2000), { t: now, steps }] : [];
  const paced = marks.length > 1 ? { steps: steps - marks[0].steps, seconds: (now - marks[0].t) / 1000 } : { steps: k, seconds };
  speed = `${(paced.steps / paced.seconds).toFixed(0)} steps/s per rule, ${((paced.steps * runs.length * batchInUse) / paced.seconds).toFixed(0)} samples/s in all`;
  if (!document.hidden && (performance.now() - lastRender > 500 || !running)) {
    await measure();
    await render();
    lastRender = performance.now();
  }
  updateCounter();
  chunk = Math.max(1, Math.min(500, Math.round(chunk * Math.min(2, 60 / Math.max(1, seconds * 1000)))));
}

/**
 * The next turn of the loop: the next frame; in a hidden tab, which has none, the next task; and
 * should the tab be hidden while a frame is awaited, whichever comes first of the frame, the
 * change of visibility and a tenth of a second.
 */
function nextTurn(): Promise<void> {
  if (document.hidden) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      document.removeEventListener('visibilitychange', finish);
      resolve();
    };
    requestAnimationFrame(finish);
    document.addEventListener('visibilitychange', finish);
    setTimeout(finish, 100);
  });
}

/** Stops the training loop after the steps in hand. */
function pause(): void {
  running = false;
  buttons.start.textContent = 'Start';
}

/** Each Start makes a new loop; one still waiting from before a Pause ends when it wakes. */
let loopToken = 0;

async function loop(): Promise<void> {
  const my = generation;
  const mine = ++loopToken;
  const current = () => running && my === generation && mine === loopToken;
  while (current()) {
    try {
      await serial(() => (current() ? advance(chunk) : Promise.resolve()));
    } catch (e) {
      pause();
      // (A lost device has said so already.)
      if (!deviceLost) setStatus(e instanceof Diverged ? e.message : failure('Stopped', e));
    }
    await nextTurn();
  }
}

function wire(): void {
  for (const name of ['ruleA', 'ruleB'] as const) {
    const select = form.elements.namedItem(name) as HTMLSelectElement;
    for (const r of RULES) {
      const option = new Option(r, r, false, r === (name === 'ruleA' ? 'bp' : 'fa'));
      option.title = RULE_DESCRIPTIONS[r];
      select.append(option);
    }
  }
  // Which kernels run the step: a GPU's families run on a CPU adapter too (slower), so the
  // kernel-by-kernel view can show the launches a GPU would take; 'lanes' only on a CPU adapter
  // whose subgroups are 4 lanes wide (offered once the device is known, at start).
  const kernels = form.elements.namedItem('kernels') as HTMLSelectElement;
  for (const k of KERNEL_FAMILIES) {
    const option = new Option(k, k, false, k === 'auto');
    option.title = KERNEL_FAMILY_DESCRIPTIONS[k];
    kernels.append(option);
  }
  $('kernel-help').replaceChildren(...KERNEL_FAMILIES.flatMap((k) => [
    Object.assign(document.createElement('dt'), { textContent: k }),
    Object.assign(document.createElement('dd'), { textContent: KERNEL_FAMILY_DESCRIPTIONS[k] }),
  ]));
  $('rule-help').replaceChildren(...RULES.flatMap((r) => [
    Object.assign(document.createElement('dt'), { textContent: r }),
    Object.assign(document.createElement('dd'), { textContent: RULE_DESCRIPTIONS[r] }),
  ]));
  // The library's ranges on the fields, so that the browser names a value past them.
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  field('lr').max = String(LIMITS.learningRate);
  field('lr').min = String(LIMITS.minLearningRate);
  field('decay').max = String(LIMITS.weightDecay);
  field('batch').max = String(LIMITS.layer);
  buttons.start.addEventListener('click', () => {
    if (diverged) return;
    running = !running;
    buttons.start.textContent = running ? 'Pause' : 'Start';
    if (running) void loop();
  });
  buttons.step.addEventListener('click', async () => {
    if (running || diverged) return;
    const focused = document.activeElement === buttons.step;
    buttons.step.disabled = true;
    try {
      await serial(() => advance(1));
    } catch (e) {
      if (!deviceLost) setStatus(e instanceof Diverged ? e.message : failure('Stopped', e));
    } finally {
      buttons.step.disabled = diverged || deviceLost;
      // Disabling it dropped the keyboard's focus to the page: it goes back to the button.
      if (focused && !buttons.step.disabled) buttons.step.focus();
    }
  });
  buttons.reset.addEventListener('click', () => void serial(reset));
  buttons.trace.addEventListener('click', async () => {
    if (!data || runs.length < 2) return;
    pause();
    await serial(async () => {
      if (!data || runs.length < 2) return;
      const rows = Math.min(8, data.probe.labels.length);
      // The traced step is a real step of rule B, undone once traced, so that both rules stay
      // at the same step.
      const entries = await runs[1].net.traceStep(data.probe.x.slice(0, rows * data.train.features), data.probe.labels.slice(0, rows), { undo: true });
      showTrace($<HTMLOListElement>('dispatches'), $('dispatch-detail'), entries, runs[1].rule);
      updateCounter();
    }).catch((e) => { if (!deviceLost) setStatus(failure('The trace failed', e)); });
  });
  form.addEventListener('change', (e) => {
    const target = e.target as HTMLInputElement;
    const data = (form.elements.namedItem('data') as HTMLSelectElement).value;
    $('fashion-files').hidden = data !== 'fashion';
    $('csv-files').hidden = $('csv-label-field').hidden = data !== 'csv';
    // Noise shapes the generated 2-D sets only (not the seed's four points).
    $('noise-field').hidden = data === 'fashion' || data === 'mnist' || data === 'xor4' || data === 'csv';
    // A dataset read from the user's files waits, paused, until they are picked.
    const picked = target.name === 'data' ? PICKED_DATA[target.value] : undefined;
    if (picked && !(form.elements.namedItem(picked.input) as HTMLInputElement).files?.length) {
      pause();
      setStatus(`Pick ${picked.what} to train on ${picked.it}; until then the runs below are the previous dataset's.`);
      return;
    }
    // A field left empty or out of range changes nothing, a reset in flight included.
    if (refuseInvalidField()) return;
    // Stop at once; the rebuild waits for the work in flight.
    generation++;
    pause();
    void serial(reset);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
}

/** On a lost device: the runs stop, and Reset (or any control) makes them again on a new one. */
function watchDevice(): void {
  const mine = device;
  mine.lost.then((info) => {
    if (mine !== device) return;
    deviceLost = true;
    pause();
    buttons.start.disabled = buttons.step.disabled = buttons.trace.disabled = true;
    buttons.reset.disabled = false;
    setStatus(`The GPU device was lost (${info.message || info.reason}). Reset starts both runs again on a new device; if that fails, reload the page.`);
  });
}

async function start(): Promise<void> {
  wire();
  try {
    device = await acquireDevice();
  } catch (e) {
    setStatus('WebGPU is not available.');
    $('no-webgpu-reason').textContent = e instanceof Error ? e.message : String(e);
    $('no-webgpu').hidden = false;
    $('app').hidden = true;
    return;
  }
  watchDevice();
  // matmul_lanes needs subgroups 4 lanes wide (SwiftShader's): elsewhere its family is not offered
  const lanes = (form.elements.namedItem('kernels') as HTMLSelectElement).querySelector<HTMLOptionElement>('option[value="lanes"]');
  if (lanes && !takesLanes(device)) {
    lanes.disabled = true;
    lanes.title += ' (not on this device: its subgroups are not 4 lanes wide)';
  }
  wireBench({
    form: $<HTMLFormElement>('bench-controls'), button: $<HTMLButtonElement>('bench-run'), status: $('bench-status'), output: $('bench-output'), download: $<HTMLAnchorElement>('bench-json'),
    device: () => device, serial, pause,
  });
  await serial(reset);
}

/** For the page's tests: the numbers the page shows. */
(window as unknown as { faPage: unknown }).faPage = {
  state: () => ({ steps, running, accuracies: runs.map((r) => r.accuracy), rules: runs.map((r) => r.rule), netSteps: runs.map((r) => r.net.steps) }),
  /** Run i's parameters and optimizer state, as plain arrays (in the page's queue of GPU work). */
  parameters: (i: number) => serial(async () => {
    const net = runs[i].net;
    const [p, v] = [await net.getParameters(), await net.getOptimizerState()];
    return [...p.weights, ...p.biases, ...p.feedback, ...v.weights, ...v.biases, ...v.feedback].map((t) => Array.from(t));
  }),
};

void start();
