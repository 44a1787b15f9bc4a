import type * as Y from 'yjs';
import { readRecommendations, type RecommendationText } from '../../../shared/src/index.js';
import { restoreLocked } from './documentEdits.js';
import { textHash, type Correction } from './RoomDoc.js';

export interface Lock {
  recommendationId: string;
  textHash: string;
  text: RecommendationText;
  /** Agreed and locked for good, or frozen while an open round votes on it. */
  why: 'agreed' | 'under-vote';
}

/**
 * The check every write to a room's document passes: each locked recommendation (agreed,
 * or under vote in an open round) must still read exactly its locked text (its hash).
 * If one does not, the answer says which and why, and how to put them back.
 */
export function lockGuard(locks: readonly Lock[]): (after: Y.Doc) => Correction | null {
  return (after) => {
    if (locks.length === 0) return null;
    const now = new Map(readRecommendations(after).map((r) => [r.id, textHash(r)]));
    const broken = locks.filter((l) => now.get(l.recommendationId) !== l.textHash);
    if (broken.length === 0) return null;
    const ids = (why: Lock['why']) => broken.filter((l) => l.why === why).map((l) => l.recommendationId);
    const reasons = [
      ids('under-vote').length ? `Recommendation ${ids('under-vote').join(', ')} is under vote and frozen until the round ends.` : '',
      ids('agreed').length ? `Recommendation ${ids('agreed').join(', ')} is agreed and locked.` : '',
    ];
    return {
      reason: reasons.filter(Boolean).join(' '),
      correct: (d) => broken.forEach((l) => restoreLocked(d, l.recommendationId, l.text)),
    };
  };
}
