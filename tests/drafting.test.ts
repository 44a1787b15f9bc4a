import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addRecommendation, readRecommendations } from '../shared/src/index.js';
import { createSession, join, type CreatedSession, type Joined } from './helpers/clients.js';
import { draftClient, synced, until, type DraftClient } from './helpers/drafting.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';

describe('drafting over the stock y-websocket provider', () => {
  let server: RunningServer;
  let session: CreatedSession;
  let fac: Joined, c1: Joined, c2: Joined, obs: Joined;
  const open: DraftClient[] = [];
  const client = (who: Joined, roomId = 'plenary') => {
    const c = draftClient(server.url, session.sessionId, roomId, who.token);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer();
    session = await createSession(server.url);
    fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    c1 = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    c2 = await join(server.url, session, 'citizen', assembly.citizens[1]!);
    obs = await join(server.url, session, 'observer', assembly.observers[0]!);
  });
  afterAll(async () => {
    open.forEach((c) => c.destroy());
    await server.stop();
  });

  test('two citizens and a facilitator converge on the same text', async () => {
    const a = client(c1);
    const b = client(c2);
    const f = client(fac);
    await Promise.all([synced(a), synced(b), synced(f)]);
    addRecommendation(a.doc, { id: 'rec-1', ...assembly.recommendations[0]! });
    await until(b.doc, (d) => readRecommendations(d).length === 1, 10_000, 'b sees rec-1');
    const body = (b.doc.getArray<Y.Map<unknown>>('recommendations').get(0).get('body') as Y.Text);
    body.insert(0, 'Trial: ');
    await until(a.doc, (d) => readRecommendations(d)[0]!.body.startsWith('Trial: '), 10_000, 'a sees the edit');
    await until(f.doc, (d) => readRecommendations(d)[0]?.body.startsWith('Trial: ') ?? false, 10_000, 'f sees the edit');
    expect(readRecommendations(a.doc)).toEqual(readRecommendations(b.doc));
    expect(readRecommendations(f.doc)).toEqual(readRecommendations(b.doc));
  });
});
