import { Router } from 'express';

export interface SetupApiOptions {
  adminToken: string | null;
  /** The engine writing automatic captions here, or null: the console says they are not available. */
  captionsEngine: string | null;
}

/**
 * What the "start a town hall" page needs to know before it shows its form: whether
 * creating a session asks for the operator token. It says only whether one is set,
 * never anything about it, so it needs no credential itself.
 */
export function setupApi(opts: SetupApiOptions): Router {
  const router = Router();
  router.get('/setup', (_req, res) => {
    // The operator may set or unset the token and restart; a cached answer would show the wrong form.
    res.setHeader('cache-control', 'no-store');
    res.json({ operatorTokenRequired: opts.adminToken !== null, captionsEngine: opts.captionsEngine });
  });
  return router;
}
