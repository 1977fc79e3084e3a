/**
 * Epoch training on a GPU-resident set: fit() must equal trainStep on the same batches
 * gathered on the host, and evaluate() must equal the reference loss and accuracy of predict().
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeComparison } from '../util/compare.js';
import { openHarness, type HarnessSession } from './browser.js';

let h: HarnessSession;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h?.close();
});

for (const bytes of [false, true]) {
  it(`fit equals a trainStep replay of the same shuffled batches, and evaluate equals the reference (${bytes ? 'byte' : 'float'} features)`, async () => {
    const r = await h.call('fitReplay', { rule: 'fa', n: 203, batchSize: 20, epochs: 3, bytes, seed: 4 });
    for (const c of [r.losses, ...r.weights, r.testLoss]) {
      console.log(describeComparison(c));
      expect(c.ok, describeComparison(c)).toBe(true);
    }
    expect(r.testAccuracy.got).toBe(r.testAccuracy.want);
    console.log(r.epochs.map((e, i) => `epoch ${i + 1}: train loss ${e.trainLoss.toFixed(4)}, test accuracy ${e.testAccuracy.toFixed(3)}`).join('\n'));
    expect(r.epochs[2].testAccuracy).toBeGreaterThan(0.5);
    expect(h.errors).toEqual([]);
  });
}
