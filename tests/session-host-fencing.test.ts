/**
 * The session core under fencing (issue 12): a host that owns a session through a lease
 * appends under its epoch; once another node has taken the session over, the old host's
 * next command is refused by the store, changes nothing, and the host stops deciding and
 * ticking. The new owner carries on from the log. Real Redis, real session hosts.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SessionHost } from '../server/src/session/SessionHost.js';
import { RedisStore } from '../server/src/store/redis/RedisStore.js';
import { createSessionSchema } from '../shared/src/index.js';
import { sessionInput } from './helpers/fixtures.js';
import { startRedis, type RedisProcess } from './helpers/redis.js';

describe('a session host fenced off by a newer owner', () => {
  let redis: RedisProcess;
  let storeA: RedisStore, storeB: RedisStore;
  beforeAll(async () => {
    redis = await startRedis();
    storeA = new RedisStore(redis.url);
    storeB = new RedisStore(redis.url);
  });
  afterAll(async () => {
    await storeA.close();
    await storeB.close();
    await redis.stop();
  });

  test('the old owner is refused and stops; the new owner continues the same log', async () => {
    const logger = pino({ level: 'silent' });
    const input = createSessionSchema.parse(sessionInput({ settings: { queueRule: 'first-come-first-served' } }));
    // Node A creates the session, then owns it under the epoch of its lease.
    let epochA = 0;
    let fencedA = 0;
    const hostA = await SessionHost.create(input, {
      store: storeA,
      logger,
      snapshotEvery: 1000,
      lease: { fence: () => ({ epoch: epochA }), lost: () => (fencedA += 1) },
    });
    const leaseA = (await storeA.acquire(hostA.host.id, 'node-a', 200))!;
    epochA = leaseA.epoch;
    const fac = (await hostA.host.join(hostA.invites.facilitator, 'Mariam Haddad')).participant.id;
    const cit = (await hostA.host.join(hostA.invites.citizen, 'Øystein Berg')).participant.id;
    await hostA.host.execute(cit, 'queue.raise', { kind: 'normal' });

    // A stops renewing (paused); its lease expires and node B takes the session over from the log.
    let leaseB = await storeB.acquire(hostA.host.id, 'node-b', 30_000);
    for (const deadline = Date.now() + 10_000; !leaseB; leaseB = await storeB.acquire(hostA.host.id, 'node-b', 30_000)) {
      if (Date.now() > deadline) throw new Error('node B never took over');
      await new Promise((r) => setTimeout(r, 50));
    }
    const hostB = await SessionHost.load(hostA.host.id, {
      store: storeB,
      logger,
      snapshotEvery: 1000,
      lease: { fence: () => ({ epoch: leaseB!.epoch }), lost: () => undefined },
    });
    expect(hostB.state.rooms.plenary!.queue.map((e) => e.participantId)).toEqual([cit]);

    // A wakes up and decides as if it still owned the session: refused, and nothing is written.
    const seqBefore = (await storeB.readEvents(hostB.id)).length;
    await expect(hostA.host.execute(fac, 'floor.give', { roomId: 'plenary', participantId: cit })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(hostA.host.isFenced).toBe(true);
    expect(fencedA).toBe(1);
    await expect(hostA.host.execute(fac, 'agenda.start', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(fencedA).toBe(1);
    expect(await storeB.readEvents(hostB.id)).toHaveLength(seqBefore);

    // B carries on under its own epoch.
    await hostB.execute(fac, 'floor.give', { roomId: 'plenary', participantId: cit });
    expect(hostB.state.rooms.plenary!.floor?.participantId).toBe(cit);
    const log = await storeB.readEvents(hostB.id);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    hostA.host.dispose();
    hostB.dispose();
  });
});
