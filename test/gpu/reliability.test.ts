/**
 * Reliability in headless Chromium: checkpoints round-trip bit for bit, bad calls fail with
 * their code and change nothing, divergence stops with the step and can be undone, a lost
 * device is reported and a checkpoint rebuilds the network elsewhere, runs are deterministic,
 * and no GPU buffer outlives its network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type HarnessSession } from './browser.js';
import { describeComparison } from '../util/compare.js';

let h: HarnessSession;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('checkpoints', () => {
  for (const [rule, sizes, momentum] of [['kp', [4, 9, 7, 3], 0.9], ['brsf', [4, 9, 7, 3], 0.9], ['fa', [4, 6, 3], 0], ['bp', [4, 3], 0.5]] as const) {
    it(`${rule} [${sizes}] μ=${momentum}: loading gives the same state, and both train on identically`, async () => {
      const r = await h.call('checkpointRoundTrip', { rule, sizes: [...sizes], momentum });
      expect(r.loadedEqual).toBe(true);
      expect(r.trainedEqual).toBe(true);
      expect(r.steps).toEqual([4, 4]);
      // Every value, and a header of options and tensor names.
      expect(r.bytes).toBeGreaterThan(r.valueBytes);
      expect(r.bytes).toBeLessThan(r.valueBytes + 4096);
    });
  }
});

it('every rejected call fails with its code and a message, and changes nothing', async () => {
  const r = await h.call('rejectedCalls', undefined as never);
  const byWhat = Object.fromEntries(r.results.map((x) => [x.what, x.error]));
  for (const { what, error } of r.results) {
    expect(error, what).not.toBeNull();
    expect(error!.name, what).toBe('FaWebGpuError');
  }
  const codes = Object.fromEntries(r.results.map((x) => [x.what, x.error!.code]));
  expect(codes).toEqual({
    'x with the wrong width': 'invalid-argument',
    'x as a plain array': 'invalid-argument',
    'labels out of range': 'invalid-argument',
    'negative label': 'invalid-argument',
    'labels of the wrong length': 'invalid-argument',
    'NaN in x': 'invalid-argument',
    'Infinity in x for train': 'invalid-argument',
    'zero steps': 'invalid-argument',
    'batch larger than the data': 'invalid-argument',
    'NaN in a weight': 'invalid-argument',
    'a weight of the wrong shape': 'invalid-argument',
    'feedback missing a matrix': 'invalid-argument',
    'negative learning rate': 'invalid-argument',
    'momentum switched off': 'invalid-argument',
    'a corrupted checkpoint': 'invalid-data',
    'a checkpoint of other sizes': 'invalid-data',
    'a checkpoint missing a tensor': 'invalid-data',
    'alignment with bad labels': 'invalid-argument',
    'predict of the wrong width': 'invalid-argument',
    'train steps past 1e8': 'invalid-argument',
    'evaluate with a NaN scale': 'invalid-argument',
    'trainer without options': 'invalid-argument',
    'trainer with a null test set': 'invalid-argument',
    'fit with shuffle "yes"': 'invalid-argument',
    'traceStep with negative maxValues': 'invalid-argument',
    'traceStep with undo not a boolean': 'invalid-argument',
    'traceStep with an unknown option': 'invalid-argument',
    'setOptimizer with a misspelt key': 'invalid-argument',
    'train with a misspelt key': 'invalid-argument',
    'setParameters with nothing': 'invalid-argument',
    'setParameters with a misspelt key': 'invalid-argument',
    'fit with a schedule past the rates\' range': 'invalid-argument',
    'setOptimizer(5)': 'invalid-argument',
    'trainer.run(0)': 'invalid-argument',
    'a call while train runs': 'busy',
    'restoreLastFinite after a run that finished': 'invalid-argument',
    'restoreLastFinite after a checkpoint restore': 'invalid-argument',
    'a brsf checkpoint of another seed': 'invalid-data',
    'a call after destroy': 'destroyed',
  });
  expect(r.trainerRejects).toBe(true);
  expect(r.keptAfterRefusal).toBe(true);
  expect(byWhat['restoreLastFinite after a run that finished']!.message).toBe("restoreLastFinite: the last training call did not stop with 'diverged'; there is no divergence to undo (it would rewind good steps)");
  expect(r.stepsRestored).toBe(true);
  expect(byWhat['restoreLastFinite after a checkpoint restore']!.message).toMatch(/restoreCheckpoint or setParameters replaced the state since/);
  expect(byWhat['a brsf checkpoint of another seed']!.message).toMatch(/checkpoint: seed \(brsf's draws follow it\) 3 does not match this network's 2/);
  expect(byWhat['labels out of range']!.message).toMatch(/labels: expected labels in 0\.\.1 \(one per output\), got 2 at index 2/);
  expect(byWhat['NaN in x']!.message).toMatch(/x: expected finite values, got NaN at index 4/);
  expect(byWhat['train steps past 1e8']!.message).toMatch(/^steps: expected an integer >= 1 and <= 100000000, got 1000000000$/);
  expect(byWhat['evaluate with a NaN scale']!.message).toMatch(/^normalization: expected \{ scale, offset \} \(fit's result has it\): scale and offset must be finite numbers/);
  expect(byWhat['trainer without options']!.message).toMatch(/^options: expected \{ batchSize, test\?, normalization\?, shuffle\? \}, got null$/);
  expect(byWhat['fit with shuffle "yes"']!.message).toBe('shuffle: expected true or false, got "yes"');
  expect(byWhat['traceStep with negative maxValues']!.message).toMatch(/^maxValues: expected an integer >= 0/);
  expect(byWhat['setOptimizer(5)']!.message).toMatch(/^setOptimizer: expected \{ learningRate\?, momentum\?, weightDecay\? \}, got 5$/);
  expect(byWhat['a corrupted checkpoint']!.message).toMatch(/checkpoint: checksum mismatch/);
  expect(byWhat['a checkpoint of other sizes']!.message).toMatch(/checkpoint: sizes \[3,6,2\] does not match this network's \[3,5,2\]/);
  // (compared tensor by tensor: the list the network needs, in the format's order)
  expect(byWhat['a checkpoint missing a tensor']!.message).toBe('checkpoint: holds W1 [3×5], W2 [5×2], b1 [1×5], b2 [1×2], B2 [2×5], vW2 [5×2], vb1 [1×5], vb2 [1×2]; this network needs W1 [3×5], W2 [5×2], b1 [1×5], b2 [1×2], B2 [2×5], vW1 [3×5], vW2 [5×2], vb1 [1×5], vb2 [1×2]');
  expect(r.unchanged).toBe(true);
  expect(r.restoredEqual).toBe(true);
  expect(r.trainMoved).toBe(true);
});

it('divergence stops with the step; restoreLastFinite puts back the state a fresh run reaches', async () => {
  const r = await h.call('divergence', undefined as never);
  console.log(`${r.error?.message}; restored to step ${r.step}`);
  expect(r.error?.code).toBe('diverged');
  const m = /train: the loss became (NaN|Infinity|-Infinity) at step (\d+) of 400; restoreLastFinite\(\) puts back the state after step (\d+)/.exec(r.error?.message ?? '');
  expect(m, r.error?.message).not.toBeNull();
  // The window of 10 steps holding the bad loss, and the next one, which was running while its
  // losses were read: both ran, and the restored state comes before them.
  const window = Math.floor((Number(m![2]) - 1) / 10);
  expect(r.stepsAtError).toBe(Math.min(400, 10 * (window + 2)));
  expect(r.step).toBe(Number(m![3]));
  expect(r.step).toBeGreaterThan(0);
  expect(r.step).toBeLessThanOrEqual(10 * window);
  expect(r.step % 10).toBe(0);
  expect(r.same).toBe(true);
  expect(r.finiteLoss).toBe(true);
});

it('a readback that fails mid-run is gpu-error, and the steps that ran are counted: training on matches a fresh run of that many steps', async () => {
  const r = await h.call('readbackFailure', undefined as never);
  for (const e of [r.train, r.fit, r.trainer]) {
    expect(e?.code).toBe('gpu-error');
    expect(e?.message).toMatch(/reading back from the GPU failed \(injected failure\)/);
  }
  // train: windows 1 and 2 (whose readback failed) and 3, running behind it
  expect(r.trainSteps).toBe(9);
  expect(r.trainSame).toBe(true);
  expect(r.trainSameAfter).toBe(true);
  // fit: epochs 1, 2 (its readback failed) and 3, submitted behind it
  expect(r.fitSteps).toBe(6);
  expect(r.fitSame).toBe(true);
  // the trainer: 5 steps, then 3 more: epoch 4 of 2 steps each
  expect(r.trainerSteps).toBe(5);
  expect(r.trainerEpoch).toBe(4);
  expect(r.trainerSame).toBe(true);
  // traceStep: all or nothing
  expect(r.trace?.code).toBe('gpu-error');
  expect(r.traceUndone).toBe(true);
  expect(r.traceThenSame).toBe(true);
  // profileStep: its 2 steps ran
  expect(r.profile?.code).toBe('gpu-error');
  expect(r.profileSteps).toBe(2);
  // trainStep: its step ran
  expect(r.trainStep?.code).toBe('gpu-error');
  expect(r.trainStepCounted).toBe(1);
  // fit stopped by onEpoch with the next epoch's readback failing: that epoch ran and counts
  expect(r.stopped?.message).toBe('stop');
  expect(r.stoppedSteps).toBe(4);
  expect(r.stoppedSame).toBe(true);
  expect(h.errors).toEqual([]);
});

it('an error thrown by onProgress stops train with the network as after the window it reported', async () => {
  const r = await h.call('progressStop', undefined as never);
  expect(r.error?.message).toBe('stop at 10');
  expect(r.seen).toEqual([5, 10]);
  expect(r.steps).toBe(10);
  expect(r.same).toBe(true);
  expect(r.sameAfter).toBe(true);
});

it('restoreCheckpoint takes the checkpoint\'s optimizer settings; setParameters puts weights and biases in place and the next step is the reference\'s', async () => {
  const r = await h.call('stateReplaced', undefined as never);
  expect(r.settings).toEqual([0.1, 0.9, 0.01]);
  expect(r.trainsAlike).toBe(true);
  expect(r.readBack).toBe(true);
  for (const c of r.comparisons) expect(c.ok, describeComparison(c)).toBe(true);
});

it('a NaN or an infinity in the state behind finite losses stops train, fit and a trainer with diverged, naming the tensor', async () => {
  const r = await h.call('hiddenNonFinite', undefined as never);
  console.log(`${r.train?.message}\n${r.overflow?.message}`);
  // The losses alone would not have stopped these runs.
  expect(Number.isFinite(r.poisonedLoss)).toBe(true);
  expect(Number.isFinite(r.overflowLoss)).toBe(true);
  expect(r.train?.code).toBe('diverged');
  expect(r.train?.message).toMatch(/^train: B2 held a NaN or an infinity before step 1 of 1, though every loss was finite .*; no finite state was recorded;/);
  expect(r.trainSteps).toBe(1);
  expect(r.noGoodState?.code).toBe('invalid-argument');
  expect(r.save?.code).toBe('diverged');
  // (W1 where the step carried B2's NaN into an active unit's δ)
  expect(r.save?.message).toMatch(/^saveCheckpoint: tensor (W1 holds NaN at index \d+|B2 holds NaN at index 5): the state is not finite, so no checkpoint of it is written$/);
  expect(r.fit?.code).toBe('diverged');
  expect(r.fit?.message).toMatch(/^fit: B2 held a NaN or an infinity before epoch 1,/);
  expect(r.trainer?.code).toBe('diverged');
  expect(r.trainer?.message).toMatch(/^trainer: B2 held a NaN or an infinity before steps 1–3 of 3,/);
  // Later windows' checks after their steps: W1 where B2's NaN reached an active unit's δ, else B2 itself
  expect(r.trainLater?.code).toBe('diverged');
  expect(r.trainLater?.message).toMatch(/^train: (W1|B2) held a NaN or an infinity after step 5 of 5, though every loss was finite/);
  expect(r.fitLater?.code).toBe('diverged');
  expect(r.fitLater?.message).toMatch(/^fit: (W1|B2) held a NaN or an infinity after epoch 3, though every loss was finite/);
  expect(r.overflow?.code).toBe('diverged');
  expect(r.overflow?.message).toMatch(/^train: W1 held a NaN or an infinity after step 1 of 1, though every loss was finite .*; restoreLastFinite\(\) puts back the state after step 0;/);
  expect(r.refusedBetween.map((e) => e?.code)).toEqual(['invalid-argument', 'invalid-argument', 'invalid-argument']);
  expect(r.restoredTo).toBe(0);
  expect(r.restoredFresh).toBe(true);
});

it('fit stopped with the next epoch already submitted: by onEpoch, the network is as after that epoch; by a divergence, the next epoch is counted and restoreLastFinite puts back a fresh fit\'s state', async () => {
  const r = await h.call('fitStops', undefined as never);
  expect(r.stopped?.message).toBe('stop after epoch 2');
  expect(r.seen).toEqual([1, 2]);
  // 90 rows, batches of 20: 4 steps an epoch; epoch 3, submitted before onEpoch(2) threw, is undone.
  expect(r.stepsAfterStop).toBe(8);
  expect(r.sameAsTwoEpochs).toBe(true);
  expect(r.sameAfterMore).toBe(true);
  console.log(`${r.diverged?.message}; ${r.stepsAtError} steps at the error; restored to step ${r.step}`);
  expect(r.diverged?.code).toBe('diverged');
  const m = /fit: the loss became (NaN|Infinity|-Infinity) at epoch (\d+), step (\d+) of 9; restoreLastFinite\(\) puts back the state after step (\d+)/.exec(r.diverged?.message ?? '');
  expect(m, r.diverged?.message).not.toBeNull();
  // 9 steps an epoch (batches of 10): the bad epoch and the one submitted behind it both ran.
  const bad = Number(m![2]);
  expect(bad).toBeLessThan(500);
  expect(r.stepsAtError).toBe(9 * (bad + 1));
  expect(r.step).toBe(Number(m![4]));
  expect(r.step % 9).toBe(0);
  expect(r.step).toBeGreaterThan(0);
  expect(r.step).toBeLessThanOrEqual(9 * (bad - 1));
  expect(r.same).toBe(true);
  // 2000 steps of 9 an epoch in one chunk, diverged: the trainer counts them all.
  expect(r.trainerDiverged?.code).toBe('diverged');
  expect(r.trainerEpoch).toBe(Math.floor(2000 / 9));
});

it('a lost device is reported; a checkpoint rebuilds the network on another device', async () => {
  const r = await h.call('deviceLoss', undefined as never);
  expect(r.reason).toBe('destroyed');
  expect(r.after?.code).toBe('device-lost');
  expect(r.after?.message).toMatch(/the GPU device was lost/);
  expect(r.same).toBe(true);
  expect(r.steps).toBe(20);
});

it('the same seed and inputs give bit-identical parameters for every rule', async () => {
  const r = await h.call('determinism', { steps: 60 });
  expect(r.filter((x) => !x.same)).toEqual([]);
  expect(r).toHaveLength(7);
});

it('kernels: each family puts its own products and sums in the step; auto picks lanes on a CPU adapter with subgroups of 4, direct on one without', async () => {
  const r = await h.call('kernelChoice', undefined);
  const kinds = (list: string[], shader: RegExp) => list.map((l) => l.split(' ').slice(1).join(' ')).filter((k) => shader.test(k)).sort();
  // 3 forward products, each with its bias and activation in its launch; 3 dW products, 2
  // hidden signals, the loss; 3 bias gradients and the batch loss summed. Every dW and db
  // steps its W and b in its own launch: with matmul.wgsl and matmul_direct each layer's db in
  // its dW's launch, the output layer's with the batch loss (main_sums_loss_update); on a
  // device with WebGPU's default limits (8 storage buffers a stage, too few for it) the last db
  // and the loss in one column_sum; no sgd launch but with the large-product kernels (an sgd after each dW)
  const forward = (kernel: string) => [...Array(2).fill(`${kernel}:main_bias_act`), `${kernel}:main_bias`];
  expect(kinds(r.tiled, /^(matmul|hidden|softmax|bias)/)).toEqual([...forward('matmul'), ...Array(2).fill('matmul:main_sums_update'), 'matmul:main_sums_loss_update', ...Array(2).fill('hidden_signal:main'), 'softmax_cross_entropy:main'].sort());
  expect(kinds(r.tiled, /^column_sum/)).toEqual([]);
  const plain = r['tiled, default limits'];
  expect(kinds(plain, /^(matmul|hidden|softmax|bias)/)).toEqual([...forward('matmul'), 'matmul:main_update', ...Array(2).fill('matmul:main_sums_update'), ...Array(2).fill('hidden_signal:main'), 'softmax_cross_entropy:main'].sort());
  expect(kinds(plain, /^column_sum/)).toEqual(['column_sum:lanes_loss_update']);
  expect(kinds(r.direct, /^(matmul|hidden|softmax|bias)/)).toEqual([...forward('matmul_direct'), ...Array(2).fill('matmul_direct:main_sums_update'), 'matmul_direct:main_sums_loss_update', ...Array(2).fill('hidden_signal:direct'), 'softmax_cross_entropy:main'].sort());
  expect(kinds(r.direct, /^column_sum/)).toEqual([]);
  // lanes: matmul_lanes for the products and the hidden signals (fa's B: main_signal)
  if (r.takesLanes) {
    expect(kinds(r.lanes, /^(matmul|hidden|softmax|bias)/)).toEqual([...forward('matmul_lanes'), ...Array(2).fill('matmul_lanes:main_sums_update'), 'matmul_lanes:main_sums_loss_update', ...Array(2).fill('matmul_lanes:main_signal'), 'softmax_cross_entropy:main'].sort());
    expect(kinds(r.lanes, /^column_sum/)).toEqual([]);
  }
  // a product whose grid in matmul_lanes's 16-row tiles passes the limit: matmul_direct, auto's other CPU kernel
  if (r.takesLanes) {
    expect(r.tall).toEqual([
      'Layer1.forward.matmul+bias_activation matmul_lanes:main_bias_act 1×1×1', 'Layer2.forward.matmul+bias matmul_lanes:main_bias 1×1×1',
      'Layer1.backward.signal matmul_lanes:main_signal 1×1×1', 'Layer2.backward.dW+db+update+Loss.mean matmul_lanes:main_sums_loss_update 1×2×1',
      'Layer1.backward.dW+db+update matmul_direct:main_sums_update 1×16386×1',
    ]);
  }
  // SwiftShader under Chromium takes lanes (subgroups of exactly 4, asked for by acquireDevice)
  if (/swiftshader/i.test(r.adapter ?? '')) expect(r.takesLanes).toBe(true);
  // and a device made without 'subgroups' refuses the family at createNetwork, making nothing
  expect(r.lanesRefused).toMatch(/^device-limit: kernels: 'lanes' \(matmul_lanes\.wgsl\) needs a device whose subgroups are 4 lanes wide.*was made without 'subgroups'.*\(buffers left: 0\)$/);
  // the large-product kernels have neither the epilogue nor the step: bias_activation and sgd
  // launches; matmul_vec4 takes the products whose N is a multiple of 4 (260: Layer2's forward
  // and dW), matmul_pipelined the others (N = 6 and 3)
  expect(kinds(r.pipelined, /^(matmul|hidden|softmax|bias)/)).toEqual([...Array(4).fill('matmul_pipelined:main'), ...Array(2).fill('matmul_vec4:main'), ...Array(2).fill('bias_activation:main'), 'bias_activation:add_bias', ...Array(2).fill('hidden_signal:main'), 'softmax_cross_entropy:main'].sort());
  expect(r.pipelined.filter((l) => /matmul_vec4/.test(l)).map((l) => l.split(' ')[0]).sort()).toEqual(['Layer2.backward.dW', 'Layer2.forward.matmul']);
  expect(kinds(r.pipelined, /^column_sum/)).toEqual([...Array(2).fill('column_sum:lanes_update'), 'column_sum:lanes_loss_update'].sort());
  for (const family of ['tiled', 'direct', 'lanes', 'split-k', 'auto'] as const) expect(kinds(r[family], /^sgd/), family).toEqual([]);
  expect(r.pipelined.filter((l) => /sgd/.test(l))).toEqual(['Layer3.update.W sgd:main', 'Layer2.update.W sgd:main', 'Layer1.update.W sgd:main']);
  // Each layer's hidden signal comes before its dW, which steps the W that bp's signal reads
  expect(r.tiled.filter((l) => /backward\.(signal|dW)/.test(l)).map((l) => l.split(' ')[0])).toEqual([
    'Layer2.backward.signal', 'Layer3.backward.dW+db+update+Loss.mean', 'Layer1.backward.signal', 'Layer2.backward.dW+db+update', 'Layer1.backward.dW+db+update',
  ]);
  // On a GPU auto is split-k's choice for these small products (none reaches the large-product kernels' size)
  expect(r.auto).toEqual(r.cpu ? (r.takesLanes ? r.lanes : r.direct) : r['split-k']);
  // split-k: the first forward product 7×6×300 in 4 layers of partial products, which the
  // hidden layer's bias_activation adds itself; the output layer (3 classes), its loss and the
  // top hidden layer's signal in one launch; the first hidden signal (260 classes) in 4 layers
  // of partial sums, added and masked; the rest as tiled
  const split: Record<string, string[]> = {
    'Layer1.forward.matmul+bias_activation matmul:main_bias_act': ['Layer1.forward.matmul.partial matmul:main ×4', 'Layer1.forward.bias_activation bias_activation:sum_main'],
    'Layer3.forward.matmul+bias matmul:main_bias': [],
    'Loss.softmax_cross_entropy softmax_cross_entropy:main': ['Layer3.forward+Loss.softmax_cross_entropy+Layer2.backward.signal softmax_cross_entropy:output_signal'],
    'Layer2.backward.signal hidden_signal:main': [],
    'Layer1.backward.signal hidden_signal:main': ['Layer1.backward.signal.partial hidden_signal:main ×4', 'Layer1.backward.signal.sum column_sum:masked'],
  };
  expect(r['split-k']).toEqual(r.tiled.flatMap((l) => split[l] ?? [l]));
  expect(r.tiled.filter((l) => split[l])).toHaveLength(5);
  // with WebGPU's default 8 storage buffers a stage, too few for output_signal's nine, the
  // output layer's launch leaves the signal to hidden_signal
  const unfused: Record<string, string[]> = {
    'Layer3.forward+Loss.softmax_cross_entropy+Layer2.backward.signal softmax_cross_entropy:output_signal': ['Layer3.forward+Loss.softmax_cross_entropy softmax_cross_entropy:output'],
    'Layer3.backward.dW+db+update+Loss.mean matmul:main_sums_loss_update': ['Layer2.backward.signal hidden_signal:main', 'Layer3.backward.dW+update matmul:main_update', 'Layer3.backward.db+update+Loss.mean column_sum:lanes_loss_update'],
  };
  expect(r['split-k, default limits']).toEqual(r['split-k'].flatMap((l) => unfused[l] ?? [l]));
  // a hidden layer of 1,100,000 units: its db in the serial form (17,188 workgroups), the
  // output layer's (2 columns) in lanes
  expect(r.wide).toEqual(['Layer2.backward.db+update+Loss.mean column_sum:lanes_loss_update 1×1×1', 'Layer1.backward.db+update column_sum:main_update 17188×1×1']);
});

it('profileStep and traceStep train as trainStep does and time every kernel of the step', async () => {
  const r = await h.call('profiling', { steps: 3 });
  // Chromium on SwiftShader has timestamp queries; the times below need them.
  expect(r.timestamps).toBe(true);
  for (const run of r.runs) {
    console.log(`${run.rule}: ${run.labels.map((l, i) => `${l} ${run.ms[i].toFixed(3)} ms`).join(', ')}`);
    expect(run.rejected, run.rule).toEqual(['invalid-argument', 'invalid-argument', 'invalid-argument', null]);
    expect(run.sameAsTrainSteps, run.rule).toBe(true);
    expect(run.sameAfterTrace, run.rule).toBe(true);
    expect(run.sameAfterUndo, run.rule).toBe(true);
    expect(run.undoneShowsTheStep, run.rule).toBe(true);
    expect(run.sameAfterNextStep, run.rule).toBe(true);
    // The trace's before/after values are the tensors' own: W, b, their velocities and gradients, 3 layers
    const names = ['W', 'b', 'vW', 'vb', 'dW', 'db'].flatMap((p) => [1, 2, 3].map((k) => `${p}${k}`)).sort();
    expect(run.traced, run.rule).toEqual(names);
    expect(run.traceMismatches, run.rule).toEqual([]);
    expect(run.steps).toBe(5); // 3 profiled, 1 traced, 1 after the undone trace
    expect(run.labels).toEqual(run.describe);
    for (const ms of [...run.ms, ...run.traceMs]) {
      expect(typeof ms).toBe('number');
      expect(Number.isFinite(ms) && ms! >= 0 && ms! < 10_000).toBe(true);
    }
    expect(run.ms.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // GFLOP/s for the products (matmul kernels, the hidden signal) that took measurable time, and only those
    run.shaders.forEach((shader, i) => {
      const product = /^matmul|^hidden_signal$/.test(shader);
      if (product && run.ms[i] > 0) expect(run.gflops[i], run.labels[i]).toBeGreaterThan(0);
      else expect(run.gflops[i], run.labels[i]).toBeNull();
    });
  }
  expect(r.runs.find((x) => x.rule === 'brsf')!.labels[0]).toMatch(/redraw/);
});

it('no GPU buffer outlives its network, across cycles and 10,000 steps', async () => {
  const r = await h.call('bufferCount', { longSteps: 10_000 });
  console.log(`live buffers above the device's baseline: after cycles ${r.afterCycle.join(', ')}; during 10,000 steps ${[...new Set(r.during)].join(', ')}; after ${r.afterLong}`);
  expect(r.afterCycle).toEqual([0, 0, 0]);
  // 60 rows, batches of 16: 3 steps an epoch; destroyed in epoch 1's onEpoch.
  expect(r.stopped?.code).toBe('destroyed');
  // (epoch 1's 3 steps, and epoch 2's 3, submitted behind it before onEpoch ran)
  expect(r.stopped?.message).toBe('fit: the network was destroyed while this ran; stopped after 6 steps');
  expect(r.afterStop?.code).toBe('destroyed');
  expect(r.afterDestroyedRun).toBe(0);
  expect(r.during).toHaveLength(10);
  expect(new Set(r.during).size).toBe(1);
  expect(r.afterLong).toBe(0);
  expect(h.errors).toEqual([]);
}, 300_000);

it('sizes past the device\'s limits fail with device-limit, change nothing and leave no buffer', async () => {
  const r = await h.call('limits', undefined as never);
  console.log(`maxStorageBufferBindingSize ${r.maxBinding}: ${r.huge?.message}; ${r.batch?.message}; ${r.grid?.message}`);
  expect(r.huge?.code).toBe('device-limit');
  expect(r.huge?.message).toMatch(/^W2: needs 19600000000 bytes \(4900000000 values\), past this device's storage-buffer limit/);
  expect(r.huge?.message).toContain(`limit of ${r.maxBinding} bytes`);
  expect(r.afterHuge).toBe(0);
  expect(r.batch?.code).toBe('device-limit');
  expect(r.batch?.message).toMatch(/^a batch of 100000 rows: needs/);
  expect(r.afterBatch).toBe(0);
  expect(r.unchanged).toBe(true);
  expect(r.probe?.code).toBe('device-limit');
  expect(r.probe?.message).toMatch(/^a batch of 6000 rows: needs/);
  expect(r.afterProbe).toBe(0);
  expect(r.probeUnchanged).toBe(true);
  expect(r.grid?.code).toBe('device-limit');
  // 6,000,000 columns in tiles of 64 (CPU adapters) or 32
  expect(r.grid?.message).toMatch(/Layer1\.forward\.matmul\+bias_activation: needs a grid of (93750|187500)×1×1 workgroups, past this device's maxComputeWorkgroupsPerDimension/);
  expect(r.afterGrid).toBe(0);
  expect(r.end).toBe(0);
});

it('with one hidden layer fa and dfa give identical steps', async () => {
  expect(await h.call('faEqualsDfa', undefined as never)).toBe(true);
});
