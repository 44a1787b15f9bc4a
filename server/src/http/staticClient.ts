import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Request, type Response } from 'express';

/**
 * Where `vite build` puts the browser client (client/dist). From the TypeScript
 * source (server/src/http) that is three folders up; from the compiled output
 * (dist/server/src/http) four.
 */
export function defaultClientDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../../../client/dist'), resolve(here, '../../../../client/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/** The app's own pages: the server answers them with index.html and the client routes. */
const APP_PAGE = /^\/(?:join\/[A-Za-z0-9_-]{1,64}|s\/[A-Za-z0-9_-]{1,64}(?:\/projector)?|new(?:\/[A-Za-z0-9_-]{1,64})?)\/?$/;

/**
 * Serves the built browser client: hashed assets under /assets (cached for a year),
 * everything else in client/dist as it is, and index.html for the app's pages
 * (/join/<sessionId>, /s/<sessionId>, /s/<sessionId>/projector, /new and /new/<sessionId>). It never answers /api, /socket.io, /yjs or the
 * operations endpoints: those are mounted before it, and the SPA fallback matches only
 * the app's own paths, so an unknown path elsewhere still gets a 404.
 *
 * If the client has not been built, the app's pages say so instead of a bare 404.
 */
export function staticClient(dir: string = defaultClientDir()): Router {
  const router = Router();
  const index = join(dir, 'index.html');

  // Source maps stay on the server's disk: the published client is what runs, not its source.
  router.use((req, res, next) => (req.path.endsWith('.map') ? res.status(404).end() : next()));
  router.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true, redirect: false }));
  router.use(express.static(dir, { index: 'index.html', maxAge: 0, redirect: false }));

  const sendIndex = (_req: Request, res: Response) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The browser client has not been built. Run `npm run build:client` (or `npm start`, which builds it when missing).\n');
      return;
    }
    // The page itself must never be cached: it names the current hashed assets.
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  };

  router.get(APP_PAGE, sendIndex);
  router.get('/', (req, res, next) => (existsSync(index) ? next() : sendIndex(req, res)));
  return router;
}
