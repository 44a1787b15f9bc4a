/**
 * Drafting integrity (issue 16). Whatever a writer sends, a connected peer, a newly
 * connected client, a client after the room has emptied and the document reloaded,
 * and a client after a server restart hold the same document; a locked text reads
 * exactly as agreed in all of them and in the stored bytes.
 *
 * The attacks are crafted struct by struct (tests/helpers/rawDraft.ts). Each relied on
 * Yjs parking an update with a missing dependency as pending structs or deletions,
 * which `encodeStateAsUpdate` then merged, by id alone, into what newcomers were sent.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ControlClient } from '../client/src/ControlClient.js';
import { addRecommendation, findRecommendation, readRecommendations } from '../shared/src/index.js';
import { CLOSE } from '../server/src/drafting/closeCodes.js';
import { connect, createSession, join, type CreatedSession, type Joined } from './helpers/clients.js';
import { draftClient, eventually, synced, type DraftClient } from './helpers/drafting.js';
import { must, ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { canonicalDoc, charId, craftUpdate, docFrom, Raw, syncUpdate } from './helpers/rawDraft.js';
import { startServer, tempDataDir, type RunningServer } from './helpers/server.js';

/** The attacker's own Yjs client id, and one that never writes anything. */
const A = 4_000_001;
const Z = 4_000_999;

const LOCKED = { id: 'rec-1', title: 'Agreed title', body: 'The agreed body.', rationale: 'Because we agreed.' };

const textOf = (doc: Y.Doc, id: string, field: 'title' | 'body' | 'rationale' = 'body') => findRecommendation(doc, id)?.get(field) as Y.Text | undefined;

/** A sync step 2 message: what a client sends in answer to the server's sync step 1. */
const syncStep2 = (update: Uint8Array) => {
  const m = syncUpdate(update);
  m[1] = 1; // the sync step byte: 1 is step 2, 2 is update
  return m;
};

/** Whether a message from the server is a sync step 1 (its state vector: "send me what I lack"). */
const isSyncStep1 = (m: Uint8Array) => m[0] === 0 && m[1] === 0;

describe('drafting integrity: everyone is shown what the server integrated, and only that', () => {
  const dataDir = tempDataDir();
  let server: RunningServer;
  const open: { destroy(): void }[] = [];
  const controls: ControlClient[] = [];

  beforeAll(async () => {
    server = await startServer({ dataDir });
  });
  afterAll(async () => {
    open.splice(0).forEach((c) => c.destroy());
    controls.splice(0).forEach((c) => c.close());
    await server.stop();
  });

  interface Room {
    session: CreatedSession;
    name: string;
    victim: Joined;
    attacker: Joined;
    facControl: ControlClient;
    /** The victim's stock client, connected throughout. */
    peer: DraftClient;
  }

  const stock = (session: CreatedSession, who: Joined) => {
    const c = draftClient(server.url, session.sessionId, 'plenary', who.token);
    open.push(c);
    return c;
  };
  const control = async (who: Joined) => {
    const c = await connect(server.url, who);
    controls.push(c);
    return c;
  };
  const attackerConnection = async (r: Room) => {
    const raw = await Raw.open(server, `/yjs/${r.name}?token=${r.attacker.token}`);
    open.push({ destroy: () => raw.end() });
    return raw;
  };

  /** A session whose plenary document holds the facilitator's rec-1, agreed and locked, and the victim's rec-2. */
  async function room(): Promise<Room> {
    const session = await createSession(server.url);
    const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
    const victim = await join(server.url, session, 'citizen', assembly.citizens[0]!);
    const attacker = await join(server.url, session, 'citizen', assembly.citizens[1]!);
    const facControl = await control(fac);
    const peer = stock(session, victim);
    const facDoc = stock(session, fac);
    await Promise.all([synced(peer), synced(facDoc)]);
    addRecommendation(facDoc.doc, LOCKED);
    addRecommendation(peer.doc, { id: 'rec-2', ...assembly.recommendations[0]! });
    await eventually(() => readRecommendations(peer.doc).length === 2 && readRecommendations(facDoc.doc).length === 2, 'both drafts everywhere');
    facDoc.destroy();

    const opened = (await must(facControl.send('round.open', { roomId: 'plenary', recommendationIds: ['rec-1'] }), 'round.open')).result as { roundId: string };
    for (const who of [victim, attacker])
      ok(await (await control(who)).send('round.rate', { roundId: opened.roundId, recommendationId: 'rec-1', level: 'full-support' }));
    const closed = await must(facControl.send('round.close', { roundId: opened.roundId }), 'round.close');
    expect((closed.result as { agreed: string[] }).agreed).toEqual(['rec-1']);
    await facControl.waitFor((c) => (c.room('plenary')?.locks.length ?? 0) === 1, 10_000, 'the lock');
    return { session, name: `${session.sessionId}:plenary`, victim, attacker, facControl, peer };
  }

  /** A stock client that connects now, and its document once synced. */
  async function newcomer(r: Room): Promise<Y.Doc> {
    const c = stock(r.session, r.victim);
    await synced(c);
    return c.doc;
  }

  function expectLocked(doc: Y.Doc, where: string): void {
    expect(
      readRecommendations(doc).find((x) => x.id === LOCKED.id),
      `${where}: the locked text`,
    ).toEqual(LOCKED);
    expect(doc.store.pendingStructs, `${where}: nothing pending`).toBeNull();
    expect(doc.store.pendingDs, `${where}: no pending deletions`).toBeNull();
  }

  /**
   * The connected peer, a newcomer, the stored bytes, a newcomer after the room has
   * emptied and the document reloaded, and a newcomer after a restart all hold the same
   * document, with the locked text intact. Returns that document's canonical form.
   */
  async function everyoneAgrees(r: Room): Promise<string> {
    const fresh = await newcomer(r);
    await eventually(() => canonicalDoc(r.peer.doc) === canonicalDoc(fresh), 'the connected peer and a newcomer to agree');
    const reference = canonicalDoc(fresh);
    expectLocked(r.peer.doc, 'the connected peer');
    expectLocked(fresh, 'a newcomer');

    const stored = docFrom(...(await server.townhall.store.loadDoc(r.name)).updates);
    expect(canonicalDoc(stored), 'the stored bytes').toBe(reference);
    expectLocked(stored, 'the stored bytes');

    open.splice(0).forEach((c) => c.destroy());
    await eventually(() => !server.townhall.drafting.loadedDocuments().includes(r.name), 'the document to leave memory');
    const reloaded = await newcomer(r);
    expect(canonicalDoc(reloaded), 'a newcomer after the room emptied').toBe(reference);
    expectLocked(reloaded, 'a newcomer after the room emptied');

    open.splice(0).forEach((c) => c.destroy());
    controls.splice(0).forEach((c) => c.close());
    await server.stop();
    server = await startServer({ dataDir });
    const restarted = await newcomer(r);
    expect(canonicalDoc(restarted), 'a newcomer after a restart').toBe(reference);
    expectLocked(restarted, 'a newcomer after a restart');
    return reference;
  }

  /**
   * An insert and its delete inside the locked body, from the attacker's connection: the
   * locked text reads the same, so the update is taken, and leaves a tombstone at A:0
   * between the characters `space` and `a`.
   */
  async function tombstoneInLockedBody(r: Room) {
    const body = textOf(r.peer.doc, LOCKED.id)!;
    const [space, a] = [charId(body, 3), charId(body, 4)];
    const raw = await attackerConnection(r);
    raw.send(syncUpdate(craftUpdate([{ id: [A, 0], text: 'X', origin: space, rightOrigin: a }], [{ client: A, clock: 0, len: 1 }])));
    await raw.stateNow();
    return { raw, space, a };
  }

  test('text in a locked recommendation: a struct at a tombstone of the body, with an origin nobody has, is refused', async () => {
    const r = await room();
    const { raw, a } = await tombstoneInLockedBody(r);
    // Then other content at the tombstone's id, hanging from a client that never wrote.
    raw.send(syncUpdate(craftUpdate([{ id: [A, 0], text: '#[NOT AGREED: injected]', origin: [Z, 0], rightOrigin: a }])));
    expect(await raw.closedWith()).toEqual({ code: CLOSE.malformed, reason: 'update conflicts with stored changes' });
    const seen = await everyoneAgrees(r);
    expect(seen).not.toContain('NOT AGREED');
  });

  test('text in a locked recommendation: the same struct with the held origins, extending past the tombstone, is corrected', async () => {
    const r = await room();
    const { raw, space, a } = await tombstoneInLockedBody(r);
    // Overlaps the tombstone with the same origins (nothing to compare there), then goes on into the locked body.
    raw.send(syncUpdate(craftUpdate([{ id: [A, 0], text: '#[NOT AGREED: injected]', origin: space, rightOrigin: a }])));
    await raw.stateNow();
    expect(raw.closeInfo).toBeNull();
    const seen = await everyoneAgrees(r);
    expect(seen).not.toContain('NOT AGREED');
  });

  test("text under another citizen's client id: other content at their ids is refused, and their next edit reaches everyone", async () => {
    const r = await room();
    const body = textOf(r.peer.doc, 'rec-2')!;
    const raw = await attackerConnection(r);
    raw.send(syncUpdate(craftUpdate([{ id: charId(body, 0), text: 'Written by someone else entirely, at ids already taken.', origin: [Z, 0] }])));
    expect((await raw.closedWith()).code).toBe(CLOSE.malformed);

    // New content under the victim's id, complete and well-formed, is refused too: only they write under it.
    const impostor = await attackerConnection(r);
    const v = r.peer.doc.clientID;
    impostor.send(syncUpdate(craftUpdate([{ id: [v, Y.getState(r.peer.doc.store, v)], text: ' (impostor)', origin: charId(body, body.length - 1) }])));
    expect(await impostor.closedWith()).toEqual({ code: CLOSE.malformed, reason: 'update conflicts with stored changes' });

    // A newcomer's id, announced in awareness before it has written anything, cannot be taken either.
    const late = stock(r.session, r.victim);
    await synced(late);
    late.provider.awareness.setLocalStateField('user', { name: 'late' });
    await eventually(() => r.peer.provider.awareness.getStates().has(late.doc.clientID), "the newcomer's awareness");
    const squatter = await attackerConnection(r);
    squatter.send(syncUpdate(craftUpdate([{ id: [late.doc.clientID, 0], text: 'squatted', parent: 'liveness' }])));
    expect(await squatter.closedWith()).toEqual({ code: CLOSE.malformed, reason: 'update conflicts with stored changes' });
    late.doc.getText('liveness').insert(0, 'mine. ');

    body.insert(body.length, ' Signed by the victim.');
    const seen = await everyoneAgrees(r);
    expect(seen).toContain('Signed by the victim.');
    expect(seen).toContain('mine. ');
    expect(seen).not.toContain('squatted');
    expect(seen).not.toContain('impostor');
    expect(seen).not.toContain('someone else');
  });

  test('deletions of changes not made yet are dropped, the server asks for what it lacks, and an answer still lacking it closes', async () => {
    const r = await room();
    const raw = await attackerConnection(r);
    // Answer the greeting's sync step 1 as a stock client does: the server now owes nothing and expects nothing.
    raw.send(syncStep2(craftUpdate([])));
    await raw.stateNow();
    const asked = raw.received.filter(isSyncStep1).length;
    const v = r.peer.doc.clientID;
    const next = Y.getState(r.peer.doc.store, v);
    // Deletes whatever the victim types next, once the server holds it, if the server kept it pending.
    raw.send(syncUpdate(craftUpdate([], [{ client: v, clock: next, len: 10_000 }])));
    await eventually(() => raw.received.filter(isSyncStep1).length === asked + 1, 'the server to ask for what it lacks');
    expect(raw.closeInfo).toBeNull();

    textOf(r.peer.doc, 'rec-2')!.insert(0, 'Still here. ');
    const fresh = await newcomer(r);
    await eventually(() => textOf(fresh, 'rec-2')?.toString().startsWith('Still here. ') === true, "the victim's edit to reach a newcomer");

    // Its answer to that request is still incomplete: it holds something it cannot supply.
    raw.send(syncStep2(craftUpdate([], [{ client: Z, clock: 5, len: 1 }])));
    expect(await raw.closedWith()).toEqual({ code: CLOSE.malformed, reason: 'update depends on changes the server does not have' });
    expect(await everyoneAgrees(r)).toContain('Still here. ');
  });

  test('an edit built on a refused one is completed by asking the stock provider, never parked', async () => {
    const r = await room();
    const body = textOf(r.peer.doc, 'rec-2')!;
    ok(await r.facControl.send('drafting.setOpen', { roomId: 'plenary', open: false }));
    body.insert(0, 'Typed while closed. ');
    await eventually(() => r.peer.denied.some((d) => /Drafting is closed/.test(d)), 'the refusal');
    ok(await r.facControl.send('drafting.setOpen', { roomId: 'plenary', open: true }));
    // Builds on the refused edit, which the server lacks: the server asks, and the provider's answer carries both.
    body.insert(0, 'Reopened. ');
    const fresh = await newcomer(r);
    await eventually(() => textOf(fresh, 'rec-2')?.toString().startsWith('Reopened. Typed while closed. ') === true, 'both edits at a newcomer');
    expect(r.peer.closes).toEqual([]);
    await everyoneAgrees(r);
  });

  test('a document stored with pending content by an earlier version is repaired when it loads', async () => {
    const r = await room();
    open.splice(0).forEach((c) => c.destroy());
    await eventually(() => !server.townhall.drafting.loadedDocuments().includes(r.name), 'the document to leave memory');

    // What the earlier version did: it kept the attack's second update pending, then compacted.
    const { updates, lastId } = await server.townhall.store.loadDoc(r.name);
    const before = docFrom(...updates);
    const clean = canonicalDoc(before);
    const body = textOf(before, LOCKED.id)!;
    const [space, a] = [charId(body, 3), charId(body, 4)];
    const tombstone = craftUpdate([{ id: [A, 0], text: 'X', origin: space, rightOrigin: a }], [{ client: A, clock: 0, len: 1 }]);
    const injection = craftUpdate([{ id: [A, 0], text: '#[NOT AGREED: injected]', origin: [Z, 0], rightOrigin: a }]);
    const futureDelete = craftUpdate([], [{ client: Z, clock: 50_000, len: 10 }]);
    for (const u of [tombstone, injection, futureDelete]) Y.applyUpdate(before, u);
    expect(before.store.pendingStructs).not.toBeNull();
    const poisoned = Y.encodeStateAsUpdate(before);
    // The proof that these bytes are poisoned: plain Yjs shows the injection to whoever loads them.
    expect(textOf(docFrom(poisoned), LOCKED.id)!.toString()).toContain('NOT AGREED');
    await server.townhall.store.compactDoc(r.name, poisoned, lastId);
    // And one update stored as received, after it: the earlier version stored pending updates too.
    await server.townhall.store.appendUpdate(r.name, craftUpdate([{ id: [A, 40], text: 'parked', origin: [Z, 3] }]));

    const fresh = await newcomer(r);
    expectLocked(fresh, 'a newcomer to the repaired document');
    expect(canonicalDoc(fresh)).toBe(clean);
    const { updates: rewritten } = await server.townhall.store.loadDoc(r.name);
    const stored = docFrom(...rewritten);
    expectLocked(stored, 'the rewritten store');
    expect(canonicalDoc(stored)).toBe(clean);

    // The victim reconnects to the repaired document and drafts on.
    r.peer = stock(r.session, r.victim);
    await synced(r.peer);
    textOf(r.peer.doc, 'rec-2')!.insert(0, 'After the repair. ');
    expect(await everyoneAgrees(r)).toContain('After the repair. ');
  });
});
