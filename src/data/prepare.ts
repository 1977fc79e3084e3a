/** Normalisation, validation splits and the per-epoch shuffle, all seeded. */
import { invalid } from '../errors.js';
import { Pcg32 } from '../model/rng.js';
import { subset, type Dataset } from './dataset.js';

/**
 * 'unit': bytes to [0, 1] (÷255), float features min-max scaled to [0, 1] over all the training
 * values; 'standardize': zero mean and unit variance over all the training values (one scale and
 * offset for every feature, as suits pixels); 'unit-per-feature', 'standardize-per-feature':
 * the same for each feature (column) on its own, as suits features of different ranges (a
 * feature that is constant keeps scale 1); 'none': as stored.
 */
export const NORMALIZATIONS = ['unit', 'standardize', 'unit-per-feature', 'standardize-per-feature', 'none'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/**
 * x' = x·scale + offset (applied on the GPU as batches are gathered): one scale and offset for
 * every feature, or (the per-feature normalisations) arrays of one per feature.
 */
export interface Affine {
  scale: number | number[];
  offset: number | number[];
}

/** A copy that shares nothing with `a` (its arrays included). */
export function copyAffine(a: Affine): Affine {
  const copy = (v: number | number[]) => (Array.isArray(v) ? [...v] : v);
  return { scale: copy(a.scale), offset: copy(a.offset) };
}

/** Feature f's scale and offset. */
export function affineAt(a: Affine, f: number): [number, number] {
  return [typeof a.scale === 'number' ? a.scale : a.scale[f], typeof a.offset === 'number' ? a.offset : a.offset[f]];
}

/** Whether the map has a scale and offset per feature. */
export function perFeature(a: Affine): a is { scale: number[]; offset: number[] } {
  return Array.isArray(a.scale);
}

/**
 * Checks a map given by a caller (evaluate's option, a checkpoint's header): finite numbers, one
 * each, or arrays of `features` finite numbers; undefined if it is one, else what is wrong.
 */
export function affineFault(a: unknown, features?: number): string | undefined {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return 'not { scale, offset }';
  const keys = Object.keys(a);
  if (keys.length !== 2 || !keys.includes('scale') || !keys.includes('offset')) return `expected the keys scale and offset, got ${keys.join(', ') || 'none'}`;
  const { scale, offset } = a as { scale: unknown; offset: unknown };
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 1e30;
  if (finite(scale) && finite(offset)) return undefined;
  if (Array.isArray(scale) && Array.isArray(offset)) {
    if (scale.length !== offset.length || scale.length === 0) return `scale and offset must be arrays of the same length, one number a feature (got ${scale.length} and ${offset.length})`;
    if (features !== undefined && scale.length !== features) return `one scale and offset per feature: expected ${features}, got ${scale.length}`;
    const all = [...scale, ...offset];
    const bad = all.findIndex((v) => !finite(v));
    return bad < 0 ? undefined : `scale and offset must hold finite numbers of magnitude at most 1e30, got ${typeof all[bad] === 'number' ? String(all[bad]) : JSON.stringify(all[bad])}`;
  }
  return 'scale and offset must be finite numbers of magnitude at most 1e30, or arrays of them, one a feature';
}

/** The affine map of a normalisation, from the training set's statistics. */
export function normalizer(train: Dataset, mode: Normalization): Affine {
  if (mode === 'none') return { scale: 1, offset: 0 };
  const x = train.x;
  if (mode === 'unit-per-feature' || mode === 'standardize-per-feature') {
    // Column f: values f, f + features, … of the rows.
    const maps = Array.from({ length: train.features }, (_, f) => stridedMap(x, f, train.features, train.labels.length, mode === 'unit-per-feature'));
    return { scale: maps.map((m) => m.scale), offset: maps.map((m) => m.offset) };
  }
  if (mode === 'unit' && x instanceof Uint8Array) return { scale: 1 / 255, offset: 0 };
  return stridedMap(x, 0, 1, x.length, mode === 'unit');
}

/** A range or standard deviation to divide by: 1 for a constant (or one too small for a scale of at most 1e30, what a map may hold). */
function spread(s: number): number {
  return s >= 1e-30 ? s : 1;
}

/**
 * The map of `count` values x[start], x[start + stride], …: min-max to [0, 1] (`unit`) or zero
 * mean and unit variance; values all alike keep scale 1.
 */
function stridedMap(x: ArrayLike<number>, start: number, stride: number, count: number, unit: boolean): { scale: number; offset: number } {
  const end = start + stride * count;
  if (unit) {
    let lo = Infinity, hi = -Infinity;
    for (let i = start; i < end; i += stride) { lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i]); }
    const range = spread(hi - lo);
    return { scale: 1 / range, offset: -lo / range };
  }
  // Two passes: Σ v² / n − mean² cancels to nothing for values far from zero (1e7 + 0..3).
  let sum = 0;
  for (let i = start; i < end; i += stride) sum += x[i];
  const mean = sum / count;
  let sq = 0;
  for (let i = start; i < end; i += stride) sq += (x[i] - mean) * (x[i] - mean);
  const std = spread(Math.sqrt(sq / count));
  return { scale: 1 / std, offset: -mean / std };
}

/** Rows 0..n−1 in order (a plain loop: Uint32Array.from with a map function took 1.6 ms for 60,000 here). */
export function identityOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Rows 0..n−1 in an order drawn from (seed, epoch): Fisher-Yates with PCG32. */
export function shuffledOrder(n: number, seed: number, epoch: number): Uint32Array {
  const order = identityOrder(n);
  const rng = new Pcg32(seed, 1000 + epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextUniform() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** How many of n rows splitValidation holds out for a fraction (0 for none). */
export function validationRows(n: number, fraction: number | undefined): number {
  return fraction ? Math.round(n * fraction) : 0;
}

/** Holds out a seeded random `fraction` of the rows as a validation set. */
export function splitValidation(d: Dataset, fraction: number, seed: number): { train: Dataset; validation: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw invalid(`validationSplit: expected a fraction in (0, 1), got ${fraction}`);
  const n = d.labels.length;
  const held = validationRows(n, fraction);
  if (held < 1 || held >= n) throw invalid(`validationSplit: ${fraction} of ${n} rows leaves no ${held < 1 ? 'validation' : 'training'} rows`);
  const order = shuffledOrder(n, seed, -1);
  return { validation: subset(d, order.subarray(0, held)), train: subset(d, order.subarray(held)) };
}

/** Rows of x normalised on the host, for the few places a batch is needed there (alignment). */
export function normalizedRows(d: Dataset, rows: number, a: Affine): { x: Float32Array; labels: Int32Array } {
  if (!Number.isInteger(rows) || rows < 0 || rows > d.labels.length) throw invalid(`rows: expected an integer in 0..${d.labels.length} (the dataset's rows), got ${rows}`);
  const fault = affineFault(a, perFeature(a) ? d.features : undefined);
  if (fault) throw invalid(`normalization: ${fault}`);
  // Each feature's scale and offset, looked up once, not once a value.
  const maps = Array.from({ length: d.features }, (_, f) => affineAt(a, f));
  const x = new Float32Array(rows * d.features);
  for (let i = 0; i < x.length; i++) {
    const [scale, offset] = maps[i % d.features];
    x[i] = d.x[i] * scale + offset;
  }
  return { x, labels: d.labels.slice(0, rows) };
}
