/**
 * Fair-queue controls (issue 13): a direct reply only while someone holds the floor (it
 * answers the speaker; without one it was a way for any citizen to jump a first-come
 * queue), and a list of speakers the facilitator can close and reopen (closed, it takes a
 * point of order and nothing else). Real server, real sockets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ControlClient } from '../client/src/ControlClient.js';
import { PLENARY } from '../shared/src/index.js';
import { createSession, joinAndConnect, sessionLog, type CreatedSession } from './helpers/clients.js';
import { must, ok, refused } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { rawAck } from './helpers/raw.js';
import { startServer, type RunningServer } from './helpers/server.js';

type Person = Awaited<ReturnType<typeof joinAndConnect>>;
let server: RunningServer;
let session: CreatedSession;
let fac: Person, c1: Person, c2: Person, c3: Person;
const plenary = (p: Person) => p.client.room(PLENARY)!;
const queue = (p: Person) => plenary(p).queue.map((e) => e.participantId);

beforeAll(async () => {
  server = await startServer();
  session = await createSession(server.url, { settings: { queueRule: 'first-come-first-served' } });
  fac = await joinAndConnect(server.url, session, 'facilitator', assembly.facilitators[0]!);
  c1 = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[0]!);
  c2 = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[1]!);
  c3 = await joinAndConnect(server.url, session, 'citizen', assembly.citizens[2]!);
}, 30_000);

afterAll(async () => {
  for (const p of [fac, c1, c2, c3]) p?.client.close();
  await server?.stop();
});

describe('fair-queue controls', () => {
  test('a direct reply is refused while nobody holds the floor, with a clear message, and changes nothing', async () => {
    ok(await c1.client.send('queue.raise', { kind: 'normal' }));
    const before = (await sessionLog(server.url, session.sessionId, fac.token)).length;
    const ack = await c2.client.send('queue.raise', { kind: 'direct-reply' });
    refused(ack, 'CONFLICT');
    if (!ack.ok) expect(ack.error.message).toMatch(/nobody has it now/);
    expect((await sessionLog(server.url, session.sessionId, fac.token)).length).toBe(before);
    // A plain hand goes in behind the first.
    await fac.client.caughtUp(ok(await c2.client.send('queue.raise', { kind: 'normal' })));
    expect(queue(fac)).toEqual([c1.participantId, c2.participantId]);
  });

  test('while someone speaks, a direct reply goes ahead of the waiting hands', async () => {
    ok(await fac.client.send('floor.give', { roomId: PLENARY, participantId: c1.participantId }));
    const replied = await must(c3.client.send('queue.raise', { kind: 'direct-reply' }), 'direct reply');
    await fac.client.caughtUp(replied.seq);
    expect(queue(fac)).toEqual([c3.participantId, c2.participantId]);
    expect(plenary(fac).queue[0]!.reason).toEqual({ code: 'direct-reply' });
    ok(await fac.client.send('floor.end', { roomId: PLENARY }));
  });

  test('a closed list of speakers takes a point of order and nothing else; the hands already raised stay; reopened, it takes hands again', async () => {
    const closed = await must(fac.client.send('queue.setOpen', { roomId: PLENARY, open: false }), 'close the list');
    await c1.client.caughtUp(closed.seq);
    expect(plenary(c1).queueOpen).toBe(false);
    expect(queue(c1)).toEqual([c3.participantId, c2.participantId]);
    const normal = await c1.client.send('queue.raise', { kind: 'normal' });
    refused(normal, 'CONFLICT');
    if (!normal.ok) expect(normal.error.message).toBe('The list of speakers is closed; only a point of order can be raised.');
    // Closing twice is a conflict, not a second event.
    refused(await fac.client.send('queue.setOpen', { roomId: PLENARY, open: false }), 'CONFLICT');
    // A direct reply is a hand too: refused on a closed list even while someone speaks.
    ok(await fac.client.send('floor.give', { roomId: PLENARY, participantId: c2.participantId }));
    refused(await c1.client.send('queue.raise', { kind: 'direct-reply' }), 'CONFLICT');
    const order = await must(c1.client.send('queue.raise', { kind: 'point-of-order' }), 'point of order');
    await fac.client.caughtUp(order.seq);
    expect(queue(fac)[0]).toBe(c1.participantId);
    ok(await fac.client.send('floor.end', { roomId: PLENARY }));
    ok(await c1.client.send('queue.lower', {}));

    const reopened = await must(fac.client.send('queue.setOpen', { roomId: PLENARY, open: true }), 'reopen');
    await c1.client.caughtUp(reopened.seq);
    expect(plenary(c1).queueOpen).toBe(true);
    ok(await c1.client.send('queue.raise', { kind: 'normal' }));
    const events = (await sessionLog(server.url, session.sessionId, fac.token)).filter((e) => e.type === 'queue.open-set');
    expect(events.map((e) => e.payload)).toEqual([
      { roomId: PLENARY, open: false },
      { roomId: PLENARY, open: true },
    ]);
  });

  test('hostile: the wrong role, malformed and unknown rooms, a duplicate, and a reconnect mid-command', async () => {
    refused(await c1.client.send('queue.setOpen' as never, { roomId: PLENARY, open: false } as never), 'FORBIDDEN');
    refused(await rawAck(fac.client, 'queue.setOpen', { roomId: PLENARY, open: 'no' }), 'VALIDATION_FAILED');
    refused(await rawAck(fac.client, 'queue.setOpen', { roomId: PLENARY }), 'VALIDATION_FAILED');
    refused(await rawAck(fac.client, 'queue.setOpen', { roomId: PLENARY, open: false, extra: 1 }), 'VALIDATION_FAILED');
    refused(await fac.client.send('queue.setOpen', { roomId: 'room-nowhere', open: false }), 'NOT_FOUND');
    // The same request twice: one event, the same answer.
    const first = await must(fac.client.send('queue.setOpen', { roomId: PLENARY, open: false }, 'close-1'), 'close');
    const again = await must(fac.client.send('queue.setOpen', { roomId: PLENARY, open: false }, 'close-1'), 'close again');
    expect(again.seq).toBe(first.seq);
    // The facilitator's connection drops as the reopen leaves; the retry on a new connection is answered, done once.
    const lost = new ControlClient({ url: server.url, sessionId: session.sessionId, token: fac.token, socket: { reconnection: false } });
    await lost.waitFor((x) => x.view !== null, 10_000, 'view');
    const pending = lost.send('queue.setOpen', { roomId: PLENARY, open: true }, 'reopen-1').catch(() => null);
    lost.close();
    await pending;
    const retried = await fac.client.send('queue.setOpen', { roomId: PLENARY, open: true }, 'reopen-1');
    const opens = (await sessionLog(server.url, session.sessionId, fac.token)).filter((e) => e.type === 'queue.open-set' && e.payload.open);
    // Either the first attempt ran (and the retry is its answer) or it never left (and the retry ran it): once, either way.
    expect(retried.ok).toBe(true);
    expect(opens.length).toBe(2);
  });
});
