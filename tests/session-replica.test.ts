/**
 * Replicas follow the log (issue 12): a node that does not own a session keeps its state
 * by following the session's log in Redis, and ends up with exactly the owner's state —
 * through Redis being killed and restarted, and through a feed that loses batches (the
 * replica reads the log when a batch does not continue what it holds).
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { LogFeed } from '../server/src/ports/LogFeed.js';
import { SessionHost } from '../server/src/session/SessionHost.js';
import { SessionReplica } from '../server/src/session/SessionReplica.js';
import { RedisStore } from '../server/src/store/redis/RedisStore.js';
import { createSessionSchema } from '../shared/src/index.js';
import { sessionInput } from './helpers/fixtures.js';
import { startRedis, type RedisProcess } from './helpers/redis.js';

const logger = pino({ level: 'silent' });

describe('a replica following the log', () => {
  let redis: RedisProcess;
  const closers: (() => Promise<void> | void)[] = [];
  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await redis.stop();
  });
  const store = () => {
    const s = new RedisStore(redis.url);
    closers.push(() => s.close());
    return s;
  };
  const owner = async () => {
    const { host, invites } = await SessionHost.create(createSessionSchema.parse(sessionInput({ settings: { queueRule: 'first-come-first-served' } })), {
      store: store(),
      logger,
      snapshotEvery: 1000,
    });
    closers.push(() => host.dispose());
    const fac = (await host.join(invites.facilitator, 'Mariam Haddad')).participant.id;
    const citizens: string[] = [];
    for (let i = 0; i < 3; i++) citizens.push((await host.join(invites.citizen, `Citizen ${i}`)).participant.id);
    return { host, fac, citizens };
  };
  const caughtUp = async (replica: SessionReplica, seq: number) => {
    for (const deadline = Date.now() + 15_000; replica.state.seq < seq; ) {
      if (Date.now() > deadline) throw new Error(`the replica stayed at seq ${replica.state.seq}, the owner is at ${seq}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await replica.settled();
  };

  test('a replica on another connection ends with exactly the owner’s state, through Redis being killed and restarted', async () => {
    const { host, fac, citizens } = await owner();
    const followerStore = store();
    const replica = await SessionReplica.open(followerStore, followerStore, host.id);
    closers.push(() => replica.close());
    expect(replica.state).toEqual(host.state);

    for (const c of citizens) await host.execute(c, 'queue.raise', { kind: 'normal' });
    await host.execute(fac, 'floor.give', { roomId: 'plenary', participantId: citizens[0]! });
    await caughtUp(replica, host.state.seq);
    expect(replica.state).toEqual(host.state);

    // Redis dies and comes back from its append-only file; the owner writes again, the replica follows on.
    redis.child.kill('SIGKILL');
    await redis.restart();
    let seq = 0;
    for (let attempt = 0; seq === 0; attempt++) {
      // The owner's connection reconnects by itself; a command that raced the restart is answered with an error and retried.
      seq = await host.execute(fac, 'agenda.start', {}).then(
        (o) => o.seq,
        (err: { code?: string }) => {
          if (attempt > 100) throw err;
          return new Promise<number>((r) => setTimeout(() => r(0), 100));
        },
      );
    }
    await host.execute(citizens[1]!, 'queue.lower', {});
    await caughtUp(replica, host.state.seq);
    expect(replica.state).toEqual(host.state);
  });

  test('a feed that loses batches does not lose events: the replica reads the log when a batch does not continue its state', async () => {
    const { host, fac, citizens } = await owner();
    const followerStore = store();
    // A lossy transport, as pub/sub can be: every other batch never arrives.
    let n = 0;
    const lossy: LogFeed = {
      follow: (sessionId, afterSeq, onEvents) => followerStore.follow(sessionId, afterSeq, (events) => (n++ % 2 === 0 ? undefined : onEvents(events))),
    };
    const replica = await SessionReplica.open(followerStore, lossy, host.id);
    closers.push(() => replica.close());
    for (let round = 0; round < 4; round++) {
      for (const c of citizens) {
        await host.execute(c, 'queue.raise', { kind: 'normal' });
        await host.execute(c, 'queue.lower', {});
      }
    }
    await host.execute(fac, 'agenda.start', {});
    await caughtUp(replica, host.state.seq);
    expect(replica.state).toEqual(host.state);
    expect(replica.gapsRepaired).toBeGreaterThan(0);
  });
});
