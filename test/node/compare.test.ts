/** The tests' yardstick: compare() and compareLists() must fail what they are meant to fail. */
import { describe, expect, it } from 'vitest';
import { compare, compareLists } from '../util/compare.js';

describe('compare', () => {
  it('holds every entry to tol × the largest expected magnitude', () => {
    expect(compare('x', [1, 2.000001], [1, 2], 1e-6).ok).toBe(true);
    expect(compare('x', [1, 2.0001], [1, 2], 1e-6).ok).toBe(false);
    // a small entry is held to the tensor's scale, not its own
    expect(compare('x', [1e-9, 100], [0, 100], 1e-6).ok).toBe(true);
  });

  it('fails a NaN result, and passes a NaN or infinite expectation only where the same value came back', () => {
    expect(compare('x', [NaN, 1], [1, 1], 1e-3).ok).toBe(false);
    expect(compare('x', [1, 5], [NaN, 1], 1e-3).ok).toBe(false);
    expect(compare('x', [1e30, 1], [Infinity, 1], 1).ok).toBe(false);
    expect(compare('x', [Infinity, 1], [Infinity, 1], 0).ok).toBe(true);
    expect(compare('x', [NaN, 1], [NaN, 1], 0).ok).toBe(true);
    // a non-finite magnitude does not widen the tolerance
    expect(compare('x', [1, 3], [1, 2], 1e-3, [1, Infinity]).ok).toBe(false);
  });

  it('fails tensors and lists of tensors of another length', () => {
    expect(compare('x', [1], [1, 2], 1).ok).toBe(false);
    expect(compareLists('W', [new Float32Array(2)], [new Float64Array(2), new Float64Array(1)], 1).every((c) => c.ok)).toBe(false);
    expect(compareLists('W', [Float32Array.of(1), Float32Array.of(2)], [Float64Array.of(1), Float64Array.of(2)], 0).map((c) => [c.name, c.ok])).toEqual([['W1', true], ['W2', true]]);
  });
});
