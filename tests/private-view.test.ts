/**
 * The sender's private view comes with the ack of a command: one message instead of two (in an upvote storm of 10 000, the second was a third of the
 * server's socket writes). The participant's other devices get it as `session.me`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import type { MeView } from '../shared/src/index.js';
import { connect, createSession, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

describe('the private view in the ack', () => {
  let server: RunningServer;
  let session: CreatedSession;
  const open: ControlClient[] = [];

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url);
  });
  afterAll(async () => {
    open.forEach((c) => c.close());
    await server.stop();
  });

  /** Every `session.me` a socket receives from now on. */
  const meMessages = (c: ControlClient) => {
    const seen: MeView[] = [];
    c.socket.on('session.me', (me) => seen.push(me));
    return seen;
  };

  test('an upvote is acked with the new private view; the sender gets no second message, its other device gets one', async () => {
    const fac = await joinAndConnect(server.url, session, 'facilitator', assembly.facilitators[0]!);
    const asker = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[0]!);
    const voter = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[1]!);
    const phone = await connect(server.url, voter);
    open.push(fac.client, asker.client, voter.client, phone);
    ok(await fac.client.send('settings.update', { patch: { qaPremoderation: false } }));
    const asked = await asker.client.send('qa.ask', { text: assembly.questions[0]!, anonymous: false });
    const questionId = (asked as { result: { questionId: string } }).result.questionId;

    const onLaptop = meMessages(voter.client);
    const onPhone = meMessages(phone);
    const ack = await voter.client.send('qa.upvote', { questionId });
    expect(ack).toMatchObject({ ok: true, me: { participantId: voter.participantId, upvoted: [questionId] } });
    expect(voter.client.me!.upvoted).toEqual([questionId]);
    await phone.waitFor((c) => c.me?.upvoted.includes(questionId) === true, 5000, 'the other device to see the upvote');
    // The flush that publishes the new count is the one that would send the private view again;
    // once the count is here, an ack on the same socket comes after anything that flush sent.
    await voter.client.waitFor((c) => c.room('plenary')!.questions.find((q) => q.id === questionId)?.upvotes === 1, 5000, 'the new count');
    ok(await voter.client.send('state.sync', { rev: voter.client.view!.rev }));
    expect(onLaptop).toEqual([]);
    expect(onPhone.map((m) => m.upvoted)).toEqual([[questionId]]);

    // Any command moves the sender's private view at least to its own seq: the ack says so.
    const started = await fac.client.send('agenda.start', {});
    expect(started).toMatchObject({ ok: true, me: { participantId: fac.participantId } });
    const { seq, me } = started as { seq: number; me: MeView };
    expect(me.seq).toBeGreaterThanOrEqual(seq);
    expect(fac.client.me!.seq).toBeGreaterThanOrEqual(seq);
    // It says nothing about the view, whose patch comes in the next flush: catching up still waits for that.
    await fac.client.caughtUp(seq);
    expect(fac.client.view!.agenda[0]!.status).toBe('active');
  });

  test('a refused command carries no private view, and a repeat of a done one answers the same', async () => {
    const voter = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[2]!);
    open.push(voter.client);
    const questionId = voter.client.room('plenary')!.questions[0]!.id;
    const first = await voter.client.send('qa.upvote', { questionId }, 'upvote-once');
    const repeat = await voter.client.send('qa.upvote', { questionId }, 'upvote-once');
    expect(repeat).toEqual(first);
    const again = await voter.client.send('qa.upvote', { questionId });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect('me' in again).toBe(false);
    expect(voter.client.me!.upvoted).toEqual([questionId]);
  });
});
