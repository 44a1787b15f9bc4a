/**
 * Erasure in a cluster (issue 14 §5 on Redis): a request through a node that does not
 * own the session is decided by the owner; every node's views then show the person as
 * a former participant; the name is in no Redis key and, once Redis has rewritten its
 * append-only file, in no file of Redis either; and a new owner after a kill -9 still
 * has the other names and not the erased one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, createSession, join, sessionLog, type CreatedSession, type Joined } from './helpers/clients.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { ok } from './helpers/expect.js';
import { redisKeysHold } from './helpers/redis.js';

const ERASED = 'Hildegard Vanishing-Example';
const KEPT = 'Konstantin Staying-Example';

let cluster: TestCluster;
let urls: string[];
let session: CreatedSession;
let fac: Joined;
let erased: Joined;
let kept: Joined;
const clients: ControlClient[] = [];

/** Every file under a directory, recursively, holds the text? */
function filesHold(dir: string, text: string): boolean {
  return readdirSync(dir).some((f) => {
    const path = joinPath(dir, f);
    return statSync(path).isDirectory() ? filesHold(path, text) : readFileSync(path).includes(Buffer.from(text));
  });
}

beforeAll(async () => {
  cluster = await startCluster(3);
  urls = cluster.nodes.map((n) => n.url);
  session = await createSession(urls[0]!);
  fac = await join(urls[1]!, session, 'facilitator', 'Facilitator of the cluster');
  erased = await join(urls[2]!, session, 'citizen', ERASED);
  kept = await join(urls[1]!, session, 'citizen', KEPT);
  const c = await connect(urls[2]!, erased);
  clients.push(c);
  ok(await c.send('queue.raise', {}));
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('erasure across nodes', () => {
  test('through a node that does not own the session: decided once, seen on every node, gone from Redis', async () => {
    const owner = (await cluster.lease(session.sessionId))!.nodeId;
    const via = urls[cluster.nodes.findIndex((n) => n.nodeId !== owner)]!;
    expect(await redisKeysHold(cluster.redis.url, ERASED)).toBe(true);
    const res = await api<{ erased: string[] }>(via, `/api/sessions/${session.sessionId}/erasures`, {
      token: fac.token,
      body: { participantIds: [erased.participantId] },
    });
    expect(res.status).toBe(200);
    expect(res.body.erased).toEqual([erased.participantId]);

    for (const url of urls) {
      const c = await connect(url, fac);
      clients.push(c);
      await vi.waitFor(() => {
        const names = new Map(c.view!.participants!.map((p) => [p.participantId, p.displayName]));
        expect(names.get(erased.participantId)).toBe('');
        expect(names.get(kept.participantId)).toBe(KEPT);
        // The hand stays in the queue, under no name.
        expect(c.view!.rooms[0]!.queue.map((e) => e.displayName)).toEqual(['']);
      }, 10_000);
    }
    const log = await sessionLog(urls[0]!, session.sessionId, fac.token);
    expect(log.filter((e) => e.type === 'personal-data.erased')).toHaveLength(1);

    expect(await redisKeysHold(cluster.redis.url, ERASED)).toBe(false);
    expect(await redisKeysHold(cluster.redis.url, KEPT)).toBe(true);
    // The append-only file held the command that wrote the name until Redis rewrote it.
    await vi.waitFor(() => expect(filesHold(cluster.redis.dir, ERASED)).toBe(false), 20_000);
    expect(filesHold(cluster.redis.dir, KEPT)).toBe(true);
  });

  test('the owner killed: the new owner replays the log from Redis with the kept names and without the erased one', async () => {
    const before = (await cluster.lease(session.sessionId))!;
    const i = cluster.nodes.findIndex((n) => n.nodeId === before.nodeId);
    cluster.nodes[i]!.child.kill('SIGKILL');
    await cluster.nodes[i]!.exited;
    await vi.waitFor(async () => expect((await cluster.lease(session.sessionId))?.nodeId ?? before.nodeId).not.toBe(before.nodeId), 15_000);
    const alive = urls.filter((_, j) => j !== i);
    const me = await api<{ displayName: string }>(alive[0]!, `/api/sessions/${session.sessionId}/me`, { token: erased.token });
    expect(me.body.displayName).toBe('');
    const c = await connect(alive[1]!, fac);
    clients.push(c);
    const names = new Map(c.view!.participants!.map((p) => [p.participantId, p.displayName]));
    expect(names.get(erased.participantId)).toBe('');
    expect(names.get(kept.participantId)).toBe(KEPT);
    // A second erasure of the same person is refused by the new owner too.
    const again = await api(alive[0]!, `/api/sessions/${session.sessionId}/erasures`, { token: fac.token, body: { participantIds: [erased.participantId] } });
    expect(again.status).toBe(409);
  });
});
