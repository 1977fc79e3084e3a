/** Names shared by the GPU path and the float64 reference. */

/**
 * How hidden layers get their error signal s_k (δ_k = s_k ⊙ f′(a_k)):
 * - 'bp':   δ_{k+1}·W_{k+1}ᵀ (backprop, the baseline)
 * - 'fa':   δ_{k+1}·B_{k+1}, B fixed and random (feedback alignment)
 * - 'dfa':  e·D_k, D fixed and random, straight from the output error (direct FA)
 * - 'usf':  δ_{k+1}·(M ⊙ sign(W_{k+1})ᵀ), M one constant (uniform sign-concordant feedback)
 * - 'frsf': the same with M = |R| drawn once (fixed random-magnitude)
 * - 'brsf': the same with M = |R| redrawn every step on the GPU (batchwise random-magnitude;
 *           R from Irwin-Hall's approximation of N(0, σ²), see shaders/feedback_draw.wgsl)
 * - 'kp':   as 'fa', but B trained with dW_{k+1}ᵀ and the same optimizer, so with weight decay
 *           W − Bᵀ decays (without it, it stays as initialised) (Kolen-Pollack)
 */
export const RULES = ['fa', 'bp', 'dfa', 'usf', 'frsf', 'brsf', 'kp'] as const;
export type Rule = (typeof RULES)[number];

/** Each rule's name and what carries the error back, in a line (for menus, legends and help). */
export const RULE_DESCRIPTIONS: Record<Rule, string> = {
  fa: 'feedback alignment: each layer\'s error goes back through a fixed random B, not Wᵀ',
  bp: 'backprop, the baseline: each layer\'s error goes back through Wᵀ',
  dfa: 'direct feedback alignment: every hidden layer gets the output error straight through its own fixed random D',
  usf: 'uniform sign-concordant feedback: Wᵀ\'s signs with one magnitude for every entry',
  frsf: 'fixed random-magnitude sign-concordant feedback: Wᵀ\'s signs with random magnitudes drawn once',
  brsf: 'batchwise random-magnitude sign-concordant feedback: Wᵀ\'s signs with magnitudes redrawn every step',
  kp: 'Kolen-Pollack: as FA, but B is trained with dWᵀ, so with weight decay B approaches Wᵀ',
};

/** Hidden-layer nonlinearities; the output layer is always linear. */
export const ACTIVATIONS = ['relu', 'leaky-relu', 'tanh', 'sigmoid', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * 'softmax-cross-entropy': e = (softmax(a_L) − onehot)/n; 'mse': identity output, loss the
 * batch mean of ½‖a_L − onehot‖², e = (a_L − onehot)/n.
 */
export const LOSSES = ['softmax-cross-entropy', 'mse'] as const;
export type Loss = (typeof LOSSES)[number];

/** A standard deviation for weights and feedback, or a scaling by fan-in/fan-out. */
export type InitScale = number | 'xavier' | 'he';

/** Slope of leaky-relu for negative inputs. */
export const LEAKY_SLOPE = 0.01;

/** The seed's defaults. */
export const DEFAULTS = {
  rule: 'fa' as Rule,
  activation: 'relu' as Activation,
  loss: 'softmax-cross-entropy' as Loss,
  learningRate: 0.05,
  momentum: 0,
  weightDecay: 0,
  init: 0.2 as InitScale,
  seed: 1,
};

/**
 * The ranges the library accepts: the largest values (an argument's lower bound is 1, or 0
 * where 0 means something) and the smallest learning rate. One place for the library's checks
 * and the command line's, which says them with its own option names before any work starts.
 */
export const LIMITS = {
  /** Units in a layer; rows in a batch. */
  layer: 1 << 24,
  learningRate: 1e6,
  /** The smallest learning rate: f32's smallest normal number (GPUs may flush smaller ones to 0). */
  minLearningRate: 2 ** -126,
  weightDecay: 1e6,
  /** A standard deviation for `init`. */
  init: 1e6,
  /** Steps of one train() call: every step's loss comes back in one Float32Array (1e8: 400 MB). */
  steps: 1e8,
  /** Steps between train()'s loss readbacks (a window's losses fit one staging buffer). */
  lossEvery: 1 << 20,
  /** Steps of one trainer.run() call. */
  trainerSteps: 1e7,
  epochs: 1e6,
  /** A step schedule's period, in epochs, and its factor. */
  scheduleEvery: 1e6,
  scheduleGamma: 1e6,
} as const;

/** What a rule's feedback matrices are and how they behave. */
export interface RuleTraits {
  /** 'none': no feedback matrices (bp); 'layer': one per hidden layer from the layer above; 'direct': from the output. */
  feedback: 'none' | 'layer' | 'direct';
  /** Feedback magnitudes carry the signs of Wᵀ. */
  signConcordant: boolean;
  /** Feedback is trained with dWᵀ (kp). */
  trained: boolean;
  /** Feedback magnitudes are redrawn every step (brsf). */
  redrawn: boolean;
}

export const RULE_TRAITS: Record<Rule, RuleTraits> = {
  bp: { feedback: 'none', signConcordant: false, trained: false, redrawn: false },
  fa: { feedback: 'layer', signConcordant: false, trained: false, redrawn: false },
  dfa: { feedback: 'direct', signConcordant: false, trained: false, redrawn: false },
  usf: { feedback: 'layer', signConcordant: true, trained: false, redrawn: false },
  frsf: { feedback: 'layer', signConcordant: true, trained: false, redrawn: false },
  brsf: { feedback: 'layer', signConcordant: true, trained: false, redrawn: true },
  kp: { feedback: 'layer', signConcordant: false, trained: true, redrawn: false },
};
