#!/usr/bin/env node
// The CLI is TypeScript like the server. A source checkout loads it through tsx (a runtime
// dependency), so it is never stale; the Docker image, which has no sources, runs the compiled one.
import { existsSync } from 'node:fs';

const source = new URL('../server/src/cli/townhall.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/server/src/cli/townhall.js', import.meta.url).href);
}
