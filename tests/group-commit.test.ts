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
import { draftClient, synced, until, type DraftClient } from './helpers/drafting.js';
import { metrics } from './helpers/metrics.js';
import { TestServers } from './helpers/server.js';

const servers = new TestServers();
afterEach(() => {
  servers.cleanUp();
});

describe('group commit', () => {
  test('a storm of concurrent commands shares commits; after kill -9 every acknowledged one is in the log once, in order', async () => {
    const dataDir = servers.dataDir();
    const first = await servers.spawn(dataDir);
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

    const second = await servers.spawn(dataDir);
    const res = await api<string>(second.url, `/api/sessions/${session.sessionId}/log`, { token: fac.token });
    expect(res.status).toBe(200);
    const log = String(res.body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SessionEvent);
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

  test('drafting updates from many editors of one document share commits, and every one reaches everyone', async () => {
    const dataDir = servers.dataDir();
    const server = await servers.spawn(dataDir);
    const session = await createSession(server.url);
    const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    const facClient = await connect(server.url, fac);
    // Drafting is open in the plenary from the start.
    expect(facClient.room('plenary')!.drafting.open).toBe(true);
    const editors = await Promise.all(Array.from({ length: 12 }, (_, i) => join(server.url, session, 'citizen', `Editor ${i}`)));
    const clients: DraftClient[] = editors.map((e) => draftClient(server.url, session.sessionId, 'plenary', e.token));
    const bystander = draftClient(server.url, session.sessionId, 'plenary', fac.token);
    try {
      await Promise.all([...clients, bystander].map((c) => synced(c)));
      const before = await metrics(server.url);
      // Each keystroke is its own update, sent at once by the stock provider: twelve editors typing together.
      for (let k = 0; k < 20; k++) clients.forEach((c, i) => c.doc.getText(`line ${i}`).insert(k, String.fromCharCode(97 + (k % 26))));
      const complete = (d: { getText(name: string): { length: number } }) => clients.every((_, i) => d.getText(`line ${i}`).length === 20);
      await until(bystander.doc, complete, 30_000, 'the bystander to hold every keystroke');
      for (const c of clients) await until(c.doc, complete, 30_000, 'every editor to hold every keystroke');
      const after = await metrics(server.url);
      const delta = (name: string) => after.get(name)! - before.get(name)!;
      expect(delta('townhall_store_writes_total')).toBeGreaterThanOrEqual(12 * 20);
      // Updates that arrived while a commit was in flight waited for the next one together, not for one each.
      expect(delta('townhall_store_commits_total')).toBeLessThan(delta('townhall_store_writes_total'));
      facClient.close();
    } finally {
      for (const c of [...clients, bystander]) c.provider.destroy();
    }
  });
});
