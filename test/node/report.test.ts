/**
 * The experiment's statistics and reports on results made by hand: diverged runs out of the
 * statistics, the curves and the summary alike; undefined angles counted out; one run shown
 * as its value; repeated rules or seeds refused.
 */
import { describe, expect, it } from 'vitest';
import { pairedDifferences, runExperiment, summarize, t95, type ExperimentResult, type RunResult } from '../../src/experiment/experiment.js';
import { formatSummary, toCsv, toJson, toSvg } from '../../src/experiment/report.js';
import type { EpochResult } from '../../src/network.js';
import type { Rule } from '../../src/model/options.js';

/** An epoch with a test accuracy and one hidden layer's signal angle. */
function epoch(i: number, accuracy: number, angle: number): EpochResult {
  return {
    epoch: i, learningRate: 0.1, trainLoss: 1 - accuracy, test: { loss: 1 - accuracy, accuracy },
    alignment: [{ signalAngle: angle, feedbackAngle: 45, normRatio: 1 }], seconds: 0.5, gpuSeconds: 0.25,
  } as EpochResult;
}

function run(rule: Rule, seed: number, accuracies: number[], angle = 40, diverged?: string): RunResult {
  return { rule, seed, epochs: accuracies.map((a, i) => epoch(i + 1, a, angle)), seconds: 1, ...(diverged ? { diverged } : {}) };
}

function result(runs: RunResult[], rules: Rule[] = ['fa', 'bp'], seeds = [1, 2, 3]): ExperimentResult {
  return {
    config: { data: 'blobs', sizes: [2, 8, 3], rules, seeds, epochs: 2, batchSize: 10 },
    adapter: 'test adapter', date: '2026-11-27T00:00:00.000Z', runs,
  };
}

describe('experiment reports', () => {
  it('leave a diverged run out of the curves as out of the summary, and say so', () => {
    const finished = [run('fa', 1, [0.8, 0.9]), run('fa', 2, [0.82, 0.92]), run('bp', 1, [0.85, 0.95]), run('bp', 2, [0.86, 0.96])];
    const bad = run('fa', 3, [0.1], 40, 'fit: the loss became NaN at epoch 2, step 3 of 12; …');
    const withBad = result([...finished, bad]);
    const without = result(finished);
    const lines = (svg: string) => svg.split('\n');
    // every line but the caption is the same with and without the diverged run
    const a = lines(toSvg(withBad)), b = lines(toSvg(without));
    expect(a.length).toBe(b.length);
    const differ = a.map((_, i) => i).filter((i) => a[i] !== b[i]);
    expect(differ).toHaveLength(1);
    // (bp ran 2 of the 3 seeds here, fa 3: the caption counts the runs in the file, not the seeds planned)
    expect(a[differ[0]]).toMatch(/blobs, \[2,8,3\], 2–3 of 3 seeds run, mean ± std of the finished runs \(1 diverged, left out\)/);
    expect(b[differ[0]]).toMatch(/blobs, \[2,8,3\], 2 of 3 seeds run, mean ± std;/);
    const summary = summarize(withBad);
    expect(summary[0]).toMatchObject({ rule: 'fa', runs: 2, diverged: 1 });
    expect(summary[0].testAccuracy!.mean).toBeCloseTo(0.91, 12);
    // the CSV keeps every epoch run, and marks the diverged run's
    const csv = toCsv(withBad).trim().split('\n');
    expect(csv[0].split(',').at(-1)).toBe('diverged');
    expect(csv.slice(1).map((r) => r.split(',').at(-1))).toEqual(['0', '0', '0', '0', '0', '0', '0', '0', '1']);
  });

  it('give the angle columns even when the first rule has no finished run, and count undefined angles out', () => {
    const r = result([
      run('fa', 1, [0.1], 40, 'fit: the loss became NaN at epoch 2, step 3 of 12; …'),
      run('bp', 1, [0.8, 0.9], 10), run('bp', 2, [0.8, 0.9], NaN),
    ], ['fa', 'bp'], [1, 2]);
    const summary = summarize(r);
    expect(summary[0].signalAngles).toEqual([]);
    expect(summary[1].signalAngles).toEqual([{ mean: 10, std: 0, n: 1 }]);
    const text = formatSummary(r).split('\n');
    expect(text[0]).toMatch(/^rule +seeds +test accuracy % +test loss +train loss +angle 1 \(°\)$/);
    expect(text[2]).toMatch(/^fa +0 \(\+1 diverged\) +— +— +— +—$/);
    // two runs: mean ± std; the angle from the one run where it is defined: its value and n
    expect(text[3]).toMatch(/^bp +2 +90\.00 ± 0\.00 +0\.1000 ± 0\.0000 +0\.1000 ± 0\.0000 +10\.0 \(n = 1\)$/);
    expect(text[4]).toMatch(/mean ± sample standard deviation/);
    // fa's only run diverged: no seed to pair with bp, and the summary says so
    expect(text.slice(5)).toEqual(['', 'fa − bp: no seed where both runs finished']);
  });

  it('write NaN and infinities into the JSON as the CSV does, not as null', () => {
    const r = result([{ ...run('fa', 1, [0.8]), epochs: [{ ...epoch(1, 0.8, NaN), alignment: [{ signalAngle: NaN, feedbackAngle: null, normRatio: Infinity }] } as EpochResult] }], ['fa'], [1]);
    const json = JSON.parse(toJson(r));
    expect(json.runs[0].epochs[0].alignment[0]).toEqual({ signalAngle: 'NaN', feedbackAngle: null, normRatio: 'Infinity' });
    const [header, row] = toCsv(r).trim().split('\n').map((l) => l.split(','));
    expect([row[header.indexOf('signal_angle_1')], row[header.indexOf('feedback_angle_1')], row[header.indexOf('norm_ratio_1')]]).toEqual(['NaN', '', 'Infinity']);
  });

  it('leave out of a panel a run whose value is undefined at some epoch, and say how many', () => {
    const steady = [run('fa', 1, [0.8, 0.9], 30), run('fa', 2, [0.8, 0.9], 50)];
    const gap = { ...run('fa', 3, [0.8, 0.9], 70), epochs: [epoch(1, 0.8, 70), epoch(2, 0.9, NaN)] };
    const svg = toSvg(result([...steady, gap], ['fa'], [1, 2, 3]));
    expect(svg).toMatch(/>signal angle to BP, layer 1 \(°\)<\/text>\n<text [^>]*>1 run undefined at some epoch, left out<\/text>/);
    // the angle curve is the mean of the two steady runs at both epochs (40°), not 50° then 40°
    const two = toSvg(result(steady, ['fa'], [1, 2]));
    const paths = (s: string) => [...s.matchAll(/<path d="([^"]+)" fill="none"/g)].map((m) => m[1]);
    expect(paths(svg).at(-1)).toBe(paths(two).at(-1));
    // the accuracy and loss panels keep the third run: it is defined there
    expect(svg.match(/undefined at some epoch, left out</g)).toHaveLength(1);
  });

  it('show the validation accuracy where the runs held out a split, and a rule with no pair', () => {
    const withValidation = (r: RunResult, accuracy: number): RunResult => ({ ...r, epochs: r.epochs.map((e) => ({ ...e, validation: { loss: 1 - accuracy, accuracy } })) });
    const r = result([withValidation(run('bp', 1, [0.9]), 0.8), withValidation(run('fa', 1, [0.1], 40, 'fit: the loss became NaN …'), 0.5)], ['fa', 'bp'], [1]);
    const text = formatSummary(r).split('\n');
    expect(text[0]).toMatch(/^rule +seeds +validation accuracy % +test accuracy % +test loss/);
    expect(text[3]).toMatch(/^bp +1 +80\.00 +90\.00 /);
    expect(text.at(-1)).toBe('fa − bp: no seed where both runs finished');
    expect(summarize(r)[1].validationAccuracy).toEqual({ mean: 0.8, std: 0, n: 1 });
    // without a test set there is nothing to pair on, and the summary says so
    const untested = result([run('bp', 1, [0.9]), run('fa', 1, [0.8])].map((x) => ({ ...x, epochs: x.epochs.map((e) => ({ ...e, test: undefined })) })), ['fa', 'bp'], [1]);
    expect(formatSummary(untested).split('\n').at(-1)).toBe('no comparison with bp: the runs had no test set to compare them on');
    // a file written while the experiment runs: bp has not run yet, so nothing is said of the pair
    expect(formatSummary(result([run('fa', 1, [0.8])], ['fa', 'bp'], [1]))).not.toMatch(/fa − bp/);
    // every run diverged in its first epoch, but there was a test set: not "no test set"
    const early = { ...result([run('fa', 1, [], 40, 'diverged'), run('bp', 1, [], 40, 'diverged')], ['fa', 'bp'], [1]), rows: { train: 10, validation: 0, test: 5 } };
    expect(formatSummary(early).split('\n').at(-1)).toBe('fa − bp: no seed where both runs finished');
  });

  it('show one run as its value, with no spread', () => {
    const text = formatSummary(result([run('fa', 1, [0.5, 0.7], 30)], ['fa'], [1]));
    expect(text).toMatch(/^fa +1 +70\.00 +0\.3000 +0\.3000 +30\.0$/m);
  });

  it('compare each rule with the baseline seed by seed: mean difference and a 95% t-interval', () => {
    // bp 90, 92, 91%; fa 88, 89, 90%: differences −2, −3, −1 points, sd 1, t(2) = 4.303
    const r = result([
      run('bp', 1, [0.9]), run('fa', 1, [0.88]), run('bp', 2, [0.92]), run('fa', 2, [0.89]), run('bp', 3, [0.91]), run('fa', 3, [0.9]),
    ], ['fa', 'bp'], [1, 2, 3]);
    const [d] = pairedDifferences(r);
    expect(d).toMatchObject({ rule: 'fa', baseline: 'bp', n: 3 });
    expect(d.mean).toBeCloseTo(-0.02, 12);
    expect(d.std).toBeCloseTo(0.01, 12);
    const half = (4.303 * 0.01) / Math.sqrt(3);
    expect(d.ci![0]).toBeCloseTo(-0.02 - half, 12);
    expect(d.ci![1]).toBeCloseTo(-0.02 + half, 12);
    expect(formatSummary(r)).toMatch(/^fa − bp: -2\.00 points of test accuracy \(95% CI -4\.48 to 0\.48, paired over 3 seeds\)$/m);
    // a diverged run drops its seed's pair; one pair left has no interval
    const one = result([run('bp', 1, [0.9]), run('fa', 1, [0.88]), run('bp', 2, [0.92]), run('fa', 2, [0.1], 40, 'fit: the loss became NaN …')], ['fa', 'bp'], [1, 2]);
    expect(pairedDifferences(one)).toEqual([{ rule: 'fa', baseline: 'bp', n: 1, mean: expect.closeTo(-0.02, 12), std: 0, ci: null }]);
    expect(formatSummary(one)).toMatch(/^fa − bp: -2\.00 points of test accuracy \(1 seed: no interval\)$/m);
    // without bp, the first rule is the baseline
    expect(pairedDifferences(result([run('fa', 1, [0.5]), run('dfa', 1, [0.6])], ['fa', 'dfa'], [1]))[0]).toMatchObject({ rule: 'dfa', baseline: 'fa' });
  });

  it('t95: the table, then the Cornish-Fisher expansion within 0.001 of the true quantiles', () => {
    expect(t95(1)).toBe(12.706);
    expect(t95(30)).toBe(2.042);
    // t(0.975) for 40, 60 and 120 degrees of freedom: 2.021, 2.000, 1.980 (standard tables)
    for (const [df, t] of [[40, 2.0211], [60, 2.0003], [120, 1.9799], [999, 1.9623]]) expect(Math.abs(t95(df) - t)).toBeLessThan(0.001);
    expect(() => t95(0)).toThrow(/degrees of freedom/);
  });

  it('refuse a rule or seed listed twice before any training', async () => {
    const data = { x: new Float32Array(4), labels: Int32Array.of(0, 1), features: 2, classes: 2 };
    const config = { data: 'x', sizes: [2, 4, 2], epochs: 1, batchSize: 2 };
    await expect(runExperiment(data, undefined, { ...config, rules: ['fa', 'fa'], seeds: [1] })).rejects.toThrow(/rules: "fa" is listed twice; each rule runs once/);
    await expect(runExperiment(data, undefined, { ...config, rules: ['fa'], seeds: [1, 2, 1] })).rejects.toThrow(/seeds: 1 is listed twice; each seed runs once/);
  });
});
