/**
 * The float64 reference against hand-derived values and finite differences: the reference is
 * the ground truth of the GPU tests, so it gets its own.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../src/model/options.js';
import { Pcg32 } from '../../src/model/rng.js';
import { activate, activationDerivative, columnSum, drawMagnitudes, hiddenSignal, matmul, mseLoss, sgdMomentum, softmaxCrossEntropy, transpose } from '../../src/reference/ops.js';
import { referenceForward, referenceLoss, referenceStep, type ReferenceConfig, type ReferenceParameters } from '../../src/reference/step.js';
import { softmaxCrossEntropy as sce } from '../../src/reference/ops.js';

describe('reference kernels, by hand', () => {
  it('matmul of 2×2 matrices, and its transposed forms', () => {
    const a = [1, 2, 3, 4], b = [5, 6, 7, 8];
    expect(Array.from(matmul(a, b, 2, 2, 2))).toEqual([19, 22, 43, 50]);
    // Aᵀ stored: [[1,3],[2,4]] read transposed is A again.
    expect(Array.from(matmul([1, 3, 2, 4], b, 2, 2, 2, true))).toEqual([19, 22, 43, 50]);
    expect(Array.from(matmul(a, [5, 7, 6, 8], 2, 2, 2, false, true))).toEqual([19, 22, 43, 50]);
    // [1×3]·[3×1]
    expect(Array.from(matmul([1, 2, 3], [4, 5, 6], 1, 1, 3))).toEqual([32]);
  });

  it('softmax cross-entropy of equal logits is log C with gradient (1/C − onehot)/n', () => {
    const { loss, dLogits, rowLoss } = softmaxCrossEntropy([0, 0, 0, 5, 5, 5], [2, 0], 2, 3);
    expect(loss).toBeCloseTo(Math.log(3), 14);
    expect(Array.from(rowLoss)).toEqual([Math.log(3) / 2, Math.log(3) / 2].map((v) => expect.closeTo(v, 14)));
    const third = 1 / 3;
    expect(Array.from(dLogits)).toEqual([third, third, third - 1, third - 1, third, third].map((v) => expect.closeTo(v / 2, 14)));
  });

  it('softmax cross-entropy keeps the digits of a tiny loss', () => {
    // One row, logits [0, −40], label 0: loss = log(1 + e^−40) = e^−40 to 1e-17 relative.
    const { loss, dLogits } = softmaxCrossEntropy([0, -40], [0], 1, 2);
    expect(loss / Math.exp(-40)).toBeCloseTo(1, 12);
    // Wrong label: loss = log(1 + e^40) = 40 + log(1 + e^−40).
    expect(softmaxCrossEntropy([0, -40], [1], 1, 2).loss).toBeCloseTo(40, 12);
    expect(dLogits[1]).toBeCloseTo(Math.exp(-40) / (1 + Math.exp(-40)), 25);
    // 1 − p_y = e^−40 / (1 + e^−40) for the label's class too, not 0 from 1 − (1 − 4e-18).
    expect(-dLogits[0] / Math.exp(-40)).toBeCloseTo(1, 12);
  });

  it('column sums and the hidden signal on a small case', () => {
    expect(Array.from(columnSum([1, 2, 3, 4, 5, 6], 3, 2))).toEqual([9, 12]);
    // e [1×2] = [1, −1]; B [2×3] = [[1,2,3],[4,5,6]]; pre = [1, −1, 2]; relu mask [1, 0, 1]
    // e·B = [−3, −3, −3] → δ = [−3, 0, −3]
    expect(Array.from(hiddenSignal([1, -1], [1, 2, 3, 4, 5, 6], [1, -1, 2], 1, 3, 2, false, 'relu').map((v) => v + 0))).toEqual([-3, 0, -3]);
    // BP reads W [3×2] as Wᵀ: W = Bᵀ gives the same signal.
    expect(Array.from(hiddenSignal([1, -1], [1, 4, 2, 5, 3, 6], [1, -1, 2], 1, 3, 2, true, 'relu').map((v) => v + 0))).toEqual([-3, 0, -3]);
  });

  it('each activation derivative matches a central difference', () => {
    for (const act of ACTIVATIONS) {
      for (const a of [-2.3, -0.4, 0.3, 1.7]) {
        const h = 1e-6;
        const fd = (activate(a + h, act) - activate(a - h, act)) / (2 * h);
        expect(activationDerivative(a, act), `${act} at ${a}`).toBeCloseTo(fd, 8);
      }
    }
  });
});

function randomParams(sizes: number[], seed: number, withFeedback: boolean): ReferenceParameters {
  const rng = new Pcg32(seed, 1);
  const L = sizes.length - 1;
  return {
    weights: Array.from({ length: L }, (_, k) => Float64Array.from(rng.normalArray(sizes[k] * sizes[k + 1], 0.5))),
    biases: Array.from({ length: L }, (_, k) => Float64Array.from(rng.normalArray(sizes[k + 1], 0.1))),
    feedback: withFeedback ? Array.from({ length: L - 1 }, (_, k) => Float64Array.from(rng.normalArray(sizes[k + 2] * sizes[k + 1], 0.5))) : [],
  };
}

function lossAt(cfg: ReferenceConfig, p: ReferenceParameters, x: number[], labels: number[], n: number): number {
  const { logits } = referenceForward(cfg, p, x, n);
  return sce(logits, labels, n, cfg.sizes[cfg.sizes.length - 1]).loss;
}

describe('reference step', () => {
  const sizes = [3, 5, 4, 3];
  const n = 6;
  const rng = new Pcg32(77, 3);
  const x = Array.from(rng.normalArray(n * sizes[0], 1));
  const labels = [0, 1, 2, 2, 1, 0];

  for (const activation of ['tanh', 'sigmoid', 'relu'] as const) {
    it(`BP gradients equal central differences of the loss (${activation})`, () => {
      const cfg: ReferenceConfig = { sizes, rule: 'bp', activation, learningRate: 0.1 };
      const p = randomParams(sizes, 5, false);
      const step = referenceStep(cfg, p, x, labels, n);
      const h = 1e-6;
      for (const [list, grads] of [[p.weights, step.gradWeights], [p.biases, step.gradBiases]] as const) {
        list.forEach((tensor, k) => {
          for (let i = 0; i < tensor.length; i++) {
            const t = tensor as Float64Array;
            const orig = t[i];
            t[i] = orig + h; const up = lossAt(cfg, p, x, labels, n);
            t[i] = orig - h; const down = lossAt(cfg, p, x, labels, n);
            t[i] = orig;
            expect(grads[k][i]).toBeCloseTo((up - down) / (2 * h), 7);
          }
        });
      }
    });
  }

  it('FA: the output layer gets the true gradient; hidden layers get it when B = Wᵀ, not otherwise', () => {
    const bpCfg: ReferenceConfig = { sizes, rule: 'bp', activation: 'tanh', learningRate: 0.1 };
    const faCfg: ReferenceConfig = { ...bpCfg, rule: 'fa' };
    const p = randomParams(sizes, 8, true);
    const bp = referenceStep(bpCfg, p, x, labels, n);
    const fa = referenceStep(faCfg, p, x, labels, n);
    expect(fa.gradWeights[2]).toEqual(bp.gradWeights[2]);
    expect(fa.gradBiases[2]).toEqual(bp.gradBiases[2]);
    expect(fa.gradWeights[0]).not.toEqual(bp.gradWeights[0]);
    const aligned = { ...p, feedback: [transpose(p.weights[1], 5, 4), transpose(p.weights[2], 4, 3)] };
    const faAligned = referenceStep(faCfg, aligned, x, labels, n);
    faAligned.gradWeights.forEach((g, k) => g.forEach((v, i) => expect(v).toBeCloseTo(bp.gradWeights[k][i], 14)));
  });

  it('the update is θ − lr·dθ and never touches B', () => {
    const cfg: ReferenceConfig = { sizes, rule: 'fa', activation: 'relu', learningRate: 0.3 };
    const p = randomParams(sizes, 9, true);
    const s = referenceStep(cfg, p, x, labels, n);
    s.next.weights.forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(p.weights[k][i] - 0.3 * s.gradWeights[k][i], 15)));
    s.next.biases.forEach((b, k) => b.forEach((v, i) => expect(v).toBeCloseTo(p.biases[k][i] - 0.3 * s.gradBiases[k][i], 15)));
    expect(s.next.feedback).toEqual(p.feedback);
  });

  it('a softmax regression step by hand: zero weights, two points', () => {
    // sizes [2, 2], W = 0, b = 0: p = ½ everywhere, dLogits = (½ − onehot)/2.
    const cfg: ReferenceConfig = { sizes: [2, 2], rule: 'bp', activation: 'relu', learningRate: 1 };
    const p = { weights: [new Float64Array(4)], biases: [new Float64Array(2)], feedback: [] };
    const s = referenceStep(cfg, p, [1, 2, 3, 4], [0, 1], 2);
    expect(s.loss).toBeCloseTo(Math.log(2), 15);
    // dLogits = [[−¼, ¼], [¼, −¼]]; dW = xᵀ·dLogits = [[1·−¼ + 3·¼, 1·¼ + 3·−¼], [2·−¼ + 4·¼, 2·¼ + 4·−¼]]
    expect(Array.from(s.gradWeights[0])).toEqual([0.5, -0.5, 0.5, -0.5]);
    expect(Array.from(s.gradBiases[0])).toEqual([0, 0]);
  });
});

describe('reference: losses, optimizer, rules', () => {
  const sizes = [3, 5, 4, 3];
  const n = 6;
  const rng = new Pcg32(78, 3);
  const x = Array.from(rng.normalArray(n * sizes[0], 1));
  const labels = [0, 1, 2, 2, 1, 0];

  it('BP gradients with the mse loss equal central differences', () => {
    const cfg: ReferenceConfig = { sizes, rule: 'bp', activation: 'tanh', learningRate: 0.1, loss: 'mse' };
    const p = randomParams(sizes, 6, false);
    const step = referenceStep(cfg, p, x, labels, n);
    const loss = (q: ReferenceParameters) => referenceLoss(cfg, referenceForward(cfg, q, x, n).logits, labels, n).loss;
    const h = 1e-6;
    p.weights.forEach((t, k) => {
      const w = t as Float64Array;
      for (let i = 0; i < w.length; i++) {
        const orig = w[i];
        w[i] = orig + h; const up = loss(p);
        w[i] = orig - h; const down = loss(p);
        w[i] = orig;
        expect(step.gradWeights[k][i]).toBeCloseTo((up - down) / (2 * h), 7);
      }
    });
  });

  it('mse by hand: z = [0.5, 0], label 0 → loss ½(0.25)/1, e = [−0.5, 0]', () => {
    const { loss, dOut } = mseLoss([0.5, 0], [0], 1, 2);
    expect(loss).toBe(0.125);
    expect(Array.from(dOut)).toEqual([-0.5, 0]);
  });

  it('SGD with momentum and weight decay follows torch for two steps, by hand', () => {
    const o = { learningRate: 0.1, momentum: 0.9, weightDecay: 0.5 };
    // θ = 1, g = 2: g' = 2 + 0.5 = 2.5, v = 2.5, θ = 1 − 0.25 = 0.75
    const s1 = sgdMomentum([1], [2], [0], o);
    expect(s1.velocity[0]).toBeCloseTo(2.5, 15);
    expect(s1.theta[0]).toBeCloseTo(0.75, 15);
    // g = 2 again: g' = 2 + 0.375 = 2.375, v = 0.9·2.5 + 2.375 = 4.625, θ = 0.75 − 0.4625 = 0.2875
    const s2 = sgdMomentum(s1.theta, [2], s1.velocity, o);
    expect(s2.velocity[0]).toBeCloseTo(4.625, 14);
    expect(s2.theta[0]).toBeCloseTo(0.2875, 14);
  });

  it('kp trains B with dWᵀ: W − Bᵀ changes only by weight decay', () => {
    const cfg: ReferenceConfig = { sizes, rule: 'kp', activation: 'tanh', learningRate: 0.1, weightDecay: 0.2 };
    const p = randomParams(sizes, 10, true);
    const s = referenceStep(cfg, p, x, labels, n);
    for (let k = 0; k < 2; k++) {
      const before = transpose(p.feedback[k], sizes[k + 2], sizes[k + 1]);
      const after = transpose(s.next.feedback[k], sizes[k + 2], sizes[k + 1]);
      after.forEach((b, i) => expect(s.next.weights[k + 1][i] - b).toBeCloseTo((1 - 0.02) * (p.weights[k + 1][i] - before[i]), 14));
    }
  });

  it('dfa sends the output error straight to every hidden layer; usf uses sign(W)ᵀ times a constant', () => {
    const p = randomParams(sizes, 11, false);
    const direct = { ...p, feedback: [Float64Array.from(new Pcg32(1, 9).normalArray(3 * 5, 1)), Float64Array.from(new Pcg32(2, 9).normalArray(3 * 4, 1))] };
    const dfa = referenceStep({ sizes, rule: 'dfa', activation: 'tanh', learningRate: 0.1 }, direct, x, labels, n);
    const e = dfa.deltas[2];
    expect(Array.from(dfa.signals[0])).toEqual(Array.from(matmul(e, direct.feedback[0], n, 5, 3)));
    expect(Array.from(dfa.signals[1])).toEqual(Array.from(matmul(e, direct.feedback[1], n, 4, 3)));
    const m = [new Float64Array(4 * 5).fill(0.3), new Float64Array(3 * 4).fill(0.3)];
    const usf = referenceStep({ sizes, rule: 'usf', activation: 'tanh', learningRate: 0.1 }, { ...p, feedback: m }, x, labels, n);
    const signW = transpose(p.weights[2], 4, 3).map((v) => 0.3 * Math.sign(v));
    expect(Array.from(usf.signals[1])).toEqual(Array.from(matmul(usf.deltas[2], signW, n, 4, 3)));
  });

  it('brsf draws: deterministic, non-negative, mean near σ√(2/π), different each step', () => {
    const a = drawMagnitudes(123, 0, 50_000, 0.2);
    expect(drawMagnitudes(123, 0, 50_000, 0.2)).toEqual(a);
    expect(a.every((v) => v >= 0)).toBe(true);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    // |N(0, σ²)| has mean σ√(2/π) ≈ 0.1596 and sd σ√(1 − 2/π) ≈ 0.1206; 5 standard errors.
    expect(Math.abs(mean - 0.2 * Math.sqrt(2 / Math.PI))).toBeLessThan(5 * 0.1206 / Math.sqrt(a.length));
    const b = drawMagnitudes(123, 1, 50_000, 0.2);
    expect(b.filter((v, i) => v === a[i]).length).toBeLessThan(10);
  });
});
