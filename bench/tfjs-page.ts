/**
 * The page npm run bench drives (bench/run-browser.mjs): bench/compare.ts in a browser, its
 * lines sent back through the `benchLog` function the driver exposes.
 */
import { acquireDevice } from '../src/index.js';
import { runCompare, setupTfjs, type CompareOptions } from './compare.js';

const bench = {
  async run(options: CompareOptions) {
    const device = await acquireDevice();
    await setupTfjs();
    const log = (window as unknown as { benchLog: (line: string) => Promise<void> }).benchLog;
    const lines: Promise<void>[] = [];
    try {
      await runCompare(device, options, (line) => { lines.push(log(line)); });
    } finally {
      await Promise.all(lines);
      device.destroy();
    }
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
(window as unknown as { benchReady: boolean }).benchReady = true;
