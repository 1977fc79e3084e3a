/**
 * A whole training step in float64, composed from the reference kernels in the order the
 * GPU runs them. This is the ground truth the GPU step is tested against.
 */
import type { Activation, Rule } from '../model/options.js';
import { biasActivation, columnSum, hiddenSignal, matmul, sgd, softmaxCrossEntropy } from './ops.js';

type Vec = ArrayLike<number>;

/** Parameters in the public layout: weights[k] [sizes[k]×sizes[k+1]], biases[k] [sizes[k+1]]. */
export interface ReferenceParameters {
  weights: Vec[];
  biases: Vec[];
  /** One per hidden layer: B_{k+1} [sizes[k+2]×sizes[k+1]] for 'fa'; [] for 'bp'. */
  feedback: Vec[];
}

export interface ReferenceConfig {
  sizes: readonly number[];
  rule: Rule;
  activation: Activation;
  learningRate: number;
}

export interface ReferenceForward {
  /** a_k = h_{k−1}·W_k + b_k for every layer; the last is the logits. */
  pre: Float64Array[];
  /** h_k = f(a_k) for hidden layers; h_0 = x. */
  hidden: Float64Array[];
  logits: Float64Array;
}

/** Forward pass: x [n×sizes[0]] → logits [n×sizes[L]]. */
export function referenceForward(cfg: ReferenceConfig, p: ReferenceParameters, x: Vec, n: number): ReferenceForward {
  const { sizes } = cfg;
  const layers = sizes.length - 1;
  const pre: Float64Array[] = [];
  const hidden: Float64Array[] = [Float64Array.from(x)];
  for (let k = 0; k < layers; k++) {
    const z = matmul(hidden[k], p.weights[k], n, sizes[k + 1], sizes[k]);
    const last = k === layers - 1;
    const { pre: a, out } = biasActivation(z, p.biases[k], n, sizes[k + 1], last ? 'linear' : cfg.activation);
    pre.push(a);
    if (!last) hidden.push(out);
  }
  return { pre, hidden, logits: pre[layers - 1] };
}

export interface ReferenceStep extends ReferenceForward {
  /** Mean cross-entropy of the forward pass, before the update. */
  loss: number;
  /** δ_k for every layer (δ_L = d_logits). */
  deltas: Float64Array[];
  gradWeights: Float64Array[];
  gradBiases: Float64Array[];
  /** Parameters after θ ← θ − lr·dθ (feedback unchanged: it is never trained). */
  next: { weights: Float64Array[]; biases: Float64Array[]; feedback: Float64Array[] };
}

/** One step of the seed algorithm, for any depth. */
export function referenceStep(cfg: ReferenceConfig, p: ReferenceParameters, x: Vec, labels: Vec, n: number): ReferenceStep {
  const { sizes, rule, activation, learningRate } = cfg;
  const layers = sizes.length - 1;
  const fwd = referenceForward(cfg, p, x, n);
  const { dLogits, loss } = softmaxCrossEntropy(fwd.logits, labels, n, sizes[layers]);

  const deltas: Float64Array[] = new Array(layers);
  deltas[layers - 1] = dLogits;
  for (let k = layers - 2; k >= 0; k--) {
    // FA departs from BP here: fixed random B_{k+1} [out×in] instead of W_{k+1}ᵀ.
    const f = rule === 'bp' ? p.weights[k + 1] : p.feedback[k];
    deltas[k] = hiddenSignal(deltas[k + 1], f, fwd.pre[k], n, sizes[k + 1], sizes[k + 2], rule === 'bp', activation);
  }
  const gradWeights = deltas.map((d, k) => matmul(fwd.hidden[k], d, sizes[k], sizes[k + 1], n, true, false));
  const gradBiases = deltas.map((d, k) => columnSum(d, n, sizes[k + 1]));
  return {
    ...fwd,
    loss,
    deltas,
    gradWeights,
    gradBiases,
    next: {
      weights: p.weights.map((w, k) => sgd(w, gradWeights[k], learningRate)),
      biases: p.biases.map((b, k) => sgd(b, gradBiases[k], learningRate)),
      feedback: p.feedback.map((f) => Float64Array.from(f)),
    },
  };
}
