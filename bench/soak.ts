/**
 * A soak run (a program, not a test): many training steps on one network, reporting the loss,
 * the process's memory and the live GPU buffers of an instrumented device as it goes. Growth in
 * either between the first and last report means a leak.
 */
import { acquireDevice, createNetwork, describeAdapter, trackBuffers, twoSpirals, type Rule } from '../src/index.js';

export async function runSoak(o: { steps: number; rule: Rule; every: number }, log: (line: string) => void): Promise<void> {
  const device = await acquireDevice();
  const buffers = trackBuffers(device);
  const memory = () => {
    const g = globalThis as { Deno?: { memoryUsage(): { rss: number } }; process?: { memoryUsage(): { rss: number } } };
    const rss = g.Deno?.memoryUsage().rss ?? g.process?.memoryUsage().rss;
    return rss === undefined ? 'n/a' : `${(rss / 2 ** 20).toFixed(1)} MiB`;
  };
  try {
    const data = twoSpirals({ n: 64, noise: 0.05, seed: 1 });
    const net = await createNetwork({ sizes: [2, 16, 16, 2], rule: o.rule, activation: 'tanh', init: 'xavier', learningRate: 0.05, momentum: 0.9, device });
    log(`soak: ${o.steps} steps of ${o.rule}, 2-16-16-2 tanh, batch 16 of 64 two-spiral points, on ${describeAdapter(device)}`);
    log('step       loss     rss          live GPU buffers  steps/s');
    const started = performance.now();
    let last = started, lastStep = 0;
    await net.train(data.x, data.labels, {
      steps: o.steps,
      batchSize: 16,
      lossEvery: o.every,
      onProgress: ({ step, loss }) => {
        const now = performance.now();
        // The steps of this window (the last may be shorter than --every).
        log(`${String(step).padEnd(10)} ${loss.toFixed(4).padStart(7)}  ${memory().padEnd(12)} ${String(buffers.live()).padStart(16)}  ${((step - lastStep) / ((now - last) / 1000)).toFixed(0).padStart(7)}`);
        last = now;
        lastStep = step;
      },
    });
    net.destroy();
    log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; live GPU buffers after destroy: ${buffers.live()}`);
  } finally {
    device.destroy();
  }
}
