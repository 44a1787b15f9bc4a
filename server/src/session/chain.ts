import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { Actor, EventDraft, PersonalData, SessionEvent } from '../../../shared/src/index.js';

// canonicalize is CommonJS whose typings claim an ES default export; Node hands us module.exports.
type Canonicalize = (input: unknown) => string | undefined;
const canonicalize: Canonicalize = (canonicalizeModule as unknown as { default?: Canonicalize }).default ?? (canonicalizeModule as unknown as Canonicalize);

/** RFC 8785 canonical JSON: the same bytes for the same value, in any language. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value is not serialisable as JSON');
  return text;
}

/** The prevHash of a log's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The hash covers every field but itself, in RFC 8785 canonical JSON, so anyone can
 * recompute it in any language without knowing how we serialise.
 */
export function hashEvent(event: Omit<SessionEvent, 'hash'>): string {
  const { sessionId, seq, at, actor, type, payload, prevHash } = event;
  return sha256Hex(canonicalJson({ sessionId, seq, at, actor, type, payload, prevHash }));
}

/** What a join carries in the chain instead of the name: it binds the name while it exists and reveals nothing once it is erased. */
export function commitmentOf(personal: PersonalData): string {
  return sha256Hex(canonicalJson({ displayName: personal.displayName, salt: personal.salt }));
}

/** Give drafts their place in the chain. */
export function seal(sessionId: string, after: { seq: number; head: string }, drafts: readonly EventDraft[], actor: Actor, at: number): SessionEvent[] {
  let { seq, head } = after;
  return drafts.map((draft) => {
    seq += 1;
    const unsealed = { ...draft, sessionId, seq, at, actor, prevHash: head } as Omit<SessionEvent, 'hash'>;
    const hash = hashEvent(unsealed);
    head = hash;
    return { ...unsealed, hash } as SessionEvent;
  });
}

export type ChainCheck = { ok: true; count: number; head: string } | { ok: false; seq: number; reason: string };

/**
 * Check a log: contiguous sequence numbers, each hash correct, each link to its
 * predecessor. `from` checks a tail that continues a known head (a snapshot's).
 */
export function verifyChain(events: Iterable<SessionEvent>, from: { seq: number; head: string } = { seq: 0, head: GENESIS_HASH }): ChainCheck {
  let expectedSeq = from.seq + 1;
  let prev = from.head;
  let sessionId: string | null = null;
  for (const e of events) {
    if (e.seq !== expectedSeq) return { ok: false, seq: e.seq, reason: `expected seq ${expectedSeq}, found ${e.seq}` };
    sessionId ??= e.sessionId;
    if (e.sessionId !== sessionId) return { ok: false, seq: e.seq, reason: 'event belongs to another session' };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, reason: 'prevHash does not match the previous event' };
    const { hash, ...rest } = e;
    if (hashEvent(rest) !== hash) return { ok: false, seq: e.seq, reason: 'hash does not match the event content' };
    // The name beside a join is not hashed, but it is bound: it must be the one the chain committed to.
    if (e.type === 'participant.joined' && e.personal && commitmentOf(e.personal) !== e.payload.nameCommitment) {
      return { ok: false, seq: e.seq, reason: 'the personal data beside the event does not match its commitment' };
    }
    prev = hash;
    expectedSeq += 1;
  }
  return { ok: true, count: expectedSeq - 1 - from.seq, head: prev };
}
