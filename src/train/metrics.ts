/** Metrics computed on the host from read-back values. */
import { invalid } from '../errors.js';

/** Index of the largest value of each row of a [rows×cols] row-major array. */
export function argmaxRows(values: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (values[i * cols + j] > values[i * cols + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Fraction of rows whose largest logit is the label. */
export function accuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const pred = argmaxRows(logits, labels.length, classes);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) hits++;
  return hits / labels.length;
}

/**
 * Counts of [classes×classes]: entry (t, p) is how many rows of class t (`labels`) the logits
 * put in class p (their largest), row-major; the diagonal holds the hits.
 */
export function confusionMatrix(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Int32Array {
  if (!(Number.isInteger(classes) && classes >= 1)) throw invalid(`confusionMatrix: expected classes as an integer >= 1, got ${classes}`);
  if (logits.length !== labels.length * classes) throw invalid(`confusionMatrix: expected ${labels.length} rows × ${classes} classes = ${labels.length * classes} logits, got ${logits.length}`);
  const pred = argmaxRows(logits, labels.length, classes);
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (!(Number.isInteger(t) && t >= 0 && t < classes)) throw invalid(`confusionMatrix: expected labels in 0..${classes - 1}, got ${t} at row ${i}`);
    counts[t * classes + pred[i]]++;
  }
  return counts;
}

/** Row-wise softmax of [rows×cols] logits, for showing probabilities. */
export function softmaxRows(logits: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, logits[i * cols + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += out[i * cols + j] = Math.exp(logits[i * cols + j] - max);
    for (let j = 0; j < cols; j++) out[i * cols + j] /= sum;
  }
  return out;
}

/** Alignment metrics of one hidden layer (Network.alignment, referenceAlignment). */
export interface LayerAlignment {
  /** Hidden layer h = 1 … L−1. */
  layer: number;
  /** Degrees between the rule's signal s_h and backprop's for the same state, over the batch. */
  signalAngle: number;
  /** Degrees between the feedback as used (B, D, M ⊙ sign(W)ᵀ) and W_{h+1}ᵀ; null where their shapes differ (dfa below the last hidden layer). */
  feedbackAngle: number | null;
  /** ‖feedback‖ / ‖W_{h+1}‖ (Frobenius); null where the shapes differ. */
  normRatio: number | null;
}

/** The angle in degrees between two vectors from Σ a·b, Σ a², Σ b². */
export function angleFromSums(dot: number, aa: number, bb: number): number {
  const cos = Math.max(-1, Math.min(1, dot / Math.sqrt(aa * bb)));
  return (Math.acos(cos) * 180) / Math.PI;
}
