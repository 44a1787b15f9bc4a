import { PLENARY, canonicalRecommendation, frozenItems, roomScoped } from '../../../../shared/src/index.js';
import { sha256Hex } from '../chain.js';
import type { CommandsOf, Deciders } from './context.js';
import { draftOf } from './draftSnapshot.js';
import { fail, roomOf } from './lookup.js';

/** Drafting: each room's document opened, locked, brought to the plenary, and its amendments decided. */
export const draftingDeciders: Deciders<CommandsOf<'drafting'> | CommandsOf<'amendment'>> = {
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
    const already = new Set(
      Object.values(state.broughtBack)
        .filter((b) => b.fromRoomId === roomId)
        .map((b) => `${b.sourceId}\n${b.sourceHash}`),
    );
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
  'amendment.decide': (ctx, { roomId, amendmentId, decision }) => {
    const { state } = ctx;
    const room = roomOf(state, roomId);
    const amendment = draftOf(ctx, roomId).amendments.find((a) => a.id === amendmentId);
    if (!amendment) fail('NOT_FOUND', 'There is no such amendment in this room’s document.');
    // The log decides, not the document's status field, which any writer could set.
    if (Object.hasOwn(state.amendments, roomScoped(roomId, amendmentId))) fail('CONFLICT', 'This amendment has already been decided.');
    const rec = ctx.draft!.recommendations.find((r) => r.id === amendment.recommendationId);
    if (!rec) fail('CONFLICT', 'The recommendation this amendment changes is gone.');
    if (decision === 'accepted' && (Object.hasOwn(state.locks, roomScoped(roomId, rec.id)) || room.draftLocked))
      fail('CONFLICT', 'That text is locked and cannot be amended.');
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
};
