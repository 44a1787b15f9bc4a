/**
 * The plenary bench's baseline: a bare Socket.IO 4.8 server with no auth, no storage
 * and no state beyond a counter, doing the least a town hall must do. Started by
 * bench/plenary/index.ts as its own process:
 *
 *   PORT=0 BASELINE_VIEW_BYTES=3000 node --import tsx bench/plenary/baseline-server.ts
 *
 * - POST /join → 201 { token }: the HTTP round trip before connecting, as townhall's join.
 * - On connect: one `session.view` of BASELINE_VIEW_BYTES bytes (JSON) to that socket.
 * - POST /broadcast → { seq }: a `session.view` of that size to every socket, once.
 * - `qa.upvote` (and any other event with an ack): acked at once with { ok: true, seq }.
 * - `state.sync`: the view again, with the upvote count of the question, then the ack.
 *
 * It prints one JSON line { msg: 'listening', port, time } like townhall's logger. It keeps
 * nothing across a restart (the bench's last phase): citizens get a fresh view on reconnect.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { Server } from 'socket.io';

const viewBytes = Number(process.env.BASELINE_VIEW_BYTES ?? 3000);
let seq = 0;
const voters = new Map<string, Set<string>>();

/** A view-like payload whose JSON is `viewBytes` long (to within a character or two as seq grows). */
function view(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { sessionId: 's_baseline', seq, serverTime: Date.now(), ...extra, pad: '' };
  body.pad = 'x'.repeat(Math.max(0, viewBytes - JSON.stringify(body).length));
  return body;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

const http = createServer((req, res) => {
  void readBody(req).then(() => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/join') return reply(201, { token: `tok_${randomBytes(32).toString('base64url')}` });
    if (req.method === 'POST' && req.url === '/broadcast') {
      seq += 1;
      io.emit('session.view', view());
      return reply(200, { ok: true, seq });
    }
    reply(404, { error: { code: 'NOT_FOUND', message: 'No such endpoint.' } });
  });
});

const io = new Server(http, { serveClient: false });
io.use((socket, next) => {
  const auth = socket.handshake.auth as { token?: unknown };
  if (typeof auth.token === 'string' && auth.token.length > 0) next();
  else next(new Error('A token is required.'));
});
io.on('connection', (socket) => {
  socket.emit('session.view', view());
  socket.on('state.sync', (_payload: unknown, ack?: (a: unknown) => void) => {
    const rooms = [{ id: 'plenary', questions: [...voters].map(([id, set]) => ({ id, upvotes: set.size })) }];
    socket.emit('session.view', view({ rooms }));
    ack?.({ ok: true, seq });
  });
  socket.on('qa.ask', (_payload: unknown, ack?: (a: unknown) => void) => {
    seq += 1;
    voters.set('q_baseline', voters.get('q_baseline') ?? new Set());
    ack?.({ ok: true, seq, result: { questionId: 'q_baseline' } });
  });
  socket.on('qa.upvote', (payload: { questionId?: string } | undefined, ack?: (a: unknown) => void) => {
    seq += 1;
    const set = voters.get(String(payload?.questionId));
    if (set) set.add(socket.id);
    ack?.({ ok: true, seq });
  });
});

// The same accept backlog as townhall's server (server/src/app.ts), so both meet the storm alike.
http.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1', backlog: 4096 }, () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ msg: 'listening', port, time: Date.now() }));
});
process.on('SIGTERM', () => process.exit(0));
