import type { PersonalData, SessionEvent } from '../../../shared/src/index.js';

/**
 * How every store keeps personal data apart from the chained events (docs/PRIVACY.md):
 * an event is stored without it, its personal data goes to a place of its own keyed by
 * participant, and an erasure event deletes it there in the same write.
 */
export interface SplitEvents {
  /** [seq, type, at, hash, the event as stored: JSON without its personal data]. */
  rows: [number, string, number, string, string][];
  /** [participantId, PersonalData as JSON] for each join among the events. */
  personal: [string, string][];
  /** Participants whose personal data these events erase. */
  erased: string[];
}

export function withoutPersonal(e: SessionEvent): SessionEvent {
  if (e.personal === undefined) return e;
  const { personal: _personal, ...stored } = e;
  return stored as SessionEvent;
}

export function splitPersonal(events: readonly SessionEvent[]): SplitEvents {
  const split: SplitEvents = { rows: [], personal: [], erased: [] };
  for (const e of events) {
    split.rows.push([e.seq, e.type, e.at, e.hash, JSON.stringify(withoutPersonal(e))]);
    if (e.type === 'participant.joined' && e.personal) split.personal.push([e.payload.participantId, JSON.stringify(e.personal)]);
    if (e.type === 'personal-data.erased') split.erased.push(...e.payload.participantIds);
  }
  return split;
}

/** Give each join read back its personal data, if the store still holds it (JSON by participant id). */
export function withPersonal(events: SessionEvent[], personal: ReadonlyMap<string, string>): SessionEvent[] {
  return events.map((e) => {
    if (e.type !== 'participant.joined') return e;
    const data = personal.get(e.payload.participantId);
    return data === undefined ? e : { ...e, personal: JSON.parse(data) as PersonalData };
  });
}
