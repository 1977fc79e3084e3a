/**
 * The page's default controls (read from index.html) train the default data, two spirals, with
 * both of its default rules in the float64 reference: a learner's first view must not show
 * backprop failing (a tanh default once left BP near 60% while FA learned). The trainer's
 * batching is followed: seeded shuffles per epoch, the last partial batch skipped.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { twoSpirals } from '../../src/data/synthetic.js';
import { shuffledOrder } from '../../src/data/prepare.js';
import { initParameters } from '../../src/model/init.js';
import type { Activation, Rule } from '../../src/model/options.js';
import { referenceForward, referenceStep, type ReferenceParameters } from '../../src/reference/index.js';

const html = readFileSync(resolve(__dirname, '../../index.html'), 'utf8');
const field = (name: string) => /value="([^"]*)"/.exec(new RegExp(`name="${name}"[^>]*>`).exec(html)![0])![1];
const selected = (name: string) => new RegExp(`name="${name}"[^]*?<option selected>([^<]+)<`).exec(html)![1];

/** Test accuracy after `steps` steps of the page's training (400 points, noise, xavier) in float64. */
function pageRun(rule: Rule, seed: number, steps: number, o: { hidden: number[]; activation: Activation; lr: number; batch: number; momentum: number; noise: number }): number {
  const n = 400;
  const train = twoSpirals({ n, noise: o.noise, seed }), test = twoSpirals({ n, noise: o.noise, seed: seed + 1000 });
  const sizes = [2, ...o.hidden, 2];
  const cfg = { sizes, rule, activation: o.activation, learningRate: o.lr, momentum: o.momentum };
  const init = initParameters(sizes, rule, seed, 'xavier');
  let p: ReferenceParameters = { weights: init.weights, biases: init.biases, feedback: init.feedback };
  let v: ReturnType<typeof referenceStep>['velocity'] | undefined;
  const perEpoch = Math.floor(n / o.batch);
  for (let s = 0; s < steps; s++) {
    const epoch = Math.floor(s / perEpoch), at = (s % perEpoch) * o.batch;
    const order = shuffledOrder(n, seed, epoch);
    const x = new Float64Array(2 * o.batch), y = new Float64Array(o.batch);
    for (let i = 0; i < o.batch; i++) {
      const r = order[at + i];
      x[2 * i] = train.x[2 * r];
      x[2 * i + 1] = train.x[2 * r + 1];
      y[i] = train.labels[r];
    }
    const r = referenceStep(cfg, p, x, y, o.batch, v);
    p = r.next;
    v = r.velocity;
  }
  const logits = referenceForward(cfg, p, test.x, n).logits;
  let hits = 0;
  for (let i = 0; i < n; i++) if (Number(logits[2 * i + 1] > logits[2 * i]) === test.labels[i]) hits++;
  return hits / n;
}

it('the page\'s defaults: two spirals learnt by both default rules, BP and FA, over seeds 1–4 (float64 reference, 4,000 steps)', () => {
  expect(/<option value="spirals" selected>/.test(html)).toBe(true);
  const o = {
    hidden: field('hidden').split(',').map(Number), activation: selected('activation') as Activation, lr: Number(field('lr')),
    batch: Number(field('batch')), momentum: Number(field('momentum')), noise: Number(field('noise')),
  };
  const accuracies: Record<string, number[]> = {};
  for (const rule of ['bp', 'fa'] as const) accuracies[rule] = [1, 2, 3, 4].map((seed) => pageRun(rule, seed, 4000, o));
  console.log(`page defaults ${JSON.stringify(o)}: test accuracy bp ${accuracies.bp.map((a) => (100 * a).toFixed(1)).join(', ')}%; fa ${accuracies.fa.map((a) => (100 * a).toFixed(1)).join(', ')}%`);
  // chance is 50%
  for (const rule of ['bp', 'fa']) for (const a of accuracies[rule]) expect(a, rule).toBeGreaterThan(0.9);
}, 300_000);
