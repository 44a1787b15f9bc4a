/**
 * Property: whatever mix of valid, truncated, bit-flipped and crafted updates several
 * clients send to a drafting document, the server's document, every connected peer
 * and a newly connected client agree; they still agree after compaction and a reload
 * from the store; and no locked text ever changes.
 *
 * The document is a real RoomDoc on a real SQLite file, with the lock policy the
 * server uses. Peers are Y.Docs fed exactly the bytes the server broadcasts, at moments
 * the property chooses, so their edits race each other and the server's corrections.
 *
 * Pinned to the Yjs in package-lock.json (13.6.x): what this guards against (pending
 * structs and deletions, and `mergeUpdates` trusting ids) lives in Yjs internals
 * (`store.pendingStructs`, `store.pendingDs`, `encodeStateAsUpdate`). If an upgrade
 * changes them, this is the test that should notice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import { pino } from 'pino';
import { afterAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addRecommendation, readRecommendations, TEXT_FIELDS, type RecommendationText } from '../shared/src/index.js';
import { lockGuard, type Lock } from '../server/src/drafting/lockGuard.js';
import { RoomDoc, textHash, type DocPeer, type WritePolicy } from '../server/src/drafting/RoomDoc.js';
import { SqliteStore } from '../server/src/store/SqliteStore.js';
import { canonicalDoc, charId, craftUpdate, type CraftedStruct } from './helpers/rawDraft.js';

const LOCKED: RecommendationText = { id: 'rec-1', title: 'Agreed title', body: 'The agreed body, word for word.', rationale: 'Because we agreed.' };
const lock: Lock = { recommendationId: LOCKED.id, text: LOCKED, textHash: textHash(LOCKED), why: 'agreed' };
/** Yjs client ids far apart in every bit, so that no single bit flip turns one peer into another. */
const PEER_IDS = [0x2a5a5a5, 0x15a5a5a, 0x3c3c3c3];
const NOBODY = 0x7777777;
const logger = pino({ level: 'silent' });

interface Peer {
  writer: string;
  doc: Y.Doc;
  inbox: Uint8Array[];
  outbox: Uint8Array[];
}

const policyFor = (writer: string): WritePolicy => ({ writer, authorize: () => null, verify: lockGuard([lock]), guards: () => true });

function applyBroadcast(doc: Y.Doc, message: Uint8Array): void {
  const d = decoding.createDecoder(message);
  if (decoding.readVarUint(d) !== 0) return; // awareness: not part of the document
  decoding.readVarUint(d); // the sync step: the server broadcasts updates
  Y.applyUpdate(doc, decoding.readVarUint8Array(d), 'server');
}

function lockedTextIn(doc: Y.Doc): RecommendationText | undefined {
  return readRecommendations(doc).find((r) => r.id === LOCKED.id);
}

type Op =
  | { kind: 'edit'; peer: number; rec: number; field: number; at: number; remove: number; text: string }
  | { kind: 'add'; peer: number; n: number }
  | { kind: 'send'; peer: number }
  | { kind: 'deliver'; peer: number }
  | { kind: 'truncate'; source: number; keep: number }
  | { kind: 'flip'; source: number; at: number; bit: number }
  | { kind: 'reuse'; pick: number; text: string; missingOrigin: boolean }
  | { kind: 'tombstone'; at: number; text: string }
  | { kind: 'impostor'; pick: number; text: string }
  | { kind: 'future-delete'; pick: number }
  | { kind: 'reload' };

const nat = (max: number) => fc.integer({ min: 0, max });
const words = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '😀', 'z', '.'), minLength: 1, maxLength: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('edit' as const), peer: nat(2), rec: nat(4), field: nat(2), at: nat(60), remove: nat(3), text: words }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), peer: nat(2), n: nat(1000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), peer: nat(2) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), peer: nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), source: nat(1000), keep: nat(200) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), source: nat(1000), at: nat(400), bit: nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reuse' as const), pick: nat(10_000), text: words, missingOrigin: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tombstone' as const), at: nat(30), text: words }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('impostor' as const), pick: nat(10_000), text: words }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('future-delete' as const), pick: nat(10_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const) }) },
);

describe('drafting integrity under any sequence of updates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-integrity-'));
  const store = new SqliteStore(dir);
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let run = 0;

  async function scenario(ops: Op[]): Promise<void> {
    const name = `s_prop${++run}:plenary`;
    const seed = new Y.Doc();
    addRecommendation(seed, LOCKED);
    await store.appendUpdate(name, Y.encodeStateAsUpdate(seed), [{ client: seed.clientID, writer: 'server' }]);
    seed.destroy();
    const room = await RoomDoc.load({ name, store, logger, maxDocBytes: 10 * 1024 * 1024, compactEvery: 25 });
    const peers: Peer[] = PEER_IDS.map((id, i) => {
      const doc = new Y.Doc();
      doc.clientID = id;
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(room.doc), 'server');
      const peer: Peer = { writer: `p_${i}`, doc, inbox: [], outbox: [] };
      doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'server' && peer.outbox.push(u));
      const connection: DocPeer = { writer: peer.writer, send: (m) => peer.inbox.push(m) };
      room.peers.add(connection);
      return peer;
    });
    /** Every update honest peers have sent: the material bit flips and truncations start from. */
    const sent: Uint8Array[] = [];
    let tombstones = 0;
    const attacker = policyFor('p_attacker');
    const hostile = async (update: Uint8Array) => {
      try {
        await room.receive(update, null, attacker);
      } catch {
        // Undecodable or unappliable: the connection would be closed with 4400. Nothing to check here but the invariants.
      }
    };
    const send = async (p: Peer) => {
      for (const u of p.outbox.splice(0)) {
        sent.push(u);
        const refusal = await room.receive(u, null, policyFor(p.writer));
        // Honest peers are only ever corrected (an edit of the locked text), never refused.
        if (refusal) expect(refusal.kind, `peer ${p.writer} refused: ${JSON.stringify(refusal)}`).toBe('corrected');
      }
    };
    const deliver = (p: Peer) => p.inbox.splice(0).forEach((m) => applyBroadcast(p.doc, m));
    /** A held id of the server's document, chosen by `pick`. */
    const heldId = (pick: number): [number, number] | null => {
      const sv = [...Y.decodeStateVector(Y.encodeStateVector(room.doc))].filter(([, clock]) => clock > 0);
      if (sv.length === 0) return null;
      const [client, clock] = sv[pick % sv.length]!;
      return [client, pick % clock];
    };

    // Each peer writes first, so its client id is its own before anyone else can name it.
    for (const [i, p] of peers.entries()) addRecommendation(p.doc, { id: `rec-p${i}`, title: `Title ${i}`, body: `Body ${i}.`, rationale: '' });
    for (const p of peers) await send(p);
    peers.forEach(deliver);

    for (const o of ops) {
      switch (o.kind) {
        case 'edit': {
          const p = peers[o.peer]!;
          const recs = p.doc.getArray<Y.Map<unknown>>('recommendations');
          if (recs.length === 0) break;
          const text = recs.get(o.rec % recs.length).get(TEXT_FIELDS[o.field % 3]!);
          if (!(text instanceof Y.Text)) break;
          const at = o.at % (text.length + 1);
          p.doc.transact(() => {
            text.delete(at, Math.min(o.remove, text.length - at));
            text.insert(at, o.text);
          });
          break;
        }
        case 'add':
          addRecommendation(peers[o.peer]!.doc, { id: `rec-${o.n}`, title: 'New', body: `Draft ${o.n}`, rationale: '' });
          break;
        case 'send':
          await send(peers[o.peer]!);
          break;
        case 'deliver':
          deliver(peers[o.peer]!);
          break;
        case 'truncate':
          if (sent.length) await hostile(sent[o.source % sent.length]!.slice(0, o.keep % sent[o.source % sent.length]!.length));
          break;
        case 'flip': {
          if (!sent.length) break;
          const copy = sent[o.source % sent.length]!.slice();
          copy[o.at % copy.length]! ^= 1 << o.bit;
          await hostile(copy);
          break;
        }
        case 'reuse': {
          const id = heldId(o.pick);
          if (id) await hostile(craftUpdate([{ id, text: o.text, origin: o.missingOrigin ? [NOBODY, 0] : undefined, parent: 'liveness' }]));
          break;
        }
        case 'tombstone': {
          // Insert and delete inside the locked body (passes the lock), then other content at the tombstone's id.
          const body = lockedTextFor(room.doc);
          if (!body || body.length < 2) break;
          const at = o.at % (body.length - 1);
          const [left, right] = [charId(body, at), charId(body, at + 1)];
          const me = 0x5000000 + ++tombstones;
          await hostile(craftUpdate([{ id: [me, 0], text: 'X', origin: left, rightOrigin: right }], [{ client: me, clock: 0, len: 1 }]));
          const injected: CraftedStruct = { id: [me, 0], text: `#${o.text}`, origin: [NOBODY, 0], rightOrigin: right };
          await hostile(craftUpdate([injected]));
          await hostile(craftUpdate([{ ...injected, origin: left }]));
          break;
        }
        case 'impostor': {
          const id = heldId(o.pick);
          if (id) await hostile(craftUpdate([{ id: [id[0], Y.getState(room.doc.store, id[0])], text: o.text, parent: 'liveness' }]));
          break;
        }
        case 'future-delete': {
          const id = heldId(o.pick);
          if (id) await hostile(craftUpdate([], [{ client: id[0], clock: Y.getState(room.doc.store, id[0]), len: 1000 }]));
          break;
        }
        case 'reload': {
          await room.compact();
          const again = await RoomDoc.load({ name, store, logger, maxDocBytes: 10 * 1024 * 1024, compactEvery: 25 });
          expect(canonicalDoc(again.doc), 'reloaded from the store after compaction').toBe(canonicalDoc(room.doc));
          again.destroy();
          break;
        }
      }
      // At every step: the server holds nothing pending, a newcomer is sent exactly the server's document, and the lock holds.
      expect(room.doc.store.pendingStructs).toBeNull();
      expect(room.doc.store.pendingDs).toBeNull();
      const newcomer = new Y.Doc();
      Y.applyUpdate(newcomer, Y.encodeStateAsUpdate(room.doc));
      expect(canonicalDoc(newcomer), `a newcomer after ${o.kind}`).toBe(canonicalDoc(room.doc));
      expect(lockedTextIn(newcomer), `the locked text after ${o.kind}, as a newcomer sees it`).toEqual(LOCKED);
      expect(lockedTextIn(room.doc)).toEqual(LOCKED);
      newcomer.destroy();
    }

    // Quiesce: everything sent, everything delivered; then every peer holds the server's document.
    for (let round = 0; round < 5 && peers.some((p) => p.outbox.length || p.inbox.length); round++) {
      for (const p of peers) await send(p);
      peers.forEach(deliver);
    }
    const server = canonicalDoc(room.doc);
    for (const p of peers) {
      expect(canonicalDoc(p.doc), `peer ${p.writer}`).toBe(server);
      expect(lockedTextIn(p.doc), `the locked text at ${p.writer}`).toEqual(LOCKED);
      expect(p.doc.store.pendingStructs, `nothing pending at ${p.writer}`).toBeNull();
    }
    await room.compact();
    const reloaded = await RoomDoc.load({ name, store, logger, maxDocBytes: 10 * 1024 * 1024, compactEvery: 25 });
    expect(canonicalDoc(reloaded.doc), 'after compaction and reload').toBe(server);
    expect(lockedTextIn(reloaded.doc)).toEqual(LOCKED);
    reloaded.destroy();
    room.destroy();
    peers.forEach((p) => p.doc.destroy());
  }

  test('runs against the Yjs this was written for', () => {
    // An upgrade past 13.6 must re-read server/src/drafting/idClaims.ts and RoomDoc.load against the new internals.
    expect(createRequire(import.meta.url)('yjs/package.json').version).toMatch(/^13\.6\./);
  });

  const runs = Number(process.env.TOWNHALL_PROPERTY_RUNS ?? 150);
  test('peers, newcomers, the store and the lock agree (fast-check)', { timeout: Math.max(60_000, runs * 200) }, async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), scenario), { numRuns: runs });
  });
});

function lockedTextFor(doc: Y.Doc): Y.Text | null {
  for (const rec of doc.getArray<Y.Map<unknown>>('recommendations')) {
    if (rec.get('id') === LOCKED.id) {
      const body = rec.get('body');
      return body instanceof Y.Text ? body : null;
    }
  }
  return null;
}
