/**
 * Seeded initialisation. Forward weights come from PCG32 stream 1 and feedback matrices
 * from stream 2, so every rule of one seed starts from the same forward weights.
 */
import { Pcg32 } from './rng.js';
import { RULE_TRAITS, type InitScale, type Rule } from './options.js';

export interface Parameters {
  /** weights[k]: [sizes[k] × sizes[k+1]], row-major. */
  weights: Float32Array[];
  /** biases[k]: [sizes[k+1]]. */
  biases: Float32Array[];
  /**
   * One per hidden layer k = 1 … L−1 (in order): B_{k+1} [sizes[k+1] × sizes[k]] for fa and kp,
   * D_k [sizes[L] × sizes[k]] for dfa, magnitudes M_{k+1} [sizes[k+1] × sizes[k]] for usf,
   * frsf and brsf; [] for bp.
   */
  feedback: Float32Array[];
}

/** Shapes as [rows, cols] of every tensor of a network, in the public layout. */
export function parameterShapes(sizes: readonly number[], rule: Rule) {
  const L = sizes.length - 1;
  const weights: [number, number][] = [];
  const biases: [number, number][] = [];
  const feedback: [number, number][] = [];
  for (let k = 0; k < L; k++) {
    weights.push([sizes[k], sizes[k + 1]]);
    biases.push([1, sizes[k + 1]]);
  }
  const kind = RULE_TRAITS[rule].feedback;
  // Hidden layer h = 1 … L−1 has width sizes[h]; its feedback comes from sizes[h+1] (layer) or sizes[L] (direct).
  for (let h = 1; h < L; h++) {
    if (kind === 'layer') feedback.push([sizes[h + 1], sizes[h]]);
    if (kind === 'direct') feedback.push([sizes[L], sizes[h]]);
  }
  return { weights, biases, feedback };
}

/** The standard deviation for a matrix that carries fanIn values to fanOut. */
export function initStd(init: InitScale, fanIn: number, fanOut: number): number {
  if (init === 'xavier') return Math.sqrt(2 / (fanIn + fanOut));
  if (init === 'he') return Math.sqrt(2 / fanIn);
  return init;
}

/**
 * Weights from N(0, σ²) (σ from `init` and the matrix's shape), biases zero, and feedback by
 * rule: N(0, σ²) for fa, kp and dfa; magnitudes σ (usf) or |N(0, σ²)| (frsf, brsf) for the
 * sign-concordant rules. A feedback matrix [r×c] carries r values back to c, so its σ uses
 * fan-in r and fan-out c.
 */
export function initParameters(sizes: readonly number[], rule: Rule, seed: number, init: InitScale): Parameters {
  const shapes = parameterShapes(sizes, rule);
  const forward = new Pcg32(seed, 1);
  const feedbackRng = new Pcg32(seed, 2);
  return {
    weights: shapes.weights.map(([r, c]) => forward.normalArray(r * c, initStd(init, r, c))),
    biases: shapes.biases.map(([, c]) => new Float32Array(c)),
    feedback: shapes.feedback.map(([r, c]) => {
      const std = initStd(init, r, c);
      if (rule === 'usf') return new Float32Array(r * c).fill(std);
      const m = feedbackRng.normalArray(r * c, std);
      if (rule === 'frsf' || rule === 'brsf') for (let i = 0; i < m.length; i++) m[i] = Math.abs(m[i]);
      return m;
    }),
  };
}
