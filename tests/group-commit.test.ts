/**
 * Group commit under kill -9. Sixty citizens send commands as fast as their acks come
 * back, so most commits carry several of them; the server is killed mid-storm. After a
 * restart every acknowledged command is in the log exactly once, at the seq its ack
 * named, the log is contiguous, and the chain verifies.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { verifyChain } from '../server/src/session/chain.js';
import type { Ack, SessionEvent } from '../shared/src/index.js';
import type { ControlClient } from '../client/src/ControlClient.js';
import { api, connect, createSession, join } from './helpers/clients.js';
import { ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { metrics } from './helpers/metrics.js';
import { removeDir, spawnServer, tempDataDir, type ServerProcess } from './helpers/server.js';

const dirs: string[] = [];
const procs: ServerProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

describe('group commit', () => {
  test('a storm of concurrent commands shares commits; after kill -9 every acknowledged one is in the log once, in order', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = await spawnServer(dataDir);
    procs.push(first);
    const session = await createSession(first.url);
    const fac = await join(first.url, session, 'facilitator', assembly.facilitators[0]!);
    const facClient = await connect(first.url, fac);
    ok(await facClient.send('settings.update', { patch: { qaPremoderation: false } }));
    const citizens = await Promise.all(Array.from({ length: 60 }, (_, i) => join(first.url, session, 'citizen', `Citizen ${i}`)));
    const clients: ControlClient[] = await Promise.all(citizens.map((c) => connect(first.url, c)));
    for (const c of clients) c.socket.io.opts.reconnection = false;

    const acked: { seq: number; text: string; by: string }[] = [];
    let stop = false;
    const pump = async (i: number) => {
      for (let n = 0; !stop; n++) {
        const text = `Storm question ${n} from citizen ${i}`;
        let ack: Ack;
        try {
          ack = await clients[i]!.send('qa.ask', { text, anonymous: false });
        } catch {
          return; // no ack: the server died first; this one may or may not be stored
        }
        if (!ack.ok) return;
        acked.push({ seq: ack.seq, text, by: citizens[i]!.participantId });
      }
    };
    const pumps = clients.map((_, i) => pump(i));
    await facClient.waitFor(() => acked.length >= 600, 60_000, '600 acknowledged questions');
    // Commits carried more than one write each: commands waited for a shared fsync, not their own.
    const counts = await metrics(first.url);
    const [commits, writes] = [counts.get('townhall_store_commits_total')!, counts.get('townhall_store_writes_total')!];
    expect(writes).toBeGreaterThan(commits);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(pumps);
    clients.forEach((c) => c.close());
    facClient.close();

    const second = await spawnServer(dataDir);
    procs.push(second);
    const res = await api<string>(second.url, `/api/sessions/${session.sessionId}/log`, { token: fac.token });
    expect(res.status).toBe(200);
    const log = String(res.body).trim().split('\n').map((l) => JSON.parse(l) as SessionEvent);
    expect(verifyChain(log).ok).toBe(true);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const asked = log.filter((e) => e.type === 'qa.asked');
    for (const a of acked) {
      const matches = asked.filter((e) => (e.payload as { text: string }).text === a.text);
      expect(matches.length, `${a.text} is in the log once`).toBe(1);
      expect(matches[0]!.seq, `${a.text} is at the seq its ack named`).toBe(a.seq);
      expect(matches[0]!.actor).toMatchObject({ participantId: a.by });
    }
    // Per citizen, the log keeps the order in which each one's commands were acknowledged.
    for (const c of citizens) {
      const mine = acked.filter((a) => a.by === c.participantId).map((a) => a.seq);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
