/**
 * Argument checks that fail before any GPU work: these run in Node, where no device exists,
 * so a check that let bad options through would reach device acquisition and fail differently.
 */
import { describe, expect, it } from 'vitest';
import { blobs, checkExperiment, checkFitOptions, createNetwork, FaWebGpuError, loadCheckpoint, type ExperimentConfig } from '../../src/index.js';
import { checkFits, mapForRead } from '../../src/gpu/buffers.js';
import { UniformLayout } from '../../src/gpu/uniforms.js';
import { grid1d } from '../../src/kernels/dispatch.js';
import { checkFloat32, checkLabels, rowsOf } from '../../src/validate.js';

async function rejection(p: Promise<unknown>): Promise<FaWebGpuError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FaWebGpuError);
    return e as FaWebGpuError;
  }
  throw new Error('expected a rejection');
}

describe('createNetwork option checks', () => {
  const cases: [string, object, RegExp][] = [
    ['sizes missing', {}, /sizes: expected an array/],
    ['one layer size', { sizes: [4] }, /at least 2 layer sizes, got an array of length 1/],
    ['non-integer size', { sizes: [2, 8.5, 2] }, /sizes\[1\]: expected an integer >= 1 .* got 8.5/],
    ['zero size', { sizes: [2, 0, 2] }, /sizes\[1\]: expected an integer >= 1/],
    ['negative size', { sizes: [-2, 8, 2] }, /sizes\[0\]/],
    ['one output class', { sizes: [2, 8, 1] }, /sizes\[2\]: the output layer needs at least 2 units \(one per class\), got 1/],
    ['one output with mse', { sizes: [2, 8, 1], loss: 'mse' }, /the output layer needs at least 2 units/],
    ['unknown rule', { sizes: [2, 8, 2], rule: 'dfa2' }, /rule: expected one of 'fa', 'bp', 'dfa', 'usf', 'frsf', 'brsf', 'kp', got "dfa2"/],
    ['unknown loss', { sizes: [2, 8, 2], loss: 'hinge' }, /loss: expected one of 'softmax-cross-entropy', 'mse', got "hinge"/],
    ['momentum above 1', { sizes: [2, 8, 2], momentum: 1.5 }, /momentum: expected a finite number >= 0 and <= 1, got 1.5/],
    ['negative weight decay', { sizes: [2, 8, 2], weightDecay: -0.1 }, /weightDecay: expected a finite number >= 0/],
    ['unknown init', { sizes: [2, 8, 2], init: 'glorot' }, /init: expected a standard deviation in \[0, 1000000\], 'xavier' or 'he', got "glorot"/],
    ['unknown activation', { sizes: [2, 8, 2], activation: 'gelu' }, /activation: expected one of/],
    ['negative learning rate', { sizes: [2, 8, 2], learningRate: -0.1 }, /learningRate: expected a finite number >= 1.1754943508222875e-38 and <= 1000000, got -0.1/],
    ['a learning rate f32 would flush to 0', { sizes: [2, 8, 2], learningRate: 1e-40 }, /learningRate: expected a finite number >= 1.1754943508222875e-38/],
    ['NaN learning rate', { sizes: [2, 8, 2], learningRate: NaN }, /learningRate: .* got NaN/],
    ['fractional seed', { sizes: [2, 8, 2], seed: 1.5 }, /seed: expected an integer >= 0/],
    ['unsafe seed', { sizes: [2, 8, 2], seed: 2 ** 60 }, /seed: expected an integer/],
    ['negative init', { sizes: [2, 8, 2], init: -1 }, /init: expected a standard deviation .* got -1/],
    ['device that is not one', { sizes: [2, 8, 2], device: {} }, /device: expected a GPUDevice/],
    ['device with a queue and nothing else', { sizes: [2, 8, 2], device: { queue: 1 } }, /device: expected a GPUDevice/],
    ['a misspelt option', { sizes: [2, 8, 2], learningrate: 5 }, /options: unknown option "learningrate"; expected sizes, rule, /],
    ['unknown kernel family', { sizes: [2, 8, 2], kernels: 'gpu' }, /kernels: expected one of 'auto', 'tiled', 'direct', 'lanes', 'split-k', 'pipelined', got "gpu"/],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects ${name}`, async () => {
      const e = await rejection(createNetwork(options as never));
      expect(e.code).toBe('invalid-argument');
      expect(e.message).toMatch(message);
    });
  }

  it('says plainly when there is no WebGPU', async () => {
    const e = await rejection(createNetwork({ sizes: [2, 8, 2] }));
    // Node without the optional `webgpu` package.
    expect(e.code).toBe('no-webgpu');
    expect(e.message).toMatch(/WebGPU is not available/);
  });
});

describe('loadCheckpoint option checks', () => {
  it('refuses options that are not an object, or a device that is not one, before reading the bytes', async () => {
    for (const [options, message] of [[null, /options: expected \{ device\? \}, got null/], [{ device: { queue: 1 } }, /device: expected a GPUDevice/], [{ devise: 1 }, /unknown option "devise"/]] as const) {
      const e = await rejection(loadCheckpoint(new Uint8Array(4), options as never));
      expect(e.code).toBe('invalid-argument');
      expect(e.message).toMatch(message);
    }
  });
});

describe('fit and experiment checks, before any GPU work', () => {
  const data = blobs({ n: 40, classes: 3, seed: 1 });
  const net = { sizes: [2, 5, 3], seed: 1, learningRate: 0.1 };
  const fit = (options: object) => () => checkFitOptions(net, data, { epochs: 4, batchSize: 8, ...options } as never);
  it('a schedule whose rates leave [2⁻¹²⁶, 1e6] over the run, or that is not an object, or with keys it does not take, is refused', () => {
    expect(fit({ schedule: { type: 'step', every: 1, gamma: 10 } })).not.toThrow();
    expect(fit({ schedule: { type: 'step', every: 1, gamma: 1e6 } })).toThrow(/schedule: × 1000000 every 1 epochs from 0.1 makes epoch 4's learning rate 100000000000000000, outside \[1.1754943508222875e-38, 1000000\]/);
    expect(fit({ schedule: { type: 'step', every: 1, gamma: 1e-300 } })).toThrow(/makes epoch 4's learning rate 0, outside \[1.1754943508222875e-38, 1000000\]/);
    // (in f64 positive, in the GPU's f32 a 0)
    expect(fit({ schedule: { type: 'step', every: 1, gamma: 1e-14 } })).toThrow(/makes epoch 4's learning rate 1e-43, outside/);
    expect(fit({ schedule: { type: 'constant', every: 2 } })).toThrow(/schedule: unknown option "every"/);
    expect(fit({ schedule: 'step' })).toThrow(/schedule: expected \{ type: 'constant' \} or \{ type: 'step', every, gamma \}, got "step"/);
    expect(fit({ batchsize: 8 })).toThrow(/options: unknown option "batchsize"/);
  });
  it('checkExperiment refuses what a run would refuse, for every rule and seed, and passes a good configuration', () => {
    const config: ExperimentConfig = { data: 'blobs', sizes: [2, 5, 3], rules: ['bp', 'fa'], seeds: [1, 2], epochs: 2, batchSize: 8, learningRate: 0.1 };
    expect(() => checkExperiment(data, data, config)).not.toThrow();
    const bad: [Partial<ExperimentConfig>, RegExp][] = [
      [{ rules: ['fa', 'fa'] }, /rules: "fa" is listed twice/],
      [{ seeds: [] }, /seeds: expected at least one seed/],
      [{ validationSplit: 0.001 }, /validationSplit: 0.001 of 40 rows leaves no validation rows/],
      // not a number, though JavaScript would compare it as one
      [{ validationSplit: '0.3' as unknown as number }, /^validationSplit: expected a number in \[0, 1\), got "0.3"$/],
      [{ validationSplit: [0.3] as unknown as number }, /^validationSplit: expected a number in \[0, 1\), got an array of length 1$/],
      [{ schedule: { type: 'step', every: 1, gamma: 1e7 } }, /schedule.gamma: expected a finite number > 0 and <= 1000000/],
      [{ learningRate: 2e6 }, /learningRate: expected a finite number >= 1.1754943508222875e-38 and <= 1000000/],
      // only the second seed is past the range: every run is checked
      [{ seeds: [1, 2 ** 60] }, /seed: expected an integer >= 0/],
      [{ learningrate: 0.005 } as Partial<ExperimentConfig>, /config: unknown option "learningrate"/],
      [{ sizes: [2, 5, 2] }, /train: has 3 classes, the network has 2 outputs/],
      [{ batchSize: 41 }, /batchSize: expected an integer >= 1 and <= 40/],
      // with a split, the rows it leaves (10% of 40 held out: 36)
      [{ batchSize: 37, validationSplit: 0.1 }, /^batchSize: 37 is more than the 36 training rows left after validationSplit 0.1 holds out 4$/],
    ];
    for (const [change, message] of bad) expect(() => checkExperiment(data, data, { ...config, ...change }), JSON.stringify(change)).toThrow(message);
  });
});

describe('batch checks', () => {
  it('x must be a non-empty row-major Float32Array of finite values', () => {
    expect(() => rowsOf('x', [1, 2], 2)).toThrow(/x: expected a Float32Array \[n×2\]/);
    expect(() => rowsOf('x', new Float32Array(5), 2)).toThrow(/length a multiple of 2\), got length 5/);
    expect(() => rowsOf('x', new Float32Array(0), 2)).toThrow(/non-empty/);
    expect(rowsOf('x', new Float32Array(6), 2)).toBe(3);
    expect(() => checkFloat32('x', new Float32Array([1, NaN]), 2, '[1×2]')).toThrow(/finite values, got NaN at index 1/);
    expect(() => checkFloat32('x', new Float32Array([Infinity]), 1, '[1×1]')).toThrow(/got Infinity at index 0/);
  });

  it('labels must be an Int32Array with one class index per row', () => {
    expect(() => checkLabels('labels', [0, 1], 2, 2)).toThrow(/expected an Int32Array \[2\]/);
    expect(() => checkLabels('labels', new Int32Array(3), 2, 2)).toThrow(/one label per row of x \(2\), got 3$/);
    // 30 rows of 6 values given to a network of 4 inputs: x reads as 45 rows, and the message says why
    expect(() => checkLabels('labels', new Int32Array(30), 45, 3, 4)).toThrow(/^labels: expected one label per row of x \(45\), got 30; x holds 180 values, 6 a row for 30 labels, and the network takes 4 inputs$/);
    // a count that is simply wrong gets no guess, nor does a single label
    expect(() => checkLabels('labels', new Int32Array(7), 45, 3, 4)).toThrow(/got 7$/);
    expect(() => checkLabels('labels', new Int32Array(1), 45, 3, 4)).toThrow(/got 1$/);
    // one-hot rows: 45 rows × 4 classes of labels
    expect(() => checkLabels('labels', new Int32Array(180), 45, 4, 4)).toThrow(/got 180; labels are class indices, one a row, not one-hot rows of 4$/);
    expect(() => checkLabels('labels', new Int32Array([0, 2]), 2, 2)).toThrow(/labels in 0\.\.1 \(one per output\), got 2 at index 1/);
    expect(() => checkLabels('labels', new Int32Array([-1, 0]), 2, 2)).toThrow(/got -1 at index 0/);
  });
});

describe('grid1d', () => {
  const device = (max: number) => ({ limits: { maxComputeWorkgroupsPerDimension: max } }) as unknown as GPUDevice;
  it('covers every element, folding into y only past the per-dimension limit', () => {
    expect(grid1d(device(65535), 'k', 1000, 256)).toEqual([4, 1, 1]);
    expect(grid1d(device(65535), 'k', 0, 256)).toEqual([1, 1, 1]);
    const [x, y] = grid1d(device(10), 'k', 256 * 95 + 1, 256);
    expect(x).toBe(10);
    expect(y).toBe(10);
    expect(x * y * 256).toBeGreaterThanOrEqual(256 * 95 + 1);
  });
  it('refuses a grid past the limit in both dimensions', () => {
    expect(() => grid1d(device(10), 'Layer1.update.W', 256 * 101, 256)).toThrow(/Layer1.update.W: needs a grid of 10×11×1/);
  });
});

describe('checkFits and uniforms', () => {
  // an adapter whose binding limit is past 16 GiB: the u32 indices are then the limit
  const huge = { limits: { maxStorageBufferBindingSize: 2 ** 40, maxBufferSize: 2 ** 40 } } as unknown as GPUDevice;
  it('refuse more elements than a kernel can index with u32, whatever bytes the adapter allows', () => {
    // 65,535 × 65,536: a folded grid of 256-thread workgroups stays at y ≤ 256, its indices below 2³²
    expect(() => checkFits(huge, 'a1', 65535 * 65536)).not.toThrow();
    expect(() => checkFits(huge, 'a1', 65535 * 65536 + 1)).toThrow(/a1: needs 4294901761 values, past the 4294901760 a kernel can index \(u32\)/);
    expect(() => checkFits(huge, 'a1', 70_000 * 70_000)).toThrow(/a1: needs 4900000000 values, past the 4294901760/);
    expect(() => checkFits(huge, 'a1', 2 ** 32)).toThrow(expect.objectContaining({ code: 'device-limit' }));
    // (the largest folded grid: 65,535 × 257 workgroups would reach index 2³² and wrap)
    const [x, y] = grid1d({ limits: { maxComputeWorkgroupsPerDimension: 65535 } } as unknown as GPUDevice, 'k', 65535 * 65536, 256);
    expect(x * y * 256).toBeLessThanOrEqual(2 ** 32);
  });
  it('a uniform refuses a u32 field it would wrap', () => {
    const layout = new UniformLayout([['rows', 'u32'], ['scale', 'f32']] as const);
    expect(new Uint32Array(layout.pack({ rows: 2 ** 32 - 1, scale: 0.5 }))[0]).toBe(2 ** 32 - 1);
    for (const rows of [2 ** 32, -1, 1.5, NaN]) expect(() => layout.pack({ rows, scale: 1 })).toThrow(/uniform field rows: .* is not a u32/);
  });
});

describe('mapForRead', () => {
  it("turns a failed map into 'gpu-error' naming what was read", async () => {
    (globalThis as { GPUMapMode?: unknown }).GPUMapMode ??= { READ: 1, WRITE: 2 };
    const failing = { mapAsync: () => Promise.reject(new Error('Buffer was destroyed before the mapping was resolved')) } as unknown as GPUBuffer;
    const error = await mapForRead(failing, 'epoch').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaWebGpuError);
    expect(error).toMatchObject({ code: 'gpu-error', message: 'epoch: reading back from the GPU failed (Buffer was destroyed before the mapping was resolved)' });
    const fine = { mapAsync: () => Promise.resolve() } as unknown as GPUBuffer;
    await expect(mapForRead(fine, 'epoch')).resolves.toBeUndefined();
  });
});
