import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The last commit before the client was split into chunks (issue 13, item 6): one 965 kB script for every page. */
export const BEFORE_SPLIT = '90ee1b09ddaca393953c80a0983b82a9880f54f5';

/**
 * Builds the browser client as it was at `rev` (its client/ and shared/ folders, from
 * git, with today's node_modules) into `into`/client/dist, with the same Vite and the
 * same settings as `npm run build:client` at that commit. Resolves with the dist folder,
 * or null when there is no git history here (a Docker image, a tarball).
 */
export async function buildClientAt(rev: string, into: string): Promise<string | null> {
  let tar: Buffer;
  try {
    tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', rev, 'client', 'shared'], { maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-x', '-C', into], { input: tar });
  if (!existsSync(join(into, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(into, 'node_modules'));
  const vite = await import('vite');
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite.build({ configFile: join(into, 'client', 'vite.config.ts'), mode: 'production', logLevel: 'error' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return join(into, 'client', 'dist');
}
