#!/usr/bin/env node
// The CLI is TypeScript like the server; tsx (a runtime dependency) loads it without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../server/src/cli/townhall.ts');
