/**
 * The update of a step and the per-step work that precedes it: sgd dispatches for every
 * trained tensor (W, b, and B for kp, from dW_{h+1}ᵀ), and brsf's feedback redraws.
 */
import type { Dispatch } from '../kernels/dispatch.js';
import { counterAdd, feedbackDraw, setSgdSettings, sgd, type SgdSettings, type SgdTensor } from '../kernels/kernels.js';
import { drawKey } from '../model/hash.js';
import { initStd } from '../model/init.js';
import { RULE_TRAITS, type InitScale, type Rule } from '../model/options.js';
import type { GpuParameters } from '../model/parameters.js';

export interface Update {
  dispatch: Dispatch;
  rows: number;
  cols: number;
  /** Elements of the second tensor (a layer's bias), 0 for none. */
  count2: number;
}

/**
 * The sgd dispatches of a step, after every gradient of the step exists: for each layer its W
 * and b, in one launch (`form` 'layer', sgd.wgsl's `layer`) or one each ('tensor'); then one
 * per trained feedback matrix (kp's B, from dWᵀ).
 */
export function updateDispatches(device: GPUDevice, p: GpuParameters, rule: Rule, settings: SgdSettings, form: 'tensor' | 'layer'): Update[] {
  const one = (label: string, t: SgdTensor, [rows, cols]: [number, number], gradTransposed = false): Update =>
    ({ dispatch: sgd(device, { label, ...t, rows, cols, gradTransposed, settings }), rows, cols, count2: 0 });
  const updates: Update[] = p.weights.flatMap((theta, k) => {
    const [rows, cols] = p.shapes.weights[k];
    const [bRows, bCols] = p.shapes.biases[k];
    const w = { theta, grad: p.gradWeights[k], velocity: p.velocityWeights[k] };
    const b = { theta: p.biases[k], grad: p.gradBiases[k], velocity: p.velocityBiases[k] };
    if (form === 'tensor') return [one(`Layer${k + 1}.update.W`, w, [rows, cols]), one(`Layer${k + 1}.update.b`, b, [bRows, bCols])];
    const dispatch = sgd(device, { label: `Layer${k + 1}.update`, ...w, rows, cols, second: { ...b, rows: bRows, cols: bCols }, settings });
    return [{ dispatch, rows, cols, count2: bRows * bCols }];
  });
  if (RULE_TRAITS[rule].trained) {
    // Kolen-Pollack: B_{k+2} gets dW_{k+2}ᵀ, so W − Bᵀ changes only by weight decay.
    p.feedback.forEach((f, k) => updates.push(one(`Layer${k + 2}.update.B`, { theta: f, grad: p.gradWeights[k + 1], velocity: p.velocityFeedback[k] }, p.shapes.feedback[k], true)));
  }
  return updates;
}

export function setUpdateSettings(device: GPUDevice, updates: Update[], settings: SgdSettings): void {
  for (const u of updates) setSgdSettings(device, u.dispatch, u.rows, u.cols, settings, u.count2);
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
