/**
 * `npm pack` gives a package another project can import: a scratch project npm-installs the
 * tarball (and so its dependencies), imports it from Node, and type-checks a consumer file
 * with Node's own module resolution (skipLibCheck off, so the .d.ts files are checked).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'fa-webgpu-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('VERSION is package.json\'s version', async () => {
  const { VERSION } = await import('../../src/version.js');
  expect(VERSION).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
});

it('packs, imports and type-checks from a separate project', () => {
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' });
  const tarball = join(scratch, out.trim().split('\n').pop()!);
  const consumer = join(scratch, 'consumer');
  mkdirSync(consumer, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }');
  // As another project would: npm installs the tarball and its dependencies.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', tarball], { cwd: consumer, encoding: 'utf8' });

  writeFileSync(join(scratch, 'consumer', 'check.mjs'), `
    import * as fa from 'fa-webgpu';
    import * as ref from 'fa-webgpu/reference';
    console.log(JSON.stringify({ lib: Object.keys(fa).sort(), ref: Object.keys(ref).sort() }));
  `);
  const exported = JSON.parse(execFileSync('node', ['check.mjs'], { cwd: join(scratch, 'consumer'), encoding: 'utf8' }));
  expect(exported.lib).toEqual(expect.arrayContaining(['createNetwork', 'Network', 'FaWebGpuError', 'initParameters', 'Pcg32', 'SHADERS']));
  expect(exported.ref).toEqual(expect.arrayContaining(['matmul', 'referenceStep', 'referenceForward', 'softmaxCrossEntropy']));
  // The page and the command line stay out of the package.
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  expect(files).not.toMatch(/page\/|cli\/|index\.html|test\//);

  writeFileSync(join(scratch, 'consumer', 'use.ts'), `
    import { createNetwork, type Parameters, type Network } from 'fa-webgpu';
    import { referenceStep } from 'fa-webgpu/reference';
    export async function run(device: GPUDevice): Promise<number> {
      const net: Network = await createNetwork({ sizes: [2, 8, 2], rule: 'fa', learningRate: 0.05, seed: 7, device });
      const p: Parameters = await net.getParameters();
      const s = referenceStep({ sizes: net.sizes, rule: 'fa', activation: 'relu', learningRate: 0.05 }, p, [0, 0], [0], 1);
      return s.loss + (await net.trainStep(new Float32Array(2), new Int32Array(1)));
    }
  `);
  // TypeScript 7's lib.dom declares WebGPU; the package's declarations are checked too.
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', 'use.ts'], { cwd: join(scratch, 'consumer'), encoding: 'utf8' });
}, 120_000);
