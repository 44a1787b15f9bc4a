/**
 * The client bench's other servers: a bare Express server that serves a folder the
 * way townhall serves client/dist (the same Helmet headers, the same `compression`
 * middleware, /assets cached for a year, index.html for /join/<id> and /s/<id>), and
 * forwards /api to a townhall server so a client built from another commit can check
 * its invite. Started by bench/client/index.ts as its own process:
 *
 *   STATIC_DIR=<folder> API_UPSTREAM=http://127.0.0.1:<port> PORT=0 node --import tsx bench/client/static-server.ts
 *
 * It prints one JSON line { msg: 'listening', port } like townhall's logger.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import compression from 'compression';
import express from 'express';
import helmet from 'helmet';

const dir = process.env.STATIC_DIR;
if (!dir) throw new Error('STATIC_DIR is required');
const upstream = process.env.API_UPSTREAM ?? '';

const app = express();
app.disable('x-powered-by');
// As server/src/app.ts: the same Content-Security-Policy and compression, so only the pages differ.
app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
app.use(compression());
app.use('/api', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  if (!upstream) {
    res.status(404).end();
    return;
  }
  const body = req.method === 'GET' || req.method === 'HEAD' || !Buffer.isBuffer(req.body) ? undefined : req.body;
  const answer = await fetch(`${upstream}${req.originalUrl}`, {
    method: req.method,
    headers: {
      accept: req.get('accept') ?? '*/*',
      ...(req.get('content-type') ? { 'content-type': req.get('content-type')! } : {}),
      ...(req.get('authorization') ? { authorization: req.get('authorization')! } : {}),
    },
    body,
  });
  res.status(answer.status);
  const type = answer.headers.get('content-type');
  if (type) res.type(type);
  res.send(Buffer.from(await answer.arrayBuffer()));
});
app.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
app.use(express.static(dir, { index: 'index.html', maxAge: 0 }));
app.get(/^\/(?:join|s)\/[A-Za-z0-9_-]{1,64}\/?$/, (_req, res) => {
  res.setHeader('cache-control', 'no-cache');
  res.sendFile(join(dir, 'index.html'));
});

const server = createServer(app);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 }));
});
