import type { CaptionSegment, EventDraft, SessionState } from '../../../../shared/src/index.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail, participantOf, roomOf } from './lookup.js';

/** What a speech recogniser heard, for `decideAutomaticCaption`. */
export interface AutomaticCaptionInput {
  roomId: string;
  text: string;
  startedAt: number;
  endedAt: number;
  /** null: the floor's own language. */
  language: string | null;
}

/**
 * When a committed line started: nobody can tell exactly when the words it renders were
 * spoken, so the line is said to cover the speech since the room's previous line in that language, or since
 * the turn (or the captioner's assignment) began if that is later. Never after `now`.
 */
function lineStart(state: SessionState, roomId: string, language: string | null, since: number, now: number): number {
  const previous = state.captions.segments.findLast((s) => s.roomId === roomId && s.language === language && !s.automatic);
  const floor = state.rooms[roomId]?.floor;
  return Math.min(now, Math.max(previous?.endedAt ?? 0, floor?.startedAt ?? 0, since));
}

function segmentOf(state: SessionState, segmentId: string): CaptionSegment {
  return state.captions.segments.findLast((s) => s.id === segmentId) ?? fail('NOT_FOUND', 'There is no such caption.');
}

/**
 * A segment from a speech recogniser (the CaptionEngine), attributed to whoever holds the
 * floor. It is not refused without a floor: the engine only hears what the room sends it.
 * Pure: the caller gives the segment its id and logs it with a system actor.
 */
export function decideAutomaticCaption(state: SessionState, input: AutomaticCaptionInput, segmentId: string): EventDraft {
  const room = roomOf(state, input.roomId);
  const text = input.text.trim();
  if (!text) fail('CONFLICT', 'An automatic caption needs some text.');
  return {
    type: 'caption.added',
    payload: {
      roomId: room.id,
      segmentId,
      language: input.language,
      speakerId: room.floor?.participantId ?? null,
      text,
      automatic: true,
      startedAt: Math.min(input.startedAt, input.endedAt),
      endedAt: input.endedAt,
    },
  };
}

/** Human live captions: who captions which room, and the lines they commit and correct. */
export const captionDeciders: Deciders<CommandsOf<'captions'>> = {
  'captions.assign': ({ state }, { participantId, roomId, language }) => {
    const target = participantOf(state, participantId);
    const room = roomOf(state, roomId);
    if (!room.open) fail('CONFLICT', 'This room has been closed.');
    // A facilitator runs the room; rendering its words is a job of its own, done by someone who can give it their full attention.
    if (target.role === 'facilitator') fail('CONFLICT', 'A facilitator cannot be a captioner.');
    if (target.roomId !== roomId) fail('CONFLICT', 'That person is not in this room.');
    const current = state.captions.captioners[participantId];
    if (current && current.roomId === roomId && current.language === language) fail('CONFLICT', 'That person already captions this room in this language.');
    return { events: [{ type: 'captioner.assigned', payload: { participantId, roomId, language } }] };
  },
  'captions.revoke': ({ state }, { participantId }) => {
    participantOf(state, participantId);
    if (!Object.hasOwn(state.captions.captioners, participantId)) fail('CONFLICT', 'That person is not a captioner.');
    return { events: [{ type: 'captioner.revoked', payload: { participantId } }] };
  },
  'captions.allowWithoutFloor': ({ state }, { roomId, allowed }) => {
    roomOf(state, roomId);
    if (state.captions.withoutFloor.includes(roomId) === allowed) {
      fail('CONFLICT', allowed ? 'Captions without a floor are already allowed in this room.' : 'Captions without a floor are already off in this room.');
    }
    return { events: [{ type: 'caption.without-floor-set', payload: { roomId, allowed } }] };
  },
  'captions.add': ({ state, actor, now, newId }, { text }) => {
    const assignment = state.captions.captioners[actor.id];
    if (!assignment) fail('FORBIDDEN', 'Only a captioner may write captions.');
    if (actor.roomId !== assignment.roomId) fail('CONFLICT', 'You caption another room than the one you are in.');
    const room = roomOf(state, assignment.roomId);
    if (!room.floor && !state.captions.withoutFloor.includes(room.id)) fail('CONFLICT', 'Nobody has the floor.');
    const segmentId = newId('cap');
    return {
      events: [
        {
          type: 'caption.added',
          payload: {
            roomId: room.id,
            segmentId,
            language: assignment.language,
            speakerId: room.floor?.participantId ?? null,
            text,
            automatic: false,
            startedAt: lineStart(state, room.id, assignment.language, assignment.since, now),
            endedAt: now,
          },
        },
      ],
      result: { segmentId },
    };
  },
  'captions.correct': ({ state, actor }, { segmentId, text }) => {
    const segment = segmentOf(state, segmentId);
    const assignment = state.captions.captioners[actor.id];
    if (actor.role !== 'facilitator' && assignment?.roomId !== segment.roomId)
      fail('FORBIDDEN', 'Only a captioner of this room or a facilitator may correct its captions.');
    const shown = segment.corrections.at(-1)?.text ?? segment.text;
    if (shown === text) fail('CONFLICT', 'The caption already says this.');
    return { events: [{ type: 'caption.corrected', payload: { segmentId, text } }] };
  },
};
