import type { DraftSnapshot } from '../session/decide/draftSnapshot.js';

/** The drafting documents, as the session core needs to read them (a port the drafting adapter implements). */
export interface DraftReader {
  snapshot(sessionId: string, roomId: string): Promise<DraftSnapshot>;
}
