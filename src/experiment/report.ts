/**
 * Experiment results as files: JSON (everything), CSV (one row per run and epoch), an SVG
 * of the curves (d3-scale and d3-shape compute the scales and paths), and a text summary.
 */
import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import { meanStd, pairedBaseline, pairedDifferences, summarize, type ExperimentResult, type MeanStd } from './experiment.js';

/**
 * Everything, as JSON. Numbers JSON cannot hold are written as the strings "NaN", "Infinity"
 * and "-Infinity" (an angle undefined on the probe rows, a norm ratio against zeros), as the CSV
 * writes them; null stays for what does not apply (dfa's feedback angle below the top layer).
 */
export function toJson(result: ExperimentResult): string {
  return JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/**
 * rule, seed, epoch, learning rate, train loss, validation and test loss/accuracy, the alignment
 * per hidden layer, the epoch's wall-clock seconds and its steps' GPU seconds (empty where the
 * device has no timestamp queries), and whether the run diverged later (1: its epochs are left
 * out of the summary and the curves).
 */
export function toCsv(result: ExperimentResult): string {
  const hidden = result.config.sizes.length - 2;
  const angleCols = Array.from({ length: hidden }, (_, h) => [`signal_angle_${h + 1}`, `feedback_angle_${h + 1}`, `norm_ratio_${h + 1}`]).flat();
  const header = ['rule', 'seed', 'epoch', 'learning_rate', 'train_loss', 'validation_loss', 'validation_accuracy', 'test_loss', 'test_accuracy', ...angleCols, 'seconds', 'gpu_seconds', 'diverged'];
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const rows = result.runs.flatMap((run) => run.epochs.map((e) => [
    run.rule, String(run.seed), String(e.epoch), cell(e.learningRate), cell(e.trainLoss),
    cell(e.validation?.loss), cell(e.validation?.accuracy), cell(e.test?.loss), cell(e.test?.accuracy),
    ...Array.from({ length: hidden }, (_, h) => {
      const a = e.alignment?.[h];
      return [cell(a?.signalAngle), cell(a?.feedbackAngle), cell(a?.normRatio)];
    }).flat(),
    cell(e.seconds), cell(e.gpuSeconds), run.diverged ? '1' : '0',
  ].join(',')));
  return [header.join(','), ...rows].join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];

interface Panel {
  title: string;
  value: (e: ExperimentResult['runs'][number]['epochs'][number]) => number | undefined;
}

/**
 * Curves per rule, mean over the seeds whose runs finished with a ±1 std band (a run that
 * diverged is left out, as in the summary, and from a panel a run whose value is undefined at
 * some epoch, such as an angle on a signal of zeros: so that no curve jumps where runs drop
 * out; the panel's title says how many), one panel each for train loss, test accuracy (when
 * there is a test set) and the first hidden layer's signal angle.
 */
export function toSvg(result: ExperimentResult): string {
  const panels: Panel[] = [{ title: 'train loss', value: (e) => e.trainLoss }];
  if (result.runs.some((r) => r.epochs.some((e) => e.test))) panels.push({ title: 'test accuracy', value: (e) => e.test?.accuracy });
  if (result.runs.some((r) => r.epochs.some((e) => e.alignment?.length))) panels.push({ title: 'signal angle to BP, layer 1 (°)', value: (e) => e.alignment?.[0]?.signalAngle });
  const W = 320, H = 220, M = { top: 28, right: 12, bottom: 34, left: 52 };
  const epochs = result.config.epochs;
  const rules = result.config.rules;
  const out: string[] = [];
  const width = panels.length * W, height = H + 24 + 20 * Math.ceil(rules.length / 4);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  const finished = result.runs.filter((r) => !r.diverged);
  panels.forEach((panel, p) => {
    // Runs whose value is defined at every epoch.
    const whole = finished.filter((r) => r.epochs.every((e) => { const v = panel.value(e); return typeof v === 'number' && Number.isFinite(v); }));
    const series = rules.map((rule) => {
      const runs = whole.filter((r) => r.rule === rule);
      return Array.from({ length: epochs }, (_, i) => {
        const vals = runs.map((r) => r.epochs[i] && panel.value(r.epochs[i])).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        return vals.length ? { epoch: i + 1, ...meanStd(vals) } : null;
      }).filter((v): v is MeanStd & { epoch: number } => v !== null);
    });
    const all = series.flat();
    // (No point at all: every run diverged in its first epoch.)
    const lo = all.length ? Math.min(...all.map((d) => d.mean - d.std)) : 0, hi = all.length ? Math.max(...all.map((d) => d.mean + d.std)) : 1;
    const x = scaleLinear().domain([1, Math.max(2, epochs)]).range([M.left, W - M.right]);
    const y = scaleLinear().domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi]).nice().range([H - M.bottom, M.top]);
    out.push(`<g transform="translate(${p * W},0)">`);
    const partial = finished.length - whole.length;
    out.push(`<text x="${W / 2}" y="14" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`);
    // (on a line of its own: beside the title it would run past a 320-px panel)
    if (partial) out.push(`<text x="${W / 2}" y="25" text-anchor="middle" font-size="9" fill="#666">${partial} run${partial === 1 ? '' : 's'} undefined at some epoch, left out</text>`);
    for (const t of y.ticks(5)) out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${M.left - 4}" y="${y(t) + 4}" text-anchor="end">${y.tickFormat(5)(t)}</text>`);
    for (const t of x.ticks(Math.min(epochs, 8)).filter(Number.isInteger)) out.push(`<text x="${x(t)}" y="${H - M.bottom + 14}" text-anchor="middle">${t}</text>`);
    out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">epoch</text>`);
    out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`);
    series.forEach((s, r) => {
      const color = COLORS[r % COLORS.length];
      const band = area<MeanStd & { epoch: number }>().x((d) => x(d.epoch)).y0((d) => y(d.mean - d.std)).y1((d) => y(d.mean + d.std))(s);
      const path = line<MeanStd & { epoch: number }>().x((d) => x(d.epoch)).y((d) => y(d.mean))(s);
      if (band) out.push(`<path d="${band}" fill="${color}" fill-opacity="0.15"/>`);
      if (path) out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    });
    out.push('</g>');
  });
  rules.forEach((rule, r) => {
    const lx = 12 + (r % 4) * 90, ly = H + 16 + 20 * Math.floor(r / 4);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="4" fill="${COLORS[r % COLORS.length]}"/><text x="${lx + 18}" y="${ly - 4}">${rule}</text>`);
  });
  const c = result.config;
  const diverged = result.runs.filter((r) => r.diverged).length;
  // Runs per rule as they are in the file (fewer than the seeds while an experiment runs, or after one failed).
  const perRule = rules.map((rule) => result.runs.filter((r) => r.rule === rule).length);
  const [fewest, most] = [Math.min(...perRule), Math.max(...perRule)];
  const seeds = fewest === c.seeds.length && most === c.seeds.length
    ? `${c.seeds.length} seed${c.seeds.length === 1 ? '' : 's'}`
    : `${fewest === most ? fewest : `${fewest}–${most}`} of ${c.seeds.length} seeds run`;
  const runs = `${seeds}, mean ± std${diverged ? ` of the finished runs (${diverged} diverged, left out)` : ''}`;
  out.push(`<text x="${width - 8}" y="${height - 6}" text-anchor="end" fill="#666">${escapeXml(`${c.data}, [${c.sizes}], ${runs}; ${result.adapter}, ${result.date.slice(0, 10)}`)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** mean ± std; the mean alone from one value (no spread to give), with its count where fewer than `runs` values went in. */
const pm = (m: MeanStd | null, digits: number, scale = 1, runs = m?.n) => {
  if (!m) return '—';
  const mean = (m.mean * scale).toFixed(digits);
  return `${m.n > 1 ? `${mean} ± ${(m.std * scale).toFixed(digits)}` : mean}${m.n < (runs ?? m.n) ? ` (n = ${m.n})` : ''}`;
};

/**
 * A text table: per rule, final test accuracy, test and train loss, signal angles, mean ± sample
 * std over the seeds whose runs finished (diverged ones counted beside; one run: its value).
 */
export function formatSummary(result: ExperimentResult): string {
  const rows = summarize(result);
  const hidden = Math.max(0, ...rows.map((r) => r.signalAngles.length));
  // The validation accuracy, where the runs held out a split: what settings are chosen on.
  const validation = rows.some((r) => r.validationAccuracy);
  const header = ['rule', 'seeds', ...(validation ? ['validation accuracy %'] : []), 'test accuracy %', 'test loss', 'train loss', ...Array.from({ length: hidden }, (_, h) => `angle ${h + 1} (°)`)];
  const body = rows.map((r) => [r.rule, `${r.runs}${r.diverged ? ` (+${r.diverged} diverged)` : ''}`, ...(validation ? [pm(r.validationAccuracy, 2, 100)] : []),
    pm(r.testAccuracy, 2, 100), pm(r.testLoss, 4), pm(r.trainLoss, 4), ...Array.from({ length: hidden }, (_, h) => pm(r.signalAngles[h] ?? null, 1, 1, r.runs))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  // Against the baseline, seed by seed: what a comparison of rules needs (one run says little).
  const differences = pairedDifferences(result);
  const paired = differences.map((d) => `${d.rule} − ${d.baseline}: ${(100 * d.mean).toFixed(2)} points of test accuracy${
    d.ci ? ` (95% CI ${(100 * d.ci[0]).toFixed(2)} to ${(100 * d.ci[1]).toFixed(2)}, paired over ${d.n} seeds)` : ` (1 seed: no interval)`}`);
  // A rule with no pair (its runs or the baseline's all diverged) is said, not left out; a rule
  // or baseline not run yet (a file written while the experiment goes on) has nothing to say.
  const baseline = pairedBaseline(result);
  const ran = (rule: string) => result.runs.some((r) => r.rule === rule);
  const hasTest = result.rows ? result.rows.test !== null : result.runs.some((r) => r.epochs.some((e) => e.test));
  if (baseline && hasTest) {
    for (const rule of result.config.rules) {
      if (rule !== baseline && ran(rule) && ran(baseline) && !differences.some((d) => d.rule === rule)) paired.push(`${rule} − ${baseline}: no seed where both runs finished`);
    }
  } else if (baseline) {
    paired.push(`no comparison with ${baseline}: the runs had no test set to compare them on`);
  }
  return [
    fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt),
    '(mean ± sample standard deviation over the finished runs of each rule, at the last epoch)',
    ...(paired.length ? ['', ...paired] : []),
  ].join('\n');
}
