import type { OutcomeDocument, SessionState } from '../../../shared/src/index.js';
import type { OutcomeService } from '../outcome/OutcomeService.js';
import type { LiveSession } from '../session/LiveSession.js';

/** How many sessions' signed records are kept; a council links a handful at a time. */
const MAX_SESSIONS = 64;

/**
 * The signed record each public page is rendered from, kept until the session's log moves.
 * A page linked from a council's website is read far more often than the session changes,
 * and every export copies the whole state and signs it: one per log head is enough.
 */
export class PublicRecordCache {
  private readonly bySession = new Map<string, { head: string; doc: OutcomeDocument; state: SessionState }>();

  constructor(private readonly outcomes: OutcomeService) {}

  async of(host: LiveSession): Promise<{ doc: OutcomeDocument; state: SessionState }> {
    const cached = this.bySession.get(host.id);
    if (cached && cached.head === host.state.head) return cached;
    const { doc, state } = await this.outcomes.exportOf(host, { kind: 'current' });
    this.bySession.delete(host.id);
    this.bySession.set(host.id, { head: state.head, doc, state });
    // Oldest first in a Map: drop the least recently refreshed.
    if (this.bySession.size > MAX_SESSIONS) this.bySession.delete(this.bySession.keys().next().value!);
    return { doc, state };
  }
}
