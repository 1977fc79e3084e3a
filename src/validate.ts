/**
 * Argument checks shared by every public entry. Each throws FaWebGpuError('invalid-argument')
 * naming the argument, what was expected and what came, before anything is changed.
 */
import { invalid } from './errors.js';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const made = typeof value === 'object' ? (value as object).constructor?.name : undefined;
  if (made && made !== 'Object') return `a${/^[AEIOU]/.test(made) ? 'n' : ''} ${made}`;
  return typeof value;
}

/** A finite number in [min, max] (bounds inclusive unless stated). */
export function checkNumber(name: string, value: unknown, min: number, max: number, opts: { integer?: boolean; minExclusive?: boolean } = {}): number {
  const kind = opts.integer ? 'an integer' : 'a finite number';
  const low = opts.minExclusive ? `> ${min}` : `>= ${min}`;
  const ok = typeof value === 'number' && Number.isFinite(value) && (!opts.integer || Number.isInteger(value))
    && (opts.minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) throw invalid(`${name}: expected ${kind} ${low} and <= ${max}, got ${describe(value)}`);
  return value as number;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(`${name}: expected true or false, got ${describe(value)}`);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalid(`${name}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** A Float32Array of exactly `length` finite values. */
export function checkFloat32(name: string, value: unknown, length: number, shape: string): Float32Array {
  if (!(value instanceof Float32Array)) throw invalid(`${name}: expected a Float32Array ${shape}, got ${describe(value)}`);
  if (value.length !== length) throw invalid(`${name}: expected ${shape} = ${length} values, got ${value.length}`);
  for (let i = 0; i < value.length; i++) {
    if (!Number.isFinite(value[i])) throw invalid(`${name}: expected finite values, got ${value[i]} at index ${i}`);
  }
  return value;
}

/** Rows of a row-major matrix with `cols` columns, checking the length divides. */
export function rowsOf(name: string, value: unknown, cols: number): number {
  if (!(value instanceof Float32Array)) throw invalid(`${name}: expected a Float32Array [n×${cols}] (row-major), got ${describe(value)}`);
  if (value.length === 0 || value.length % cols !== 0) {
    throw invalid(`${name}: expected a non-empty [n×${cols}] row-major array (length a multiple of ${cols}), got length ${value.length}`);
  }
  return value.length / cols;
}

/**
 * Integer class labels in [0, classes), one per row of x; `inputs`, the values a row of x holds,
 * lets a count that does not match say whether x's rows are the wrong width.
 */
export function checkLabels(name: string, value: unknown, rows: number, classes: number, inputs?: number): Int32Array {
  if (!(value instanceof Int32Array)) throw invalid(`${name}: expected an Int32Array [${rows}] (Int32Array.from(list) makes one), got ${describe(value)}`);
  if (value.length !== rows) {
    const values = inputs === undefined ? undefined : rows * inputs;
    // One-hot rows (a label count of rows × classes) or x's rows of another width: the likely mistakes.
    const oneHot = value.length === rows * classes;
    const width = values !== undefined && value.length > 1 && values % value.length === 0 ? values / value.length : undefined;
    const hint = oneHot ? `; labels are class indices, one a row, not one-hot rows of ${classes}`
      : width === undefined || width === inputs || width === 1 ? '' : `; x holds ${values} values, ${width} a row for ${value.length} labels, and the network takes ${inputs} inputs`;
    throw invalid(`${name}: expected one label per row of x (${rows}), got ${value.length}${hint}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (value[i] < 0 || value[i] >= classes) throw invalid(`${name}: expected labels in 0..${classes - 1} (one per output), got ${value[i]} at index ${i}`);
  }
  return value;
}

/**
 * Refuses the keys an options object does not know: a misspelt `learningrate` would otherwise
 * leave the default in place without a word.
 */
export function checkKeys(name: string, value: object, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw invalid(`${name}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${allowed.join(', ')}`);
  }
}
