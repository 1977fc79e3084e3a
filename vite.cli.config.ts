import { defineConfig } from 'vite';

// The command line as one self-contained ES module (shaders inlined), for Deno or Node.
export default defineConfig({
  build: {
    lib: { entry: 'cli/main.ts', formats: ['es'], fileName: () => 'fa-webgpu.mjs' },
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    rollupOptions: { external: [/^node:/] },
  },
});
