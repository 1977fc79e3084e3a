import { defineConfig } from 'vitest/config';

// One config for three jobs:
//  - `vite` (npm start) serves index.html and the page in page/;
//  - `vite build` builds the library (src/index.ts, and src/reference as fa-webgpu/reference)
//    as ES modules in dist/;
//  - `vitest` runs test/: Node tests, and GPU tests that drive headless Chromium against
//    a Vite server of this project.
export default defineConfig({
  build: {
    lib: {
      entry: { index: 'src/index.ts', reference: 'src/reference/index.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    // Dependencies stay imports; the MNIST digits (21 MB, optional) are loaded only on request.
    rollupOptions: { external: ['d3-scale', 'd3-shape', /^mnist\//] },
  },
  server: { host: '127.0.0.1' },
  test: {
    include: ['test/**/*.test.ts'],
    // One headless Chromium at a time: the GPU tests share this machine's two cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
