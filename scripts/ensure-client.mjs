#!/usr/bin/env node
// Builds the browser client (client/dist) when it is missing or older than its sources.
// `npm start` runs this first (prestart), so one command from a fresh clone gives a working
// UI; when the build is current it returns in milliseconds. The browser tests call
// ensureClient() too. A lock folder keeps two processes from building at the same time.
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const clientDir = join(root, 'client');
const distIndex = join(clientDir, 'dist', 'index.html');
const lockDir = join(clientDir, '.build-lock');
const SOURCES = ['client/src', 'client/public', 'client/index.html', 'client/vite.config.ts', 'client/tsconfig.json', 'shared/src', 'package-lock.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why a build is needed, or null when client/dist is current. */
export function clientBuildNeeded() {
  if (!existsSync(distIndex)) return 'client/dist is missing';
  const built = statSync(distIndex).mtimeMs;
  const changed = SOURCES.find((p) => newestMtime(join(root, p)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withLock(fn) {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock older than two minutes belongs to a build that died.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 120_000) rmdirSync(lockDir);
      } catch {
        /* gone already */
      }
      if (Date.now() - started > 180_000) throw new Error(`timed out waiting for ${lockDir}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(lockDir);
  }
}

/**
 * Build client/dist with Vite's JavaScript API if it is missing or stale.
 * Resolves with what happened: 'current', 'built', or 'skipped' (Vite not installed,
 * as after `npm ci --omit=dev`: the server then runs without the browser client).
 */
export async function ensureClient({ log = console.log } = {}) {
  if (!clientBuildNeeded()) return 'current';
  let vite;
  try {
    vite = await import('vite');
  } catch {
    log('townhall: the browser client is not built and Vite is not installed (npm install without --omit=dev builds it); serving the API only.');
    return 'skipped';
  }
  return withLock(async () => {
    const reason = clientBuildNeeded();
    if (!reason) return 'current';
    log(`townhall: building the browser client (${reason})…`);
    const started = Date.now();
    // A test runner sets NODE_ENV=test, which would make Vite bundle React's development build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await vite.build({ configFile: join(clientDir, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    log(`townhall: browser client built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 'built';
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureClient().catch((err) => {
    console.error('townhall: building the browser client failed:', err);
    process.exit(1);
  });
}
