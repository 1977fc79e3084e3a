/**
 * Epoch training on a GPU-resident set: fit() must equal trainStep on the same batches
 * gathered on the host, and evaluate() must equal the reference loss and accuracy of predict().
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeComparison } from '../util/compare.js';
import { openHarness, type HarnessSession } from './browser.js';

let h: HarnessSession;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h?.close();
});

// The byte features run the GPU step's forms (split-k: the fused output layer in fit and evaluate);
// a map per feature runs the gather's main_per_feature.
for (const [bytes, kernels, normalization] of [[false, 'auto', 'unit'], [true, 'split-k', 'unit'], [true, 'auto', 'standardize-per-feature']] as const) {
  it(`fit equals a trainStep replay of the same shuffled batches and a trainer run in pieces, and evaluate equals the reference (${bytes ? 'byte' : 'float'} features, ${kernels} kernels, ${normalization})`, async () => {
    const r = await h.call('fitReplay', { rule: 'fa', n: 203, batchSize: 20, epochs: 3, bytes, seed: 4, kernels, normalization });
    for (const c of [r.losses, ...r.weights, r.testLoss, ...r.trainer]) {
      console.log(describeComparison(c));
      expect(c.ok, describeComparison(c)).toBe(true);
    }
    expect(r.testAccuracy.got).toBe(r.testAccuracy.want);
    // 10 steps an epoch; pieces of 3, 22 and 5 steps end in epochs 0, 2, 3
    expect(r.perEpoch).toBe(10);
    expect(r.trainerEpochs).toEqual([0, 2, 3]);
    // a trainer made after 30 + 21 steps of the same network counts from 0: 9 steps, then 1 more
    expect(r.lateEpochs).toEqual([0, 1]);
    console.log(r.epochs.map((e, i) => `epoch ${i + 1}: train loss ${e.trainLoss.toFixed(4)}, test accuracy ${e.testAccuracy.toFixed(3)}`).join('\n'));
    expect(r.epochs[2].testAccuracy).toBeGreaterThan(0.5);
    // The epochs' GPU spans (timestamps, which Chromium on SwiftShader has) are disjoint and lie
    // inside the run, whose wall time the epochs' seconds add up to.
    expect(r.timestamps).toBe(true);
    for (const e of r.epochs) expect(e.gpuSeconds).toBeGreaterThan(0);
    const sum = (k: 'seconds' | 'gpuSeconds') => r.epochs.reduce((a, e) => a + e[k]!, 0);
    expect(sum('gpuSeconds')).toBeLessThan(sum('seconds'));
    expect(h.errors).toEqual([]);
  });
}

it('a step schedule halves the rate every 2 epochs on the GPU (as one-epoch fits at those rates do) and leaves the network\'s rate as it was', async () => {
  const r = await h.call('schedule', undefined as never);
  expect(r.rates).toEqual([0.4, 0.4, 0.2, 0.2, 0.1]);
  expect(r.after).toBe(0.4);
  expect(r.sameAsReplay).toBe(true);
});

it('every evaluation (fit\'s validation and test sets, evaluate on floats and bytes, a trainer\'s) equals the reference loss and accuracy of predict on rows normalised on the host', async () => {
  const { out: r, maps } = await h.call('evaluations', undefined as never);
  expect(r.map((c) => c.name)).toEqual([
    'fit validation', 'fit test', 'evaluate after fit: fit\'s map by default', 'evaluate floats, an affine given', 'evaluate floats, untrained: as they are',
    'evaluate after loadCheckpoint: the saved map', 'evaluate after setParameters: as they are', 'evaluate bytes after fit', 'evaluate bytes, untrained: ÷ 255',
    'evaluate bytes, an affine given', 'trainer evaluate', 'evaluate after a trainer: its map',
    'fit test, a map per feature', 'evaluate after fit, a map per feature', 'evaluate after loadCheckpoint, a map per feature', 'trainer evaluate, a map per feature',
  ]);
  expect(maps).toEqual([true, true, true, true, true, true, true, true, true, true]);
  for (const c of r) {
    console.log(`${c.name}: loss ${c.got.loss} (reference ${c.want.loss}), accuracy ${c.got.accuracy} (${c.want.accuracy})`);
    expect(Math.abs(c.got.loss - c.want.loss), c.name).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c.want.loss)));
    expect(c.got.accuracy, c.name).toBe(c.want.accuracy);
  }
  expect(h.errors).toEqual([]);
});

it('a small Fashion-MNIST experiment in the page writes its files, and BP and FA beat chance by far', async () => {
  const r = await h.call('fashionExperiment', { trainRows: 2000, testRows: 500, epochs: 2 });
  const dir = 'test-output/experiment';
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/results.json`, r.json);
  writeFileSync(`${dir}/results.csv`, r.csv);
  writeFileSync(`${dir}/curves.svg`, r.svg);
  console.log(r.summary);
  expect(JSON.parse(r.json).runs).toHaveLength(2);
  // onRun saw the runs done so far after each run (the CLI saves them there)
  expect(r.runsSoFar).toEqual([['bp'], ['bp', 'fa']]);
  const csv = r.csv.trim().split('\n').map((line) => line.split(','));
  expect(csv).toHaveLength(1 + 2 * 2);
  // the epoch's wall time and its steps' GPU time (Chromium on SwiftShader has timestamps); over
  // a run's epochs the GPU's is the smaller (epochs overlap, so one epoch's need not be)
  expect(csv[0].slice(-3)).toEqual(['seconds', 'gpu_seconds', 'diverged']);
  const totals = new Map<string, [number, number]>();
  for (const row of csv.slice(1)) {
    expect(row.at(-1)).toBe('0');
    const [seconds, gpu] = row.slice(-3, -1).map(Number);
    expect(gpu).toBeGreaterThan(0);
    const t = totals.get(row[0]) ?? [0, 0];
    totals.set(row[0], [t[0] + seconds, t[1] + gpu]);
  }
  expect(totals.size).toBe(2);
  for (const [seconds, gpu] of totals.values()) expect(gpu).toBeLessThan(seconds);
  expect(r.svg).toMatch(/^<svg [^]*<\/svg>\n$/);
  for (const rule of r.rules) {
    // Chance is 10% on ten balanced classes.
    expect(rule.testAccuracy!.mean, rule.rule).toBeGreaterThan(0.5);
  }
  expect(r.summary).toMatch(/^rule +seeds +test accuracy %/);
});

it('an experiment records a run that diverges with its finished epochs, goes on, and leaves it out of the statistics', async () => {
  const r = await h.call('divergedExperiment', undefined as never);
  console.log(r.summary);
  expect(r.runs.map((x) => x.rule)).toEqual(['fa', 'bp']);
  for (const run of r.runs) {
    expect(run.diverged).toMatch(/^fit: the loss became (NaN|Infinity|-Infinity) at epoch (\d+), step \d+ of 12; /);
    expect(run.epochs).toBe(Number(/at epoch (\d+)/.exec(run.diverged!)![1]) - 1);
    // The calm first epoch is recorded (its CSV rows checked below).
    expect(run.epochs).toBeGreaterThan(0);
  }
  for (const rule of r.rules) {
    expect(rule.runs).toBe(0);
    expect(rule.diverged).toBe(1);
    expect(rule.trainLoss).toBeNull();
  }
  expect(r.summary).toMatch(/^fa +0 \(\+1 diverged\) +— +— +—$/m);
  const csv = r.csv.trim().split('\n');
  expect(csv).toHaveLength(1 + r.runs.reduce((a, x) => a + x.epochs, 0));
  for (const row of csv.slice(1)) expect(row.endsWith(',1')).toBe(true);
  expect(r.svg).not.toMatch(/NaN/);
});
