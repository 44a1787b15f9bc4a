/**
 * What the bench's parent process and its load-generator children say to each other
 * over the fork() IPC channel: one request at a time, each answered once.
 *
 * Times are milliseconds on CLOCK_MONOTONIC (`monoMs()`), which every process on the
 * machine shares, so a send time taken in one generator and an arrival time taken in
 * another can be subtracted.
 */

export interface ClientSpec {
  /** Editors type into their own recommendation; viewers only read. */
  kind: 'editor' | 'viewer';
  /** Editor number, 0..E-1 (editors only). */
  editor?: number;
  /** Viewers that record the arrival time of every entry. */
  sampled?: boolean;
  /** Townhall credential; the reference server takes none. */
  token?: string;
}

export type Request =
  | {
      op: 'connect';
      wsUrl: string;
      room: string;
      clients: ClientSpec[];
      /** Clients are started evenly over this many ms (this process's share starting `phase` of a step late). */
      rampMs: number;
      phase: number;
      timeoutMs: number;
      /** Viewers publish no awareness state of their own (they still relay others', as the stock provider does). */
      viewersQuiet: boolean;
    }
  | { op: 'create' }
  | { op: 'awaitRecommendations'; editors: number; timeoutMs: number }
  | { op: 'type'; startAt: number; entries: number; periodMs: number; editors: number }
  | { op: 'awaitDrained'; editors: number; entries: number; timeoutMs: number }
  | { op: 'counters' }
  | { op: 'report' }
  | { op: 'stop' };

export interface TypedResult {
  /** editor number → send time of entry i (ms, monotonic). */
  sends: Record<number, number[]>;
  typed: number;
  lastSentAt: number;
}

export interface DrainedResult {
  /** When the last of this process's clients held every entry (ms, monotonic), or null on timeout. */
  drainedAt: number | null;
  complete: number;
  clients: number;
}

export interface ReportResult {
  /** sha256 of each client's canonical JSON document, in client order. */
  hashes: string[];
  /** Sampled viewers' arrival times: [viewer][editor][entry] (ms, monotonic; null if never seen). */
  arrivals: (number | null)[][][];
  /** Connection closes and permission-denied messages seen by the clients. */
  closes: number;
  denied: string[];
  /** Every client synced at the end. */
  connected: number;
  /** Messages the clients received from the server, by y-websocket message type. */
  received: Record<string, number>;
}

export type Message = { id: number; request: Request };
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Milliseconds on CLOCK_MONOTONIC: comparable between processes on one Linux machine, and with V8 profile timestamps (µs). */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The text of editor `k`'s entry `i`: the counter the viewers read back, then a separator. */
export function entryText(i: number): string {
  return `${i};`;
}

/** Length of a body holding entries 0..n-1. */
export function bodyLength(n: number): number {
  let len = 0;
  for (let i = 0; i < n; i++) len += entryText(i).length;
  return len;
}

export function recommendationId(editor: number): string {
  return `rec-e${editor}`;
}
