import type { OutcomeDocument } from '../../../shared/src/index.js';
import type { OutcomeService } from '../outcome/OutcomeService.js';
import type { LiveSession } from '../session/LiveSession.js';

/** How many sessions' signed records are kept; a council links a handful at a time. */
const MAX_SESSIONS = 64;

/** The signed record as of one log head, and whether the page was published in that same state. */
export interface PublicRecord {
  head: string;
  doc: OutcomeDocument;
  published: boolean;
}

/**
 * The signed record each public page is rendered from, kept until the session's log moves.
 * A page linked from a council's website is read far more often than the session changes,
 * and every export copies the whole state and signs it: one per log head is enough. Only
 * the document is kept, not the state it came from (a plenary's state is large).
 */
export class PublicRecordCache {
  private readonly bySession = new Map<string, PublicRecord>();

  constructor(private readonly outcomes: OutcomeService) {}

  async of(host: LiveSession): Promise<PublicRecord> {
    const cached = this.bySession.get(host.id);
    if (cached && cached.head === host.state.head) return cached;
    const { doc, state } = await this.outcomes.exportOf(host, { kind: 'current' });
    const record = { head: state.head, doc, published: state.publicPage.published };
    this.bySession.delete(host.id);
    this.bySession.set(host.id, record);
    // Oldest first in a Map: drop the least recently refreshed.
    if (this.bySession.size > MAX_SESSIONS) this.bySession.delete(this.bySession.keys().next().value!);
    return record;
  }
}
