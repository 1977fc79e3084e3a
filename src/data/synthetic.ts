/**
 * Seeded 2-D classification sets (the playground kind): the same options and seed give the
 * same points on every machine. Points are rows of x [n×2]; labels are class indices.
 */
import { invalid } from '../errors.js';
import { Pcg32 } from '../model/rng.js';
import { checkNumber } from '../validate.js';

export interface Dataset {
  /** [n×features], row-major. */
  x: Float32Array;
  /** [n], class indices. */
  labels: Int32Array;
  features: number;
  classes: number;
}

export interface TwoSpiralOptions {
  /** Points in all, split evenly between the two arms (default 200). */
  n?: number;
  /** Turns of each arm (default 1.5). */
  turns?: number;
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** Default 1. */
  seed?: number;
}

/**
 * Two interleaved spirals: arm c ∈ {0, 1} has points at radius t ∈ (0, 1] and angle
 * 2π·turns·t + cπ. Learning it needs depth or width; a linear model gets about half right.
 */
export function twoSpirals(options: TwoSpiralOptions = {}): Dataset {
  const n = checkNumber('n', options.n ?? 200, 2, 1 << 24, { integer: true });
  if (n % 2 !== 0) throw invalid(`n: expected an even number of points (two arms), got ${n}`);
  const turns = checkNumber('turns', options.turns ?? 1.5, 0, 100);
  const noise = checkNumber('noise', options.noise ?? 0, 0, 100);
  const rng = new Pcg32(checkNumber('seed', options.seed ?? 1, 0, Number.MAX_SAFE_INTEGER, { integer: true }), 7);
  const half = n / 2;
  const x = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < half; i++) {
      const t = (i + 1) / half;
      const angle = 2 * Math.PI * turns * t + c * Math.PI;
      const row = c * half + i;
      x[2 * row] = t * Math.cos(angle) + noise * rng.nextNormal();
      x[2 * row + 1] = t * Math.sin(angle) + noise * rng.nextNormal();
      labels[row] = c;
    }
  }
  return { x, labels, features: 2, classes: 2 };
}
