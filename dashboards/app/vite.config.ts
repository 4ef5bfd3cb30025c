import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboards web app: built into dashboards/app/dist, served by the API at `/` (api/webApp.ts).
// JSX is compiled by Vite's own transform (tsconfig: "jsx": "react-jsx"); no plugin needed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  oxc: { jsx: { runtime: 'automatic' } },
});
