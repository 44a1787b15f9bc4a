import type { SessionEvent } from '../../../shared/src/index.js';

/** A feed of a session's new events, as a store delivers them to a node that follows the log. */
export interface LogFeed {
  follow(sessionId: string, afterSeq: number, onEvents: (events: SessionEvent[]) => void): { stop(): Promise<void> };
}
