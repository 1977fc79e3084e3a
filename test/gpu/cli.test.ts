/**
 * The main job: the command line trains XOR under Deno (WebGPU from wgpu, on SwiftShader
 * where there is no GPU) and prints falling losses and predictions equal to the targets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { decodeCheckpoint, initParameters, type Rule } from '../../src/index.js';
import { referenceStep } from '../../src/reference/index.js';
import { xorDataset } from '../../src/data/xor.js';

const root = resolve(__dirname, '../..');
const run = (args: string[]) => spawnSync('node', ['scripts/deno.mjs', 'dist/cli/fa-webgpu.mjs', ...args], { cwd: root, encoding: 'utf8' });

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: root });
});

it('xor prints the loss every 200 of 1000 steps, falling, then predictions equal to the targets', () => {
  const r = run(['xor']);
  console.log(r.stdout);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const losses = [...r.stdout.matchAll(/^step +(\d+) +loss (\S+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(losses.map(([s]) => s)).toEqual([200, 400, 600, 800, 1000]);
  for (let i = 1; i < losses.length; i++) expect(losses[i][1]).toBeLessThan(losses[i - 1][1]);
  const rows = [...r.stdout.matchAll(/^ +([01]) +([01]) +([01]) +([01]) +([\d.]+)$/gm)];
  expect(rows).toHaveLength(4);
  for (const [, x0, x1, target, predicted] of rows) {
    expect(Number(target)).toBe(Number(x0) ^ Number(x1));
    expect(predicted).toBe(target);
  }
  expect(r.stdout).toMatch(/^4\/4 correct/m);
});

/** The float64 reference's XOR losses (before the steps 1, 2, …) for a 2-hidden-2 ReLU network, as createNetwork's defaults start it. */
function referenceXor(rule: Rule, hidden: number, seed: number, learningRate: number, steps: number): number[] {
  const { x, labels } = xorDataset();
  const sizes = [2, hidden, 2];
  let p = initParameters(sizes, rule, seed, 0.2);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = referenceStep({ sizes, rule, activation: 'relu', learningRate }, p, x, labels, 4);
    losses.push(r.loss);
    p = { weights: r.next.weights.map((w) => Float32Array.from(w)), biases: r.next.biases.map((b) => Float32Array.from(b)), feedback: r.next.feedback.map((f) => Float32Array.from(f)) };
  }
  return losses;
}

it('xor takes its rule, steps, seed, rate, width and log interval: the printed losses are the reference\'s for those', () => {
  const args = { rule: 'bp' as const, steps: 300, seed: 7, lr: 0.1, hidden: 16, every: 100 };
  const r = run(['xor', '--rule', args.rule, '--steps', String(args.steps), '--seed', String(args.seed), '--lr', String(args.lr), '--hidden', String(args.hidden), '--log-every', String(args.every)]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^XOR: 2-16-2 ReLU, rule bp, lr 0.1, seed 7, 300 steps on /m);
  const printed = [...r.stdout.matchAll(/^step +(\d+) +loss (\S+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(printed.map(([s]) => s)).toEqual([100, 200, 300]);
  // Each line gives the loss of the window's last step (4 decimals; f32 on the GPU drifts a little over 300 steps).
  const want = referenceXor(args.rule, args.hidden, args.seed, args.lr, args.steps);
  const fa = referenceXor('fa', args.hidden, args.seed, args.lr, args.steps);
  for (const [step, loss] of printed) {
    expect(Math.abs(loss - want[step - 1]), `step ${step}`).toBeLessThan(2e-3);
    // (what the tolerance tells apart: FA from the same start)
    if (step > 100) expect(Math.abs(fa[step - 1] - want[step - 1])).toBeGreaterThan(1e-2);
  }
});

it('refuses bad options with the usage text and exit code 2', () => {
  for (const args of [['xor', '--rule', 'nope'], ['xor', '--steps', '0'], ['xor', '--lr=-1'], ['xor', '--lr', 'abc'], ['xor', '--bogus'], ['train'],
    ['bench', '--configs', 'xor,nope'], ['bench', '--matmul', '12x3'], ['bench', '--matmul', '4x4x4:tc'], ['compare', '--only', 'steps,nope'], ['compare', '--configs', 'nope'], ['bench', '--kernels', 'gpu'], ['bench', '--loss-every', '0'],
    // an option given no value is not a zero; schedules and seed counts in range; an option the library refuses
    ['xor', '--lr='], ['xor', '--seed', ''], ['experiment', '--schedule', 'step:0:0.1'], ['experiment', '--schedule', 'step:5:1e'], ['experiment', '--seeds', '5000000000'],
    ['experiment', '--data', 'spirals', '--validation', '0.9', '--batch', '500'], ['bench', '--json', ''], ['compare', '--json', '/no/such/folder/x.json'], [],
    // the library's ranges, checked by the command line before any work; an unknown command's --help
    ['xor', '--steps', '200000000'], ['xor', '--lr', '0'], ['xor', '--hidden', '20000000'], ['xor', '--log-every', '2000000'], ['bench', '--loss-every', '2000000'],
    ['soak', '--every', '2000000'], ['experiment', '--sizes', '2,,8,2'], ['experiment', '--init', 'glorot'], ['experiment', '--data', 'spirals', '--data-dir', '/tmp'], ['xorr', '--help']]) {
    const r = run(args);
    expect(r.status, args.join(' ')).toBe(2);
    expect(r.stderr).toMatch(/^fa-webgpu: [^]*\n\nusage: fa-webgpu xor/);
  }
});

it('--help after any command prints the usage and exits 0', () => {
  for (const command of ['xor', 'experiment', 'bench', 'compare', 'soak']) {
    const r = run([command, '--help']);
    expect(r.status, command).toBe(0);
    expect(r.stdout).toMatch(/^usage: fa-webgpu xor[^]*fa-webgpu bench [^]*fa-webgpu soak/);
    expect(r.stderr).toBe('');
  }
});

// Benchmarks are judged by their tables, not by timed tests; these only check that the programs
// run and print every row (a kernel that compiled in Chromium once hung Deno's compiler here).
it('bench prints steps/s, a per-kernel profile and every matmul variant, and writes them as JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
  const file = join(dir, 'bench.json');
  const args = ['bench', '--configs', 'xor', '--matmul', '17x9x5:ta', '--profile', '--seconds', '0.05', '--kernels', 'tiled', '--loss-every', '3', '--json', file];
  const r = run(args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // --json: a record per row, each figure as printed (to its printed digits)
  const json = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  expect(json.command).toBe(`fa-webgpu ${args.join(' ')}`);
  expect(json.records.map((x: { kind: string }) => x.kind)).toEqual(['device', 'steps', 'steps', 'profile', 'matmul']);
  expect(json.records[0]).toMatchObject({ kind: 'device', timestampQuery: true, limits: { maxStorageBuffersPerShaderStage: 10 } });
  for (const rec of json.records.filter((x: { kind: string }) => x.kind === 'steps')) {
    expect(rec).toMatchObject({ config: 'xor', batch: 4, kernels: 'tiled', lossEvery: 3 });
    expect(r.stdout).toContain(`XOR (seed)            4  ${rec.rule.padEnd(4)}  ${rec.stepsPerSecond.toFixed(1).padStart(9)}`);
  }
  const profile = json.records[3];
  expect(profile.kernels.map((k: { label: string }) => k.label)).toContain('Layer1.backward.signal');
  const matmul = json.records[4];
  expect(matmul).toMatchObject({ M: 17, N: 9, K: 5, transA: true, transB: false, columns: { matmul_vec4: null, 'split-K': null } });
  expect(r.stdout).toContain(matmul.columns[matmul.picked].ms.toFixed(3));
  expect(r.stdout).toMatch(/^XOR \(seed\) +4 +fa +[\d.]+/m);
  expect(r.stdout).toMatch(/^XOR \(seed\) +4 +bp +[\d.]+/m);
  expect(r.stdout).toMatch(/losses read back every 3 steps; tiled kernels\)$/m);
  expect(r.stdout).toMatch(/^Layer1\.forward\.matmul\+bias_activation +matmul +1×1×1/m);
  for (const kernel of ['Layer1.forward.matmul+bias_activation', 'Loss.softmax_cross_entropy', 'Layer1.backward.signal', 'Layer1.backward.dW+db+update']) {
    // (dW+db+update: one more row of workgroups for db)
    expect(r.stdout).toMatch(new RegExp(`^${kernel.replace(/[.+]/g, '\\$&')} +\\w+ +1×[12]×1 +[\\d.]+`, 'm'));
  }
  // one cell per kernel (ms, GFLOP/s: matmul, matmul_pipelined, matmul_direct), the host's pick marked with *;
  // none for matmul_vec4 (N = 9) or split-K (K = 5); matmul_lanes only on a device with subgroups of
  // 4 (Deno's SwiftShader has no 'subgroups' feature: none there)
  const line = r.stdout.split('\n').find((l) => l.startsWith('17×9×5 Aᵀ'));
  expect(line).toMatch(/^17×9×5 Aᵀ( +\*?[\d.]+ +[\d.]+){3} +— +—( +— +—| +\*?[\d.]+ +[\d.]+) +— +—$/);
  expect(line!.split('*')).toHaveLength(2);
});

it('experiment takes its input and output sizes from the data, writes its files, and refuses sizes or a batch the data cannot fill', () => {
  const out = mkdtempSync(join(tmpdir(), 'fa-experiment-'));
  try {
    const r = run(['experiment', '--data', 'spirals', '--rules', 'fa,bp', '--seeds', '1', '--epochs', '2', '--train-limit', '300', '--test-limit', '200', '--alignment-rows', '50', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^spirals: 300 training and 200 test rows; \[2,256,256,2\] relu; rules fa, bp; 1 seed; 2 epochs of batch 64$/m);
    expect(r.stdout.match(/^(fa|bp) seed 1 epoch [12]: loss [\d.]+, test [\d.]+%, [\d.]+ s$/gm)).toHaveLength(4);
    for (const f of ['results.json', 'results.csv', 'curves.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 2 * 2);
    // one seed: each figure is that run's (no spread to give)
    // (two hidden layers by default: a signal angle for each)
    expect(r.stdout).toMatch(/^fa +1 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$/m);
    expect(r.stdout).toMatch(/^bp +1 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$/m);
    // fa against bp, paired by seed: one seed gives a difference and no interval
    expect(r.stdout).toMatch(/^fa − bp: -?[\d.]+ points of test accuracy \(1 seed: no interval\)$/m);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  // Refused before the folder is made or anything is printed, every run's options included.
  const never = join(tmpdir(), `fa-never-${process.pid}`);
  for (const [args, message] of [
    [['--sizes', '784,256,10'], /--sizes: the first size is the input, and spirals has 2 features; got 784,256,10/],
    [['--sizes', '2,8,1'], /--sizes: the last size is the output, and spirals has 2 classes; got 2,8,1/],
    [['--batch', '5000'], /--batch: 5000 is more than the 1000 training rows/],
    [['--rules', 'fa,bp,fa'], /--rules: "fa" is listed twice/],
    [['--validation', '0.0001'], /--validation: 0.0001 of 1000 rows leaves no validation rows/],
    [['--schedule', 'step:1:1000', '--epochs', '4'], /--schedule: × 1000 every 1 epochs from 0.005 makes epoch 4's learning rate 5000000, outside \[1.1754943508222875e-38, 1000000\]/],
  ] as const) {
    const bad = run(['experiment', '--data', 'spirals', '--out', never, ...args]);
    expect(bad.status, args.join(' ')).toBe(2);
    expect(bad.stderr).toMatch(message);
    expect(bad.stdout).toBe('');
    expect(existsSync(never), args.join(' ')).toBe(false);
  }
});

it('experiment --data csv trains on CSV files (a test file, or a seeded fifth of the rows), and refuses naming the flag, the file, the row and the column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-csv-cli-'));
  try {
    // three classes by name, three features; the label named by --label, not last
    const rows = (n: number, seed: number) => Array.from({ length: n }, (_, i) => {
      const c = (i * 7 + seed) % 3;
      return `${c * 2 + ((i * 13) % 10) / 10},${['ant', 'bee', 'cat'][c]},${((i * 31 + seed) % 17) / 17},${-c + ((i * 3) % 5) / 10}`;
    });
    writeFileSync(join(dir, 'train.csv'), ['f1,kind,f2,f3', ...rows(150, 1)].join('\n'));
    writeFileSync(join(dir, 'test.csv'), ['f1,kind,f2,f3', ...rows(40, 2)].join('\n'));
    writeFileSync(join(dir, 'bad.csv'), 'f1,kind,f2,f3\n1,ant,2,3\n1,bee,x,3\n');
    const common = ['experiment', '--data', 'csv', '--label', 'kind', '--rules', 'fa', '--seeds', '1', '--epochs', '1', '--batch', '16', '--alignment-rows', '0', '--quiet'];
    const r = run([...common, '--csv', join(dir, 'train.csv'), '--csv-test', join(dir, 'test.csv'), '--out', join(dir, 'out')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^csv: 150 training and 40 test rows; \[3,256,256,3\] relu; rules fa; 1 seed; 1 epoch of batch 16$/m);
    const split = run([...common, '--csv', join(dir, 'train.csv'), '--out', join(dir, 'out2')]);
    expect(split.status).toBe(0);
    expect(split.stdout).toMatch(/^csv: 120 training and 30 test rows;/m);
    for (const [args, message, status] of [
      [['--csv', join(dir, 'bad.csv')], `fa-webgpu: ${join(dir, 'bad.csv')}: row 3, column 2 ("f2"): expected a finite number, got "x"`, 1],
      [['--csv', join(dir, 'train.csv'), '--csv-test', join(dir, 'bad.csv')], `fa-webgpu: ${join(dir, 'bad.csv')}: row 3, column 2 ("f2"): expected a finite number, got "x"`, 1],
      [['--csv', join(dir, 'missing.csv')], `fa-webgpu: ${join(dir, 'missing.csv')}: could not be read`, 1],
      [['--label', 'species', '--csv', join(dir, 'train.csv')], `fa-webgpu: --label: no column named "species" in ${join(dir, 'train.csv')}; its columns are "f1", "kind", "f2", "f3"`, 2],
      [['--label', '9', '--csv', join(dir, 'train.csv')], `fa-webgpu: --label: column 9 does not exist; ${join(dir, 'train.csv')} has 4 columns (0 to 3)`, 2],
      [[], 'fa-webgpu: --data csv: expected --csv FILE, the training rows', 2],
    ] as const) {
      const bad = run([...common, ...args, '--out', join(dir, 'never')]);
      expect(bad.status, args.join(' ')).toBe(status);
      expect(bad.stderr.split('\n')[0]).toContain(message);
      expect(existsSync(join(dir, 'never'))).toBe(false);
    }
    const wrongData = run(['experiment', '--data', 'xor', '--csv', join(dir, 'train.csv')]);
    expect(wrongData.status).toBe(2);
    expect(wrongData.stderr).toMatch(/^fa-webgpu: --csv: only with --data csv; got --data xor/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('experiment passes every option to its runs: results.json holds them, the CSV the scheduled rates, and --checkpoints each trained network', () => {
  const out = mkdtempSync(join(tmpdir(), 'fa-experiment-options-'));
  try {
    const r = run(['experiment', '--data', 'blobs', '--sizes', '2,7,5,3', '--rules', 'kp,bp', '--seeds', '2', '--epochs', '2', '--batch', '50', '--lr', '0.02',
      '--momentum', '0.5', '--weight-decay', '0.001', '--activation', 'tanh', '--loss', 'mse', '--init', 'he', '--schedule', 'step:1:0.5',
      '--normalization', 'standardize', '--validation', '0.2', '--alignment-rows', '30', '--train-limit', '400', '--test-limit', '100', '--out', out, '--quiet', '--checkpoints']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^blobs: 400 training \(320 after --validation 0.2 holds out 80\) and 100 test rows; \[2,7,5,3\] tanh; rules kp, bp; 2 seeds; 2 epochs of batch 50$/m);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.config).toEqual({
      data: 'blobs', sizes: [2, 7, 5, 3], rules: ['kp', 'bp'], seeds: [1, 2], epochs: 2, batchSize: 50, learningRate: 0.02, momentum: 0.5, weightDecay: 0.001,
      activation: 'tanh', loss: 'mse', init: 'he', schedule: { type: 'step', every: 1, gamma: 0.5 }, normalization: 'standardize', validationSplit: 0.2, alignmentRows: 30,
    });
    // Beside the options given: every option as the runs took it (the library's defaults for
    // the rest), the rows used (--train-limit 400, 80 of them held out), and how it was made.
    expect(json.settings).toEqual({
      network: { activation: 'tanh', loss: 'mse', learningRate: 0.02, momentum: 0.5, weightDecay: 0.001, init: 'he' },
      fit: { epochs: 2, batchSize: 50, normalization: 'standardize', schedule: { type: 'step', every: 1, gamma: 0.5 }, evalBatchSize: 1000, alignmentRows: 30, shuffle: true, validationSplit: 0.2 },
    });
    expect(json.rows).toEqual({ train: 320, validation: 80, test: 100 });
    expect(json.context).toMatchObject({ command: expect.stringMatching(/^fa-webgpu experiment --data blobs --sizes 2,7,5,3 .* --train-limit 400 --test-limit 100 --out \S+ --quiet --checkpoints$/), version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version, runtime: expect.stringMatching(/^Deno \d+\.\d+/), dataDir: null });
    expect(Date.parse(json.started)).toBeLessThanOrEqual(Date.parse(json.date));
    // The printed summary, in a file too (with the validation column: the runs held out a split).
    const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
    expect(summary).toMatch(/^rule +seeds +validation accuracy % +test accuracy %/);
    expect(r.stdout).toContain(summary.trim());
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const rate = csv[0].indexOf('learning_rate'), validation = csv[0].indexOf('validation_accuracy');
    expect(csv.slice(1).map((row) => Number(row[rate]))).toEqual([0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01]);
    for (const row of csv.slice(1)) expect(row[validation]).toMatch(/^[\d.]+$/);
    // Each run's network as it ended: its options (the base rate: a schedule's lasts only for its fit), its steps
    // (2 epochs of floor(320 / 50) = 6 batches) and its state, kp's trained B and the velocities included.
    expect(r.stdout).toMatch(/checkpoints\/ \(4 trained networks\)\)$/m);
    for (const rule of ['kp', 'bp']) {
      for (const seed of [1, 2]) {
        const c = decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoints', `${rule}-seed${seed}.ckpt`))));
        expect(c.options).toEqual({ sizes: [2, 7, 5, 3], rule, activation: 'tanh', loss: 'mse', learningRate: 0.02, momentum: 0.5, weightDecay: 0.001, init: 'he', seed });
        expect(c.step).toBe(12);
        // the map the run's inputs went through ('standardize' over the seed's training part): the same for both rules of a seed
        expect(c.normalization!.scale).not.toBe(1);
        expect(c.normalization).toEqual(decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoints', `kp-seed${seed}.ckpt`)))).normalization);
        expect(c.tensors.map((t) => t.name)).toEqual(rule === 'kp'
          ? ['W1', 'W2', 'W3', 'b1', 'b2', 'b3', 'B2', 'B3', 'vW1', 'vW2', 'vW3', 'vb1', 'vb2', 'vb3', 'vB2', 'vB3']
          : ['W1', 'W2', 'W3', 'b1', 'b2', 'b3', 'vW1', 'vW2', 'vW3', 'vb1', 'vb2', 'vb3']);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('bench --epochs prints each epoch\'s seconds, their mean and the mean GPU time', () => {
  const r = run(['bench', '--configs', 'xor', '--matmul', '0', '--seconds', '0.05', '--epochs', '2']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // the device's limits that decide the step's launches (SwiftShader under Deno: ten storage buffers a stage)
  expect(r.stdout).toMatch(/^limits: storage buffers a stage 10, largest binding \d+ MiB, workgroups a dimension 65535, workgroup memory \d+ bytes, timestamp-query yes, subgroups (no|\? lanes|\d+–\d+ lanes)$/m);
  const m = /^XOR \(seed\) +4 +15000 +([\d.]+) ([\d.]+) +([\d.]+) +([\d.]+) +(\d+)$/m.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  const [first, second, mean, gpu, stepsPerSecond] = m!.slice(1).map(Number);
  expect(Math.abs(mean - 500 * (first + second))).toBeLessThan(0.2);
  // The epochs' GPU spans lie inside the run (SwiftShader under Deno has timestamps).
  expect(gpu).toBeGreaterThan(0);
  expect(gpu).toBeLessThan(mean);
  expect(Math.abs(stepsPerSecond - 15000 / (mean / 1000))).toBeLessThan(1);
});

it('compare runs TensorFlow.js beside ours under Deno', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-compare-'));
  const file = join(dir, 'compare.json');
  const r = run(['compare', '--configs', 'xor', '--only', 'steps', '--seconds', '0.05', '--json', file]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  expect(json.records[0]).toMatchObject({ kind: 'device', tfjs: { version: '4.22.0', backend: 'webgpu' } });
  const rows = json.records.filter((x: { kind: string }) => x.kind === 'compare');
  expect(rows.map((x: { rule: string }) => x.rule)).toEqual(['fa', 'bp']);
  for (const x of rows) {
    expect(x.ratio).toBeCloseTo(x.ours / x.tfjs, 9);
    expect(x.rounds).toBe(3);
    expect(x.ratioRange[0]).toBeLessThanOrEqual(x.ratioRange[1]);
  }
  expect(r.stdout).toMatch(/TensorFlow\.js 4\.22\.0 \(webgpu\)/);
  expect(r.stdout).toMatch(/^TensorFlow\.js's adapter: /m);
  expect(r.stdout).toMatch(/^XOR \(seed\) +4( +[\d.]+ +[\d.]+ +[\d.]+× \([\d.]+–[\d.]+\)){2}$/m);
});
