/**
 * The update of a step and the per-step work that precedes it: sgd dispatches for every
 * trained tensor (W, b, and B for kp, from dW_{h+1}ᵀ), and brsf's feedback redraws.
 */
import type { Dispatch } from '../kernels/dispatch.js';
import { counterAdd, feedbackDraw, setSgdSettings, sgd, type SgdSettings } from '../kernels/kernels.js';
import { drawKey } from '../model/hash.js';
import { initStd } from '../model/init.js';
import { RULE_TRAITS, type InitScale, type Rule } from '../model/options.js';
import type { GpuParameters } from '../model/parameters.js';

export interface Update {
  dispatch: Dispatch;
  rows: number;
  cols: number;
}

/** One sgd dispatch per trained tensor, after every gradient of the step exists. */
export function updateDispatches(device: GPUDevice, p: GpuParameters, rule: Rule, settings: SgdSettings): Update[] {
  const make = (label: string, theta: GPUBuffer, grad: GPUBuffer, velocity: GPUBuffer, [rows, cols]: [number, number], gradTransposed = false): Update => ({
    rows, cols, dispatch: sgd(device, { label, theta, grad, velocity, rows, cols, gradTransposed, settings }),
  });
  const updates = [
    ...p.weights.map((w, k) => make(`Layer${k + 1}.update.W`, w, p.gradWeights[k], p.velocityWeights[k], p.shapes.weights[k])),
    ...p.biases.map((b, k) => make(`Layer${k + 1}.update.b`, b, p.gradBiases[k], p.velocityBiases[k], p.shapes.biases[k])),
  ];
  if (RULE_TRAITS[rule].trained) {
    // Kolen-Pollack: B_{k+2} gets dW_{k+2}ᵀ, so W − Bᵀ changes only by weight decay.
    p.feedback.forEach((f, k) => updates.push(make(`Layer${k + 2}.update.B`, f, p.gradWeights[k + 1], p.velocityFeedback[k], p.shapes.feedback[k], true)));
  }
  return updates;
}

export function setUpdateSettings(device: GPUDevice, updates: Update[], settings: SgdSettings): void {
  for (const u of updates) setSgdSettings(device, u.dispatch, u.rows, u.cols, settings);
}

/** brsf: redraw every layer's magnitudes, then advance the step counter. [] for other rules. */
export function preStepDispatches(device: GPUDevice, p: GpuParameters, rule: Rule, seed: number, init: InitScale): Dispatch[] {
  if (!RULE_TRAITS[rule].redrawn) return [];
  const draws = p.feedback.map((m, k) => {
    const [rows, cols] = p.shapes.feedback[k];
    return feedbackDraw(device, { label: `Layer${k + 1}.redraw.M`, m, step: p.step, count: rows * cols, key: drawKey(seed, k + 1), std: initStd(init, rows, cols) });
  });
  return [...draws, counterAdd(device, { label: 'step.advance', counter: p.step, by: 1 })];
}
