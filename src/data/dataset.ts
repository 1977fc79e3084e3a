/** The in-memory dataset every loader returns and every trainer takes. */
import { invalid } from '../errors.js';
import { describe } from '../validate.js';

export interface Dataset {
  /** [n×features], row-major: float features, or bytes (pixels, 0..255). */
  x: Float32Array | Uint8Array;
  /** [n], class indices in 0..classes−1. */
  labels: Int32Array;
  features: number;
  classes: number;
  /** Names of the classes, when the source has them. */
  classNames?: readonly string[];
}

/** A dataset of float features (the synthetic sets). */
export type FloatDataset = Dataset & { x: Float32Array };

/** Rows of a dataset. */
export function rowCount(d: Dataset): number {
  return d.labels.length;
}

/** Checks shapes and labels; loaders call it, and trainers on what users pass. */
export function checkDataset(name: string, d: Dataset): Dataset {
  if (typeof d !== 'object' || d === null) throw invalid(`${name}: expected a dataset { x, labels, features, classes }`);
  if (!(d.x instanceof Float32Array || d.x instanceof Uint8Array)) throw invalid(`${name}.x: expected a Float32Array or Uint8Array (bytes), got ${describe(d.x)}`);
  if (!(d.labels instanceof Int32Array)) throw invalid(`${name}.labels: expected an Int32Array (Int32Array.from(list) makes one), got ${describe(d.labels)}`);
  if (!Number.isInteger(d.features) || d.features < 1) throw invalid(`${name}.features: expected an integer >= 1, got ${d.features}`);
  if (!Number.isInteger(d.classes) || d.classes < 2) throw invalid(`${name}.classes: expected an integer >= 2, got ${d.classes}`);
  checkClassNames(`${name}.classNames`, d.classNames, d.classes);
  const n = d.labels.length;
  if (n < 1) throw invalid(`${name}: has no rows`);
  if (d.x.length !== n * d.features) throw invalid(`${name}: x holds ${d.x.length} values, expected ${n} rows × ${d.features} features = ${n * d.features}`);
  for (let i = 0; i < n; i++) {
    if (d.labels[i] < 0 || d.labels[i] >= d.classes) throw invalid(`${name}.labels: expected labels in 0..${d.classes - 1}, got ${d.labels[i]} at row ${i}`);
  }
  if (d.x instanceof Float32Array) {
    for (let i = 0; i < d.x.length; i++) if (!Number.isFinite(d.x[i])) throw invalid(`${name}.x: expected finite values, got ${d.x[i]} at row ${Math.floor(i / d.features)}`);
  }
  return d;
}

/** Class names, when given: one string a class. */
export function checkClassNames(name: string, classNames: unknown, classes: number): void {
  if (classNames === undefined) return;
  if (!Array.isArray(classNames) || classNames.length !== classes || !classNames.every((c) => typeof c === 'string')) {
    throw invalid(`${name}: expected ${classes} strings, one a class, got ${describe(classNames)}`);
  }
}

/** The rows `indices` of a dataset, as a new dataset. */
export function subset(d: Dataset, indices: ArrayLike<number>): Dataset {
  const n = d.labels.length;
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) throw invalid(`subset: expected row indices in 0..${n - 1}, got ${r} at position ${i}`);
  }
  const f = d.features;
  const x = d.x instanceof Uint8Array ? new Uint8Array(indices.length * f) : new Float32Array(indices.length * f);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    x.set(d.x.subarray(indices[i] * f, (indices[i] + 1) * f), i * f);
    labels[i] = d.labels[indices[i]];
  }
  return { ...d, x, labels };
}
