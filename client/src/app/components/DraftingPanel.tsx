import { useState } from 'react';
import type { RoomView } from '../../../../shared/src/index.js';
import { useSession } from '../session/context';
import { Deferred, lazyPart } from './Deferred';

/** Which room's document this person works on: citizens their own, facilitators the one they pick, others the plenary. */
export function useDraftingRoom(): { room: RoomView | undefined; pick: (id: string) => void } {
  const { snapshot } = useSession();
  const me = snapshot.me!;
  const view = snapshot.view!;
  const [picked, pick] = useState('plenary');
  const id = me.role === 'facilitator' ? picked : me.role === 'citizen' ? me.roomId : 'plenary';
  const room = view.rooms.find((r) => r.id === id) ?? view.rooms.find((r) => r.id === me.roomId) ?? view.rooms[0];
  return { room, pick };
}

/*
 * The editor (CodeMirror), Yjs and its WebSocket provider are most of the app's code,
 * and only drafting uses them: they are fetched the first time this panel is shown.
 */
const DraftingWorkspace = lazyPart(() => import('../drafting/DraftingWorkspace').then((m) => m.DraftingWorkspace));

/**
 * The collaborative drafting area of a room, and its agreement rounds (unless the page
 * shows the rounds elsewhere: `withRounds={false}`; only a facilitator's round form needs this document).
 */
export function DraftingPanel({ withRounds = true }: { withRounds?: boolean } = {}) {
  return (
    <Deferred className="panel">
      <DraftingWorkspace withRounds={withRounds} />
    </Deferred>
  );
}
