import type { EventDraft } from './events.js';
import type { Round, SessionState } from './state.js';

/**
 * The clock's effect on a session: which timer events are due at `now`, and when the
 * next one falls. Pure, so the server's scheduler is a thin loop around it and a
 * restart simply fires whatever fell due while it was down.
 */
export function dueTimerEvents(state: SessionState, now: number): EventDraft[] {
  const out: EventDraft[] = [];
  if (state.closedAt !== null) return out;
  for (const roomId of state.roomOrder) {
    const floor = state.rooms[roomId]!.floor;
    if (!floor) continue;
    const { participantId } = floor;
    if (!floor.warned && floor.warnAt <= now && floor.warnAt < floor.endsAt) {
      out.push({ type: 'floor.warned', payload: { roomId, participantId } });
    }
    if (floor.endsAt <= now) {
      if (state.settings.onTurnExpiry === 'end') {
        // A turn already flagged as overrun was allowed to go on (the rule was 'flag' then), so
        // it ends now; cutting it back to endsAt would erase speaking time that really happened.
        const endedAt = floor.overran ? Math.max(now, floor.endsAt) : floor.endsAt;
        out.push({ type: 'floor.ended', payload: { roomId, participantId, endedAt, reason: 'expired' } });
      } else if (!floor.overran) {
        out.push({ type: 'floor.overran', payload: { roomId, participantId } });
      }
    }
  }
  const item = state.agenda.find((i) => i.status === 'active');
  if (item && !item.overran && item.deadline !== null && item.deadline <= now) {
    out.push({ type: 'agenda.item-overran', payload: { itemId: item.id } });
  }
  return out;
}

/**
 * Open rounds whose closing time has come. Closing one reads the room's document (a
 * text that changed anyway is never agreed), so the server's clock closes them with
 * the same decision as the facilitator's button, not here.
 */
export function roundsDue(state: SessionState, now: number): Round[] {
  if (state.closedAt !== null) return [];
  return state.roundOrder.map((id) => state.rounds[id]!).filter((r) => r.closedAt === null && r.closesAt !== null && r.closesAt <= now);
}

/** The earliest future moment at which dueTimerEvents or roundsDue would return something, or null. */
export function nextTimerAt(state: SessionState): number | null {
  if (state.closedAt !== null) return null;
  const times: number[] = [];
  for (const roomId of state.roomOrder) {
    const floor = state.rooms[roomId]!.floor;
    if (!floor) continue;
    if (!floor.warned && floor.warnAt < floor.endsAt) times.push(floor.warnAt);
    if (state.settings.onTurnExpiry === 'end' || !floor.overran) times.push(floor.endsAt);
  }
  const item = state.agenda.find((i) => i.status === 'active');
  if (item && !item.overran && item.deadline !== null) times.push(item.deadline);
  for (const id of state.roundOrder) {
    const round = state.rounds[id]!;
    if (round.closedAt === null && round.closesAt !== null) times.push(round.closesAt);
  }
  return times.length ? Math.min(...times) : null;
}
