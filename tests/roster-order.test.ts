import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import { createSession, joinAndConnect, type CreatedSession } from './helpers/clients.js';
import { ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

/*
 * The members of a small breakout room, as the citizens in it see them, must not
 * tell who joined when: two sessions where the same names join in opposite orders
 * show the same list.
 */

let server: RunningServer;
const clients: ControlClient[] = [];
const names = assembly.citizens.slice(0, 7);

async function roomOf(order: readonly string[]) {
  const session: CreatedSession = await createSession(server.url);
  const fac = await joinAndConnect(server.url, session, 'facilitator', assembly.facilitators[0]!);
  const citizens = [];
  for (const name of order) citizens.push(await joinAndConnect(server.url, session, 'citizen', name));
  clients.push(fac.client, ...citizens.map((c) => c.client));
  ok(await fac.client.send('rooms.create', { count: 1 }));
  const seq = ok(await fac.client.send('rooms.assign', { assignments: citizens.map((c) => ({ participantId: c.participantId, roomId: 'room-1' })) }));
  await Promise.all(citizens.map((c) => c.client.caughtUp(seq)));
  return { session, fac, citizens };
}

const membersSeenBy = (client: ControlClient) => client.view!.rooms.find((r) => r.id === 'room-1')!.members!;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

test('a citizen sees a small breakout room’s members by name, whatever the order they joined in', async () => {
  const forwards = await roomOf(names);
  const backwards = await roomOf([...names].reverse());
  const seen = [forwards.citizens[0]!, forwards.citizens[6]!, backwards.citizens[3]!].map((c) => membersSeenBy(c.client).map((m) => m.displayName));
  expect(seen[0]).toHaveLength(names.length);
  expect(seen[1]).toEqual(seen[0]);
  expect(seen[2]).toEqual(seen[0]);
  expect(seen[0]).toEqual([...names].sort(new Intl.Collator('en', { numeric: true }).compare));
  expect(seen[0]).not.toEqual(names);
  // Facilitators run the session and keep their own roster (with its orderings); the room list is for citizens.
  expect(forwards.fac.client.view!.rooms.find((r) => r.id === 'room-1')!.members).toBeNull();
});

test('a newcomer takes their place by name, and two people of one name are ordered by their random ids', async () => {
  const { session, fac, citizens } = await roomOf(names.slice(0, 3));
  const late = await joinAndConnect(server.url, session, 'citizen', 'Aaron Early-By-Name');
  const twins = [await joinAndConnect(server.url, session, 'citizen', names[1]!), await joinAndConnect(server.url, session, 'citizen', names[1]!)];
  clients.push(late.client, ...twins.map((t) => t.client));
  const seq = ok(await fac.client.send('rooms.assign', { assignments: [late, ...twins].map((c) => ({ participantId: c.participantId, roomId: 'room-1' })) }));
  await citizens[0]!.client.caughtUp(seq);
  const members = membersSeenBy(citizens[0]!.client);
  expect(members[0]!.displayName).toBe('Aaron Early-By-Name');
  const sameName = members.filter((m) => m.displayName === names[1]);
  expect(sameName).toHaveLength(3);
  expect(sameName.map((m) => m.participantId)).toEqual(sameName.map((m) => m.participantId).sort());
});
