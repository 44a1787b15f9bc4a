import type { CommandPayload } from '../../../shared/src/index.js';
import type { DecidableCommand, DecideContext, Decider, Deciders, Decision } from './decide/context.js';
import { agendaDeciders } from './decide/agenda.js';
import { audioDeciders } from './decide/audio.js';
import { captionDeciders } from './decide/captions.js';
import { draftingDeciders } from './decide/drafting.js';
import { floorDeciders } from './decide/floor.js';
import { interpretationDeciders } from './decide/interpretation.js';
import { outcomeDeciders } from './decide/outcome.js';
import { publicPageDeciders } from './decide/publicPage.js';
import { participantDeciders } from './decide/participants.js';
import { questionDeciders } from './decide/questions.js';
import { queueDeciders } from './decide/queue.js';
import { roomDeciders } from './decide/rooms.js';
import { roundDeciders } from './decide/rounds.js';
import { sessionDeciders } from './decide/session.js';

export type { DecidableCommand, DecideContext, Decision } from './decide/context.js';
export { draftRoomFor, type DraftSnapshot } from './decide/draftSnapshot.js';
export { decideErasure, decideJoin, type JoinRequest } from './decide/participants.js';
export { closeRound } from './decide/rounds.js';
export { decideAutomaticCaption, type AutomaticCaptionInput } from './decide/captions.js';
export { sessionCreated } from './decide/session.js';

/**
 * The decider: given the current state and a validated command from an authorised
 * role, which events happen. Pure apart from the ids and shuffles it is handed, so
 * every random choice ends up in the event payload and replay stays deterministic.
 * Each area of the session decides its own commands (./decide/); the type below makes
 * a command no area decides a compile error.
 */
const deciders: Deciders<DecidableCommand> = {
  ...queueDeciders,
  ...floorDeciders,
  ...questionDeciders,
  ...agendaDeciders,
  ...roomDeciders,
  ...participantDeciders,
  ...sessionDeciders,
  ...draftingDeciders,
  ...roundDeciders,
  ...outcomeDeciders,
  ...publicPageDeciders,
  ...audioDeciders,
  ...captionDeciders,
  ...interpretationDeciders,
};

export function decide<N extends DecidableCommand>(name: N, ctx: DecideContext, payload: CommandPayload<N>): Decision {
  return (deciders[name] as Decider<N>)(ctx, payload);
}
