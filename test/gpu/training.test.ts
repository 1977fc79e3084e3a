/**
 * Whole training steps in headless Chromium against the float64 reference step, the checks
 * that FA really goes through B and BP through W2ᵀ, and the seed's XOR run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, LOSSES, RULES, type InitScale } from '../../src/model/options.js';
import { describeComparison, type Comparison } from '../util/compare.js';
import { openHarness, type HarnessSession } from './browser.js';

let h: HarnessSession;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h?.close();
});

function expectAll(label: string, results: Comparison[]) {
  expect(results.length).toBeGreaterThan(0);
  const worst = results.reduce((a, b) => (b.relErr > a.relErr ? b : a));
  console.log(`${label}: ${results.length} tensors compared, worst ${describeComparison(worst)}`);
  const failed = results.filter((r) => !r.ok).map(describeComparison);
  expect(failed, failed.join('\n')).toEqual([]);
  expect(h.errors).toEqual([]);
}

describe('a whole step vs the float64 reference step (loss, gradients, W, b, B)', () => {
  const shapes: [number, number, number, number][] = [
    // [in, hidden, out, batch]
    [2, 8, 2, 4],
    [3, 17, 3, 1],
    [17, 65, 10, 17],
    [65, 129, 17, 65],
    [129, 3, 65, 129],
  ];
  for (const rule of ['fa', 'bp'] as const) {
    it(`${rule}: 3 steps at each of ${shapes.length} awkward shapes`, async () => {
      const results: Comparison[] = [];
      for (const [i, hd, o, n] of shapes) {
        results.push(...await h.call('step', { sizes: [i, hd, o], rule, activation: 'relu', n, seed: i + hd, steps: 3, learningRate: 0.05 }));
      }
      expectAll(`${rule} step`, results);
    });
  }

});

describe('every rule × depth (1, 2, 4 hidden layers) × activation × loss vs the reference step', () => {
  const depths: [number[], InitScale][] = [[[5, 17, 3], 0.2], [[7, 17, 9, 3], 'xavier'], [[3, 9, 17, 5, 11, 4], 'he']];
  for (const rule of RULES) {
    it(`${rule}: 3 steps with momentum 0.9 and weight decay 0.01`, async () => {
      const results: Comparison[] = [];
      let seed = 100;
      for (const [sizes, init] of depths) {
        for (const activation of ACTIVATIONS) {
          for (const loss of LOSSES) {
            results.push(...await h.call('step', { sizes, rule, activation, loss, init, n: 13, seed: seed++, steps: 3, learningRate: 0.02, momentum: 0.9, weightDecay: 0.01 }));
          }
        }
      }
      expectAll(`${rule} rule`, results);
    });
  }
});

describe('the feedback path', () => {
  it('FA uses B: another B changes dW1 but not dW2 or db2; BP uses W2ᵀ: FA with B = W2ᵀ gives BP\'s dW1', async () => {
    const r = await h.call('feedbackUse', { sizes: [5, 17, 3], n: 9, seed: 11 });
    console.log([r.dW2ChangeWithB, r.db2ChangeWithB, r.dW1ChangeWithB, r.bpVsFaWithWt, r.bpVsFa].map(describeComparison).join('\n'));
    expect(r.dW2ChangeWithB.maxAbs).toBe(0);
    expect(r.db2ChangeWithB.maxAbs).toBe(0);
    expect(r.dW1ChangeWithB.relErr).toBeGreaterThan(0.1);
    expect(r.bpVsFaWithWt.ok, describeComparison(r.bpVsFaWithWt)).toBe(true);
    expect(r.bpVsFa.relErr).toBeGreaterThan(0.1);
  });
});

describe('XOR, as the seed trains it (2-8-2, lr 0.05, 1000 full-batch steps)', () => {
  it('FA from the default seed reaches 100% with falling loss', async () => {
    const [run] = await h.call('xor', { seeds: [null], steps: 1000, rule: 'fa' });
    console.log(`default seed: losses every 200 steps ${run.losses.map((l) => l.toFixed(4)).join(', ')}; accuracy ${run.accuracy}`);
    expect(run.accuracy).toBe(1);
    expect(run.losses[4]).toBeLessThan(run.losses[0]);
    expect(run.losses[4]).toBeLessThan(0.3);
  });

  it('FA over seeds 1..20 solves at least 70%, the same seeds as the float64 reference', async () => {
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const runs = await h.call('xor', { seeds, steps: 1000, rule: 'fa' });
    const solved = runs.filter((r) => r.accuracy === 1).map((r) => r.seed);
    const refSolved = runs.filter((r) => r.referenceAccuracy === 1).map((r) => r.seed);
    console.log(`FA solved XOR for ${solved.length}/20 seeds (${(100 * solved.length / 20).toFixed(0)}%): ${solved.join(', ')}; float64 reference ${refSolved.length}/20`);
    expect(solved.length).toBeGreaterThanOrEqual(14);
    expect(solved).toEqual(refSolved);
  });
});
