/**
 * Vite builds the demo into `dist/`: the page, its bundle (tfjs and our packages through their
 * public entries) and the static assets of `scripts/static-assets.mjs` (pretrained models, the MNIST
 * test set, tfjs's wasm binaries), so the folder works from any static host with nothing fetched off
 * its origin. The dev and preview servers send the cross-origin isolation headers wasm threads need.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { writeStaticAssets } from './scripts/static-assets.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));
const staticDir = fileURLToPath(new URL('./.static', import.meta.url));

/** COOP/COEP: makes the page cross-origin isolated, which SharedArrayBuffer (wasm threads) needs. */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function staticAssets(): Plugin {
  let written: Promise<unknown> | undefined;
  const ensure = () => (written ??= writeStaticAssets(staticDir));
  return {
    name: 'digitlab-static-assets',
    // Before Vite copies publicDir (build) or serves it (dev).
    async configResolved() {
      await ensure();
    },
  };
}

export default defineConfig({
  root,
  base: './',
  publicDir: staticDir,
  plugins: [staticAssets()],
  // Our packages' public entries as TypeScript (their `@digitlab/source` export condition, the one
  // the tests and type-checks use), so the demo builds without building each package first.
  resolve: { conditions: ['@digitlab/source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096, reportCompressedSize: false },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION_HEADERS },
});
