// The web console: static files the api serves at /console (CONSOLE_DIR). No framework: typed DOM
// helpers and the api's generated types; @lcm/sse-client for the live event stream.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/console/',
  resolve: {
    alias: { '@lcm/sse-client': here('../../libs/sse-client/src/index.ts') },
  },
  build: {
    outDir: here('../../dist/apps/console'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  logLevel: 'warn',
});
