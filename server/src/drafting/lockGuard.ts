import type * as Y from 'yjs';
import { readRecommendations, type RecommendationText } from '../../../shared/src/index.js';
import { restoreLocked } from './documentEdits.js';
import { textHash, type Correction } from './RoomDoc.js';

export interface Lock {
  recommendationId: string;
  textHash: string;
  text: RecommendationText;
}

/**
 * The check every write to a room's document passes: each locked recommendation
 * must still read exactly its locked text (its hash). If one does not, the answer
 * says which, and how to put them back.
 */
export function lockGuard(locks: readonly Lock[]): (after: Y.Doc) => Correction | null {
  return (after) => {
    if (locks.length === 0) return null;
    const now = new Map(readRecommendations(after).map((r) => [r.id, textHash(r)]));
    const broken = locks.filter((l) => now.get(l.recommendationId) !== l.textHash);
    if (broken.length === 0) return null;
    return {
      reason: `Recommendation ${broken.map((l) => l.recommendationId).join(', ')} is agreed and locked.`,
      correct: (d) => broken.forEach((l) => restoreLocked(d, l.recommendationId, l.text)),
    };
  };
}
