import { expect } from 'vitest';
import type { Ack, ErrorCode } from '../../shared/src/index.js';
import type { ControlClient } from '../../client/src/ControlClient.js';

/** Assert an ack succeeded and return its seq. */
export function ok(ack: Ack): number {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
  return ack.seq;
}

export function refused(ack: Ack, code: ErrorCode): void {
  expect(ack.ok, `expected ${code}`).toBe(false);
  if (!ack.ok) {
    expect(ack.error.code).toBe(code);
    expect(ack.error.message.length).toBeGreaterThan(0);
  }
}

/** Wait until every client's view includes `seq`. */
export async function allCaughtUp(seq: number, ...clients: ControlClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.caughtUp(seq)));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Await a command that setup needs to succeed; a refusal fails the test with what and why. */
export async function must(p: Promise<Ack>, what: string): Promise<{ seq: number; result?: unknown }> {
  const ack = await p;
  if (!ack.ok) throw new Error(`${what} failed: ${JSON.stringify(ack.error)}`);
  return ack;
}
