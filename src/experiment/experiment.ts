/**
 * Experiments: every rule × seed on the same data, each run from the seed's forward weights
 * (all rules of one seed start from the same W), per-epoch train loss, held-out loss and
 * accuracy and alignment metrics, and a summary of mean ± std per rule.
 */
import type { Dataset } from '../data/dataset.js';
import { validationRows, type Normalization } from '../data/prepare.js';
import { FaWebGpuError, invalid } from '../errors.js';
import { checkKeys, describe } from '../validate.js';
import { checkFitOptions, checkNetworkOptions, createNetwork, type EpochResult, type FitOptions, type Network, type NetworkOptions, type Schedule } from '../network.js';
import type { Activation, InitScale, Loss, Rule } from '../model/options.js';

export interface ExperimentConfig {
  /** A name for the data, recorded in the results. */
  data: string;
  sizes: number[];
  rules: Rule[];
  seeds: number[];
  epochs: number;
  batchSize: number;
  activation?: Activation;
  loss?: Loss;
  learningRate?: number;
  momentum?: number;
  weightDecay?: number;
  init?: InitScale;
  schedule?: Schedule;
  normalization?: Normalization;
  validationSplit?: number;
  /** Training rows on which alignment is measured after every epoch (default 256; 0: none). */
  alignmentRows?: number;
  evalBatchSize?: number;
}

export interface RunResult {
  rule: Rule;
  seed: number;
  /** Every epoch run; for a run that diverged, those before the one that did. */
  epochs: EpochResult[];
  seconds: number;
  /** The 'diverged' error's message, for a run whose loss became non-finite (left out of the summary's statistics). */
  diverged?: string;
}

/** Every option as the runs took it, the library's defaults filled in (runExperiment records it). */
export interface ExperimentSettings {
  network: { activation: Activation; loss: Loss; learningRate: number; momentum: number; weightDecay: number; init: InitScale };
  fit: { epochs: number; batchSize: number; normalization: Normalization; schedule: Schedule; evalBatchSize: number; alignmentRows: number; shuffle: boolean; validationSplit: number };
}

export interface ExperimentResult {
  config: ExperimentConfig;
  adapter: string;
  /** ISO date the results were written (the end of the last run so far). */
  date: string;
  /** ISO date the experiment started. */
  started?: string;
  /** The options as the runs took them, defaults included. */
  settings?: ExperimentSettings;
  /** Rows the runs trained on, held out for validation, and were tested on (null: no test set). */
  rows?: { train: number; validation: number; test: number | null };
  /** What the caller recorded beside (the command line: its command, version, runtime, data folder). */
  context?: Record<string, unknown>;
  runs: RunResult[];
}

export interface MeanStd {
  mean: number;
  std: number;
  n: number;
}

export interface RuleSummary {
  rule: Rule;
  /** Runs that finished (the statistics are theirs). */
  runs: number;
  /** Runs whose loss became non-finite. */
  diverged: number;
  /** Final epoch. */
  trainLoss: MeanStd | null;
  testAccuracy: MeanStd | null;
  testLoss: MeanStd | null;
  /** Final validation accuracy, where the runs held out a validation split. */
  validationAccuracy: MeanStd | null;
  /**
   * Final signal angle of each hidden layer, degrees, over the finished runs where it is defined
   * (an angle is NaN when a signal is all zeros on the probe rows: its n says how many count);
   * null for a layer without one. Empty when alignment was off.
   */
  signalAngles: (MeanStd | null)[];
}

/** Mean and sample standard deviation (n − 1; 0 for one value, where the spread is unknown: callers show n). */
export function meanStd(values: number[]): MeanStd {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

export interface ExperimentHooks {
  device?: GPUDevice;
  /** After every epoch of every run. */
  onEpoch?: (run: { rule: Rule; seed: number; index: number; total: number }, epoch: EpochResult) => void;
  /** Recorded in the result as it is (ExperimentResult.context), for whoever reads the files. */
  context?: Record<string, unknown>;
  /** After every run, with the runs done so far (a caller can save them: a later run may fail). */
  onRun?: (sofar: ExperimentResult) => void | Promise<void>;
  /**
   * After each run that finished (not one that diverged), before its network is destroyed: the
   * trained network, e.g. to save its checkpoint. Awaited; what it throws stops the experiment.
   */
  onTrained?: (run: RunResult, net: Network) => void | Promise<void>;
}

/** One run's network options (its device aside). */
function networkOptions(config: ExperimentConfig, rule: Rule, seed: number): NetworkOptions {
  return {
    sizes: config.sizes, rule, seed,
    activation: config.activation, loss: config.loss, learningRate: config.learningRate,
    momentum: config.momentum, weightDecay: config.weightDecay, init: config.init,
  };
}

/** One run's fit options (its onEpoch aside). */
function fitOptions(config: ExperimentConfig, train: Dataset, test: Dataset | undefined): FitOptions {
  return {
    epochs: config.epochs, batchSize: config.batchSize, test, validationSplit: config.validationSplit,
    normalization: config.normalization, schedule: config.schedule, evalBatchSize: config.evalBatchSize,
    // At most the rows left for training after the validation split (splitValidation's count).
    alignmentRows: Math.min(config.alignmentRows ?? 256, train.labels.length - validationRows(train.labels.length, config.validationSplit)),
  };
}

const EXPERIMENT_CONFIG = ['data', 'sizes', 'rules', 'seeds', 'epochs', 'batchSize', 'activation', 'loss', 'learningRate', 'momentum', 'weightDecay', 'init', 'schedule', 'normalization', 'validationSplit', 'alignmentRows', 'evalBatchSize'] as const satisfies readonly (keyof ExperimentConfig)[];

/**
 * Checks an experiment's configuration and data as its runs will use them, every rule and
 * seed's network and fit options included, without a GPU: an experiment that would fail at
 * its first run (or its last) fails here instead, before anything is trained or written.
 * Returns the options as the runs will take them (defaults included) and the rows they use.
 */
export function checkExperiment(train: Dataset, test: Dataset | undefined, config: ExperimentConfig): Required<Pick<ExperimentResult, 'settings' | 'rows'>> {
  if (typeof config !== 'object' || config === null) throw invalid(`config: expected an object, got ${describe(config)}`);
  // A misspelt learningRate would leave every run at the library's default rate.
  checkKeys('config', config, EXPERIMENT_CONFIG);
  if (!Array.isArray(config.rules) || config.rules.length === 0) throw invalid('rules: expected at least one rule');
  if (!Array.isArray(config.seeds) || config.seeds.length === 0) throw invalid('seeds: expected at least one seed');
  // A repeated rule or seed would repeat a deterministic run and count it as another sample.
  const repeated = (list: readonly unknown[]) => list.find((v, i) => list.indexOf(v) !== i);
  for (const [name, list] of [['rules', config.rules], ['seeds', config.seeds]] as const) {
    const again = repeated(list);
    if (again !== undefined) throw invalid(`${name}: ${JSON.stringify(again)} is listed twice; each ${name === 'rules' ? 'rule' : 'seed'} runs once`);
  }
  const runs = config.seeds.flatMap((seed) => config.rules.map((rule) => checkNetworkOptions(networkOptions(config, rule, seed))));
  const first = runs[0];
  // The fit options are every run's but the seed's, which picks the validation rows and not
  // their count: one check (and one copy of the split), with the first run's, does for all.
  const fit = checkFitOptions({ sizes: first.sizes, seed: first.seed, learningRate: first.optimizer.learningRate }, train, fitOptions(config, train, test));
  return {
    settings: {
      network: { activation: first.activation, loss: first.loss, ...first.optimizer, init: first.init },
      fit: {
        epochs: fit.epochs, batchSize: fit.batchSize, normalization: fit.normalization, schedule: fit.schedule, evalBatchSize: fit.evalBatchSize,
        alignmentRows: fit.alignmentRows, shuffle: fit.shuffle, validationSplit: config.validationSplit ?? 0,
      },
    },
    rows: { train: fit.train.labels.length, validation: fit.validation?.labels.length ?? 0, test: test ? test.labels.length : null },
  };
}

/** Runs every rule × seed in turn on one device (the configuration checked first, by checkExperiment). */
export async function runExperiment(train: Dataset, test: Dataset | undefined, config: ExperimentConfig, hooks: ExperimentHooks = {}): Promise<ExperimentResult> {
  const { settings, rows } = checkExperiment(train, test, config);
  const started = new Date().toISOString();
  const about = { started, settings, rows, ...(hooks.context ? { context: hooks.context } : {}) };
  const runs: RunResult[] = [];
  let adapter = 'unknown adapter';
  const total = config.rules.length * config.seeds.length;
  for (const seed of config.seeds) {
    for (const rule of config.rules) {
      const net = await createNetwork({ ...networkOptions(config, rule, seed), device: hooks.device });
      adapter = net.adapter;
      const started = performance.now();
      // A run that diverges is recorded with its finished epochs, and the experiment goes on.
      const done: EpochResult[] = [];
      try {
        const index = runs.length;
        let run: RunResult;
        try {
          const { epochs } = await net.fit(train, {
            ...fitOptions(config, train, test),
            onEpoch: (e) => {
              done.push(e);
              hooks.onEpoch?.({ rule, seed, index, total }, e);
            },
          });
          run = { rule, seed, epochs, seconds: (performance.now() - started) / 1000 };
        } catch (e) {
          if (!(e instanceof FaWebGpuError && e.code === 'diverged')) throw e;
          run = { rule, seed, epochs: done, seconds: (performance.now() - started) / 1000, diverged: e.message };
        }
        if (!run.diverged) await hooks.onTrained?.(run, net);
        runs.push(run);
      } finally {
        net.destroy();
      }
      await hooks.onRun?.({ config, adapter, date: new Date().toISOString(), ...about, runs: [...runs] });
    }
  }
  return { config, adapter, date: new Date().toISOString(), ...about, runs };
}

/** Two-sided 95% critical values of Student's t for 1 … 30 degrees of freedom. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
  2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];

/** t such that P(|T| ≤ t) = 0.95 for `df` degrees of freedom (table to 30, then the Cornish-Fisher expansion, within 0.001). */
export function t95(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw invalid(`t95: expected an integer number of degrees of freedom >= 1, got ${df}`);
  if (df <= T95.length) return T95[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/**
 * A rule's final test accuracy against a baseline rule's, paired by seed (every rule of a seed
 * starts from the same forward weights, so the seed's own luck cancels): over the seeds where
 * both runs finished, the mean difference (rule − baseline), its sample std and a 95% t-interval.
 */
export interface PairedDifference {
  rule: Rule;
  baseline: Rule;
  /** Seeds where both runs finished with a test set. */
  n: number;
  mean: number;
  std: number;
  /** 95% confidence interval of the mean difference; null with fewer than 2 pairs. */
  ci: [number, number] | null;
}

/** The rule the others are compared with: bp when it ran, else the first rule (undefined with one rule). */
export function pairedBaseline(result: ExperimentResult): Rule | undefined {
  const rules = result.config.rules;
  if (rules.length < 2) return undefined;
  return rules.includes('bp') ? 'bp' : rules[0];
}

/**
 * Each rule's paired difference from `baseline` (default 'bp' when it ran, else the first rule)
 * in final test accuracy; none without a test set or a baseline among the rules.
 */
export function pairedDifferences(result: ExperimentResult, baseline?: Rule): PairedDifference[] {
  const rules = result.config.rules;
  const base = baseline ?? pairedBaseline(result);
  if (base === undefined || !rules.includes(base)) return [];
  const finalAccuracy = (rule: Rule, seed: number) => {
    const run = result.runs.find((r) => r.rule === rule && r.seed === seed && !r.diverged);
    return run?.epochs[run.epochs.length - 1]?.test?.accuracy;
  };
  return rules.filter((r) => r !== base).flatMap((rule) => {
    const diffs = result.config.seeds.flatMap((seed) => {
      const [a, b] = [finalAccuracy(rule, seed), finalAccuracy(base, seed)];
      return a === undefined || b === undefined ? [] : [a - b];
    });
    if (diffs.length === 0) return [];
    const { mean, std, n } = meanStd(diffs);
    const half = n > 1 ? (t95(n - 1) * std) / Math.sqrt(n) : null;
    return [{ rule, baseline: base, n, mean, std, ci: half === null ? null : [mean - half, mean + half] as [number, number] }];
  });
}

/** Per rule, mean ± std over seeds of the final epoch's figures. */
export function summarize(result: ExperimentResult): RuleSummary[] {
  return result.config.rules.map((rule) => {
    const mine = result.runs.filter((r) => r.rule === rule);
    const finals = mine.filter((r) => !r.diverged).map((r) => r.epochs[r.epochs.length - 1]);
    const aligned = finals.some((e) => e.alignment?.length);
    const hidden = aligned ? result.config.sizes.length - 2 : 0;
    const some = finals.length > 0;
    const angles = (h: number) => finals.map((e) => e.alignment?.[h]?.signalAngle).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return {
      rule,
      runs: finals.length,
      diverged: mine.length - finals.length,
      trainLoss: some ? meanStd(finals.map((e) => e.trainLoss)) : null,
      testAccuracy: some && finals.every((e) => e.test) ? meanStd(finals.map((e) => e.test!.accuracy)) : null,
      testLoss: some && finals.every((e) => e.test) ? meanStd(finals.map((e) => e.test!.loss)) : null,
      validationAccuracy: some && finals.every((e) => e.validation) ? meanStd(finals.map((e) => e.validation!.accuracy)) : null,
      signalAngles: Array.from({ length: hidden }, (_, h) => (angles(h).length ? meanStd(angles(h)) : null)),
    };
  });
}
