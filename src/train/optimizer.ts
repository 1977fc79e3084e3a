/**
 * The rule's own work around a step, beside the graph's: Kolen-Pollack's feedback update after
 * it, and brsf's feedback redraws before it. W and b take their SGD steps in the graph's
 * backward, in the launches that make their gradients (src/train/graph.ts).
 */
import type { Dispatch } from '../kernels/dispatch.js';
import { counterAdd, feedbackDraw, sgd } from '../kernels/kernels.js';
import { drawKey } from '../model/hash.js';
import { initStd } from '../model/init.js';
import { RULE_TRAITS, type InitScale, type Rule } from '../model/options.js';
import type { GpuParameters } from '../model/parameters.js';

/** kp: B_{k+2} steps with dW_{k+2}ᵀ, so W − Bᵀ changes only by weight decay; one sgd launch each. [] for other rules. */
export function feedbackUpdates(device: GPUDevice, p: GpuParameters, rule: Rule): Dispatch[] {
  if (!RULE_TRAITS[rule].trained) return [];
  return p.feedback.map((f, k) => {
    const [rows, cols] = p.shapes.feedback[k];
    const step = { settings: p.settings, theta: f, velocity: p.velocityFeedback[k], momentum: p.momentum };
    return sgd(device, { label: `Layer${k + 2}.update.B`, grad: p.gradWeights[k + 1], step, rows, cols, gradTransposed: true });
  });
}

/** brsf: redraw every layer's magnitudes, then advance the step counter. [] for other rules. */
export function preStepDispatches(device: GPUDevice, p: GpuParameters, rule: Rule, seed: number, init: InitScale): Dispatch[] {
  if (!RULE_TRAITS[rule].redrawn) return [];
  const draws = p.feedback.map((m, k) => {
    const [rows, cols] = p.shapes.feedback[k];
    return feedbackDraw(device, { label: `Layer${k + 2}.redraw.M`, m, step: p.step, count: rows * cols, key: drawKey(seed, k + 1), std: initStd(init, rows, cols) });
  });
  return [...draws, counterAdd(device, { label: 'step.advance', counter: p.step, by: 1 })];
}
