/**
 * Seeded initialisation. Forward weights come from PCG32 stream 1 and feedback matrices
 * from stream 2, so FA and BP runs of one seed start from the same forward weights.
 */
import { Pcg32 } from './rng.js';
import type { Rule } from './options.js';

export interface Parameters {
  /** weights[k]: [sizes[k] × sizes[k+1]], row-major. */
  weights: Float32Array[];
  /** biases[k]: [sizes[k+1]]. */
  biases: Float32Array[];
  /** One per hidden layer, B_{k+1}: [sizes[k+2] × sizes[k+1]] for 'fa'; [] for 'bp'. */
  feedback: Float32Array[];
}

/** Shapes as [rows, cols] of every tensor of a network, in the public layout. */
export function parameterShapes(sizes: readonly number[], rule: Rule) {
  const layers = sizes.length - 1;
  const weights: [number, number][] = [];
  const biases: [number, number][] = [];
  const feedback: [number, number][] = [];
  for (let k = 0; k < layers; k++) {
    weights.push([sizes[k], sizes[k + 1]]);
    biases.push([1, sizes[k + 1]]);
  }
  if (rule !== 'bp') for (let k = 0; k < layers - 1; k++) feedback.push([sizes[k + 2], sizes[k + 1]]);
  return { weights, biases, feedback };
}

/** Weights and feedback from N(0, std²), biases zero, all drawn from `seed`. */
export function initParameters(sizes: readonly number[], rule: Rule, seed: number, std: number): Parameters {
  const shapes = parameterShapes(sizes, rule);
  const forward = new Pcg32(seed, 1);
  const feedbackRng = new Pcg32(seed, 2);
  return {
    weights: shapes.weights.map(([r, c]) => forward.normalArray(r * c, std)),
    biases: shapes.biases.map(([, c]) => new Float32Array(c)),
    feedback: shapes.feedback.map(([r, c]) => feedbackRng.normalArray(r * c, std)),
  };
}
