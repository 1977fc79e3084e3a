import { describe, expect, it } from 'vitest';
import { Pcg32 } from '../../src/model/rng.js';
import { unit } from '../../src/model/hash.js';
import { initParameters, initStd } from '../../src/model/init.js';
import { RULES, type Rule } from '../../src/model/options.js';
import { twoSpirals } from '../../src/data/synthetic.js';

/** pcg32_random_r written with BigInt, straight from O'Neill's pcg_basic.c, as a second opinion. */
class BigPcg32 {
  state = 0n;
  inc: bigint;
  constructor(seed: bigint, seq: bigint) {
    this.inc = ((seq << 1n) | 1n) & 0xffffffffffffffffn;
    this.next();
    this.state = (this.state + seed) & 0xffffffffffffffffn;
    this.next();
  }
  next(): number {
    const old = this.state;
    this.state = (old * 6364136223846793005n + this.inc) & 0xffffffffffffffffn;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }
}

describe('Pcg32', () => {
  it('matches the published pcg32-demo output (seed 42, stream 54)', () => {
    const rng = new Pcg32(42, 54);
    // State after seeding and the first six outputs, as printed by pcg-c-basic's pcg32-demo.
    expect(rng.state).toEqual([0x185706b8, 0x2c2e03f8]);
    const out = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(out).toEqual([0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
  });

  it('agrees with a BigInt implementation for many seeds and streams, large ones included', () => {
    const seeds = [0, 1, 7, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER];
    for (const seed of seeds) {
      for (const stream of [0, 1, 2, 2 ** 33 + 5]) {
        const a = new Pcg32(seed, stream), b = new BigPcg32(BigInt(seed), BigInt(stream));
        for (let i = 0; i < 200; i++) expect(a.nextUint32()).toBe(b.next());
      }
    }
  });

  it('is deterministic per (seed, stream) and differs across them', () => {
    const draw = (seed: number, stream: number) => Array.from(new Pcg32(seed, stream).normalArray(50, 1));
    expect(draw(3, 1)).toEqual(draw(3, 1));
    expect(draw(3, 1)).not.toEqual(draw(4, 1));
    expect(draw(3, 1)).not.toEqual(draw(3, 2));
  });

  it('uniforms lie in (0, 1) and normals have the asked-for mean and deviation', () => {
    const rng = new Pcg32(123, 9);
    let lo = 1, hi = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = rng.nextUniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
    const n = 200_000, std = 0.2;
    const v = new Pcg32(5, 1).normalArray(n, std);
    let sum = 0, sq = 0;
    for (const x of v) { sum += x; sq += x * x; }
    const mean = sum / n, sd = Math.sqrt(sq / n - mean * mean);
    // Standard error of the mean is 0.2/√n ≈ 4.5e-4; of the deviation ≈ 3.2e-4.
    expect(Math.abs(mean)).toBeLessThan(5 * std / Math.sqrt(n));
    expect(Math.abs(sd - std)).toBeLessThan(5 * std / Math.sqrt(2 * n));
  });
});

describe('initParameters', () => {
  it('is reproducible, shapes follow sizes, biases start at zero', () => {
    const a = initParameters([3, 5, 4, 2], 'fa', 9, 0.2);
    const b = initParameters([3, 5, 4, 2], 'fa', 9, 0.2);
    expect(a).toEqual(b);
    expect(a.weights.map((w) => w.length)).toEqual([15, 20, 8]);
    expect(a.biases.map((x) => x.length)).toEqual([5, 4, 2]);
    expect(a.feedback.map((x) => x.length)).toEqual([4 * 5, 2 * 4]);
    expect(a.biases.every((x) => x.every((v) => v === 0))).toBe(true);
  });

  it('gives FA and BP the same forward weights for one seed, and BP no feedback', () => {
    const fa = initParameters([2, 8, 2], 'fa', 7, 0.2);
    const bp = initParameters([2, 8, 2], 'bp', 7, 0.2);
    expect(bp.weights).toEqual(fa.weights);
    expect(bp.feedback).toEqual([]);
    expect(fa.feedback[0]).not.toEqual(fa.weights[1]);
  });
});

describe('initialisation scales and feedback by rule', () => {
  it('xavier and he by hand', () => {
    expect(initStd('xavier', 3, 5)).toBeCloseTo(Math.sqrt(2 / 8), 15);
    expect(initStd('he', 8, 100)).toBeCloseTo(0.5, 15);
    expect(initStd(0.3, 8, 100)).toBe(0.3);
  });

  it('feedback shapes and contents follow the rule', () => {
    const sizes = [4, 9, 7, 3];
    const shapes = (rule: Rule) => initParameters(sizes, rule, 2, 0.2).feedback.map((f) => f.length);
    expect(shapes('fa')).toEqual([7 * 9, 3 * 7]);
    expect(shapes('kp')).toEqual([7 * 9, 3 * 7]);
    expect(shapes('dfa')).toEqual([3 * 9, 3 * 7]);
    expect(shapes('bp')).toEqual([]);
    for (const rule of ['usf', 'frsf', 'brsf'] as const) expect(shapes(rule), rule).toEqual([7 * 9, 3 * 7]);
    const usf = initParameters(sizes, 'usf', 2, 'xavier').feedback;
    expect(usf[0].every((v) => v === Math.fround(Math.sqrt(2 / (7 + 9))))).toBe(true);
    for (const rule of ['frsf', 'brsf'] as const) expect(initParameters(sizes, rule, 2, 0.2).feedback.every((f) => f.every((v) => v >= 0))).toBe(true);
    // All rules share the forward weights of a seed.
    const w = initParameters(sizes, 'fa', 2, 'he').weights;
    for (const rule of RULES) expect(initParameters(sizes, rule, 2, 'he').weights).toEqual(w);
  });
});

describe('twoSpirals', () => {
  it('is deterministic, balanced, with the asked-for noise and clear errors', () => {
    const a = twoSpirals({ n: 40, noise: 0.1, seed: 3 });
    expect(twoSpirals({ n: 40, noise: 0.1, seed: 3 })).toEqual(a);
    expect(twoSpirals({ n: 40, noise: 0.1, seed: 4 }).x).not.toEqual(a.x);
    expect(a.x.length).toBe(80);
    expect(Array.from(a.labels).filter((l) => l === 1).length).toBe(20);
    // Rows alternate between the arms, so any first rows are balanced.
    expect(Array.from(a.labels.subarray(0, 6))).toEqual([0, 1, 0, 1, 0, 1]);
    // Without noise every point lies on its arm: radius t in (0, 1], angle 2π·1.5·t + cπ.
    const clean = twoSpirals({ n: 40, seed: 5 });
    for (let i = 0; i < 40; i++) {
      const [px, py] = [clean.x[2 * i], clean.x[2 * i + 1]];
      const t = Math.hypot(px, py), angle = 3 * Math.PI * t + clean.labels[i] * Math.PI;
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThanOrEqual(1 + 1e-6);
      expect(px).toBeCloseTo(t * Math.cos(angle), 5);
      expect(py).toBeCloseTo(t * Math.sin(angle), 5);
    }
    // The seed draws the points themselves, not only their noise: a test set made with
    // another seed is not the training set again.
    const other = twoSpirals({ n: 40, seed: 6 });
    const radii = (d: typeof clean) => Array.from({ length: 40 }, (_, i) => Math.hypot(d.x[2 * i], d.x[2 * i + 1]));
    const mine = new Set(radii(clean));
    expect(radii(other).filter((r) => mine.has(r))).toEqual([]);
    expect(() => twoSpirals({ n: 5 })).toThrow(/n: expected an even number of points/);
    expect(() => twoSpirals({ noise: -1 })).toThrow(/noise: expected a finite number >= 0/);
  });
});

describe('brsf\'s uniforms (hash.ts unit, as feedback_draw.wgsl computes them)', () => {
  it('are strictly inside (0, 1) and exact in f32 for every hash, so the GPU and the reference draw the same values', () => {
    const hashes = [0, 1, 0x1ff, 0x200, 0x7fffffff, 0x80000000, 0xfffffdff, 0xfffffe00, 0xffffffff];
    const rng = new Pcg32(3, 9);
    for (let i = 0; i < 10_000; i++) hashes.push(rng.nextUint32());
    for (const h of hashes) {
      const u = unit(h);
      expect(u > 0 && u < 1, `unit(${h}) = ${u}`).toBe(true);
      expect(Math.fround(u), `unit(${h}) rounds in f32`).toBe(u);
    }
    expect(unit(0)).toBe(2 ** -24);
    expect(unit(0xffffffff)).toBe(1 - 2 ** -24);
    // 2²³ distinct values, evenly spaced: the 9 low bits do not matter
    expect(unit(0x1ff)).toBe(unit(0));
    expect(unit(0x200) - unit(0)).toBe(2 ** -23);
  });
});
