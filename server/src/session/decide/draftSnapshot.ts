import { CommandError, type AmendmentData, type CommandName, type RecommendationText, type SessionState } from '../../../../shared/src/index.js';
import type { DecideContext } from './context.js';

/** A room's drafting document as it stands, read by the drafting adapter for the commands that vote on or change it. */
export interface DraftSnapshot {
  roomId: string;
  recommendations: (RecommendationText & { textHash: string })[];
  amendments: AmendmentData[];
}

/** Which room's document a command needs to read, if any. */
export function draftRoomFor(name: CommandName, payload: unknown, state: SessionState): string | null {
  const p = payload as { roomId?: string; roundId?: string };
  if (name === 'round.open' || name === 'amendment.decide' || name === 'drafting.bringBack') return p.roomId ?? null;
  if (name === 'round.close') return (p.roundId && Object.hasOwn(state.rounds, p.roundId) && state.rounds[p.roundId]!.roomId) || null;
  return null;
}

export function draftOf(ctx: DecideContext, roomId: string): DraftSnapshot {
  if (!ctx.draft || ctx.draft.roomId !== roomId) throw new CommandError('UNAVAILABLE', 'The drafting document could not be read; nothing was changed.');
  return ctx.draft;
}
