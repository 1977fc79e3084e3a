/**
 * Seeded 2-D classification sets (the playground kind): the same options and seed give the
 * same points on every machine. Points are rows of x [n×2]; labels are class indices.
 */
import { invalid } from '../errors.js';
import { Pcg32 } from '../model/rng.js';
import { checkNumber } from '../validate.js';
import type { FloatDataset } from './dataset.js';

/** Options every generator takes. */
export interface SyntheticOptions {
  /** Points in all (default 200). */
  n?: number;
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** Default 1. */
  seed?: number;
}

function common(o: SyntheticOptions, stream: number) {
  const n = checkNumber('n', o.n ?? 200, 2, 1 << 24, { integer: true });
  const noise = checkNumber('noise', o.noise ?? 0, 0, 100);
  const rng = new Pcg32(checkNumber('seed', o.seed ?? 1, 0, Number.MAX_SAFE_INTEGER, { integer: true }), stream);
  return { n, noise, rng, x: new Float32Array(2 * n), labels: new Int32Array(n) };
}

/** Points uniform in [−1, 1]², label 1 where the signs of the coordinates differ (XOR of x > 0, y > 0). */
export function xorPoints(options: SyntheticOptions = {}): FloatDataset {
  const { n, noise, rng, x, labels } = common(options, 8);
  for (let i = 0; i < n; i++) {
    const a = 2 * rng.nextUniform() - 1, b = 2 * rng.nextUniform() - 1;
    labels[i] = Number(a > 0 !== b > 0);
    x[2 * i] = a + noise * rng.nextNormal();
    x[2 * i + 1] = b + noise * rng.nextNormal();
  }
  return { x, labels, features: 2, classes: 2 };
}

/**
 * Two concentric circles: class 0 at radius 0.5, class 1 at radius 1, rows alternating between
 * them (any first rows are balanced).
 */
export function circles(options: SyntheticOptions = {}): FloatDataset {
  const { n, noise, rng, x, labels } = common(options, 9);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const angle = 2 * Math.PI * rng.nextUniform();
    const r = c === 0 ? 0.5 : 1;
    x[2 * i] = r * Math.cos(angle) + noise * rng.nextNormal();
    x[2 * i + 1] = r * Math.sin(angle) + noise * rng.nextNormal();
    labels[i] = c;
  }
  return { x, labels, features: 2, classes: 2 };
}

export interface BlobOptions extends SyntheticOptions {
  /** Number of blobs, one class each (default 3). */
  classes?: number;
}

/** Gaussian blobs: centres evenly on the circle of radius 1, spread `noise` (default 0.2). */
export function blobs(options: BlobOptions = {}): FloatDataset {
  const { n, rng, x, labels } = common({ ...options, noise: 0 }, 10);
  const spread = checkNumber('noise', options.noise ?? 0.2, 0, 100);
  const classes = checkNumber('classes', options.classes ?? 3, 2, 64, { integer: true });
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const angle = (2 * Math.PI * c) / classes;
    x[2 * i] = Math.cos(angle) + spread * rng.nextNormal();
    x[2 * i + 1] = Math.sin(angle) + spread * rng.nextNormal();
    labels[i] = c;
  }
  return { x, labels, features: 2, classes };
}

export interface TwoSpiralOptions extends SyntheticOptions {
  /** Turns of each arm (default 1.5). */
  turns?: number;
}

/**
 * Two interleaved spirals: arm c ∈ {0, 1} has points at radius t and angle 2π·turns·t + cπ,
 * t drawn uniformly from (0, 1] (so two seeds give two different sets of points, not the same
 * points with other noise), rows alternating between the arms (any first rows are balanced).
 * Learning it needs depth or width; a linear model gets about half right.
 */
export function twoSpirals(options: TwoSpiralOptions = {}): FloatDataset {
  const { n, noise, rng, x, labels } = common(options, 7);
  if (n % 2 !== 0) throw invalid(`n: expected an even number of points (two arms), got ${n}`);
  const turns = checkNumber('turns', options.turns ?? 1.5, 0, 100);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = 1 - rng.nextUniform();
    const angle = 2 * Math.PI * turns * t + c * Math.PI;
    x[2 * i] = t * Math.cos(angle) + noise * rng.nextNormal();
    x[2 * i + 1] = t * Math.sin(angle) + noise * rng.nextNormal();
    labels[i] = c;
  }
  return { x, labels, features: 2, classes: 2 };
}
