/**
 * How each hidden layer gets its error signal. The only difference between the rules in
 * this file is which matrix carries δ_{k+1} back to layer k, and whether it is read
 * transposed; everything else in a step is shared.
 */
import type { Rule } from '../model/options.js';

export interface FeedbackPath {
  /** The matrix δ_{k+1} is multiplied by. */
  matrix: GPUBuffer;
  /** true: the buffer is W_{k+1} [n_k×n_{k+1}] read as W_{k+1}ᵀ; false: B_{k+1} [n_{k+1}×n_k]. */
  transposed: boolean;
}

/**
 * The path for hidden layer k (0-based: the layer after weights[k]), given the forward
 * weights and the feedback matrices (feedback[k] = B_{k+2} in 1-based notation).
 */
export function feedbackPath(rule: Rule, k: number, weights: readonly GPUBuffer[], feedback: readonly GPUBuffer[]): FeedbackPath {
  switch (rule) {
    case 'bp':
      return { matrix: weights[k + 1], transposed: true };
    case 'fa':
      // FA departs from BP here: a fixed random B, never trained, instead of Wᵀ.
      return { matrix: feedback[k], transposed: false };
  }
}
