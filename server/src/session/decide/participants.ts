import { CommandError, PLENARY, type EventDraft, type PersonalData, type Role, type SessionState } from '../../../../shared/src/index.js';
import { commitmentOf } from '../chain.js';
import type { CommandsOf, Deciders } from './context.js';
import { fail, participantOf } from './lookup.js';
import { releaseSpeaker } from './releaseSpeaker.js';

/** What a join is decided on. The id and credential are made by the caller, who hands the credential's secret to the newcomer. */
export interface JoinRequest {
  /** The role the invite grants, or null if it is no invite of this session. */
  role: Role | null;
  /** Participants not removed: what the session's size limit is checked against. */
  activeCount: number;
  participantId: string;
  credentialHash: string;
  /** The name and its salt: they go beside the event, the chain holds only their commitment. */
  personal: PersonalData;
}

type ParticipantJoined = Extract<EventDraft, { type: 'participant.joined' }>;

/** Whether someone holding an invite may join, and the event that makes them a participant. */
export function decideJoin(state: SessionState, { role, activeCount, participantId, credentialHash, personal }: JoinRequest): [ParticipantJoined] {
  if (!role) throw new CommandError('UNAUTHENTICATED', 'This invite is not valid for this session.');
  // Officials come to answer the outcome, usually after the session has ended.
  if (state.closedAt !== null && role !== 'official') throw new CommandError('SESSION_CLOSED', 'This session has ended.');
  if (activeCount >= state.settings.maxParticipants) throw new CommandError('CONFLICT', 'This session is full.');
  return [{ type: 'participant.joined', payload: { participantId, role, nameCommitment: commitmentOf(personal), credentialHash, roomId: PLENARY }, personal }];
}

type PersonalDataErased = Extract<EventDraft, { type: 'personal-data.erased' }>;

/** The most participants one erasure event names: the retention sweep of a large session takes several. */
export const MAX_ERASED_PER_EVENT = 1000;

/**
 * Erase the personal data of these participants: those whose name is still held, in the
 * order given. Nothing left to erase is not an error for the retention sweep, but is
 * for a request, whose sender should know that it did nothing.
 */
export function decideErasure(state: SessionState, participantIds: readonly string[], reason: 'request' | 'retention'): PersonalDataErased[] {
  const unknown = participantIds.find((id) => !Object.hasOwn(state.participants, id));
  if (unknown !== undefined && reason === 'request') throw new CommandError('NOT_FOUND', `There is no participant ${unknown} in this session.`);
  const named = [...new Set(participantIds)].filter((id) => Object.hasOwn(state.participants, id) && state.participants[id]!.displayName !== '');
  if (named.length === 0 && reason === 'request') throw new CommandError('CONFLICT', 'This participant’s personal data is already erased.');
  const events: PersonalDataErased[] = [];
  for (let i = 0; i < named.length; i += MAX_ERASED_PER_EVENT) {
    events.push({ type: 'personal-data.erased', payload: { participantIds: named.slice(i, i + MAX_ERASED_PER_EVENT), reason } });
  }
  return events;
}

/** Participants: removed by the facilitator, and their right to speak withdrawn or given back. */
export const participantDeciders: Deciders<CommandsOf<'participant'>> = {
  'participant.remove': ({ state, actor, now }, { participantId }) => {
    const target = participantOf(state, participantId);
    if (target.id === actor.id) fail('CONFLICT', 'You cannot remove yourself.');
    if (target.role === 'facilitator') fail('FORBIDDEN', 'Facilitators cannot be removed.');
    return { events: [...releaseSpeaker(state, target.id, now, 'removed'), { type: 'participant.removed', payload: { participantId } }] };
  },
  'participant.revokeSpeaking': ({ state, now }, { participantId }) => {
    const target = participantOf(state, participantId);
    if (target.role !== 'citizen') fail('CONFLICT', 'Only citizens hold a right to speak.');
    if (!target.canSpeak) fail('CONFLICT', 'That person’s right to speak is already withdrawn.');
    return {
      events: [...releaseSpeaker(state, target.id, now, 'speaking-revoked'), { type: 'participant.speaking-revoked', payload: { participantId } }],
    };
  },
  'participant.restoreSpeaking': ({ state }, { participantId }) => {
    const target = participantOf(state, participantId);
    if (target.role !== 'citizen') fail('CONFLICT', 'Only citizens hold a right to speak.');
    if (target.canSpeak) fail('CONFLICT', 'That person may already speak.');
    return { events: [{ type: 'participant.speaking-restored', payload: { participantId } }] };
  },
};
