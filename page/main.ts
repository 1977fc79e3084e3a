/**
 * The first page: trains XOR visibly with the library. DOM code lives here and only here;
 * every GPU operation is a library call.
 */
import { acquireDevice, createNetwork, describeAdapter, FaWebGpuError, softmaxRows, xorDataset, type Rule } from '../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const trainButton = $<HTMLButtonElement>('train');
const log = $<HTMLPreElement>('log');
const progress = $<HTMLProgressElement>('progress');
const summary = $<HTMLParagraphElement>('summary');
const table = $<HTMLTableElement>('predictions');

let device: GPUDevice | undefined;

async function start(): Promise<void> {
  try {
    device = await acquireDevice();
  } catch (e) {
    $('adapter').textContent = 'WebGPU is not available.';
    $('no-webgpu-reason').textContent = e instanceof Error ? e.message : String(e);
    $('no-webgpu').hidden = false;
    return;
  }
  $('adapter').textContent = `GPU: ${describeAdapter(device)}`;
  trainButton.disabled = false;
}

async function train(): Promise<void> {
  if (!device) return;
  const data = new FormData(form);
  const rule = data.get('rule') as Rule;
  const seed = Number(data.get('seed'));
  const learningRate = Number(data.get('lr'));
  const steps = Number(data.get('steps'));
  trainButton.disabled = true;
  log.textContent = '';
  summary.textContent = '';
  table.hidden = true;
  progress.value = 0;
  let net;
  try {
    net = await createNetwork({ sizes: [2, 8, 2], rule, seed, learningRate, device });
    const { x, labels } = xorDataset();
    const started = performance.now();
    await net.train(x, labels, {
      steps,
      lossEvery: Math.max(1, Math.round(steps / 5)),
      onProgress: ({ step, loss }) => {
        log.textContent += `step ${String(step).padStart(String(steps).length)}  loss ${loss.toFixed(4)}\n`;
        progress.value = step / steps;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const logits = await net.predict(x);
    const p = softmaxRows(logits, 4, 2);
    const body = table.tBodies[0];
    body.replaceChildren();
    let correct = 0;
    for (let i = 0; i < 4; i++) {
      const predicted = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
      if (predicted === labels[i]) correct++;
      const row = body.insertRow();
      for (const v of [x[2 * i], x[2 * i + 1], labels[i], predicted, p[2 * i + 1].toFixed(3)]) row.insertCell().textContent = String(v);
      if (predicted !== labels[i]) row.cells[3].className = 'wrong';
    }
    table.hidden = false;
    summary.textContent = `${correct}/4 correct; ${steps} steps in ${seconds.toFixed(2)} s (${Math.round(steps / seconds)} steps/s).`;
  } catch (e) {
    summary.textContent = e instanceof FaWebGpuError ? `Error (${e.code}): ${e.message}` : `Error: ${String(e)}`;
  } finally {
    net?.destroy();
    trainButton.disabled = false;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void train();
});
void start();
