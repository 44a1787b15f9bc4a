import { sha256Hex } from './chain.js';
import {
  CommandError,
  PLENARY,
  canonicalRecommendation,
  roomScoped,
  roundResults,
  activeItems,
  frozenItems,
  type AmendmentData,
  type CreateSessionInput,
  type Role,
  type RecommendationText,

  rankQueue,
  type CommandName,
  type TransientCommand,
  type CommandPayload,
  type EventDraft,
  type Participant,
  type Room,
  type Round,
  type SessionState,
  hasUpvoted,
} from '../../../shared/src/index.js';

/**
 * The decider: given the current state and a validated command from an authorised
 * role, which events happen. Pure apart from the ids and shuffles it is handed, so
 * every random choice ends up in the event payload and replay stays deterministic.
 */
/** The first event of every log: the session as created, with the hashes of its invites. */
export function sessionCreated(input: CreateSessionInput, inviteHashes: Record<Role, string>): EventDraft {
  return {
    type: 'session.created',
    payload: {
      title: input.title,
      question: input.question,
      agenda: input.agenda.map((item, i) => ({ ...item, id: `item-${i + 1}` })),
      settings: input.settings,
      inviteHashes,
    },
  };
}

/** A room's drafting document as it stands, read by the drafting adapter for the commands that vote on or change it. */
export interface DraftSnapshot {
  roomId: string;
  recommendations: (RecommendationText & { textHash: string })[];
  amendments: AmendmentData[];
}

export interface DecideContext {
  state: SessionState;
  /** Present for the commands named by draftRoomFor. */
  draft?: DraftSnapshot | undefined;
  actor: Participant;
  now: number;
  newId: (prefix: string) => string;
  newSecret: () => { secret: string; hash: string };
  shuffle: <T>(items: readonly T[]) => T[];
}

export interface Decision {
  events: EventDraft[];
  result?: unknown;
}

type Handler<N extends CommandName> = (ctx: DecideContext, payload: CommandPayload<N>) => Decision;
export type DecidableCommand = Exclude<CommandName, 'state.sync' | TransientCommand>;

const MAX_QUESTIONS_PER_PARTICIPANT = 50;
const MAX_ROOMS = 200;

function fail(code: 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN', message: string): never {
  throw new CommandError(code, message);
}

function roomOf(state: SessionState, roomId: string): Room {
  return (Object.hasOwn(state.rooms, roomId) && state.rooms[roomId]) || fail('NOT_FOUND', 'There is no such room in this session.');
}

function participantOf(state: SessionState, participantId: string): Participant {
  const p = Object.hasOwn(state.participants, participantId) ? state.participants[participantId] : undefined;
  if (!p || p.removed) fail('NOT_FOUND', 'There is no such participant in this session.');
  return p;
}

function queueEntry(room: Room, participantId: string) {
  return room.queue.find((e) => e.participantId === participantId);
}

/** Everything that must end before a participant leaves their room or loses the right to speak. */
function releaseSpeaker(
  state: SessionState,
  participantId: string,
  now: number,
  reason: 'moved' | 'removed' | 'speaking-revoked',
): EventDraft[] {
  const out: EventDraft[] = [];
  for (const roomId of state.roomOrder) {
    const room = state.rooms[roomId]!;
    if (room.floor?.participantId === participantId) {
      out.push({ type: 'floor.ended', payload: { roomId, participantId, endedAt: now, reason } });
    }
    if (queueEntry(room, participantId)) {
      out.push({ type: 'queue.hand-lowered', payload: { roomId, participantId, reason } });
    }
  }
  return out;
}

function moveAll(state: SessionState, assignments: Record<string, string>, now: number, shuffled: boolean): EventDraft[] {
  const changing = Object.fromEntries(Object.entries(assignments).filter(([pid, rid]) => state.participants[pid]!.roomId !== rid));
  if (Object.keys(changing).length === 0) fail('CONFLICT', 'Everyone is already in those rooms.');
  return [
    ...Object.keys(changing).flatMap((pid) => releaseSpeaker(state, pid, now, 'moved')),
    { type: 'rooms.assigned', payload: { assignments: changing, shuffled } },
  ];
}

const handlers: { [N in DecidableCommand]: Handler<N> } = {
  'queue.raise': ({ state, actor }, { kind }) => {
    if (!actor.canSpeak) fail('FORBIDDEN', 'Your right to speak has been withdrawn by the facilitator.');
    const room = roomOf(state, actor.roomId);
    if (room.floor?.participantId === actor.id) fail('CONFLICT', 'You already have the floor.');
    if (queueEntry(room, actor.id)?.kind === kind) fail('CONFLICT', 'Your hand is already raised.');
    return { events: [{ type: 'queue.hand-raised', payload: { roomId: room.id, participantId: actor.id, kind } }] };
  },
  'queue.lower': ({ state, actor }) => {
    const room = roomOf(state, actor.roomId);
    if (!queueEntry(room, actor.id)) fail('CONFLICT', 'Your hand is not raised.');
    return { events: [{ type: 'queue.hand-lowered', payload: { roomId: room.id, participantId: actor.id, reason: 'self' } }] };
  },
  'queue.remove': ({ state }, { roomId, participantId }) => {
    const room = roomOf(state, roomId);
    if (!queueEntry(room, participantId)) fail('NOT_FOUND', 'That person is not in this queue.');
    return { events: [{ type: 'queue.hand-lowered', payload: { roomId, participantId, reason: 'facilitator' } }] };
  },
  'queue.move': ({ state }, { roomId, participantId, position }) => {
    const room = roomOf(state, roomId);
    if (!queueEntry(room, participantId)) fail('NOT_FOUND', 'That person is not in this queue.');
    const clamped = Math.min(position, room.queue.length);
    return { events: [{ type: 'queue.moved', payload: { roomId, participantId, position: clamped } }] };
  },
  'queue.clear': ({ state }, { roomId }) => {
    const room = roomOf(state, roomId);
    if (room.queue.length === 0) fail('CONFLICT', 'The queue is already empty.');
    return { events: [{ type: 'queue.cleared', payload: { roomId } }] };
  },
  'queue.setRule': ({ state }, { roomId, rule }) => {
    const room = roomOf(state, roomId);
    if (room.queueRule === rule) {
      fail('CONFLICT', rule === null ? 'This room already follows the session’s rule.' : 'That rule is already in force in this room.');
    }
    return { events: [{ type: 'queue.rule-set', payload: { roomId, rule } }] };
  },

  'floor.give': ({ state, now }, { roomId, participantId, seconds }) => {
    const room = roomOf(state, roomId);
    if (!room.open) fail('CONFLICT', 'This room has been closed.');
    let targetId = participantId;
    if (targetId === undefined) {
      const head = rankQueue(room.queue, room.queueRule ?? state.settings.queueRule, state.participants)[0];
      if (!head) fail('CONFLICT', 'The queue is empty.');
      targetId = head.entry.participantId;
    }
    const target = participantOf(state, targetId);
    if (target.roomId !== roomId) fail('CONFLICT', 'That person is not in this room.');
    if (target.role !== 'citizen') fail('CONFLICT', 'The floor is given to citizens.');
    if (!target.canSpeak) fail('CONFLICT', 'That person’s right to speak has been withdrawn.');
    if (room.floor?.participantId === target.id) fail('CONFLICT', 'That person already has the floor.');
    const events: EventDraft[] = [];
    if (room.floor) {
      events.push({
        type: 'floor.ended',
        payload: { roomId, participantId: room.floor.participantId, endedAt: now, reason: 'ended-by-facilitator' },
      });
    }
    if (queueEntry(room, target.id)) {
      events.push({ type: 'queue.hand-lowered', payload: { roomId, participantId: target.id, reason: 'given-floor' } });
    }
    const endsAt = now + (seconds ?? state.settings.turnSeconds) * 1000;
    const warnAt = Math.max(now, endsAt - state.settings.warnSeconds * 1000);
    events.push({ type: 'floor.granted', payload: { roomId, participantId: target.id, endsAt, warnAt } });
    return { events };
  },
  'floor.end': ({ state, now }, { roomId }) => {
    const room = roomOf(state, roomId);
    if (!room.floor) fail('CONFLICT', 'Nobody has the floor.');
    return {
      events: [
        {
          type: 'floor.ended',
          payload: { roomId, participantId: room.floor.participantId, endedAt: now, reason: 'ended-by-facilitator' },
        },
      ],
    };
  },
  'floor.yield': ({ state, actor, now }) => {
    const room = roomOf(state, actor.roomId);
    if (room.floor?.participantId !== actor.id) fail('CONFLICT', 'You do not have the floor.');
    return { events: [{ type: 'floor.ended', payload: { roomId: room.id, participantId: actor.id, endedAt: now, reason: 'yielded' } }] };
  },

  'qa.ask': ({ state, actor, newId }, { text, anonymous }) => {
    const mine = Object.values(state.questions).filter((q) => q.authorId === actor.id);
    if (mine.length >= MAX_QUESTIONS_PER_PARTICIPANT) fail('CONFLICT', `You have asked the maximum of ${MAX_QUESTIONS_PER_PARTICIPANT} questions.`);
    if (mine.some((q) => q.text === text && q.roomId === actor.roomId)) fail('CONFLICT', 'You have already asked this question.');
    const questionId = newId('q');
    return {
      events: [
        {
          type: 'qa.asked',
          payload: { roomId: actor.roomId, questionId, authorId: actor.id, anonymous, text, approved: !state.settings.qaPremoderation },
        },
      ],
      result: { questionId },
    };
  },
  'qa.upvote': ({ state, actor }, { questionId }) => {
    const q = Object.hasOwn(state.questions, questionId) ? state.questions[questionId] : undefined;
    // Questions of other rooms, and those not (or no longer) visible, are indistinguishable from absent ones.
    if (!q || q.roomId !== actor.roomId || q.status === 'pending' || q.status === 'hidden') fail('NOT_FOUND', 'There is no such question.');
    if (hasUpvoted(q.upvoters, actor.id)) fail('CONFLICT', 'You have already upvoted this question.');
    return { events: [{ type: 'qa.upvoted', payload: { questionId, participantId: actor.id } }] };
  },
  'qa.unvote': ({ state, actor }, { questionId }) => {
    const q = Object.hasOwn(state.questions, questionId) ? state.questions[questionId] : undefined;
    if (!q || q.roomId !== actor.roomId) fail('NOT_FOUND', 'There is no such question.');
    if (!hasUpvoted(q.upvoters, actor.id)) fail('CONFLICT', 'You have not upvoted this question.');
    return { events: [{ type: 'qa.unvoted', payload: { questionId, participantId: actor.id } }] };
  },
  'qa.moderate': ({ state }, { questionId, status }) => {
    const q = Object.hasOwn(state.questions, questionId) ? state.questions[questionId] : undefined;
    if (!q) fail('NOT_FOUND', 'There is no such question.');
    if (q.status === status) fail('CONFLICT', `The question is already ${status}.`);
    return { events: [{ type: 'qa.status-set', payload: { questionId, status } }] };
  },

  'agenda.start': ({ state, now }, { itemId }) => {
    const item = itemId === undefined ? state.agenda.find((i) => i.status === 'pending') : state.agenda.find((i) => i.id === itemId);
    if (!item) fail(itemId === undefined ? 'CONFLICT' : 'NOT_FOUND', itemId === undefined ? 'No agenda item is left to start.' : 'There is no such agenda item.');
    if (item.status === 'active') fail('CONFLICT', 'That item is already running.');
    if (item.status === 'done') fail('CONFLICT', 'That item has already been held.');
    const active = state.agenda.find((i) => i.status === 'active');
    return {
      events: [
        ...(active ? [{ type: 'agenda.item-completed' as const, payload: { itemId: active.id } }] : []),
        { type: 'agenda.item-started', payload: { itemId: item.id, deadline: now + item.minutes * 60_000 } },
      ],
    };
  },
  'agenda.next': ({ state, now }) => {
    const activeIndex = state.agenda.findIndex((i) => i.status === 'active');
    const next = state.agenda.find((i, idx) => idx > activeIndex && i.status === 'pending');
    if (activeIndex < 0 && !next) fail('CONFLICT', 'No agenda item is left to start.');
    const events: EventDraft[] = [];
    if (activeIndex >= 0) events.push({ type: 'agenda.item-completed', payload: { itemId: state.agenda[activeIndex]!.id } });
    if (next) events.push({ type: 'agenda.item-started', payload: { itemId: next.id, deadline: now + next.minutes * 60_000 } });
    return { events };
  },
  'agenda.extend': ({ state, now }, { minutes }) => {
    const active = state.agenda.find((i) => i.status === 'active');
    if (!active) fail('CONFLICT', 'No agenda item is running.');
    // An item already over its time is extended from now, not from the deadline it missed.
    const deadline = Math.max(active.deadline ?? now, now) + minutes * 60_000;
    return { events: [{ type: 'agenda.item-extended', payload: { itemId: active.id, minutes, deadline } }] };
  },
  'agenda.complete': ({ state }) => {
    const active = state.agenda.find((i) => i.status === 'active');
    if (!active) fail('CONFLICT', 'No agenda item is running.');
    return { events: [{ type: 'agenda.item-completed', payload: { itemId: active.id } }] };
  },

  'rooms.create': ({ state }, { count, names }) => {
    const existing = state.roomOrder.length - 1;
    if (existing + count > MAX_ROOMS) fail('CONFLICT', `A session can have at most ${MAX_ROOMS} breakout rooms.`);
    if (names && names.length > count) fail('CONFLICT', 'More names than rooms were given.');
    const rooms = Array.from({ length: count }, (_, i) => ({
      roomId: `room-${existing + i + 1}`,
      name: names?.[i] ?? `Room ${existing + i + 1}`,
    }));
    return { events: [{ type: 'rooms.created', payload: { rooms } }], result: { roomIds: rooms.map((r) => r.roomId) } };
  },
  'rooms.assign': ({ state, now }, { assignments }) => {
    const map: Record<string, string> = {};
    for (const { participantId, roomId } of assignments) {
      const p = participantOf(state, participantId);
      if (p.role !== 'citizen') fail('CONFLICT', 'Only citizens are assigned to rooms.');
      if (!roomOf(state, roomId).open) fail('CONFLICT', 'That room has been closed.');
      map[participantId] = roomId;
    }
    return { events: moveAll(state, map, now, false) };
  },
  'rooms.shuffle': ({ state, now, shuffle }) => {
    const rooms = state.roomOrder.filter((id) => state.rooms[id]!.kind === 'breakout' && state.rooms[id]!.open);
    if (rooms.length === 0) fail('CONFLICT', 'Create breakout rooms first.');
    const citizens = shuffle(
      Object.values(state.participants)
        .filter((p) => p.role === 'citizen' && !p.removed)
        .map((p) => p.id),
    );
    if (citizens.length === 0) fail('CONFLICT', 'There are no citizens to assign.');
    const map = Object.fromEntries(citizens.map((pid, i) => [pid, rooms[i % rooms.length]!]));
    return { events: moveAll(state, map, now, true) };
  },
  'rooms.recall': ({ state, now }) => {
    const open = state.roomOrder.filter((id) => state.rooms[id]!.kind === 'breakout' && state.rooms[id]!.open);
    if (open.length === 0) fail('CONFLICT', 'No breakout rooms are open.');
    const ended: EventDraft[] = open.flatMap((roomId) => {
      const floor = state.rooms[roomId]!.floor;
      return floor ? [{ type: 'floor.ended' as const, payload: { roomId, participantId: floor.participantId, endedAt: now, reason: 'recalled' as const } }] : [];
    });
    return { events: [...ended, { type: 'rooms.recalled', payload: { roomIds: open } }] };
  },

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

  'settings.update': ({ state }, { patch }) => {
    // Compared by value: the agreement rule is an object.
    const changes = Object.entries(patch).filter(([k, v]) => JSON.stringify(state.settings[k as keyof typeof state.settings]) !== JSON.stringify(v));
    if (changes.length === 0) fail('CONFLICT', 'Those settings are already in force.');
    return { events: [{ type: 'settings.updated', payload: { patch: Object.fromEntries(changes) } }] };
  },
  'invite.rotate': ({ newSecret }, { role }) => {
    const { secret, hash } = newSecret();
    return { events: [{ type: 'invite.rotated', payload: { role, inviteHash: hash } }], result: { role, invite: secret } };
  },
  'drafting.setOpen': ({ state }, { roomId, open }) => {
    const room = roomOf(state, roomId);
    if (room.draftingOpen === open) fail('CONFLICT', open ? 'Drafting is already open in this room.' : 'Drafting is already closed in this room.');
    return { events: [{ type: open ? 'drafting.opened' : 'drafting.closed', payload: { roomId } }] };
  },
  'drafting.setLocked': ({ state }, { roomId, locked }) => {
    const room = roomOf(state, roomId);
    if (room.draftLocked === locked) fail('CONFLICT', locked ? 'The document is already locked.' : 'The document is not locked.');
    return { events: [{ type: locked ? 'drafting.locked' : 'drafting.unlocked', payload: { roomId } }] };
  },
  'drafting.bringBack': (ctx, { roomId }) => {
    const { state, newId } = ctx;
    const room = roomOf(state, roomId);
    if (room.kind !== 'breakout') fail('CONFLICT', 'Only a breakout room’s recommendations can be brought to the plenary.');
    // A text already brought back as it reads now is not copied twice; one edited since is copied again.
    const already = new Set(Object.values(state.broughtBack).filter((b) => b.fromRoomId === roomId).map((b) => `${b.sourceId}\n${b.sourceHash}`));
    const items = draftOf(ctx, roomId)
      .recommendations.filter((r) => !already.has(`${r.id}\n${r.textHash}`))
      .map(({ textHash: sourceHash, ...source }) => {
        const recommendationId = newId('rec');
        const text = { ...source, id: recommendationId };
        return { sourceId: source.id, sourceHash, recommendationId, text, textHash: sha256Hex(canonicalRecommendation(text)) };
      });
    if (items.length === 0) fail('CONFLICT', 'Nothing new to bring back: every recommendation of this room is in the plenary already, as it reads now.');
    return {
      events: [{ type: 'drafting.brought-back', payload: { fromRoomId: roomId, toRoomId: PLENARY, items } }],
      result: { recommendationIds: items.map((i) => i.recommendationId) },
    };
  },
  'round.open': (ctx, { roomId, recommendationIds, closesInMinutes }) => {
    const { state, newId, now } = ctx;
    const room = roomOf(state, roomId);
    if (!room.open) fail('CONFLICT', 'This room has been closed.');
    if (state.roundOrder.some((id) => state.rounds[id]!.roomId === roomId && state.rounds[id]!.closedAt === null)) {
      fail('CONFLICT', 'A round is already open in this room; close it first.');
    }
    const draft = draftOf(ctx, roomId);
    let recs = draft.recommendations;
    if (recommendationIds) {
      const byId = new Map(recs.map((r) => [r.id, r]));
      recs = [...new Set(recommendationIds)].map((id) => byId.get(id) ?? fail('NOT_FOUND', `There is no recommendation ${id} in this room’s document.`));
      const locked = recs.find((r) => Object.hasOwn(state.locks, roomScoped(roomId, r.id)));
      if (locked) fail('CONFLICT', `Recommendation ${locked.id} is already agreed and locked.`);
    } else {
      recs = recs.filter((r) => !Object.hasOwn(state.locks, roomScoped(roomId, r.id)));
    }
    if (recs.length === 0) fail('CONFLICT', 'There is no recommendation to put to the vote.');
    const roundId = newId('round');
    const items = recs.map(({ textHash, ...text }) => ({ recommendationId: text.id, text, textHash }));
    return {
      events: [
        {
          type: 'round.opened',
          payload: { roundId, roomId, rule: state.settings.agreementRule, items, closesAt: closesInMinutes === undefined ? null : now + closesInMinutes * 60_000 },
        },
      ],
      result: { roundId, textHashes: Object.fromEntries(items.map((i) => [i.recommendationId, i.textHash])) },
    };
  },
  'round.rate': ({ state, actor, now }, { roundId, recommendationId, level, reason }) => {
    const round = roundOf(state, roundId);
    // A citizen rates in their own room only; another room's round is as good as absent.
    if (round.roomId !== actor.roomId) fail('NOT_FOUND', 'There is no such agreement round.');
    if (round.closedAt !== null) fail('CONFLICT', 'This round is closed; ratings can no longer change.');
    // The clock closes it a moment later; a rating in between would count after the deadline everyone saw.
    if (round.closesAt !== null && now >= round.closesAt) fail('CONFLICT', 'This round’s time is up; ratings can no longer change.');
    if (!round.items.some((i) => i.recommendationId === recommendationId)) fail('NOT_FOUND', 'That recommendation is not part of this round.');
    if (round.withdrawn.includes(recommendationId)) fail('CONFLICT', 'That recommendation was withdrawn from this round; it is being drafted again.');
    const previous = round.ratings[recommendationId]?.[actor.id];
    const why = reason ?? null;
    if (previous && previous.level === level && previous.reason === why) fail('CONFLICT', 'You have already given this rating.');
    return { events: [{ type: 'round.rated', payload: { roundId, recommendationId, participantId: actor.id, level, reason: why } }] };
  },
  'round.close': (ctx, { roundId }) => {
    const round = roundOf(ctx.state, roundId);
    if (round.closedAt !== null) fail('CONFLICT', round.cancelled ? 'This round was cancelled.' : 'This round is already closed.');
    return closeRound(round, draftOf(ctx, round.roomId));
  },
  'round.withdraw': ({ state }, { roundId, recommendationId }) => {
    const round = roundOf(state, roundId);
    if (round.closedAt !== null) fail('CONFLICT', 'This round has ended; nothing can be withdrawn from it.');
    if (!round.items.some((i) => i.recommendationId === recommendationId)) fail('NOT_FOUND', 'That recommendation is not part of this round.');
    if (round.withdrawn.includes(recommendationId)) fail('CONFLICT', 'That recommendation was already withdrawn.');
    if (activeItems(round).length === 1) fail('CONFLICT', 'This is the last text in the round; cancel the round instead.');
    return { events: [{ type: 'round.withdrawn', payload: { roundId, recommendationId } }] };
  },
  'round.setStatement': ({ state }, { roundId, text }) => {
    const round = roundOf(state, roundId);
    if (round.closedAt === null) fail('CONFLICT', 'This round is still open; say what the room decided once it has ended.');
    if (round.statement?.text === text) fail('CONFLICT', 'This is already the statement of this round.');
    return { events: [{ type: 'round.statement-set', payload: { roundId, text } }] };
  },
  'round.cancel': ({ state }, { roundId }) => {
    const round = roundOf(state, roundId);
    if (round.closedAt !== null) fail('CONFLICT', round.cancelled ? 'This round was already cancelled.' : 'This round has already closed.');
    return { events: [{ type: 'round.cancelled', payload: { roundId } }] };
  },
  'amendment.decide': (ctx, { roomId, amendmentId, decision }) => {
    const { state } = ctx;
    const room = roomOf(state, roomId);
    const amendment = draftOf(ctx, roomId).amendments.find((a) => a.id === amendmentId);
    if (!amendment) fail('NOT_FOUND', 'There is no such amendment in this room’s document.');
    // The log decides, not the document's status field, which any writer could set.
    if (Object.hasOwn(state.amendments, roomScoped(roomId, amendmentId))) fail('CONFLICT', 'This amendment has already been decided.');
    const rec = ctx.draft!.recommendations.find((r) => r.id === amendment.recommendationId);
    if (!rec) fail('CONFLICT', 'The recommendation this amendment changes is gone.');
    if (decision === 'accepted' && (Object.hasOwn(state.locks, roomScoped(roomId, rec.id)) || room.draftLocked)) fail('CONFLICT', 'That text is locked and cannot be amended.');
    if (decision === 'accepted' && frozenItems(state, roomId).some((i) => i.recommendationId === rec.id)) {
      fail('CONFLICT', 'That text is under vote; withdraw it from the round or wait until the round ends.');
    }
    return {
      events: [
        {
          type: 'amendment.decided',
          payload: {
            roomId,
            amendmentId,
            recommendationId: rec.id,
            field: amendment.field,
            decision,
            text: amendment.text,
            previousText: rec[amendment.field],
          },
        },
      ],
    };
  },
  'response.give': ({ state }, { roomId, recommendationId, status, reason, dueDate }) => {
    roomOf(state, roomId);
    const key = roomScoped(roomId, recommendationId);
    if (!Object.hasOwn(state.locks, key)) fail('NOT_FOUND', 'Only agreed recommendations can be answered, and this one is not agreed.');
    const answer = { status, reason: reason ?? null, dueDate: dueDate ?? null };
    const current = Object.hasOwn(state.responses, key) ? state.responses[key]!.current : null;
    if (current && current.status === answer.status && current.reason === answer.reason && current.dueDate === answer.dueDate) {
      fail('CONFLICT', 'This recommendation already has exactly this answer.');
    }
    return { events: [{ type: 'response.given', payload: { roomId, recommendationId, ...answer } }] };
  },
  'response.progress': ({ state }, { roomId, recommendationId, text }) => {
    roomOf(state, roomId);
    const key = roomScoped(roomId, recommendationId);
    const response = Object.hasOwn(state.responses, key) ? state.responses[key] : undefined;
    if (!response) fail('NOT_FOUND', 'Answer this recommendation before reporting progress on it.');
    if (response.progress.at(-1)?.text === text) fail('CONFLICT', 'This progress update was already given.');
    return { events: [{ type: 'response.progressed', payload: { roomId, recommendationId, text } }] };
  },
  'outcome.publish': ({ state }) => {
    const last = state.publications.at(-1);
    // Nothing but the last publication happened since: the same outcome would go out twice.
    if (last && last.headSeq === state.seq - 1) fail('CONFLICT', 'The outcome has not changed since it was last published.');
    const number = (last?.number ?? 0) + 1;
    return {
      events: [{ type: 'outcome.published', payload: { number, headSeq: state.seq, headHash: state.head } }],
      result: { number, headSeq: state.seq, headHash: state.head },
    };
  },
  'audio.setOpenMic': ({ state }, { roomId, open }) => {
    const room = roomOf(state, roomId);
    if (room.openMic === open) fail('CONFLICT', open ? 'Open mic is already on in this room.' : 'Open mic is already off in this room.');
    return { events: [{ type: 'audio.open-mic-set', payload: { roomId, open } }] };
  },
  'session.close': ({ state, now }) => {
    const events: EventDraft[] = [];
    for (const roomId of state.roomOrder) {
      const floor = state.rooms[roomId]!.floor;
      if (floor) events.push({ type: 'floor.ended', payload: { roomId, participantId: floor.participantId, endedAt: now, reason: 'ended-by-facilitator' } });
    }
    const active = state.agenda.find((i) => i.status === 'active');
    if (active) events.push({ type: 'agenda.item-completed', payload: { itemId: active.id } });
    events.push({ type: 'session.closed', payload: {} });
    return { events };
  },
};

/**
 * Close a round on the document as it is now: the ratings decide, a text that changed
 * anyway is never agreed, and each agreed text is locked. The facilitator's close and
 * the deadline's (SessionHost's clock) are the same decision.
 */
export function closeRound(round: Round, draft: DraftSnapshot): Decision {
  const current = new Map(draft.recommendations.map((r) => [r.id, r.textHash]));
  const currentHashes = Object.fromEntries(activeItems(round).map((i) => [i.recommendationId, current.get(i.recommendationId) ?? null]));
  const results = roundResults(round, currentHashes);
  const locks: EventDraft[] = results
    .filter((r) => r.agreed)
    .map((r) => {
      const item = round.items.find((i) => i.recommendationId === r.recommendationId)!;
      return {
        type: 'recommendation.locked' as const,
        payload: { roomId: round.roomId, recommendationId: item.recommendationId, roundId: round.id, textHash: item.textHash, text: item.text },
      };
    });
  return {
    events: [{ type: 'round.closed', payload: { roundId: round.id, currentHashes } }, ...locks],
    result: { agreed: results.filter((r) => r.agreed).map((r) => r.recommendationId) },
  };
}

/** Which room's document a command needs to read, if any. */
export function draftRoomFor(name: CommandName, payload: unknown, state: SessionState): string | null {
  const p = payload as { roomId?: string; roundId?: string };
  if (name === 'round.open' || name === 'amendment.decide' || name === 'drafting.bringBack') return p.roomId ?? null;
  if (name === 'round.close') return (p.roundId && Object.hasOwn(state.rounds, p.roundId) && state.rounds[p.roundId]!.roomId) || null;
  return null;
}

function draftOf(ctx: DecideContext, roomId: string): DraftSnapshot {
  if (!ctx.draft || ctx.draft.roomId !== roomId) throw new CommandError('UNAVAILABLE', 'The drafting document could not be read; nothing was changed.');
  return ctx.draft;
}

function roundOf(state: SessionState, roundId: string) {
  const round = Object.hasOwn(state.rounds, roundId) ? state.rounds[roundId] : undefined;
  if (!round) fail('NOT_FOUND', 'There is no such agreement round.');
  return round;
}

export function decide<N extends DecidableCommand>(name: N, ctx: DecideContext, payload: CommandPayload<N>): Decision {
  return (handlers[name] as Handler<N>)(ctx, payload);
}

