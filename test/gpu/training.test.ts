/**
 * Whole training steps in headless Chromium against the float64 reference step, the checks
 * that FA really goes through B and BP through W2ᵀ, and the seed's XOR run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, LOSSES, RULES, type InitScale } from '../../src/model/options.js';
import { KERNEL_FAMILIES } from '../../src/kernels/kernels.js';
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
    // K of 300: split-K cuts the forward product into 4 chunks (where splitting is on)
    [300, 20, 5, 150],
    // 260 outputs: the hidden signal e·B (classes 260) in 4 layers of partial sums
    [5, 9, 260, 11],
  ];
  // 'auto' picks by adapter (the lanes kernels on SwiftShader); 'tiled' runs here what GPUs run;
  // 'pipelined' gives matmul_vec4 the products whose N is a multiple of 4 (8 and 20 hidden
  // units, 260 outputs) and matmul_pipelined the others.
  for (const kernels of KERNEL_FAMILIES) {
    for (const rule of ['fa', 'bp'] as const) {
      it(`${rule}: 3 steps at each of ${shapes.length} awkward shapes, ${kernels} kernels`, async (ctx) => {
        // lanes only where the device has subgroups of 4 (SwiftShader: reliability.test.ts requires it there)
        if (kernels === 'lanes' && !(await h.call('takesLanes', undefined as never))) ctx.skip();
        const results: Comparison[] = [];
        for (const [i, hd, o, n] of shapes) {
          results.push(...await h.call('step', { sizes: [i, hd, o], rule, activation: 'relu', n, seed: i + hd, steps: 3, learningRate: 0.05, kernels }));
        }
        expectAll(`${rule} step`, results);
      });
    }
  }

});

it('setOptimizer between steps: the next steps take the new rate, weight decay and momentum, in the gradient kernels\' own steps and in sgd launches', async () => {
  const results: Comparison[] = [];
  const perStep = [{ learningRate: 0.05, weightDecay: 0, momentum: 0.9 }, { learningRate: 0.02, weightDecay: 0.01, momentum: 0.5 }, { learningRate: 0.1, weightDecay: 0.001, momentum: 0.9 }];
  // direct and tiled step W in dW's launch; pipelined in an sgd launch after it; kp's B in sgd
  // launches; bp's signal reads the W that the step updates
  for (const kernels of ['direct', 'tiled', 'pipelined'] as const) {
    for (const rule of ['fa', 'kp', 'bp'] as const) {
      results.push(...await h.call('step', { sizes: [7, 17, 9, 3], rule, activation: 'tanh', n: 11, seed: 31, steps: 3, learningRate: 0.05, momentum: 0.9, kernels, perStep }));
    }
  }
  expectAll('setOptimizer steps', results);
});

it('on a device with WebGPU\'s default limits (too few storage buffers for the output layer\'s backward and the loss in one launch) steps match the reference', async () => {
  const results: Comparison[] = [];
  for (const kernels of ['tiled', 'split-k', 'direct'] as const) {
    for (const loss of ['softmax-cross-entropy', 'mse'] as const) {
      results.push(...await h.call('step', { sizes: [7, 17, 9, 3], rule: 'fa', activation: 'relu', loss, n: 11, seed: 41, steps: 2, learningRate: 0.05, momentum: 0.9, weightDecay: 0.01, kernels, defaultLimits: true }));
    }
  }
  expectAll('default-limits steps', results);
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
            // in turn the tiled kernels (what GPUs run), the adapter's choice and split-k (whose
            // softmax output layer makes the top hidden signal: each activation once, i ≡ 2 mod 6)
            const kernels = (['tiled', 'auto', 'split-k'] as const)[(seed - 100) % 3];
            results.push(...await h.call('step', { sizes, rule, activation, loss, init, n: 13, seed: seed++, steps: 3, learningRate: 0.02, momentum: 0.9, weightDecay: 0.01, kernels }));
          }
        }
      }
      expectAll(`${rule} rule`, results);
    });
  }
});

it('train with mini-batches that wrap around x, its losses read in windows, equals trainStep on the same batches sliced on the host', async () => {
  const r = await h.call('trainReplay', undefined as never);
  // 23 steps of 5 rows from 13: the batches wrap mid-batch (rows 10, 11, 12, 0, 1), windows of 7, 7, 7, 2
  expect(r.losses).toHaveLength(23);
  expect(r.losses).toEqual(r.replay);
  expect(r.same).toBe(true);
  expect(r.steps).toEqual([23, 23]);
  expect(h.errors).toEqual([]);
});

it('activations() gives every hidden layer\'s output as the reference forward pass does', async () => {
  const results: Comparison[] = [];
  for (const activation of ACTIVATIONS) results.push(...await h.call('activations', { sizes: [5, 17, 9, 65, 3], activation, n: 13, seed: 6 }));
  expect(results).toHaveLength(15);
  expectAll('activations', results);
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

describe('rule-specific behaviour', () => {
  it('kp: W − Bᵀ shrinks by exactly (1 − ηλ) per step; without weight decay it stays', async () => {
    const r = await h.call('kpDecay', { sizes: [5, 17, 9, 3], learningRate: 0.1, weightDecay: 0.5, steps: 5, seed: 3, n: 11 });
    console.log(`‖W − Bᵀ‖ per step (layers 2, 3): ${r.norms.map((n) => n.map((v) => v.toFixed(4)).join('/')).join(' → ')}`);
    expectAll('kp decay', r.comparisons);
    for (let k = 0; k < 2; k++) expect(r.norms[5][k] / r.norms[0][k]).toBeCloseTo(0.95 ** 5, 4);
    const still = await h.call('kpDecay', { sizes: [5, 17, 9, 3], learningRate: 0.1, weightDecay: 0, steps: 3, seed: 3, n: 11 });
    expectAll('kp without decay', still.comparisons);
  });

  // (init 0.2 gives every shape the same scale: xavier and he check the scale by shape)
  for (const init of [undefined, 'xavier', 'he'] as const) {
    it(`brsf: magnitudes are redrawn every step as the reference draws them, non-negative, signs of Wᵀ (init ${init ?? 0.2})`, async () => {
      const r = await h.call('brsfDraws', { sizes: [4, 17, 9, 3], steps: 4, seed: 9, n: 7, init });
      expectAll('brsf draws', r.comparisons);
      expect(r.changed).toEqual(Array(8).fill(true));
      expect(r.nonNegative).toBe(true);
      expect(r.signsAgree).toBe(true);
    });
  }

  // auto: the direct family on this CPU adapter; the tiled and split-K passes are what GPUs run
  // (K = 300 splits the first layer's product, its signal's chain too).
  const alignmentCases = [
    ...RULES.map((rule) => ({ rule, kernels: 'auto' as const, sizes: [6, 17, 9, 11, 4] })),
    ...(['fa', 'bp', 'dfa', 'kp'] as const).flatMap((rule) => (['tiled', 'split-k'] as const).map((kernels) => ({ rule, kernels, sizes: [300, 17, 9, 11, 4] }))),
  ];
  for (const { rule, kernels, sizes } of alignmentCases) {
    it(`alignment metrics on the GPU match the reference (${rule}, ${kernels} kernels)`, async () => {
      const { got, want } = await h.call('alignment', { sizes, rule, activation: 'tanh', n: 23, seed: 5, trainSteps: 3, kernels });
      console.log(`${rule}: ${got.map((g) => `layer ${g.layer}: signal ${g.signalAngle.toFixed(2)}°, feedback ${g.feedbackAngle?.toFixed(2) ?? '—'}°, ‖F‖/‖W‖ ${g.normRatio?.toFixed(3) ?? '—'}`).join('; ')}`);
      expect(got.map((g) => g.layer)).toEqual([1, 2, 3]);
      got.forEach((g, i) => {
        const w = want[i];
        // acos near 0 magnifies float32 rounding of the sums: angles agree to 0.05°.
        expect(Math.abs(g.signalAngle - w.signalAngle)).toBeLessThan(0.05);
        if (w.feedbackAngle === null) expect(g.feedbackAngle).toBeNull();
        else expect(Math.abs(g.feedbackAngle! - w.feedbackAngle)).toBeLessThan(0.05);
        if (w.normRatio === null) expect(g.normRatio).toBeNull();
        else expect(g.normRatio!).toBeCloseTo(w.normRatio, 5);
      });
      if (rule === 'bp') expect(got.every((g) => g.signalAngle < 0.1)).toBe(true);
      else expect(got.some((g) => g.signalAngle > 1)).toBe(true);
    });
  }
});

describe('two spirals (100 points, 1.5 turns), 2-16-16-16-2 tanh, xavier, lr 0.2, momentum 0.9, 3000 full-batch steps', () => {
  for (const rule of RULES) {
    it(`${rule} learns it (training accuracy ≥ 85%; chance is 50%)`, async () => {
      const r = await h.call('spirals', { rule, n: 100, hidden: 16, steps: 3000, learningRate: 0.2, momentum: 0.9, seed: 1 });
      console.log(`two spirals, ${rule}: accuracy ${(100 * r.accuracy).toFixed(0)}%, loss ${r.firstLoss.toFixed(4)} → ${r.finalLoss.toFixed(4)}`);
      expect(r.accuracy).toBeGreaterThanOrEqual(0.85);
      expect(r.finalLoss).toBeLessThan(r.firstLoss / 2);
    }, 300_000);
  }
});
