/**
 * The first page in headless Chromium: it loads without console errors, names the adapter,
 * and training XOR through its form ends with every prediction equal to its target.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPage, type PageSession } from './browser.js';

let s: PageSession;
beforeAll(async () => {
  s = await openPage('/');
});
afterAll(async () => {
  await s?.close();
});

it('trains XOR from the form and shows the predictions', async () => {
  const { page } = s;
  await page.waitForFunction(() => !(document.getElementById('train') as HTMLButtonElement).disabled, { timeout: 30_000 });
  expect(await page.$eval('#adapter', (e) => e.textContent)).toMatch(/^GPU: /);
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('summary')!.textContent !== '', { timeout: 60_000 });
  const summary = await page.$eval('#summary', (e) => e.textContent);
  expect(summary).toMatch(/^4\/4 correct/);
  const log = await page.$eval('#log', (e) => e.textContent!);
  const losses = [...log.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
  expect(losses).toHaveLength(5);
  expect(losses[4]).toBeLessThan(losses[0]);
  const rows = await page.$$eval('#predictions tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  expect(rows.map((r) => r[3])).toEqual(rows.map((r) => r[2]));
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: 'test-output/page-xor.png', fullPage: true });
  expect(s.errors).toEqual([]);
});
