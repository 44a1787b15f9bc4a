/**
 * What the plenary bench's driver, load generators and baseline server share: the
 * clock, the Socket.IO client with frame accounting, and the IPC messages.
 */
import { Manager, type ManagerOptions, type Socket } from 'socket.io-client';

/** Milliseconds since the epoch with sub-millisecond resolution, comparable across the processes of one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

const PACKET_TYPES = ['connect', 'disconnect', 'event', 'ack', 'connect_error', 'binary_event', 'binary_ack'];

/**
 * The name of what a Socket.IO text frame carries, read from its head without parsing
 * it: the event name for `2["name",…]` (default namespace, optional ack id), 'ack'
 * for an acknowledgement, otherwise the packet type.
 */
export function frameName(data: unknown): string {
  if (typeof data !== 'string') return 'binary';
  const type = data.charCodeAt(0) - 48;
  if (type === 2) {
    let i = 1;
    while (i < data.length && data.charCodeAt(i) >= 48 && data.charCodeAt(i) <= 57) i++;
    if (data.startsWith('["', i)) {
      const end = data.indexOf('"', i + 2);
      if (end > 0) return data.slice(i + 2, end);
    }
    return 'event';
  }
  return PACKET_TYPES[type] ?? 'unknown';
}

/** Size of a frame: characters of a text frame (= bytes for the ASCII the bench sends), bytes of a binary one. */
export function frameBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Told about every Socket.IO frame the socket receives, before it is parsed. Return
 * false to drop it unparsed (the bench drops `session.roster`, which it only counts).
 */
export type FrameSink = (name: string, bytes: number) => boolean;

/**
 * A socket.io-client socket over WebSocket only, whose manager reports each incoming
 * frame to `sink` before decoding it (an override of the manager's `ondata`, which
 * socket.io-client 4.8 binds when the transport opens, so it also holds after reconnects).
 */
export function openSocket(url: string, auth: Record<string, string>, sink: FrameSink, opts: Partial<ManagerOptions> = {}): Socket {
  const manager = new Manager(url, {
    transports: ['websocket'],
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    timeout: 20_000,
    ...opts,
  });
  const m = manager as unknown as { ondata(data: unknown): void };
  const deliver = m.ondata.bind(manager);
  m.ondata = (data: unknown) => {
    if (sink(frameName(data), frameBytes(data))) deliver(data);
  };
  const socket = manager.socket('/', { auth });
  socket.connect();
  return socket;
}

/** Count and bytes of received frames, by what they carry. */
export type Tally = Record<string, { n: number; bytes: number }>;

export function addTo(tally: Tally, name: string, bytes: number): void {
  const t = (tally[name] ??= { n: 0, bytes: 0 });
  t.n += 1;
  t.bytes += bytes;
}

export function mergeTallies(into: Tally, from: Tally): Tally {
  for (const [name, t] of Object.entries(from)) {
    const x = (into[name] ??= { n: 0, bytes: 0 });
    x.n += t.n;
    x.bytes += t.bytes;
  }
  return into;
}

export type Mode = 'townhall' | 'baseline';

/** Driver → generator. Every request is answered with a `reply` carrying the same id. */
export type Request =
  | {
      type: 'join';
      mode: Mode;
      url: string;
      /** Townhall only. */
      sessionId: string;
      /** Townhall only: the citizen invite. */
      invite: string;
      /** Global index of this generator's first citizen (for display names). */
      first: number;
      count: number;
      concurrency: number;
      deadlineAt: number;
      /** A citizen without a view after this long frees its slot (and keeps trying in the background). */
      slotTimeoutMs: number;
    }
  | { type: 'phase'; phase: string; record: boolean }
  | { type: 'waitSeq'; seq: number; deadlineAt: number }
  | { type: 'arrivals'; seqs: number[] }
  | { type: 'ask'; text: string; ackTimeoutMs: number }
  | { type: 'upvote'; questionId: string; ackTimeoutMs: number }
  | { type: 'sync'; questionId: string; ackTimeoutMs: number }
  | { type: 'restartArm'; questionId: string | null }
  | { type: 'restartWait'; exitedAt: number; deadlineAt: number }
  | { type: 'tally' }
  | { type: 'abort' };

export interface JoinReply {
  count: number;
  /** Earliest HTTP join start, epoch ms. */
  firstStart: number;
  /** When each citizen that got one received its first view, epoch ms. */
  viewedAt: number[];
  /** Per citizen that got a view: from the start of its HTTP join to its first view, ms. */
  toView: number[];
  /** Per citizen: HTTP join round trip, ms. */
  httpMs: number[];
  /** JSON size of each first `session.view`. */
  viewBytes: number[];
  notViewed: number;
  failures: Record<string, number>;
  retries: number;
  retryReasons: Record<string, number>;
}

export interface WaitSeqReply {
  holding: number;
  reached: number;
}

export interface ArrivalsReply {
  /** arrivals[k][i]: when citizen i (of those holding a view) first had seq >= seqs[k]; -1 if never. */
  arrivals: number[][];
  holding: number;
}

export interface UpvoteReply {
  sent: number;
  /** Citizens holding a view whose socket was not connected when the storm began (they send nothing). */
  notConnected: number;
  firstSend: number;
  lastAck: number;
  ok: number;
  codes: Record<string, number>;
  /** Ack round trips of acknowledged upvotes, ms. */
  latencies: number[];
}

export interface RestartArmReply {
  /** Citizens holding a view, watched through the restart. */
  armed: number;
  /** Of them, those whose socket was not connected when the restart began. */
  notConnected: number;
}

export interface RestartReply {
  armed: number;
  /** Per resynced citizen: when its first `session.view` from the new server arrived, epoch ms. */
  resyncedAt: number[];
  /** Per resynced citizen: from its socket's disconnect to that view, ms (the outage it saw). */
  outageMs: number[];
  /** Per resynced citizen: reconnection attempts its Socket.IO manager made. */
  attempts: number[];
  /** Per resynced citizen: from the start of the attempt that succeeded to the view, ms (the server's part, whatever the back-off). */
  lastAttemptMs: number[];
  /** Per resynced citizen: the upvotes of the storm's question in that view, by value ('none': no such question in a plenary room). */
  upvotes: Record<string, number>;
  /** Citizens not resynced by the deadline, by why. */
  notResynced: Record<string, number>;
  /** Connect errors during the phase, by reason. */
  connectErrors: Record<string, number>;
}

export interface TallyReply extends StatusReply {
  tallies: Record<string, Tally>;
  /** Per phase, this generator's event-loop delay, ms. */
  lagByPhase: Record<string, { p99: number; max: number }>;
  disconnectReasons: Record<string, number>;
  connectErrorReasons: Record<string, number>;
}

export interface StatusReply {
  connected: number;
  holding: number;
  disconnects: number;
  connectErrors: number;
}

export interface Progress {
  type: 'progress';
  started: number;
  joined: number;
  viewed: number;
  failed: number;
  connected: number;
}

export type FromGenerator = { type: 'ready' } | Progress | { type: 'reply'; id: number; body?: unknown; error?: string };
