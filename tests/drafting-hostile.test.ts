/**
 * The drafting endpoint under hostile input. Whatever a client sends, the server
 * closes that one connection with a close code, stores nothing half-done, and
 * carries on: after every case a stock y-websocket client on the same document
 * still sees the content it should and syncs a fresh edit to another stock client.
 */
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addRecommendation } from '../shared/src/index.js';
import { connect, createSession, join, type CreatedSession, type Joined } from './helpers/clients.js';
import { draftClient, synced, until, type DraftClient } from './helpers/drafting.js';
import { ok } from './helpers/expect.js';
import { assembly } from './helpers/fixtures.js';
import { startServer, type RunningServer } from './helpers/server.js';
import { CLOSE } from '../server/src/drafting/closeCodes.js';
import {
  DEADLINE,
  bytes,
  syncStep1,
  syncUpdate,
  awarenessMessage,
  writeRootString,
  randomBytes,
  fingerprint,
  type Fingerprint,
  docFrom,
  fingerprintOf,
  deadline,
  type Closed,
  Raw,
  attempt,
} from './helpers/rawDraft.js';

// ---------------------------------------------------------------------------
// An arena: a fresh document with known content, a bystander, and a check that all is well
// ---------------------------------------------------------------------------

interface Arena {
  server: RunningServer;
  session: CreatedSession;
  fac: Joined;
  citizen: Joined;
  name: string;
  /** y-websocket path of the plenary document, with the citizen's token. */
  path: string;
  /** A stock client connected throughout: hostile input from others must not disturb it. */
  bystander: DraftClient;
  /** A raw connection of the same participant as the attacker: only the offending connection may be closed. */
  witness: Raw;
  /** The content every newly connected client should see. */
  expected: Fingerprint;
  seed: Uint8Array;
}

const open: { destroy(): void }[] = [];

function stock(server: RunningServer, sessionId: string, roomId: string, token: string): DraftClient {
  const c = draftClient(server.url, sessionId, roomId, token);
  open.push(c);
  return c;
}

function seedUpdate(): Uint8Array {
  const doc = new Y.Doc();
  addRecommendation(doc, { id: 'rec-1', ...assembly.recommendations[0]! });
  addRecommendation(doc, { id: 'rec-2', ...assembly.recommendations[1]! });
  // Some deletions too, so the delete set is part of what must survive.
  const body = doc.getArray<Y.Map<unknown>>('recommendations').get(1).get('body') as Y.Text;
  body.delete(0, Math.min(5, body.length));
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

async function arena(server: RunningServer): Promise<Arena> {
  const session = await createSession(server.url);
  const fac = await join(server.url, session, 'facilitator', assembly.facilitators[0]!);
  const citizen = await join(server.url, session, 'citizen', assembly.citizens[0]!);
  const name = `${session.sessionId}:plenary`;
  // Written to the store before anyone opens the document: it is loaded from there.
  const seed = seedUpdate();
  await server.townhall.store.appendUpdate(name, seed);
  const expected = fingerprintOf(seed);
  const bystander = stock(server, session.sessionId, 'plenary', fac.token);
  await synced(bystander);
  expect(fingerprint(bystander.doc), 'the bystander loads the seeded document').toEqual(expected);
  const path = `/yjs/${session.sessionId}:plenary?token=${citizen.token}`;
  const witness = await Raw.open(server, path);
  open.push({ destroy: () => witness.end() });
  return { server, session, fac, citizen, name, path, bystander, witness, expected, seed };
}

async function storedFingerprint(a: Arena): Promise<Fingerprint> {
  const { updates } = await a.server.townhall.store.loadDoc(a.name);
  return fingerprintOf(...updates);
}

let edits = 0;

/**
 * After a case: the witness connection of the same participant is still open, the
 * server's document, its store and a newly connected client all hold exactly
 * `a.expected`, and the bystander and the new client exchange fresh edits.
 */
async function survives(a: Arena): Promise<void> {
  const state = await a.witness.stateNow();
  expect(fingerprintOf(state), "the server's document").toEqual(a.expected);
  expect(await storedFingerprint(a), 'the stored document').toEqual(a.expected);

  const fresh = stock(a.server, a.session.sessionId, 'plenary', a.citizen.token);
  await synced(fresh);
  expect(fingerprint(fresh.doc), 'what a newly connected client sees').toEqual(a.expected);

  const one = `edit-${++edits};`;
  a.bystander.doc.getText('liveness').insert(0, one);
  await until(fresh.doc, (d) => d.getText('liveness').toString().includes(one), DEADLINE, 'the new client to see the bystander edit');
  const two = `edit-${++edits};`;
  fresh.doc.getText('liveness').insert(0, two);
  await until(a.bystander.doc, (d) => d.getText('liveness').toString().includes(two), DEADLINE, 'the bystander to see the new client edit');
  // Converged: the bystander holds nothing the server did not keep (no half-applied broadcast).
  expect(fingerprint(a.bystander.doc)).toEqual(fingerprint(fresh.doc));
  expect(a.bystander.closes, 'the bystander was never disconnected').toEqual([]);
  expect(a.bystander.provider.wsconnected).toBe(true);
  expect(fresh.closes, 'the new client was never disconnected').toEqual([]);
  fresh.destroy();
  a.expected = fingerprint(a.bystander.doc);
}

/** Send `frames` on a new connection of the arena's citizen; resolve with the close the server sent. */
async function hostile(a: Arena, ...frames: (Uint8Array | string)[]): Promise<Closed> {
  const raw = await Raw.open(a.server, a.path);
  open.push({ destroy: () => raw.end() });
  for (const f of frames) raw.send(f);
  return raw.closedWith();
}

/** Send one frame and report what happened: closed (with its code) or still open (with the server's state after it). */
async function outcome(a: Arena, frame: Uint8Array): Promise<{ closed: Closed } | { state: Uint8Array }> {
  const raw = await Raw.open(a.server, a.path);
  open.push({ destroy: () => raw.end() });
  raw.send(frame);
  const r = await raw.serverState();
  raw.end();
  return r;
}

afterAll(() => {
  for (const c of open.splice(0)) c.destroy();
});

// ---------------------------------------------------------------------------

describe('hostile frames, default limits', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of open.splice(0)) c.destroy();
    await server.stop();
  });

  test('random bytes, an empty frame and 1-byte frames close the sender with 4400', async () => {
    const a = await arena(server);
    const frames: Uint8Array[] = [
      new Uint8Array(0),
      randomBytes(1, 1),
      randomBytes(2, 1),
      new Uint8Array([0x00]),
      new Uint8Array([0x01]),
      randomBytes(3, 2),
      randomBytes(4, 7),
      randomBytes(5, 64),
      randomBytes(6, 300),
      randomBytes(7, 4096),
      randomBytes(8, 200_000),
      // Random bodies behind each valid message type.
      Uint8Array.of(0, 0, ...randomBytes(9, 40)),
      Uint8Array.of(0, 1, ...randomBytes(10, 40)),
      Uint8Array.of(0, 2, ...randomBytes(11, 40)),
      Uint8Array.of(1, ...randomBytes(12, 40)),
      Uint8Array.of(0, 2, 40, ...randomBytes(13, 40)),
      Uint8Array.of(1, 40, ...randomBytes(14, 40)),
    ];
    for (const [i, frame] of frames.entries()) {
      const r = await outcome(a, frame);
      // Auth (2) and query-awareness (3) messages carry nothing the server reads; any other frame here is malformed.
      const ignored = frame.length > 0 && (frame[0] === 2 || frame[0] === 3);
      if (ignored) expect('closed' in r ? r.closed.code : 'open', `frame ${i}`).toBe('open');
      else expect('closed' in r ? r.closed.code : 'open', `frame ${i} (${frame.length} bytes)`).toBe(CLOSE.malformed);
    }
    await survives(a);
  });

  test('truncated varints and length prefixes longer than the frame close with 4400', async () => {
    const a = await arena(server);
    const valid = syncUpdate(a.seed);
    const frames: number[][] = [
      [0x80], // message type: continuation bit, then nothing
      [0xff, 0xff],
      [0x00, 0xff], // sync step: truncated
      [0x00, 0x02, 0x80], // update length: truncated
      [0x00, 0x02, 0x05, 0x00, 0x00], // update claims 5 bytes, 2 present
      [0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00], // update claims 4 GiB
      [0x00, 0x01, 0x10, 0x01, 0x00], // sync step 2 claims 16 bytes
      [0x00, 0x00, 0x0a, 0x01], // sync step 1: state vector claims 10 bytes
      [0x00, 0x00, 0x02, 0x05, 0x80], // sync step 1: state vector with a truncated varint inside
      [0x00, 0x02, 0x01, 0x80], // the update itself is a truncated varint
      [0x00, 0x02, 0x02, 0x01, 0x01], // the update claims one client, then stops
      [0x01, 0x20, 0x01], // awareness update claims 32 bytes
      [0x01, 0x03, 0x01, 0x05, 0x80], // awareness entry with a truncated clock
      [0x01, 0x05, 0x01, 0x05, 0x01, 0x09, 0x7b], // awareness state string claims 9 bytes
      [0x00, 0x02, ...Array(10).fill(0xff), 0x01], // a varint beyond 2^53
      [...valid.slice(0, valid.length - 1)], // a real update, one byte short
      [...valid.slice(0, Math.floor(valid.length / 2))], // a real update, cut in half
    ];
    for (const [i, frame] of frames.entries()) {
      expect((await hostile(a, Uint8Array.from(frame))).code, `frame ${i}: ${frame.slice(0, 12).join(',')}`).toBe(CLOSE.malformed);
    }
    await survives(a);
  });

  test('updates claiming 2^31 clients or structs close with 4400 promptly', async () => {
    const a = await arena(server);
    const huge = 2 ** 31;
    const updates = [
      // 2^31 client entries, one real struct.
      bytes((e) => {
        encoding.writeVarUint(e, huge);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 123_456);
        encoding.writeVarUint(e, 0);
        writeRootString(e, 'flood', 'x');
      }),
      // One client claiming 2^31 structs, with a few bytes of body.
      bytes((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, huge);
        encoding.writeVarUint(e, 123_456);
        encoding.writeVarUint(e, 0);
        writeRootString(e, 'flood', 'x');
        writeRootString(e, 'flood', 'y');
      }),
      // The same, but the body is GC structs claiming 2^31 clocks each.
      bytes((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, huge);
        encoding.writeVarUint(e, 123_456);
        encoding.writeVarUint(e, 0);
        for (let i = 0; i < 3; i++) {
          encoding.writeUint8(e, 0);
          encoding.writeVarUint(e, huge);
        }
      }),
      // A delete set claiming 2^31 clients.
      bytes((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, huge);
        encoding.writeVarUint(e, 7);
        encoding.writeVarUint(e, 1);
      }),
      // A delete set claiming 2^31 ranges for one client.
      bytes((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 7);
        encoding.writeVarUint(e, huge);
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 1);
      }),
      // ContentAny claiming 2^31 values; ContentString claiming 2^31 bytes.
      bytes((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 123_456);
        encoding.writeVarUint(e, 0);
        encoding.writeUint8(e, 8);
        encoding.writeVarUint(e, 1);
        encoding.writeVarString(e, 'flood');
        encoding.writeVarUint(e, huge);
        encoding.writeUint8(e, 125); // one integer
        encoding.writeVarInt(e, 1);
      }),
      bytes((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 123_456);
        encoding.writeVarUint(e, 0);
        encoding.writeUint8(e, 4);
        encoding.writeVarUint(e, 1);
        encoding.writeVarString(e, 'flood');
        encoding.writeVarUint(e, huge);
        encoding.writeUint8Array(e, new Uint8Array(8).fill(0x61));
      }),
    ];
    for (const [i, u] of updates.entries()) {
      expect((await hostile(a, syncUpdate(u))).code, `update ${i}`).toBe(CLOSE.malformed);
    }
    // A state vector (sync step 1) claiming 2^31 entries.
    const sv = bytes((e) => {
      encoding.writeVarUint(e, huge);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1);
    });
    expect((await hostile(a, syncStep1(sv))).code).toBe(CLOSE.malformed);
    await survives(a);
  });

  test('deeply nested content does not overflow the stack of anything but the sender', async () => {
    const a = await arena(server);
    const depth = 200_000;
    const update = bytes((e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 123_456);
      encoding.writeVarUint(e, 0);
      encoding.writeUint8(e, 8); // ContentAny
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, 'nest');
      encoding.writeVarUint(e, 1);
      for (let i = 0; i < depth; i++) {
        encoding.writeUint8(e, 117); // an array of one…
        encoding.writeVarUint(e, 1);
      }
      encoding.writeUint8(e, 126); // …null
      encoding.writeVarUint(e, 0);
    });
    expect((await hostile(a, syncUpdate(update))).code).toBe(CLOSE.malformed);
    await survives(a);
  });

  test('a crafted update that throws half-way through applying is not half-applied', async () => {
    // Client 1000 inserts "HALF"; client 5 (integrated after it) has an origin at its own
    // clock 100, which Yjs does not treat as missing and fails to find. Y.decodeUpdate
    // accepts this; Y.applyUpdate integrates client 1000, then throws.
    const a = await arena(server);
    const update = bytes((e) => {
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1000);
      encoding.writeVarUint(e, 0);
      writeRootString(e, 'liveness', 'HALF');
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 5);
      encoding.writeVarUint(e, 0);
      encoding.writeUint8(e, 0x84); // ContentString with an origin
      encoding.writeVarUint(e, 5);
      encoding.writeVarUint(e, 100);
      encoding.writeVarString(e, 'x');
      encoding.writeVarUint(e, 0);
    });
    expect(Y.decodeUpdate(update).structs).toHaveLength(2);
    expect((await hostile(a, syncUpdate(update))).code).toBe(CLOSE.malformed);
    await survives(a);
    expect(a.bystander.doc.getText('liveness').toString()).not.toContain('HALF');
  });

  test('bit-flipped updates are either refused whole with 4400 or applied whole', async () => {
    const a = await arena(server);
    const source = new Y.Doc();
    source.clientID = 31_337;
    addRecommendation(source, { id: 'rec-9', ...assembly.recommendations[2]! });
    (source.getArray<Y.Map<unknown>>('recommendations').get(0).get('title') as Y.Text).delete(0, 2);
    // Depends on what is in the server's document: built on the seed, so some flips point into it.
    const original = Y.encodeStateAsUpdate(source);
    source.destroy();
    const positions = [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      8,
      10,
      12,
      16,
      20,
      24,
      30,
      40,
      60,
      original.length - 12,
      original.length - 6,
      original.length - 3,
      original.length - 2,
      original.length - 1,
    ];
    let refused = 0;
    for (const [i, pos] of positions.entries()) {
      for (const bit of [0, 3, 7]) {
        const flipped = original.slice();
        flipped[pos]! ^= 1 << bit;
        // The oracle: the server's state before, with the flipped update applied by plain Yjs.
        const before = await a.witness.stateNow();
        const reference = docFrom(before);
        let referenceOk = true;
        try {
          Y.applyUpdate(reference, flipped);
        } catch {
          referenceOk = false;
        }
        const r = await outcome(a, syncUpdate(flipped));
        const now = await a.witness.stateNow();
        const what = `flip ${i} (byte ${pos}, bit ${bit})`;
        if ('closed' in r) {
          refused++;
          expect(r.closed.code, what).toBe(CLOSE.malformed);
          expect(fingerprintOf(now), `${what}: refused, so nothing changed`).toEqual(fingerprintOf(before));
        } else if (referenceOk && reference.store.pendingStructs === null && reference.store.pendingDs === null) {
          expect(fingerprintOf(now), `${what}: accepted, so applied whole`).toEqual(fingerprintOf(Y.encodeStateAsUpdate(reference)));
        } else {
          expect(referenceOk, `${what}: accepted though Yjs cannot apply it`).toBe(true);
          // It builds on something the server lacks: dropped whole, never parked as pending.
          expect(fingerprintOf(now), `${what}: incomplete, so nothing changed`).toEqual(fingerprintOf(before));
        }
        reference.destroy();
      }
    }
    expect(refused, 'some flips make the update malformed').toBeGreaterThan(0);
    a.expected = fingerprintOf(await a.witness.stateNow());
    await survives(a);
  });

  test('an update with valid structs and a truncated delete set changes nothing, in memory or in the store', async () => {
    const a = await arena(server);
    const source = new Y.Doc();
    source.clientID = 4242;
    source.getText('liveness').insert(0, 'hello world, from the structs');
    const inserts = Y.encodeStateAsUpdate(source);
    expect(inserts[inserts.length - 1], 'an update without deletions ends with an empty delete set').toBe(0);
    const structs = inserts.slice(0, inserts.length - 1);
    source.getText('liveness').delete(0, 6);
    const withDeletes = Y.encodeStateAsUpdate(source);
    source.destroy();
    const clientId = bytes((e) => encoding.writeVarUint(e, 4242));

    const truncated = [
      // The structs, then a delete set claiming two ranges with one present.
      Uint8Array.of(...structs, 1, ...clientId, 2, 0, 3),
      // …claiming one client and then nothing.
      Uint8Array.of(...structs, 1),
      // …cut inside the client id varint.
      Uint8Array.of(...structs, 1, clientId[0]!),
      // A real update with deletions, its delete set cut short by 1, 2 and 3 bytes.
      withDeletes.slice(0, withDeletes.length - 1),
      withDeletes.slice(0, withDeletes.length - 2),
      withDeletes.slice(0, withDeletes.length - 3),
      // A delete range whose length varint is cut.
      Uint8Array.of(...structs, 1, ...clientId, 1, 0, 0x80),
    ];
    for (const [i, u] of truncated.entries()) {
      expect(() => Y.decodeUpdate(u), `update ${i} is malformed`).toThrow();
      expect((await hostile(a, syncUpdate(u))).code, `update ${i}`).toBe(CLOSE.malformed);
      expect(fingerprintOf(await a.witness.stateNow()), `update ${i}: server document`).toEqual(a.expected);
      expect(await storedFingerprint(a), `update ${i}: store`).toEqual(a.expected);
    }
    await survives(a);

    // Control: the same structs with their whole delete set are accepted, so the refusals were about the truncation.
    const before = await a.witness.stateNow();
    const r = await outcome(a, syncUpdate(withDeletes));
    expect('state' in r).toBe(true);
    a.expected = fingerprintOf(before, withDeletes);
    expect(fingerprintOf(await a.witness.stateNow())).toEqual(a.expected);
    expect(a.expected.liveness).toContain('world, from the structs');
    await survives(a);
  });

  test('a text frame closes with 4400', async () => {
    const a = await arena(server);
    expect((await hostile(a, 'hello')).code).toBe(CLOSE.malformed);
    // A text frame whose bytes would be a valid message is still refused.
    expect((await hostile(a, Buffer.from(syncStep1(new Uint8Array([0]))).toString('latin1'))).code).toBe(CLOSE.malformed);
    await survives(a);
  });

  test('unknown message types and unknown sync steps close with 4400', async () => {
    const a = await arena(server);
    const frames = [
      [4],
      [5, 1, 2, 3],
      [0x7f],
      [0x80, 0x01], // 128, as a two-byte varint
      [0xff, 0xff, 0xff, 0xff, 0x0f],
      [0, 3, 0],
      [0, 99],
      [0, 0x80, 0x01, 0],
    ];
    for (const frame of frames) {
      expect((await hostile(a, Uint8Array.from(frame))).code, frame.join(',')).toBe(CLOSE.malformed);
    }
    // Valid messages before the bad one are handled; the bad one still closes.
    expect((await hostile(a, syncStep1(new Uint8Array([0])), Uint8Array.of(3), Uint8Array.of(9))).code).toBe(CLOSE.malformed);
    await survives(a);
  });

  test("an awareness update for another connection's client id closes the sender with 4400 and leaves that state alone", async () => {
    const a = await arena(server);
    const victim = a.bystander.provider.awareness;
    victim.setLocalStateField('user', { name: 'Alice', color: '#0a0' });
    const watcher = stock(server, a.session.sessionId, 'plenary', a.fac.token);
    await synced(watcher);
    const victimState = () => watcher.provider.awareness.getStates().get(victim.clientID) as { user?: { name?: string } } | undefined;
    // What the others see: the victim's own state, under the name the roster gives it (see the next test).
    const asSeen = () => ({ ...victim.getLocalState(), user: { name: assembly.facilitators[0]!, color: '#0a0' } });
    await awarenessUntil(watcher, () => victimState()?.user?.name === assembly.facilitators[0]!, "the watcher to see Alice's cursor");
    const clock = (victim.meta.get(victim.clientID)?.clock ?? 0) + 10;
    const forged = { user: { name: 'Mallory pretending to be Alice' } };

    const attempts = [
      awarenessMessage([{ clientId: victim.clientID, clock, state: forged }]),
      awarenessMessage([
        { clientId: 987_654, clock: 1, state: { user: { name: 'Mallory' } } },
        { clientId: victim.clientID, clock, state: forged },
      ]),
    ];
    for (const [i, m] of attempts.entries()) {
      expect((await hostile(a, m)).code, `attempt ${i}`).toBe(CLOSE.malformed);
    }
    // Removing another client's state is ignored rather than punished: stock providers send
    // exactly that when they time a peer out locally. Either way, the state stays.
    const removal = await outcome(a, awarenessMessage([{ clientId: victim.clientID, clock: clock + 1, state: null }]));
    expect('state' in removal).toBe(true);
    // A newly connected client sees Alice's own state, and the watcher never saw another.
    const late = stock(server, a.session.sessionId, 'plenary', a.fac.token);
    await synced(late);
    await awarenessUntil(late, () => late.provider.awareness.getStates().has(victim.clientID), "the new client to see Alice's cursor");
    expect(late.provider.awareness.getStates().get(victim.clientID)).toEqual(asSeen());
    expect(victimState()).toEqual(asSeen());
    await survives(a);
    expect(victimState()).toEqual(asSeen());
    expect(watcher.closes).toEqual([]);
  });

  test('the name on a cursor is the roster’s, whatever a client claims; the rest of its state is its own', async () => {
    const a = await arena(server);
    const citizenClient = stock(server, a.session.sessionId, 'plenary', a.citizen.token);
    await synced(citizenClient);
    citizenClient.provider.awareness.setLocalStateField('user', { name: 'The Mayor (official)', color: '#123456' });
    const seen = () => a.bystander.provider.awareness.getStates().get(citizenClient.doc.clientID) as { user?: { name?: string; color?: string } } | undefined;
    await awarenessUntil(a.bystander, () => seen()?.user?.color === '#123456', "the bystander to see the citizen's cursor");
    expect(seen()!.user!.name).toBe(assembly.citizens[0]!);
    // A state whose user is not an object, or that has none, still gets the roster's name.
    citizenClient.provider.awareness.setLocalState({ user: 'The Mayor', cursor: null });
    await awarenessUntil(a.bystander, () => seen()?.user !== undefined && typeof seen()!.user === 'object' && !('color' in seen()!.user!), 'the replaced state');
    expect(seen()).toEqual({ user: { name: assembly.citizens[0]! }, cursor: null });
    await survives(a);
  });

  test("stock clients re-sending each other's awareness (as y-websocket does) are not closed; one connection may not claim 17 clients", async () => {
    const a = await arena(server);
    // 20 other awareness clients in the room, one per connection.
    for (let i = 0; i < 20; i++) {
      const raw = await Raw.open(server, a.path);
      open.push({ destroy: () => raw.end() });
      raw.send(awarenessMessage([{ clientId: 600_000 + i, clock: 1, state: { user: { name: `cursor ${i}` } } }]));
      await raw.stateNow();
    }
    // A newcomer receives all 20 and, like every stock provider, sends them all back.
    const newcomer = stock(server, a.session.sessionId, 'plenary', a.fac.token);
    await synced(newcomer);
    await awarenessUntil(newcomer, () => newcomer.provider.awareness.getStates().has(600_019), 'the newcomer to see the cursors');
    newcomer.provider.awareness.setLocalStateField('user', { name: 'Newcomer' });
    await awarenessUntil(
      a.bystander,
      () => (a.bystander.provider.awareness.getStates().get(newcomer.doc.clientID) as { user?: unknown } | undefined)?.user !== undefined,
      "the bystander to see the newcomer's name",
    );
    const mark = 'newcomer-edit;';
    newcomer.doc.getText('liveness').insert(0, mark);
    await until(a.bystander.doc, (d) => d.getText('liveness').toString().includes(mark), DEADLINE, "the bystander to see the newcomer's edit");
    expect(newcomer.closes).toEqual([]);
    expect(a.bystander.closes).toEqual([]);
    a.expected = fingerprint(a.bystander.doc);

    const claims = Array.from({ length: 17 }, (_, i) => ({ clientId: 700_000 + i, clock: 1, state: { n: i } }));
    expect((await hostile(a, awarenessMessage(claims))).code).toBe(CLOSE.malformed);
    await survives(a);
    expect(newcomer.closes).toEqual([]);
  });
});

function awarenessUntil(c: DraftClient, predicate: () => boolean, what: string): Promise<void> {
  if (predicate()) return Promise.resolve();
  return deadline(
    new Promise<void>((resolve) => {
      const check = () => {
        if (!predicate()) return;
        c.provider.awareness.off('change', check);
        resolve();
      };
      c.provider.awareness.on('change', check);
    }),
    what,
  );
}

describe('hostile frames, small limits', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      env: {
        TOWNHALL_YJS_MAX_FRAME_BYTES: '4096',
        TOWNHALL_YJS_MAX_DOC_BYTES: '4096',
        TOWNHALL_YJS_AWARENESS_PER_SECOND: '1',
        TOWNHALL_YJS_AWARENESS_BURST: '5',
      },
    });
  });
  afterAll(async () => {
    for (const c of open.splice(0)) c.destroy();
    await server.stop();
  });

  test('a frame over the size cap closes with 1009; one at the cap does not', async () => {
    const a = await arena(server);
    // An auth message is ignored by the server, so a frame of exactly 4096 bytes must pass.
    const atCap = new Uint8Array(4096).fill(0x61);
    atCap[0] = 2;
    const r = await outcome(a, atCap);
    expect('state' in r).toBe(true);
    const big = new Y.Doc();
    big.getText('liveness').insert(0, 'x'.repeat(5000));
    expect((await hostile(a, syncUpdate(Y.encodeStateAsUpdate(big)))).code).toBe(CLOSE.frameTooLarge);
    big.destroy();
    expect((await hostile(a, new Uint8Array(4097))).code).toBe(CLOSE.frameTooLarge);
    expect((await hostile(a, 'x'.repeat(10_000))).code).toBe(CLOSE.frameTooLarge);
    await survives(a);
  });

  test('a document over the size cap closes with 4413 and keeps what it had', async () => {
    const a = await arena(server);
    const source = new Y.Doc();
    source.clientID = 77;
    const chunks: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => chunks.push(u));
    for (let i = 0; i < 3; i++) source.getText('liveness').insert(source.getText('liveness').length, `${i}`.repeat(1500));
    expect(chunks).toHaveLength(3);
    expect(a.seed.length + chunks[0]!.length + chunks[1]!.length).toBeLessThan(4096);
    expect(a.seed.length + chunks[0]!.length + chunks[1]!.length + chunks[2]!.length).toBeGreaterThan(4096);

    const raw = await Raw.open(server, a.path);
    open.push({ destroy: () => raw.end() });
    raw.send(syncUpdate(chunks[0]!));
    raw.send(syncUpdate(chunks[1]!));
    const kept = await raw.stateNow();
    raw.send(syncUpdate(chunks[2]!));
    expect((await raw.closedWith()).code).toBe(CLOSE.documentTooLarge);

    a.expected = fingerprintOf(a.seed, chunks[0]!, chunks[1]!);
    expect(fingerprintOf(kept)).toEqual(a.expected);
    expect(a.expected.liveness).toBe('0'.repeat(1500) + '1'.repeat(1500));
    await survives(a);
  });

  test("other clients' awareness, re-sent by a stock client, does not count against its own rate", async () => {
    const a = await arena(server);
    const talker = stock(server, a.session.sessionId, 'plenary', a.fac.token);
    await synced(talker);
    // Four changes: within the talker's own burst of 5; the bystander re-sends each one.
    for (let i = 1; i <= 4; i++) talker.provider.awareness.setLocalStateField('user', { name: 'talker', color: `#00000${i}` });
    const seen = () => (a.bystander.provider.awareness.getStates().get(talker.doc.clientID) as { user?: { color?: string } } | undefined)?.user?.color;
    await awarenessUntil(a.bystander, () => seen() === '#000004', "the bystander to see the talker's last change");
    a.bystander.provider.awareness.setLocalStateField('user', { name: 'bystander' });
    await awarenessUntil(talker, () => talker.provider.awareness.getStates().get(a.bystander.doc.clientID)?.user !== undefined, "the talker to see the bystander's name");
    await survives(a);
    expect(talker.closes).toEqual([]);
  });

  test('an awareness flood closes with 4429, and the flooder leaves no state behind', async () => {
    const a = await arena(server);
    const flooder = 555_001;
    const frames = Array.from({ length: 100 }, (_, i) => awarenessMessage([{ clientId: flooder, clock: i + 1, state: { user: { name: `spam ${i}` } } }]));
    expect((await hostile(a, ...frames)).code).toBe(CLOSE.tooManyAwarenessUpdates);
    await awarenessUntil(a.bystander, () => !a.bystander.provider.awareness.getStates().has(flooder), "the flooder's state to be removed");
    await survives(a);
  });
});

describe('who may connect', () => {
  let server: RunningServer;
  let a: Arena;
  let other: CreatedSession;
  let otherFac: Joined;
  beforeAll(async () => {
    server = await startServer();
    a = await arena(server);
    other = await createSession(server.url);
    otherFac = await join(server.url, other, 'facilitator', 'Facilitator of session B');
  });
  afterAll(async () => {
    for (const c of open.splice(0)) c.destroy();
    await server.stop();
  });

  const closedWith = async (path: string, headers: Record<string, string> = {}) => {
    const r = await attempt(server, path, headers);
    expect(r.opened, `${path} upgraded`).toBe(true);
    return r.close?.code;
  };

  test('malformed document names close with 4400', async () => {
    const sid = a.session.sessionId;
    const token = `?token=${a.citizen.token}`;
    const names = [
      '',
      sid,
      `${sid}:`,
      ':plenary',
      `${sid}:pl%20enary`,
      `${sid}:..%2F..%2Fetc`,
      `${sid}%00:plenary`,
      `${sid}:plen%E9ary`, // not UTF-8: decodeURIComponent throws
      `${sid}:plenary%`,
      `${sid}:<script>`,
      `${sid}:pl%C3%A9nary`,
      `${'a'.repeat(65)}:plenary`,
      `${sid}:${'p'.repeat(65)}`,
    ];
    for (const name of names) expect(await closedWith(`/yjs/${name}${token}`), name).toBe(CLOSE.malformed);
    await survives(a);
  });

  // Found by this file: the name used to be split on ':' with anything after the second
  // part ignored, so `<session>:plenary:junk` opened `<session>:plenary`.
  test('a name with more than one colon closes with 4400', async () => {
    const raw = await Raw.open(server, `/yjs/${a.session.sessionId}:plenary:junk?token=${a.citizen.token}`);
    open.push({ destroy: () => raw.end() });
    const r = await raw.serverState();
    raw.end();
    expect('closed' in r ? r.closed.code : 'served').toBe(CLOSE.malformed);
  });

  test('a wrong, missing or foreign token closes with 4401', async () => {
    const sid = a.session.sessionId;
    const doc = `/yjs/${sid}:plenary`;
    expect(await closedWith(`${doc}?token=nope`)).toBe(CLOSE.unauthenticated);
    expect(await closedWith(doc)).toBe(CLOSE.unauthenticated);
    expect(await closedWith(`${doc}?token=`)).toBe(CLOSE.unauthenticated);
    expect(await closedWith(`${doc}?token=${a.citizen.token.slice(0, -1)}${a.citizen.token.endsWith('A') ? 'B' : 'A'}`)).toBe(CLOSE.unauthenticated);
    // Session B's facilitator, for session A's document, and the other way round.
    expect(await closedWith(`${doc}?token=${otherFac.token}`)).toBe(CLOSE.unauthenticated);
    expect(await closedWith(`/yjs/${other.sessionId}:plenary?token=${a.fac.token}`)).toBe(CLOSE.unauthenticated);
    // A session that does not exist.
    expect(await closedWith(`/yjs/no-such-session:plenary?token=${a.fac.token}`)).toBe(CLOSE.unauthenticated);
    await survives(a);
  });

  test("a citizen opening another room's document closes with 4403", async () => {
    const sid = a.session.sessionId;
    const moved = await join(server.url, a.session, 'citizen', assembly.citizens[1]!);
    const observer = await join(server.url, a.session, 'observer', assembly.observers[0]!);
    const control = await connect(server.url, a.fac);
    try {
      // Connected to the plenary document before being moved out of the plenary.
      const before = await Raw.open(server, `/yjs/${sid}:plenary?token=${moved.token}`);
      open.push({ destroy: () => before.end() });
      await before.stateNow();

      const created = await control.send('rooms.create', { count: 1 });
      ok(created);
      expect(created.ok && created.result).toEqual({ roomIds: ['room-1'] });
      ok(await control.send('rooms.assign', { assignments: [{ participantId: moved.participantId, roomId: 'room-1' }] }));
      expect((await before.closedWith()).code, 'moved out of the room').toBe(CLOSE.forbidden);

      expect(await closedWith(`/yjs/${sid}:room-1?token=${a.citizen.token}`), 'plenary citizen, breakout document').toBe(CLOSE.forbidden);
      expect(await closedWith(`/yjs/${sid}:plenary?token=${moved.token}`), 'breakout citizen, plenary document').toBe(CLOSE.forbidden);
      expect(await closedWith(`/yjs/${sid}:room-99?token=${a.fac.token}`), 'a room that does not exist').toBe(CLOSE.forbidden);
      expect(await closedWith(`/yjs/${sid}:room-1?token=${observer.token}`), 'an observer, breakout document').toBe(CLOSE.forbidden);

      // Control: the moved citizen may open their own room's document.
      const own = stock(server, sid, 'room-1', moved.token);
      await synced(own);
      expect(own.closes).toEqual([]);
      own.destroy();
    } finally {
      control.close();
    }
    await survives(a);
  });

  test('an upgrade on any other path is refused without a WebSocket', async () => {
    for (const path of ['/nope', '/yjs', '/yjsx/a:b', '/api/sessions', '/', `/YJS/${a.session.sessionId}:plenary`]) {
      const r = await attempt(server, `${path}?token=${a.citizen.token}`);
      expect(r.opened, path).toBe(false);
      expect(r.status === null ? r.error : r.status, path).not.toBeNull();
    }
    await survives(a);
  });

  test('a browser Origin from another site is refused with 403 before the upgrade', async () => {
    const path = `/yjs/${a.session.sessionId}:plenary?token=${a.citizen.token}`;
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'not a url']) {
      const r = await attempt(server, path, { Origin: origin });
      expect(r.opened, origin).toBe(false);
      expect(r.status, origin).toBe(403);
    }
    // Control: the server's own origin is let in.
    const own = await attempt(server, `/yjs/${a.session.sessionId}:plenary?token=nope`, { Origin: server.url });
    expect(own.opened).toBe(true);
    expect(own.close?.code).toBe(CLOSE.unauthenticated);
    await survives(a);
  });
});

describe('whole-document requests are budgeted', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { TOWNHALL_YJS_SYNC_PER_SECOND: '1', TOWNHALL_YJS_SYNC_BURST: '5' } });
  });
  afterAll(async () => {
    for (const c of open.splice(0)) c.destroy();
    await server.stop();
  });

  test('a flood of sync step 1 or awareness queries closes with 4429, and others are unaffected', async () => {
    const a = await arena(server);
    const stepOnes = Array.from({ length: 30 }, () => syncStep1(new Uint8Array([0])));
    expect((await hostile(a, ...stepOnes)).code).toBe(CLOSE.tooManyAwarenessUpdates);
    const queries = Array.from({ length: 30 }, () => bytes((e) => encoding.writeVarUint(e, 3)));
    expect((await hostile(a, ...queries)).code).toBe(CLOSE.tooManyAwarenessUpdates);
    await survives(a);
  });
});

describe('awareness relay under load', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // A wide window, so that a burst certainly falls within one or two of them.
    server = await startServer({ env: { TOWNHALL_YJS_BROADCAST_MS: '300' } });
  });
  afterAll(async () => {
    for (const c of open.splice(0)) c.destroy();
    await server.stop();
  });

  test("a burst of one client's awareness changes reaches the others merged, ending in the latest state", async () => {
    const a = await arena(server);
    const raw = await Raw.open(server, a.path);
    open.push({ destroy: () => raw.end() });
    const clientId = 800_001;
    let messages = 0;
    a.bystander.provider.awareness.on('update', ({ added, updated }: { added: number[]; updated: number[] }) => {
      if ([...added, ...updated].includes(clientId)) messages += 1;
    });
    for (let clock = 1; clock <= 10; clock++) raw.send(awarenessMessage([{ clientId, clock, state: { n: clock } }]));
    const latest = () => (a.bystander.provider.awareness.getStates().get(clientId) as { n?: number } | undefined)?.n;
    await awarenessUntil(a.bystander, () => latest() === 10, 'the bystander to see the last state');
    // Each message relayed to N peers costs N sends, and stock providers echo each one back: ten became one or two.
    expect(messages).toBeGreaterThanOrEqual(1);
    expect(messages).toBeLessThanOrEqual(2);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    await survives(a);
  });
});
