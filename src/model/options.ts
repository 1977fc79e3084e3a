/** Names shared by the GPU path and the float64 reference. */

/** How hidden layers get their error signal (GUIDE.md, "The seed algorithm"). */
export const RULES = ['fa', 'bp'] as const;
export type Rule = (typeof RULES)[number];

/** Hidden-layer nonlinearities; the output layer is always linear (logits). */
export const ACTIVATIONS = ['relu', 'leaky-relu', 'tanh', 'sigmoid', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Slope of leaky-relu for negative inputs. */
export const LEAKY_SLOPE = 0.01;

/** The seed's defaults. */
export const DEFAULTS = {
  rule: 'fa' as Rule,
  activation: 'relu' as Activation,
  learningRate: 0.05,
  initStd: 0.2,
  seed: 1,
};
