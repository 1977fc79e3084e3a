/**
 * Every kernel against the float64 reference in headless Chromium, on random inputs at
 * awkward sizes (1, 3, 17, 65, 129: not multiples of any tile or workgroup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../src/model/options.js';
import { matmulVariant, matmulVariantFits, MATMUL_VARIANTS, splitKChunks } from '../../src/kernels/kernels.js';
import { describeComparison, type Comparison } from '../util/compare.js';
import { openHarness, type HarnessSession } from './browser.js';
import type { SoftmaxCase } from './harness.js';

const SIZES = [1, 3, 17, 65, 129];
let h: HarnessSession;
/**
 * Whether the device runs matmul_lanes (subgroups 4 lanes wide): SwiftShader in Chromium does,
 * and reliability.test.ts fails if it ever stops; a GPU does not, and its tests leave it out.
 */
let lanes = false;

beforeAll(async () => {
  h = await openHarness();
  lanes = await h.call('takesLanes', undefined as never);
  console.log(`adapter: ${await h.call('adapter', undefined as never)}${lanes ? '' : ' (no subgroups of 4: matmul_lanes left out)'}`);
});
afterAll(async () => {
  await h?.close();
});

/** Asserts every comparison passed and logs the worst one. */
function expectAll(label: string, results: Comparison[]) {
  expect(results.length).toBeGreaterThan(0);
  const worst = results.reduce((a, b) => (b.relErr > a.relErr ? b : a));
  console.log(`${label}: ${results.length} comparisons, worst ${describeComparison(worst)}`);
  const failed = results.filter((r) => !r.ok).map(describeComparison);
  expect(failed, failed.join('\n')).toEqual([]);
  expect(h.errors).toEqual([]);
}

let seed = 1;
const triples = SIZES.flatMap((a) => SIZES.flatMap((b) => SIZES.map((c) => [a, b, c] as const)));

describe('kernels vs float64 reference', () => {
  for (const variant of MATMUL_VARIANTS.filter((v) => v !== 'matmul_vec4')) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      it(`${variant} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} at every M, N, K in {${SIZES}}`, async (ctx) => {
        if (variant === 'matmul_lanes' && !lanes) ctx.skip();
        const cases = triples.map(([M, N, K]) => ({ M, N, K, transA, transB, variant, seed: seed++ }));
        expectAll(variant, await h.call('matmul', cases));
      });
    }
  }

  it('matmul_vec4 A·B and Aᵀ·B at every M in {1,3,17,65,129}, N in {4,16,68,132,260} (multiples of 4, around its 128 tile) and K in {1,3,9,16,17,64,65,129} (one slab to 17, odd and even counts, the last slab full or not)', async () => {
    const fours = [4, 16, 68, 132, 260];
    const ks = [1, 3, 9, 16, 17, 64, 65, 129];
    const cases = [false, true].flatMap((transA) => SIZES.flatMap((M) => fours.flatMap((N) => ks.map((K) => ({ M, N, K, transA, transB: false, variant: 'matmul_vec4' as const, seed: seed++ })))));
    expectAll('matmul_vec4', await h.call('matmul', cases));
  });

  it('matmul_vec4 takes only op(A)·B with N a multiple of 4; every other kernel takes every product', () => {
    expect(matmulVariantFits('matmul_vec4', { N: 4096 })).toBe(true);
    expect(matmulVariantFits('matmul_vec4', { N: 1000 })).toBe(true);
    expect(matmulVariantFits('matmul_vec4', { N: 4096, transB: true })).toBe(false);
    expect(matmulVariantFits('matmul_vec4', { N: 1002 })).toBe(false);
    expect(matmulVariantFits('matmul_vec4', { N: 10 })).toBe(false);
    for (const v of MATMUL_VARIANTS.filter((x) => x !== 'matmul_vec4')) expect(matmulVariantFits(v, { N: 3, transB: true })).toBe(true);
  });

  it('matmul split-K (partial products over chunks of K, then column_sum) at every transpose form', async () => {
    const cases = [];
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const [M, N] of [[1, 1], [3, 17], [17, 65], [65, 3], [129, 33]]) {
        // K = 3 with 2 chunks is one layer (chunks are multiples of 16); 17 → 2 layers, 65 → 3, 129 → 5, 200 → 7 (a short last one)
        for (const [K, chunks] of [[3, 2], [17, 2], [65, 3], [129, 5], [200, 7]]) cases.push({ M, N, K, transA, transB, variant: 'matmul' as const, chunks, seed: seed++ });
      }
    }
    expectAll('matmul split-K', await h.call('matmul', cases));
  });

  /** The kernels with the fused epilogues and steps this device runs. */
  const fusing = () => (['matmul', 'matmul_direct', 'matmul_lanes'] as const).filter((v) => v !== 'matmul_lanes' || lanes);

  // Optimizer settings for the gradient kernels' own steps: plain, momentum, weight decay, both.
  const STEPS = [[0, 0], [0.9, 0], [0, 0.01], [0.5, 0.1]].map(([momentum, weightDecay]) => ({ lr: 0.05, momentum, weightDecay }));

  it('matmul, matmul_direct and matmul_lanes main_bias and main_bias_act: the product, its bias and every activation in one launch, at every transpose form', async () => {
    const cases = [];
    for (const variant of fusing()) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const [M, N, K] of [[1, 1, 1], [3, 17, 65], [33, 65, 129], [129, 3, 17]]) {
          for (const epilogue of [...ACTIVATIONS, 'logits' as const]) cases.push({ M, N, K, transA, transB, variant, epilogue, seed: seed++ });
        }
      }
    }
    expectAll('main_bias(_act)', await h.call('matmul', cases));
  });

  it('matmul, matmul_direct and matmul_lanes main_update: the product stored and θ stepped with it in one launch (dW and W), at every transpose form', async () => {
    const cases = [];
    for (const variant of fusing()) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const [M, N, K] of [[1, 1, 1], [3, 17, 65], [33, 65, 129], [129, 3, 17], [65, 129, 300]]) cases.push({ M, N, K, transA, transB, variant, update: STEPS[seed % 4], seed: seed++ });
      }
    }
    expectAll('main_update', await h.call('matmul', cases));
  });

  it('matmul, matmul_direct and matmul_lanes main_sums_update: the product, op(B)\'s column sums and both tensors\' steps in one launch (dW, db, W, b), at every transpose form', async () => {
    const cases = [];
    for (const variant of fusing()) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        // M = 32, 33, 64, 65: the sums' row of workgroups right after a whole tile row and after a partial one (tiles of 16, 32 and 64 rows)
        for (const [M, N, K] of [[1, 1, 1], [3, 17, 65], [32, 33, 2], [33, 65, 129], [64, 3, 17], [65, 129, 300]]) {
          for (const update of STEPS) cases.push({ M, N, K, transA, transB, variant, sums: true, update, seed: seed++ });
        }
      }
    }
    expectAll('main_sums_update', await h.call('matmul', cases));
  });

  it('matmul, matmul_direct and matmul_lanes main_sums_loss_update: as main_sums_update, and the sum of the per-row losses in one more column of the sums', async () => {
    // acquireDevice asks for the adapter's limit; SwiftShader allows 10 (WebGPU's default is 8)
    expect(await h.call('storageBuffersPerStage', undefined as never)).toBeGreaterThanOrEqual(10);
    const cases = [];
    for (const variant of fusing()) {
      for (const [transA, transB] of [[true, false], [false, false]]) {
        // N = 32 and 64: the loss column in a workgroup column of its own (tiles of 32 and 64 columns), beside product tiles that return at once
        // N = 16, 24: the loss column in lane 2 or 3 of matmul_lanes's workgroup (8 columns a lane)
        for (const [M, N, K] of [[1, 1, 1], [3, 17, 65], [33, 32, 129], [129, 3, 17], [65, 64, 300], [17, 10, 128], [5, 16, 33], [18, 24, 7]]) {
          for (const update of STEPS) cases.push({ M, N, K, transA, transB, variant, sums: true, loss: true, update, seed: seed++ });
        }
      }
    }
    expectAll('main_sums_loss_update', await h.call('matmul', cases));
  });

  it('matmul split-K with a step: the sum of the partial products stored and θ stepped with it (column_sum main_update and lanes_update)', async () => {
    const cases = [];
    for (const [M, N, K, chunks] of [[3, 17, 65, 3], [129, 33, 200, 7], [1, 1, 17, 2]]) {
      for (const update of STEPS) {
        for (const sum of ['serial', 'lanes'] as const) cases.push({ M, N, K, transA: true, transB: false, variant: 'matmul' as const, chunks, sum, update, seed: seed++ });
      }
    }
    expectAll('matmul split-K + step', await h.call('matmul', cases));
  });

  it('split-K chunks: enough for about 1024 workgroups, each at least 64 deep; none for 512 tiles or more, or K < 256', () => {
    expect(splitKChunks(128, 1000, 784)).toBe(7);   // 4 × 32 tiles: 8 asked, chunks of 112 make 7
    expect(splitKChunks(64, 256, 784)).toBe(10);    // 2 × 8 tiles; 784 / 64 caps it at 12, chunks of 80 make 10
    expect(splitKChunks(128, 10, 1000)).toBe(13);   // 4 tiles: 15 asked, chunks of 80 make 13
    expect(splitKChunks(256, 1024, 784)).toBe(4);   // 8 × 32 tiles
    expect(splitKChunks(1024, 10, 256)).toBe(4);    // 32 tiles; 256 / 64 caps it
    expect(splitKChunks(4096, 4096, 4096)).toBe(1);
    expect(splitKChunks(784, 1000, 128)).toBe(1);   // 25 × 32 tiles, and K < 256
    expect(splitKChunks(1000, 10, 128)).toBe(1);    // K < 256
    expect(splitKChunks(512, 1024, 4096)).toBe(1);  // 16 × 32 = 512 tiles
    expect(splitKChunks(4, 8, 2)).toBe(1);
  });

  it('the host picks matmul_lanes on a CPU adapter with subgroups of 4, matmul_direct on one without; on a GPU from 128 tiles of 128×128 matmul_vec4 (matmul_pipelined where B is read transposed or N is not a multiple of 4), matmul below', () => {
    expect(matmulVariant(64, 64, true)).toBe('matmul_direct');
    expect(matmulVariant(1, 1000, true)).toBe('matmul_direct');
    expect(matmulVariant(4096, 4096, true)).toBe('matmul_direct');
    expect(matmulVariant(64, 64, true, true)).toBe('matmul_lanes');
    expect(matmulVariant(4096, 4096, true, true)).toBe('matmul_lanes');
    expect(matmulVariant(64, 256, false, true)).toBe('matmul');
    expect(matmulVariant(64, 256, false)).toBe('matmul');
    expect(matmulVariant(1024, 1024, false)).toBe('matmul');           // 64 tiles
    expect(matmulVariant(1024, 2048, false)).toBe('matmul_vec4');      // 128 tiles
    expect(matmulVariant(4096, 4096, false)).toBe('matmul_vec4');
    expect(matmulVariant(4096, 4096, false, false, true)).toBe('matmul_pipelined');  // Bᵀ
    expect(matmulVariant(4096, 4094, false)).toBe('matmul_pipelined');
    expect(matmulVariant(4096, 4096, true, false, true)).toBe('matmul_direct');
  });

  it('bias_activation for every activation and the logits form', async () => {
    const cases = (['logits', ...ACTIVATIONS] as const).flatMap((activation) =>
      SIZES.flatMap((rows) => SIZES.map((cols) => ({ rows, cols, activation, seed: seed++ }))));
    expectAll('bias_activation', await h.call('biasActivation', cases));
  });

  it('bias_activation adding split-K partial products first (sum_main) for every activation', async () => {
    const cases = ACTIVATIONS.flatMap((activation) => [[1, 1, 1], [3, 17, 2], [17, 65, 3], [129, 3, 5]].map(([rows, cols, layers]) => ({ rows, cols, activation, layers, seed: seed++ })));
    expectAll('bias_activation sum_main', await h.call('biasActivation', cases));
  });

  it('bias_activation (main, add_bias, sum_main) with its grid folded into y, workgroups past the last element included', async () => {
    // 17×65 = 1105 elements, 5 workgroups of 256: a 2×3 grid leaves one workgroup spare
    const cases = [undefined, 3].flatMap((layers) => (['relu', 'tanh', 'logits'] as const).map((activation) => ({ rows: 17, cols: 65, activation, layers: activation === 'logits' ? undefined : layers, seed: seed++, grid: [2, 3] as [number, number] })));
    expectAll('bias_activation folded', await h.call('biasActivation', cases));
  });

  it('gather: a batch by the epoch\'s order from f32 and byte sources, one map for all features or one per feature (a large mean and a small spread keeping its precision), at the start, the middle and the end of the order, its grid folded too', async () => {
    const cases = [];
    for (const bytes of [false, true]) {
      for (const [n, features, rows, cursor, by] of [[7, 1, 1, 0, 1], [203, 3, 20, 180, 23], [61, 17, 13, 48, 13], [50, 784, 5, 11, 5]]) {
        cases.push({ n, features, rows, cursor, by, bytes, seed: seed++ });
      }
      // 13×17 = 221 elements in one workgroup of 256 would do; a 2×2 grid adds three spare
      cases.push({ n: 61, features: 17, rows: 13, cursor: 3, by: 13, bytes, seed: seed++, grid: [2, 2] as [number, number] });
      // a scale and offset per feature (main_per_feature), also with the folded grid
      for (const [n, features, rows, cursor, by] of [[7, 1, 1, 0, 1], [203, 3, 20, 180, 23], [50, 784, 5, 11, 5]]) {
        cases.push({ n, features, rows, cursor, by, bytes, seed: seed++, perFeature: true });
      }
      cases.push({ n: 61, features: 17, rows: 13, cursor: 3, by: 13, bytes, seed: seed++, grid: [2, 2] as [number, number], perFeature: true });
    }
    // a large mean and a small spread, standardised: one map (the first column) and one per column
    cases.push({ n: 203, features: 1, rows: 20, cursor: 180, by: 23, bytes: false, seed: seed++, far: true });
    cases.push({ n: 61, features: 17, rows: 13, cursor: 3, by: 13, bytes: false, seed: seed++, far: true, perFeature: true });
    expectAll('gather', await h.call('gather', cases));
  });

  it('finite: the first tensor holding a NaN or an infinity, read by its bits, past one stride of the grid too', async () => {
    const [inf, ninf, qnan, snan, nnan] = [0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff];
    const cases: { counts: number[]; bad: [number, number, number][] }[] = [
      { counts: [1], bad: [] },
      { counts: [4, 17], bad: [] },
      { counts: [1], bad: [[0, 0, inf]] },
      { counts: [3, 257, 17], bad: [[1, 256, ninf]] },
      { counts: [5, 5, 5], bad: [[2, 0, snan], [1, 4, qnan]] },
      { counts: [65, 3], bad: [[0, 64, nnan], [1, 1, inf]] },
      // 1024 workgroups of 256 threads: 262,144 a stride; the last element and the first past a stride
      { counts: [300001], bad: [[0, 300000, qnan]] },
      { counts: [7, 300001], bad: [[1, 262144, ninf]] },
    ];
    expectAll('finite', await h.call('finiteCheck', cases.map((c) => ({ ...c, seed: seed++ }))));
  });

  it('accuracy: the first largest output against the label, ties included', async () => {
    const cases = [[1, 2], [3, 3], [65, 10], [130, 17]].flatMap(([rows, classes]) => [false, true].map((ties) => ({ rows, classes, ties, seed: seed++ })));
    expectAll('accuracy', await h.call('correctRows', cases));
  });

  it('softmax_cross_entropy: d_logits, per-row and mean loss, from near-uniform to saturated rows', async () => {
    const cases = [0.1, 4, 40].flatMap((scale) => SIZES.flatMap((rows) => [2, 3, 10, 17, 65].map((classes) => ({ rows, classes, scale, seed: seed++ }))));
    expectAll('softmax_cross_entropy', await h.call('softmaxCrossEntropy', cases));
  });

  it('softmax_cross_entropy output: the output layer h·W + b and its loss in one launch, up to 16 classes', async () => {
    // K around the 64 slices, classes around the 4 lanes and up to 16
    const cases: { rows: number; inputs: number; classes: number; scale: number; seed: number; grid?: [number, number] }[] = [0.1, 4, 40].flatMap((scale) =>
      [[1, 1, 2], [3, 17, 3], [4, 64, 4], [17, 65, 16], [129, 300, 10], [65, 3, 7], [5, 63, 5], [2, 129, 13]]
        .map(([rows, inputs, classes]) => ({ rows, inputs, classes, scale, seed: seed++ })));
    // 5 × 4 workgroups for 17 rows: the folded row index, and 3 workgroups past the last row
    cases.push({ rows: 17, inputs: 65, classes: 10, scale: 4, seed: seed++, grid: [5, 4] });
    expectAll('softmax_cross_entropy output', await h.call('softmaxCrossEntropy', cases));
  });

  it('softmax_cross_entropy output_signal: the output layer, its loss and the hidden signal below it through B (fa), Wᵀ (bp) and M ⊙ sign(W)ᵀ, every activation', async () => {
    // inputs (the hidden width) around the 256 threads that walk its columns, classes up to 16
    const shapes = [[1, 1, 2], [3, 17, 3], [17, 257, 16], [5, 513, 10], [2, 256, 1]];
    const cases: SoftmaxCase[] = [];
    for (const [transposed, signConcordant] of [[false, false], [true, false], [false, true]] as const) {
      for (const activation of ACTIVATIONS) {
        for (const [rows, inputs, classes] of shapes) cases.push({ rows, inputs, classes, scale: 4, seed: seed++, signal: { transposed, signConcordant, activation } });
      }
    }
    // the folded row index, with workgroups past the last row
    cases.push({ rows: 17, inputs: 65, classes: 10, scale: 4, seed: seed++, grid: [5, 4], signal: { transposed: false, signConcordant: false, activation: 'relu' } });
    expectAll('softmax_cross_entropy output_signal', await h.call('softmaxCrossEntropy', cases));
  });

  for (const form of ['tiled', 'direct', 'lanes'] as const) {
    const kernel = (signConcordant: boolean) => (form === 'tiled' ? 'hidden_signal:main' : form === 'direct' || signConcordant ? 'hidden_signal:direct' : 'matmul_lanes:main_signal');
    it(`hidden_signal (${form}) through B (fa), Wᵀ (bp) and M ⊙ sign(W)ᵀ (sign-concordant), every activation${form === 'lanes' ? ': matmul_lanes main_signal, the sign-concordant rules hidden_signal direct' : ''}`, async (ctx) => {
      if (form === 'lanes' && !lanes) ctx.skip();
      const forms = [[false, false], [true, false], [false, true]] as const;
      const cases = forms.flatMap(([transposed, signConcordant]) => [
        ...triples.map(([rows, hidden, classes]) => ({ rows, hidden, classes, transposed, signConcordant, activation: 'relu' as const, form, seed: seed++ })),
        ...ACTIVATIONS.flatMap((activation) => [[17, 65, 3], [129, 3, 17], [1, 129, 65]].map(([rows, hidden, classes]) => ({ rows, hidden, classes, transposed, signConcordant, activation, form, seed: seed++ }))),
      ]);
      const results = await h.call('hiddenSignal', cases);
      expectAll('hidden_signal', results);
      const wrong = results.filter((r) => !r.name.endsWith(`[${kernel(r.name.includes('sign(W)'))}]`)).map((r) => r.name);
      expect(wrong).toEqual([]);
    });
  }

  it('hidden_signal split-K (partial sums over chunks of the classes, then column_sum masked) for every rule form and activation', async () => {
    const cases = [];
    for (const [transposed, signConcordant] of [[false, false], [true, false], [false, true]] as const) {
      for (const activation of ACTIVATIONS) {
        // classes = 3 with 2 chunks is one layer (chunks are multiples of 16); 17 → 2 layers, 129 → 5, 300 → 4 (a short last one)
        for (const [rows, hidden, classes, chunks] of [[5, 7, 3, 2], [17, 65, 17, 2], [3, 129, 129, 5], [65, 17, 300, 4]]) {
          cases.push({ rows, hidden, classes, transposed, signConcordant, activation, form: 'tiled' as const, chunks, seed: seed++ });
        }
      }
    }
    // column_sum masked with its grid folded into y (65×17 = 1105 columns, 18 workgroups of 64 in 4×5)
    cases.push({ rows: 65, hidden: 17, classes: 300, transposed: false, signConcordant: false, activation: 'relu' as const, form: 'tiled' as const, chunks: 4, seed: seed++, sumGrid: [4, 5] as [number, number] });
    expectAll('hidden_signal split-K', await h.call('hiddenSignal', cases));
  });

  it('mse_loss: output error and per-row loss', async () => {
    const cases = SIZES.flatMap((rows) => [2, 3, 17, 65].map((classes) => ({ rows, classes, seed: seed++ })));
    expectAll('mse_loss', await h.call('mseLoss', cases));
  });

  it('column_sum (serial and lanes) at every rows × cols', async () => {
    const cases = (['serial', 'lanes'] as const).flatMap((form) => [...SIZES, 300].flatMap((rows) => SIZES.map((cols) => ({ rows, cols, form, seed: seed++ }))));
    expectAll('column_sum', await h.call('columnSum', cases));
  });

  it('column_sum main_update and lanes_update: the sums stored and θ stepped with them (db and b)', async () => {
    const cases = (['serial', 'lanes'] as const).flatMap((form) => [...SIZES, 300].flatMap((rows) => SIZES.map((cols) => ({ rows, cols, form, update: STEPS[seed % 4], seed: seed++ }))));
    expectAll('column_sum + step', await h.call('columnSum', cases));
  });

  it('column_sum lanes_loss_update and main_loss_update: the columns, their step, and beside them the sum of the per-row losses', async () => {
    // cols of 15, 16, 17 (lanes) and 63, 64, 65 (serial): the loss column falls in the last workgroup or in one of its own
    const cases = (['lanes', 'serial'] as const).flatMap((form) => [...SIZES, 300].flatMap((rows) => [1, 3, 15, 16, 17, 63, 64, 65].map((cols) => ({ rows, cols, form, loss: true, update: STEPS[seed % 4], seed: seed++ }))));
    expectAll('column_sum loss_update', await h.call('columnSum', cases));
  });

  it('sgd with momentum, weight decay and a transposed gradient, including a folded grid', async () => {
    const cases = [];
    for (const [rows, cols] of [[1, 1], [3, 17], [65, 129], [129, 1], [1000, 70]]) {
      for (const [momentum, weightDecay] of [[0, 0], [0.9, 0], [0, 0.01], [0.5, 0.1]]) {
        for (const gradTransposed of [false, true]) cases.push({ rows, cols, lr: 0.05, momentum, weightDecay, gradTransposed, seed: seed++ });
      }
    }
    // 3 × 4 workgroups of 256 cover 3072 ≥ 2999: exercises the y-fold of the flat index.
    cases.push({ rows: 2999, cols: 1, lr: 0.3, momentum: 0.9, weightDecay: 0.01, gradTransposed: false, seed: seed++, grid: [3, 4] as [number, number] });
    expectAll('sgd', await h.call('sgd', cases));
  });

  it('feedback_draw: brsf magnitudes equal the reference draw for several keys and steps', async () => {
    const cases: { count: number; key: number; step: number; std: number; grid?: [number, number] }[] = [1, 17, 1000, 70_001].flatMap((count) => [[1, 0], [0xdeadbeef, 5], [12345, 4_000_000_000]].map(([key, step]) => ({ count, key, step, std: 0.2 })));
    // 3 × 4 workgroups of 256 cover 3072 ≥ 2999: the y-fold of the flat index (from 65,536 workgroups, a 4096² layer)
    cases.push({ count: 2999, key: 77, step: 3, std: 0.5, grid: [3, 4] });
    expectAll('feedback_draw', await h.call('feedbackDraw', cases));
  });

  it('alignment sums and the sign-concordant feedback', async () => {
    const cases: { rows: number; cols: number; seed: number; grid?: [number, number] }[] = [[1, 1], [3, 17], [65, 129], [129, 65], [300, 257]].map(([rows, cols]) => ({ rows, cols, seed: seed++ }));
    // 4 × 3 workgroups of 256 cover 3072 ≥ 61·49 = 2989: effective_feedback's folded index
    cases.push({ rows: 61, cols: 49, seed: seed++, grid: [4, 3] });
    expectAll('alignment', await h.call('alignmentKernels', cases));
  });
});
