/**
 * fa-webgpu's command line. Built into one ES module (npm run build:cli) and run under Deno,
 * whose WebGPU (wgpu) holds up in long runs, through scripts/deno.mjs; the same file runs
 * under Node when the `webgpu` package is installed.
 *
 *   fa-webgpu xor [--rule fa|bp] [--steps 1000] [--seed N] [--lr 0.05] [--log-every 200]
 */
import { parseArgs } from 'node:util';
import { createNetwork, DEFAULTS, FaWebGpuError, RULES, softmaxRows, xorDataset, type Rule } from '../src/index.js';

const USAGE = `usage: fa-webgpu xor [options]

Trains the seed's XOR problem (2-8-2, ReLU, full batch of 4) on the GPU and prints the loss
every --log-every steps, then predictions against targets.

options:
  --rule fa|bp        learning rule (default ${DEFAULTS.rule})
  --steps N           training steps (default 1000)
  --seed N            initialisation seed (default ${DEFAULTS.seed})
  --lr X              learning rate (default ${DEFAULTS.learningRate})
  --hidden N          hidden units (default 8)
  --log-every N       steps between loss lines (default 200)
  -h, --help          this text`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
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
  const steps = integer('steps', values.steps, 1000, 1);
  const seed = integer('seed', values.seed, DEFAULTS.seed, 0);
  const hidden = integer('hidden', values.hidden, 8, 1);
  const logEvery = integer('log-every', values['log-every'], 200, 1);
  const learningRate = values.lr === undefined ? DEFAULTS.learningRate : Number(values.lr);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new UsageError(`--lr: expected a number > 0, got ${JSON.stringify(values.lr)}`);

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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'xor': await xor(rest); return 0;
      case undefined: case '-h': case '--help': console.log(USAGE); return command === undefined ? 2 : 0;
      default: throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
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

const proc = (globalThis as unknown as { process: { argv: string[]; exitCode?: number } }).process;
proc.exitCode = await main(proc.argv.slice(2));
