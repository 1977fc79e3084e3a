/**
 * How each hidden layer gets its error signal. The rules differ only in which error the
 * signal starts from and which matrix carries it back (and whether that matrix is read
 * transposed or sign-concordant); forward pass, loss, gradients and update are shared.
 */
import { RULE_TRAITS, type Rule } from '../model/options.js';

export interface FeedbackPath {
  /** The error the signal comes from: δ of the layer above, or the output error (dfa). */
  source: GPUBuffer;
  /** Its width (the `classes` of hidden_signal.wgsl). */
  sourceWidth: number;
  /** The matrix the error is multiplied by. */
  matrix: GPUBuffer;
  /** true: `matrix` is W_{k+1} [n_k×n_{k+1}] read as W_{k+1}ᵀ (bp). */
  transposed: boolean;
  /** true: `matrix` holds magnitudes M that take the signs of W_{k+1}ᵀ. */
  signConcordant: boolean;
  /** W_{k+1}, whose signs the sign-concordant rules use. */
  weightsAbove: GPUBuffer;
}

/**
 * The path for hidden layer h = 1 … L−1 (the layer after weights[h−1]).
 * `deltas[k]` is δ_{k+1} (0-based: deltas[L−1] is the output error e); feedback[h−1] is the
 * rule's matrix for layer h.
 */
export function feedbackPath(
  rule: Rule, h: number, sizes: readonly number[],
  weights: readonly GPUBuffer[], feedback: readonly GPUBuffer[], deltas: readonly GPUBuffer[],
): FeedbackPath {
  const L = sizes.length - 1;
  const traits = RULE_TRAITS[rule];
  const above = { source: deltas[h], sourceWidth: sizes[h + 1], weightsAbove: weights[h] };
  switch (traits.feedback) {
    case 'none':
      return { ...above, matrix: weights[h], transposed: true, signConcordant: false };
    case 'layer':
      // FA and its family depart from BP here: B_{h+1} (or M_{h+1} with Wᵀ's signs), not W_{h+1}ᵀ.
      return { ...above, matrix: feedback[h - 1], transposed: false, signConcordant: traits.signConcordant };
    case 'direct':
      // DFA: straight from the output error through D_h [n_L×n_h].
      return { source: deltas[L - 1], sourceWidth: sizes[L], weightsAbove: weights[h], matrix: feedback[h - 1], transposed: false, signConcordant: false };
  }
}
