import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSession, joinAndConnect } from './helpers/clients.js';
import { startServer, type RunningServer } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

test('a citizen raises a hand and the facilitator gives the floor', async () => {
  const s = await createSession(server.url);
  const fac = await joinAndConnect(server.url, s, 'facilitator', 'Mariam');
  const cit = await joinAndConnect(server.url, s, 'citizen', 'Jonas');
  const ack = await cit.client.send('queue.raise', { kind: 'normal' });
  expect(ack.ok).toBe(true);
  const give = await fac.client.send('floor.give', { roomId: 'plenary' });
  expect(give).toMatchObject({ ok: true });
  await cit.client.caughtUp((give as { seq: number }).seq);
  expect(cit.client.room()?.floor?.participantId).toBe(cit.participantId);
  fac.client.close();
  cit.client.close();
});
