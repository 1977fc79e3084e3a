/**
 * The float64 reference against hand-derived values and finite differences: the reference is
 * the ground truth of the GPU tests, so it gets its own.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../src/model/options.js';
import { Pcg32 } from '../../src/model/rng.js';
import { activate, activationDerivative, columnSum, hiddenSignal, matmul, softmaxCrossEntropy } from '../../src/reference/ops.js';
import { referenceForward, referenceStep, type ReferenceConfig, type ReferenceParameters } from '../../src/reference/step.js';
import { softmaxCrossEntropy as sce } from '../../src/reference/ops.js';

function transpose(m: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

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
