/**
 * A whole training step in float64, composed from the reference kernels in the order the
 * GPU runs them. This is the ground truth the GPU step is tested against.
 */
import { RULE_TRAITS, type Activation, type Loss, type Rule } from '../model/options.js';
import type { LayerAlignment } from '../train/metrics.js';
import { angleAndRatio, biasActivation, columnSum, hiddenSignal, matmul, mseLoss, sgdMomentum, signConcordant, softmaxCrossEntropy, transpose } from './ops.js';

type Vec = ArrayLike<number>;

/** Parameters in the public layout (see Parameters in src/model/init.ts). */
export interface ReferenceParameters {
  weights: Vec[];
  biases: Vec[];
  feedback: Vec[];
}

export interface ReferenceConfig {
  sizes: readonly number[];
  rule: Rule;
  activation: Activation;
  learningRate: number;
  /** Default 'softmax-cross-entropy'. */
  loss?: Loss;
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  weightDecay?: number;
}

export interface ReferenceForward {
  /** a_k = h_{k−1}·W_k + b_k for every layer; the last is the output a_L. */
  pre: Float64Array[];
  /** h_k = f(a_k) for hidden layers; h_0 = x. */
  hidden: Float64Array[];
  logits: Float64Array;
}

/** Forward pass: x [n×sizes[0]] → a_L [n×sizes[L]]. */
export function referenceForward(cfg: ReferenceConfig, p: ReferenceParameters, x: Vec, n: number): ReferenceForward {
  const { sizes } = cfg;
  const L = sizes.length - 1;
  const pre: Float64Array[] = [];
  const hidden: Float64Array[] = [Float64Array.from(x)];
  for (let k = 0; k < L; k++) {
    const z = matmul(hidden[k], p.weights[k], n, sizes[k + 1], sizes[k]);
    const last = k === L - 1;
    const { pre: a, out } = biasActivation(z, p.biases[k], n, sizes[k + 1], last ? 'linear' : cfg.activation);
    pre.push(a);
    if (!last) hidden.push(out);
  }
  return { pre, hidden, logits: pre[L - 1] };
}

/** The batch loss and output error e = ∂loss/∂a_L. */
export function referenceLoss(cfg: ReferenceConfig, out: Vec, labels: Vec, n: number) {
  const classes = cfg.sizes[cfg.sizes.length - 1];
  if ((cfg.loss ?? 'softmax-cross-entropy') === 'mse') {
    const { dOut, loss } = mseLoss(out, labels, n, classes);
    return { e: dOut, loss };
  }
  const { dLogits, loss } = softmaxCrossEntropy(out, labels, n, classes);
  return { e: dLogits, loss };
}

/**
 * The matrix F_h that carries a signal back to hidden layer h (1-based), as [from×n_h]:
 * Wᵀ for bp, B or D for fa/kp/dfa, M ⊙ sign(W)ᵀ for usf/frsf/brsf.
 */
export function effectiveFeedback(cfg: ReferenceConfig, p: ReferenceParameters, h: number): Float64Array {
  const { sizes, rule } = cfg;
  const wT = () => transpose(p.weights[h], sizes[h], sizes[h + 1]);
  if (rule === 'bp') return wT();
  if (RULE_TRAITS[rule].signConcordant) return signConcordant(p.feedback[h - 1], p.weights[h], sizes[h + 1], sizes[h]);
  return Float64Array.from(p.feedback[h - 1]);
}

export interface ReferenceStep extends ReferenceForward {
  /** Mean loss of the forward pass, before the update. */
  loss: number;
  /** δ_k for every layer (the last is the output error e). */
  deltas: Float64Array[];
  /** s_h, the unmasked signal of every hidden layer (δ_h = s_h ⊙ f′(a_h)). */
  signals: Float64Array[];
  gradWeights: Float64Array[];
  gradBiases: Float64Array[];
  /** Parameters after the update; feedback changes only for kp. */
  next: { weights: Float64Array[]; biases: Float64Array[]; feedback: Float64Array[] };
  /** Optimizer velocities after the update (zeros in, when none were given); feedback only for kp. */
  velocity: { weights: Float64Array[]; biases: Float64Array[]; feedback: Float64Array[] };
}

/**
 * One training step for any depth and rule. brsf's magnitudes are whatever p.feedback holds:
 * the GPU redraws them at the start of a step, and a test passes in the ones it drew.
 */
export function referenceStep(
  cfg: ReferenceConfig, p: ReferenceParameters, x: Vec, labels: Vec, n: number,
  velocity?: { weights: Vec[]; biases: Vec[]; feedback: Vec[] },
): ReferenceStep {
  const { sizes, rule, activation } = cfg;
  const L = sizes.length - 1;
  const fwd = referenceForward(cfg, p, x, n);
  const { e, loss } = referenceLoss(cfg, fwd.logits, labels, n);

  const deltas: Float64Array[] = new Array(L);
  const signals: Float64Array[] = new Array(L - 1);
  deltas[L - 1] = e;
  for (let h = L - 1; h >= 1; h--) {
    const direct = RULE_TRAITS[rule].feedback === 'direct';
    const source = direct ? e : deltas[h];
    const width = direct ? sizes[L] : sizes[h + 1];
    const f = effectiveFeedback(cfg, p, h);
    signals[h - 1] = hiddenSignal(source, f, fwd.pre[h - 1], n, sizes[h], width, false, 'linear');
    deltas[h - 1] = hiddenSignal(source, f, fwd.pre[h - 1], n, sizes[h], width, false, activation);
  }
  const gradWeights = deltas.map((d, k) => matmul(fwd.hidden[k], d, sizes[k], sizes[k + 1], n, true, false));
  const gradBiases = deltas.map((d, k) => columnSum(d, n, sizes[k + 1]));

  const opt = { learningRate: cfg.learningRate, momentum: cfg.momentum ?? 0, weightDecay: cfg.weightDecay ?? 0 };
  const trained = RULE_TRAITS[rule].trained;
  const zeros = (list: Vec[]) => list.map((t) => new Float64Array(t.length));
  const v = velocity ?? { weights: zeros(p.weights), biases: zeros(p.biases), feedback: trained ? zeros(p.feedback) : [] };
  const update = (theta: Vec[], grads: Vec[], vel: Vec[]) => theta.map((t, k) => sgdMomentum(t, grads[k], vel[k], opt));
  const w = update(p.weights, gradWeights, v.weights);
  const b = update(p.biases, gradBiases, v.biases);
  // Kolen-Pollack trains B_{h+1} with dW_{h+1}ᵀ and the same optimizer; other feedback stays.
  const f = trained ? update(p.feedback, p.feedback.map((_, i) => transpose(gradWeights[i + 1], sizes[i + 1], sizes[i + 2])), v.feedback) : [];
  return {
    ...fwd,
    loss,
    deltas,
    signals,
    gradWeights,
    gradBiases,
    next: {
      weights: w.map((u) => u.theta),
      biases: b.map((u) => u.theta),
      feedback: trained ? f.map((u) => u.theta) : p.feedback.map((t) => Float64Array.from(t)),
    },
    velocity: { weights: w.map((u) => u.velocity), biases: b.map((u) => u.velocity), feedback: f.map((u) => u.velocity) },
  };
}

/**
 * The alignment metrics of a state on a batch: the quantity Lillicrap et al. plot (the angle
 * between the FA and BP signals), the angle between feedback and W_{h+1}ᵀ, and their norm ratio.
 * Backprop's signal comes from its own chain δ^BP_h = (δ^BP_{h+1}·W_{h+1}ᵀ) ⊙ f′(a_h).
 */
export function referenceAlignment(cfg: ReferenceConfig, p: ReferenceParameters, x: Vec, labels: Vec, n: number): LayerAlignment[] {
  const { sizes, activation } = cfg;
  const L = sizes.length - 1;
  const step = referenceStep(cfg, p, x, labels, n);
  const out: LayerAlignment[] = [];
  let deltaBp: Float64Array = step.deltas[L - 1];
  const bpSignals: Float64Array[] = new Array(L - 1);
  for (let h = L - 1; h >= 1; h--) {
    const wT = transpose(p.weights[h], sizes[h], sizes[h + 1]);
    bpSignals[h - 1] = hiddenSignal(deltaBp, wT, step.pre[h - 1], n, sizes[h], sizes[h + 1], false, 'linear');
    deltaBp = hiddenSignal(deltaBp, wT, step.pre[h - 1], n, sizes[h], sizes[h + 1], false, activation);
  }
  for (let h = 1; h < L; h++) {
    const signal = angleAndRatio(step.signals[h - 1], bpSignals[h - 1]);
    const sameShape = RULE_TRAITS[cfg.rule].feedback !== 'direct' || h === L - 1;
    const fb = sameShape ? angleAndRatio(effectiveFeedback(cfg, p, h), transpose(p.weights[h], sizes[h], sizes[h + 1])) : null;
    out.push({ layer: h, signalAngle: signal.angle, feedbackAngle: fb?.angle ?? null, normRatio: fb?.ratio ?? null });
  }
  return out;
}
