#!/usr/bin/env node
// Runs a built ES module under Deno (npm package `deno`), whose WebGPU holds up in long runs.
// On a machine without a GPU driver it points Vulkan at the SwiftShader that Debian's
// chromium package ships (/usr/lib/chromium), as the team's guide (../shared/GUIDE.md, outside this repository) describes.
//   node scripts/deno.mjs dist/cli/fa-webgpu.mjs xor --steps 1000
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function denoBinary() {
  if (process.env.DENO_BIN) return process.env.DENO_BIN;
  try {
    const pkg = dirname(require.resolve('@deno/linux-x64-glibc/package.json'));
    if (existsSync(join(pkg, 'deno'))) return join(pkg, 'deno');
  } catch { /* not that platform */ }
  return join(dirname(require.resolve('deno/package.json')), '..', '.bin', 'deno');
}

const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1' };
const chromiumLib = '/usr/lib/chromium';
const icdDirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
const hasGpuIcd = icdDirs.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json') && !/lvp|swiftshader/i.test(f)));
if (!env.VK_ICD_FILENAMES && !hasGpuIcd && existsSync(join(chromiumLib, 'vk_swiftshader_icd.json'))) {
  env.VK_ICD_FILENAMES = join(chromiumLib, 'vk_swiftshader_icd.json');
}
// Debian's chromium carries the Vulkan loader; the system may not have libvulkan1.
if (existsSync(join(chromiumLib, 'libvulkan.so.1'))) {
  env.LD_LIBRARY_PATH = [env.LD_LIBRARY_PATH, chromiumLib].filter(Boolean).join(':');
}

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/deno.mjs FILE.mjs [args...]');
  process.exit(2);
}
const result = spawnSync(denoBinary(), ['run', '--quiet', '--allow-env', '--allow-read', '--allow-write', script, ...args], { stdio: 'inherit', env });
if (result.error) {
  console.error(`could not start Deno: ${result.error.message}; run npm ci first`);
  process.exit(1);
}
process.exit(result.status ?? 1);
