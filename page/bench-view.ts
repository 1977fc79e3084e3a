/**
 * The page's benchmark: bench/compare.ts (what `npm run bench` and `fa-webgpu compare` print) on
 * this browser's GPU: our FA and BP training steps against the same steps written with
 * TensorFlow.js 4.22's webgpu backend, the per-kernel times of our step, and every matmul
 * variant beside tf.matMul, and on request epochs of our fit (the issue's epoch figure).
 * TensorFlow.js and the comparison load on first use. DOM code only:
 * the measuring is the benchmark's own.
 */
import { COMPARE_PARTS, STEP_CONFIGS, type BenchRecord } from '../bench/bench.js';
import { isCpuAdapter } from '../src/index.js';

type Part = (typeof COMPARE_PARTS)[number];

const PART_LABELS: Record<Part, string> = {
  steps: 'training steps/s, ours and TensorFlow.js',
  profile: 'our FA step, kernel by kernel',
  matmul: 'matmul sweep beside tf.matMul',
  epochs: 'epochs of 60,000 samples through our fit',
};

/** Networks and parts ticked at first: the steps of the three smaller networks; the rest on request. */
const FIRST_CONFIGS = ['xor', '784-256-10', '784-1000-10'];
const FIRST_PARTS: Part[] = ['steps'];

/** Thrown from the log to end a run once the figure in hand is printed. */
class Stopped extends Error {}

export interface BenchView {
  form: HTMLFormElement;
  button: HTMLButtonElement;
  status: HTMLElement;
  output: HTMLElement;
  /** A link to the run's figures as JSON (the records `--json` writes), shown once a run has some. */
  download: HTMLAnchorElement;
  device: () => GPUDevice;
  /** The page's queue of GPU work: the benchmark runs alone in it. */
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Pauses the page's training, which would share the GPU with the figures. */
  pause: () => void;
}

function checkbox(name: string, value: string, text: string, checked: boolean): HTMLLabelElement {
  const label = document.createElement('label');
  label.className = 'check';
  const input = document.createElement('input');
  Object.assign(input, { type: 'checkbox', name, value, checked });
  label.append(input, ` ${text}`);
  return label;
}

export function wireBench(v: BenchView): void {
  const [configs, parts] = v.form.querySelectorAll('fieldset');
  for (const c of STEP_CONFIGS) configs.append(checkbox('config', c.id, `${c.name}, batch ${c.batch}`, FIRST_CONFIGS.includes(c.id)));
  for (const p of COMPARE_PARTS) parts.append(checkbox('part', p, PART_LABELS[p], FIRST_PARTS.includes(p)));
  v.form.addEventListener('submit', (e) => e.preventDefault());

  let busy = false;
  let stopping = false;
  v.button.addEventListener('click', async () => {
    if (busy) {
      stopping = true;
      v.button.disabled = true;
      v.status.textContent = 'Stopping once the figure in hand is done…';
      return;
    }
    const f = new FormData(v.form);
    const chosenConfigs = f.getAll('config').map(String);
    const chosenParts = f.getAll('part').map(String) as Part[];
    const seconds = Number(f.get('seconds'));
    if (chosenConfigs.length === 0 || chosenParts.length === 0) {
      v.status.textContent = 'Pick at least one network and one part.';
      return;
    }
    if (!(seconds >= 0.05 && seconds <= 60)) {
      v.status.textContent = `Seconds per figure: expected a number from 0.05 to 60, got ${f.get('seconds')}.`;
      return;
    }
    v.pause();
    busy = true;
    stopping = false;
    v.button.textContent = 'Stop';
    v.output.textContent = '';
    const records: BenchRecord[] = [];
    v.download.hidden = true;
    try {
      await v.serial(async () => {
        v.status.textContent = 'Loading TensorFlow.js…';
        const { runCompare, setupTfjs } = await import('../bench/compare.js');
        await setupTfjs();
        // On a CPU adapter (SwiftShader) TensorFlow.js runs 784-1000-10 at ~1.6 steps/s, 784-1024×3-10 at ~0.2.
        // Our epochs there: XOR's ~5 s, 784-1000-10's ~50 s, 784-1024×3-10's ~4 min.
        const cpu = isCpuAdapter(v.device());
        const slow = cpu && chosenParts.includes('epochs') ? ' This adapter is a CPU: an epoch takes seconds (XOR) to minutes (the larger networks).'
          : cpu && chosenConfigs.some((c) => c !== 'xor') ? ' This adapter is a CPU: a figure of a larger network takes seconds to tens of seconds.' : '';
        v.status.textContent = `Running: about ${seconds} s a figure after each one's warm-up (TensorFlow.js compiles its kernels first).${slow}`;
        await runCompare(v.device(), { configs: chosenConfigs, parts: chosenParts, seconds }, (line) => {
          v.output.textContent += `${line}\n`;
          if (stopping) throw new Stopped();
        }, (r) => { records.push(r); });
      });
      v.status.textContent = 'Done: the tables npm run bench prints; BENCHMARKS.md in the repository holds ours, with their adapters.';
    } catch (e) {
      v.status.textContent = e instanceof Stopped ? 'Stopped.' : `The benchmark failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      // What was measured, done or stopped, as `fa-webgpu compare --json` writes it.
      if (records.some((r) => r.kind !== 'device')) {
        if (v.download.href.startsWith('blob:')) URL.revokeObjectURL(v.download.href);
        const json = JSON.stringify({ page: location.href, userAgent: navigator.userAgent, configs: chosenConfigs, parts: chosenParts, seconds, records }, null, 2);
        v.download.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
        v.download.hidden = false;
      }
      busy = false;
      v.button.textContent = 'Run the benchmark';
      v.button.disabled = false;
    }
  });
  v.button.disabled = false;
}
