/**
 * A load generator of the plenary bench: a child process holding a share of the
 * citizens, driven over IPC by bench/plenary/index.ts. The same code drives the
 * townhall server and the bare Socket.IO baseline; only the HTTP join differs.
 * It exits when its parent goes away.
 */
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import {
  addTo,
  now,
  openSocket,
  sleep,
  type ArrivalsReply,
  type FromGenerator,
  type JoinReply,
  type Request,
  type RestartArmReply,
  type RestartReply,
  type StatusReply,
  type Tally,
  type UpvoteReply,
  type WaitSeqReply,
} from './wire.js';

interface Citizen {
  index: number;
  socket: Socket | null;
  start: number;
  httpMs: number;
  viewedAt: number;
  viewBytes: number;
  maxSeq: number;
  /** (seq, time) pairs of every increase of seq while recording. */
  changes: number[];
  /** Arrival times of view frames not yet handled by their listener. */
  stamps: number[];
  failed: string | null;
  /** Disconnected by the bench at the join deadline, having no view by then. */
  dropped: boolean;
  /** The latest full view, kept only for the citizen that sends state.sync (to read vote counts). */
  lastView: unknown;
  onView: (() => void) | null;
  /** Watched through the server's restart (the bench's last phase); null before it. */
  restart: RestartWatch | null;
}

interface RestartWatch {
  /** First disconnect after the restart began, epoch ms; 0 if none. */
  downAt: number;
  /** Every `session.view` after the restart began: its arrival, and the upvotes of the storm's question in it (-1: not there). */
  views: number[];
  attempts: number;
  /** When the latest reconnection attempt began, epoch ms. */
  attemptAt: number;
  /** Per view in `views`: when the attempt that brought its connection began (0: none since the restart began). */
  viewAttemptAt: number[];
  lastError: string;
}

const send = (msg: FromGenerator) => process.send?.(msg);

const citizens: Citizen[] = [];
const tallies: Record<string, Tally> = {};
let phase = 'setup';
let recording = false;
let aborted = false;
let disconnects = 0;
let connectErrors = 0;
let joined = 0;
let started = 0;
let retries = 0;
const retryReasons: Record<string, number> = {};
const disconnectReasons: Record<string, number> = {};
const connectErrorReasons: Record<string, number> = {};
const bump = (h: Record<string, number>, k: string) => (h[k] = (h[k] ?? 0) + 1);

/** Event-loop delay of this generator in each phase: when it is large, the generator, not the server, is what is slow. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const lagByPhase: Record<string, { p99: number; max: number }> = {};
function setPhase(next: string): void {
  const prev = lagByPhase[phase];
  const p99 = loopDelay.percentile(99) / 1e6;
  const max = loopDelay.max / 1e6;
  lagByPhase[phase] = { p99: Math.max(prev?.p99 ?? 0, p99), max: Math.max(prev?.max ?? 0, max) };
  loopDelay.reset();
  phase = next;
}
let watched: Citizen | null = null;
/** The upvote storm's question, whose count each citizen's first view after the restart is checked for. */
let restartQuestion: string | null = null;
/** Set at the join deadline: nobody connects after it. */
let joinClosed = false;

function tally(): Tally {
  return (tallies[phase] ??= {});
}

function onSeq(c: Citizen, seq: unknown, at: number): void {
  if (typeof seq !== 'number' || seq <= c.maxSeq) return;
  c.maxSeq = seq;
  if (recording) c.changes.push(seq, at);
}

/** Keep-alive connections for the HTTP joins, as many as joins in flight (lighter than fetch for a load generator). */
let agent = new Agent({ keepAlive: true });

function post(url: string, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('HTTP join timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}

async function httpJoin(req: Extract<Request, { type: 'join' }>, c: Citizen): Promise<string | null> {
  const name = `Citizen ${req.first + c.index}`;
  const url = req.mode === 'townhall' ? `${req.url}/api/sessions/${req.sessionId}/join` : `${req.url}/join`;
  const body = req.mode === 'townhall' ? { invite: req.invite, displayName: name } : { displayName: name };
  for (let attempt = 0; ; attempt++) {
    const left = req.deadlineAt - Date.now();
    if (left <= 0 || aborted) {
      c.failed = 'deadline during HTTP join';
      return null;
    }
    let retry: string | null;
    try {
      const res = await post(url, JSON.stringify(body), left);
      if (res.status === 200 || res.status === 201) return (JSON.parse(res.text) as { token: string }).token;
      let code = '';
      try {
        code = (JSON.parse(res.text) as { error?: { code?: string } }).error?.code ?? '';
      } catch {
        /* not JSON */
      }
      retry = res.status === 429 || res.status === 503 ? `HTTP ${res.status} ${code}` : null;
      if (!retry) {
        c.failed = `HTTP ${res.status} ${code}`.trim();
        return null;
      }
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        c.failed = 'deadline during HTTP join';
        return null;
      }
      retry = `HTTP ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
    retries += 1;
    bump(retryReasons, retry);
    if (attempt >= 5) {
      c.failed = retry;
      return null;
    }
    await sleep(250 * 2 ** attempt * (0.5 + Math.random()));
  }
}

function connect(req: Extract<Request, { type: 'join' }>, c: Citizen, token: string): void {
  const auth: Record<string, string> = req.mode === 'townhall' ? { sessionId: req.sessionId, token } : { token };
  const socket = openSocket(
    req.url,
    auth,
    (name, bytes) => {
      addTo(tally(), name, bytes);
      if (name === 'session.view' || name === 'session.viewPatch') c.stamps.push(now());
      return name !== 'session.roster';
    },
    // After a restart every citizen comes back on its own: 1 s doubling to 5 s, each delay ±50% at random.
    { reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5 },
  );
  c.socket = socket;
  socket.on('session.view', (v: { seq?: unknown }) => {
    const at = c.stamps.shift() ?? now();
    onSeq(c, v.seq, at);
    if (c === watched) c.lastView = v;
    if (c.restart) {
      c.restart.views.push(at, plenaryUpvotes(v, restartQuestion) ?? -1);
      c.restart.viewAttemptAt.push(c.restart.attemptAt);
    }
    if (!c.viewedAt) {
      c.viewedAt = at;
      c.viewBytes = JSON.stringify(v).length;
      c.onView?.();
    }
  });
  socket.on('session.viewPatch', (p: { seq?: unknown }) => {
    const at = c.stamps.shift() ?? now();
    if (c.viewedAt) onSeq(c, p.seq, at);
  });
  socket.on('disconnect', (reason) => {
    disconnects += 1;
    bump(disconnectReasons, `${phase}: ${reason}`);
    // Frames are decoded and delivered in the tick they arrive: nothing stamped is still to come.
    c.stamps.length = 0;
    if (c.restart && !c.restart.downAt) c.restart.downAt = now();
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    connectErrors += 1;
    const reason = err.data?.code ?? err.message;
    bump(connectErrorReasons, `${phase}: ${reason}`);
    if (c.restart) c.restart.lastError = reason;
  });
  // The manager reconnects on its own, with jittered exponential back-off (openSocket's options).
  socket.io.on('reconnect_attempt', () => {
    if (c.restart) {
      c.restart.attempts += 1;
      c.restart.attemptAt = now();
    }
  });
}

async function joinOne(req: Extract<Request, { type: 'join' }>, c: Citizen): Promise<void> {
  c.start = now();
  started += 1;
  const token = await httpJoin(req, c);
  c.httpMs = now() - c.start;
  if (!token || joinClosed) return;
  joined += 1;
  const viewed = new Promise<void>((resolve) => (c.onView = resolve));
  connect(req, c, token);
  await Promise.race([viewed, sleep(Math.min(req.slotTimeoutMs, req.deadlineAt - Date.now()))]);
}

async function join(req: Extract<Request, { type: 'join' }>): Promise<JoinReply> {
  agent = new Agent({ keepAlive: true, maxSockets: req.concurrency });
  for (let i = 0; i < req.count; i++) {
    citizens.push({
      index: i,
      socket: null,
      start: 0,
      httpMs: 0,
      viewedAt: 0,
      viewBytes: 0,
      maxSeq: -1,
      changes: [],
      stamps: [],
      failed: null,
      dropped: false,
      lastView: null,
      onView: null,
      restart: null,
    });
  }
  const progress = setInterval(() => send({ type: 'progress', ...counts() }), 1000);
  let next = 0;
  const worker = async () => {
    while (next < citizens.length && Date.now() < req.deadlineAt && !aborted) await joinOne(req, citizens[next++]!);
  };
  // Joins still under way at the deadline go on in the background; they count as not in time.
  await Promise.race([Promise.all(Array.from({ length: Math.min(req.concurrency, req.count) }, worker)), sleep(req.deadlineAt - Date.now())]);
  while (Date.now() < req.deadlineAt && !aborted && citizens.some((c) => !c.viewedAt && !c.failed && c.start)) await sleep(50);
  clearInterval(progress);
  send({ type: 'progress', ...counts() });
  const failures: Record<string, number> = {};
  const inTime = (c: Citizen) => c.viewedAt > 0 && c.viewedAt <= req.deadlineAt;
  // Who has no view by now is let go, so that the later phases measure a steady plenary, not reconnecting stragglers.
  joinClosed = true;
  for (const c of citizens) {
    if (inTime(c)) continue;
    c.dropped = true;
    c.socket?.disconnect();
  }
  for (const c of citizens) {
    if (inTime(c)) continue;
    const why = c.viewedAt
      ? 'view after the deadline (generator late)'
      : (c.failed ?? (!c.start ? 'not started before the deadline' : c.socket?.connected ? 'connected, no view by the deadline' : 'not connected by the deadline'));
    failures[why] = (failures[why] ?? 0) + 1;
  }
  const viewedList = citizens.filter(inTime);
  return {
    count: req.count,
    firstStart: Math.min(...citizens.filter((c) => c.start).map((c) => c.start)),
    viewedAt: viewedList.map((c) => c.viewedAt),
    toView: viewedList.map((c) => c.viewedAt - c.start),
    httpMs: citizens.filter((c) => c.httpMs).map((c) => c.httpMs),
    viewBytes: viewedList.map((c) => c.viewBytes),
    notViewed: req.count - viewedList.length,
    failures,
    retries,
    retryReasons,
  };
}

function counts() {
  return {
    started,
    joined,
    viewed: citizens.filter((c) => c.viewedAt).length,
    failed: citizens.filter((c) => c.failed).length,
    connected: citizens.filter((c) => c.socket?.connected).length,
  };
}

const holding = () => citizens.filter((c) => c.viewedAt && !c.dropped);

async function waitSeq(seq: number, deadlineAt: number): Promise<WaitSeqReply> {
  const hold = holding();
  let reached = 0;
  while (true) {
    reached = hold.filter((c) => c.maxSeq >= seq).length;
    if (reached === hold.length || Date.now() >= deadlineAt || aborted) break;
    await sleep(20);
  }
  return { holding: hold.length, reached };
}

function arrivals(seqs: number[]): ArrivalsReply {
  const hold = holding();
  return {
    holding: hold.length,
    arrivals: seqs.map((s) =>
      hold.map((c) => {
        for (let k = 0; k < c.changes.length; k += 2) if (c.changes[k]! >= s) return c.changes[k + 1]!;
        return -1;
      }),
    ),
  };
}

type Ack = { ok: true; seq: number; result?: { questionId?: string } } | { ok: false; error: { code: string; message: string } };

/** Who asked the storm's question: an author may not upvote their own, so they sit the storm out. */
let asker: unknown = null;

async function ask(text: string, ackTimeoutMs: number): Promise<Ack> {
  const c = holding().find((x) => x.socket?.connected);
  if (!c?.socket) throw new Error('no connected citizen holds a view');
  asker = c;
  return (await c.socket.timeout(ackTimeoutMs).emitWithAck('qa.ask', { text, requestId: `ask-${Date.now()}` })) as Ack;
}

async function upvote(questionId: string, ackTimeoutMs: number): Promise<UpvoteReply> {
  const voters = holding().filter((c) => c.socket?.connected && c !== asker);
  const codes: Record<string, number> = {};
  const latencies: number[] = [];
  let ok = 0;
  let lastAck = 0;
  const firstSend = now();
  await Promise.all(
    voters.map(async (c) => {
      const t = now();
      try {
        const ack = (await c.socket!.timeout(ackTimeoutMs).emitWithAck('qa.upvote', { questionId, requestId: `upvote-${c.index}` })) as Ack;
        const at = now();
        lastAck = Math.max(lastAck, at);
        latencies.push(at - t);
        if (ack.ok) ok += 1;
        else codes[ack.error.code] = (codes[ack.error.code] ?? 0) + 1;
      } catch (err) {
        // socket.io-client fails a pending ack on a disconnect as well as on its timeout.
        const code = /disconnect/i.test((err as Error).message) ? 'disconnected before the ack' : `no ack within ${ackTimeoutMs / 1000} s`;
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }),
  );
  return { sent: voters.length, notConnected: holding().length - voters.length, firstSend, lastAck, ok, codes, latencies };
}

/** state.sync from one citizen; the upvotes of the question in the full view that comes back. */
async function sync(questionId: string, ackTimeoutMs: number): Promise<{ upvotes: number | null; ack: Ack }> {
  const c = holding().find((x) => x.socket?.connected);
  if (!c?.socket) throw new Error('no connected citizen holds a view');
  watched = c;
  c.lastView = null;
  const ack = (await c.socket.timeout(ackTimeoutMs).emitWithAck('state.sync', { requestId: `sync-${Date.now()}` })) as Ack;
  await sleep(100);
  const view = c.lastView as { rooms?: { questions?: { id: string; upvotes: number }[] }[] } | null;
  const q = view?.rooms?.flatMap((r) => r.questions ?? []).find((x) => x.id === questionId);
  return { upvotes: q ? q.upvotes : null, ack };
}

/** The upvotes of a question in a view's plenary room; null if the view has no such question there. */
function plenaryUpvotes(view: unknown, questionId: string | null): number | null {
  if (!questionId) return null;
  const rooms = (view as { rooms?: { kind?: string; questions?: { id: string; upvotes: number }[] }[] } | null)?.rooms;
  if (!Array.isArray(rooms)) return null;
  for (const r of rooms) {
    if (r.kind !== 'plenary') continue;
    const q = r.questions?.find((x) => x.id === questionId);
    if (q) return q.upvotes;
  }
  return null;
}

/** Just before the driver stops the server: watch every citizen holding a view from now on. */
function restartArm(questionId: string | null): RestartArmReply {
  restartQuestion = questionId;
  const hold = holding();
  for (const c of hold) c.restart = { downAt: c.socket?.connected ? 0 : now(), views: [], attempts: 0, attemptAt: 0, viewAttemptAt: [], lastError: '' };
  return { armed: hold.length, notConnected: hold.filter((c) => !c.socket?.connected).length };
}

/**
 * Until every watched citizen holds a view from the new server (one that arrived after
 * the old process had exited), or the deadline.
 */
async function restartWait(exitedAt: number, deadlineAt: number): Promise<RestartReply> {
  const watchedOnes = citizens.filter((c) => c.restart);
  const firstView = (c: Citizen) => {
    const v = c.restart!.views;
    for (let k = 0; k < v.length; k += 2) if (v[k]! > exitedAt) return k;
    return -1;
  };
  while (!aborted && Date.now() < deadlineAt && watchedOnes.some((c) => firstView(c) < 0)) await sleep(50);
  const reply: RestartReply = {
    armed: watchedOnes.length,
    resyncedAt: [],
    outageMs: [],
    attempts: [],
    lastAttemptMs: [],
    upvotes: {},
    notResynced: {},
    connectErrors: {},
  };
  for (const c of watchedOnes) {
    const r = c.restart!;
    const k = firstView(c);
    if (k < 0) {
      const why = !r.downAt
        ? 'never disconnected'
        : c.socket?.connected
          ? 'reconnected, no view'
          : `not reconnected${r.lastError ? ` (last error: ${r.lastError})` : ''}`;
      bump(reply.notResynced, why);
      continue;
    }
    const at = r.views[k]!;
    reply.resyncedAt.push(at);
    reply.outageMs.push(r.downAt ? at - r.downAt : 0);
    reply.attempts.push(r.attempts);
    const attemptAt = r.viewAttemptAt[k / 2]!;
    if (attemptAt) reply.lastAttemptMs.push(at - attemptAt);
    const up = r.views[k + 1]!;
    bump(reply.upvotes, up < 0 ? 'none' : String(up));
  }
  for (const [k, v] of Object.entries(connectErrorReasons)) if (k.startsWith('restart: ')) reply.connectErrors[k.slice('restart: '.length)] = v;
  return reply;
}

function status(): StatusReply {
  return { connected: citizens.filter((c) => c.socket?.connected).length, holding: holding().length, disconnects, connectErrors };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'join':
      return join(req);
    case 'phase':
      setPhase(req.phase);
      recording = req.record;
      return status();
    case 'waitSeq':
      return waitSeq(req.seq, req.deadlineAt);
    case 'arrivals':
      return arrivals(req.seqs);
    case 'ask':
      return ask(req.text, req.ackTimeoutMs);
    case 'upvote':
      return upvote(req.questionId, req.ackTimeoutMs);
    case 'sync':
      return sync(req.questionId, req.ackTimeoutMs);
    case 'restartArm':
      return restartArm(req.questionId);
    case 'restartWait':
      return restartWait(req.exitedAt, req.deadlineAt);
    case 'tally':
      setPhase(phase);
      return { tallies, lagByPhase, disconnectReasons, connectErrorReasons, ...status() };
    case 'abort':
      aborted = true;
      return status();
  }
}

process.on('message', (msg: Request & { id: number }) => {
  handle(msg).then(
    (body) => send({ type: 'reply', id: msg.id, body }),
    (err: unknown) => send({ type: 'reply', id: msg.id, error: String((err as Error)?.message ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
