/**
 * A large audience's view is held while events pour in: an upvote storm is one broadcast
 * of the final count, not one per coalescing window. Two servers run the same storm, one
 * where the plenary counts as large (`TOWNHALL_HOLD_FROM_SOCKETS` below its size) and one
 * where it does not; the watching citizen counts the patches it receives.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import type { Ack } from '../shared/src/index.js';
import { connect, createSession, join, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { ok } from './helpers/expect.js';
import { startServer, type RunningServer } from './helpers/server.js';

const VOTERS = 30;
/** One vote every this many ms, without waiting for acks: the storm spans a dozen coalescing windows (50 ms). */
const SPACING_MS = 20;

interface Storm {
  acks: Ack[];
  /** Patches the watcher received from the first vote until it saw the final count. */
  patches: number;
  /** The counts those patches showed, in order. */
  counts: number[];
  watcher: ControlClient;
  late: ControlClient;
  questionId: string;
  /** A state.sync sent mid-storm: votes acknowledged before it was sent, and the count its answer left the watcher with. */
  midStorm: { ackedBefore: number; countAfter: number };
  /** The watcher's count once a state.sync sent after the last ack was answered. */
  countAfterLastAck: number;
}

async function upvoteStorm(server: RunningServer, session: CreatedSession, open: ControlClient[]): Promise<Storm> {
  const fac = await joinAndConnect(server.url, session, 'facilitator', 'Facilitator');
  open.push(fac.client);
  ok(await fac.client.send('settings.update', { patch: { qaPremoderation: false } }));
  const watcher = (await joinAndConnect(server.url, session, 'citizen', 'Watcher')).client;
  open.push(watcher);
  const voters: ControlClient[] = [];
  for (let i = 0; i < VOTERS; i++) {
    const v = (await joinAndConnect(server.url, session, 'citizen', `Voter ${i + 1}`)).client;
    open.push(v);
    voters.push(v);
  }
  // Joined now, connected in the middle of the storm: a reconnect mid-action.
  const lateJoin = await join(server.url, session, 'citizen', 'Late');
  const asked = await watcher.send('qa.ask', { text: 'Who decides the bus routes?', anonymous: false });
  const questionId = (asked as { result: { questionId: string } }).result.questionId;
  await watcher.waitFor((c) => c.room('plenary')!.questions.some((q) => q.id === questionId), 5000, 'the question');

  const counts: number[] = [];
  let patches = 0;
  const countOf = (c: ControlClient) => c.room('plenary')!.questions.find((q) => q.id === questionId)?.upvotes ?? -1;
  const onPatch = () => {
    patches += 1;
    // The client applies a patch in its own listener, registered first.
    queueMicrotask(() => counts.push(countOf(watcher)));
  };
  watcher.socket.on('session.viewPatch', onPatch);

  const sent: Promise<Ack>[] = [];
  let late: ControlClient | null = null;
  let acked = 0;
  let sync: Promise<{ ackedBefore: number; countAfter: number }> | null = null;
  for (let i = 0; i < VOTERS; i++) {
    sent.push(voters[i]!.send('qa.upvote', { questionId }).then((ack) => ((acked += 1), ack)));
    if (i === VOTERS / 2) late = await connect(server.url, lateJoin);
    if (i === (VOTERS * 2) / 3) {
      // Mid-storm, without pausing it: state.sync promises every change decided before its answer.
      const ackedBefore = acked;
      sync = watcher.send('state.sync', { rev: watcher.view!.rev }).then((ack) => {
        ok(ack);
        return { ackedBefore, countAfter: countOf(watcher) };
      });
    }
    await new Promise((r) => setTimeout(r, SPACING_MS));
  }
  const acks = await Promise.all(sent);
  const midStorm = await sync!;
  // Straight after the last ack, while the last votes' window may still hold the count back.
  ok(await watcher.send('state.sync', { rev: watcher.view!.rev }));
  const countAfterLastAck = countOf(watcher);
  await watcher.waitFor((c) => countOf(c) === VOTERS, 10_000, 'the final count');
  watcher.socket.off('session.viewPatch', onPatch);
  open.push(late!);
  return { acks, patches, counts, watcher, late: late!, questionId, midStorm, countAfterLastAck };
}

describe('holding a large audience while events pour in', () => {
  const servers: RunningServer[] = [];
  const open: ControlClient[] = [];
  let held: Storm;
  let live: Storm;

  beforeAll(async () => {
    // The plenary holds 33 citizens: large for the first server, small for the second. Both coalesce over the default window, not the tests' 5 ms.
    const large = await startServer({ env: { TOWNHALL_HOLD_FROM_SOCKETS: '10', TOWNHALL_BROADCAST_MS: '50' } });
    const small = await startServer({ env: { TOWNHALL_BROADCAST_MS: '50' } });
    servers.push(large, small);
    held = await upvoteStorm(large, await createSession(large.url), open);
    live = await upvoteStorm(small, await createSession(small.url), open);
  }, 120_000);
  afterAll(async () => {
    open.forEach((c) => c.close());
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('every vote is acknowledged with the voter’s private view, and counts once', () => {
    for (const storm of [held, live]) {
      expect(storm.acks).toHaveLength(VOTERS);
      for (const ack of storm.acks) expect(ack).toMatchObject({ ok: true, me: { upvoted: [storm.questionId] } });
    }
  });

  test('a small audience sees the count climb; a large one gets it only when asked and at the end', () => {
    // Unheld, a storm across a dozen windows shows several intermediate counts.
    expect(live.patches).toBeGreaterThanOrEqual(3);
    expect(new Set(live.counts).size).toBeGreaterThanOrEqual(3);
    // Held: the mid-storm state.sync's patch, and one at the end (one more if the machine stretched the storm past the one-second bound).
    expect(held.patches).toBeGreaterThanOrEqual(1);
    expect(held.patches).toBeLessThanOrEqual(3);
    expect(held.patches).toBeLessThan(live.patches);
    expect(held.counts.at(-1)).toBe(VOTERS);
  });

  test('a citizen who connects during the hold starts from the held view and reaches the same count', async () => {
    const countOf = (c: ControlClient) => c.room('plenary')!.questions.find((q) => q.id === held.questionId)?.upvotes;
    await held.late.waitFor((c) => countOf(c) === VOTERS, 10_000, 'the final count on the late socket');
    expect(held.late.view!.rev).toBe(held.watcher.view!.rev);
  });

  test('state.sync in the middle or at the end of a held storm brings the asker every vote acknowledged before it', () => {
    for (const storm of [held, live]) {
      expect(storm.midStorm.ackedBefore).toBeGreaterThan(0);
      expect(storm.midStorm.countAfter).toBeGreaterThanOrEqual(storm.midStorm.ackedBefore);
      expect(storm.countAfterLastAck).toBe(VOTERS);
    }
  });

  test('state.sync during quiet answers with the current view; the hold never loses a change', async () => {
    ok(await held.late.send('state.sync', { rev: held.late.view!.rev }));
    expect(held.late.room('plenary')!.questions.find((q) => q.id === held.questionId)?.upvotes).toBe(VOTERS);
  });
});
