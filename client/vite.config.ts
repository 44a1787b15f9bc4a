import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The browser client. `npm run build:client` writes client/dist, which the server
 * serves (server/src/http/staticClient.ts). `npm run dev:client` serves it with hot
 * reload on :5173 and proxies the API and the control channel to the server on :3000
 * (the Host header is kept, so the server's same-origin check passes).
 *
 * The shared code (../shared/src) is imported with the `.js` extensions that Node's
 * ESM resolution needs; Vite resolves `./x.js` to `./x.ts` for TypeScript importers.
 */
export default defineConfig({
  root,
  // Preact with its React compatibility layer in place of React: the same API for the app and its
  // libraries (react-i18next, @tanstack/react-virtual), a tenth of the code for a phone to start.
  resolve: {
    alias: [
      { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
      { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
      { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
      { find: /^react-dom$/, replacement: 'preact/compat' },
      { find: /^react$/, replacement: 'preact/compat' },
    ],
  },
  base: '/',
  publicDir: 'public',
  // React 19's automatic JSX runtime, compiled by Vite's own Oxc transform (no Babel, no React plugin needed).
  // Vite 8, not 7: Vite 7's Rollup ships per-platform binaries that this registry mirror lacks, which leaves
  // package-lock.json incomplete and `npm ci` failing; Vite 8's Rolldown bindings are all available.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Maps are written beside the build for whoever runs the server (decoding an error report), but the
    // bundles do not point at them and the server does not serve them (staticClient): no public source.
    sourcemap: 'hidden',
    // Nothing inline: Helmet's Content-Security-Policy allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // What loads when (docs/DEPLOYMENT.md): the entry holds React, i18next and the join and home pages; the
    // session page, each layout, drafting (CodeMirror, Yjs) and audio (mediasoup-client) are fetched with
    // import() when first shown. The groups only name chunks and keep the libraries, which change less often
    // than the app, in files of their own that browsers keep cached across releases.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|scheduler|i18next|react-i18next|use-sync-external-store)[\\/]/ },
            { name: 'codemirror', test: /[\\/]node_modules[\\/](@codemirror|@lezer|codemirror|style-mod|w3c-keyname|crelt|@marijn|y-codemirror\.next)[\\/]/ },
            { name: 'yjs', priority: 1, test: /[\\/]node_modules[\\/](yjs|lib0|y-protocols|y-websocket)[\\/]/ },
            { name: 'mediasoup-client', test: /[\\/]node_modules[\\/]mediasoup-client[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000' },
      '/socket.io': { target: 'http://127.0.0.1:3000', ws: true },
    },
  },
});
