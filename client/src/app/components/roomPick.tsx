import { createContext, useContext, useState, type ReactNode } from 'react';
import type { RoomView } from '../../../../shared/src/index.js';
import { useMyRoom, useSession } from '../session/context';

type RoomPick = { picked: string; pick: (id: string) => void };

const RoomPickContext = createContext<RoomPick | null>(null);

/** The room a facilitator is managing, shared by the floor and queue panels (default the plenary). */
export function RoomPickProvider({ children }: { children: ReactNode }) {
  const [picked, pick] = useState('plenary');
  return <RoomPickContext.Provider value={{ picked, pick }}>{children}</RoomPickContext.Provider>;
}

/**
 * The room a panel shows: for facilitators the one they picked (a room that has gone, e.g.
 * after a recall, falls back to their own); for everyone else their own room.
 */
export function usePanelRoom(): { room: RoomView | undefined; pick: (id: string) => void } {
  const { snapshot } = useSession();
  const myRoom = useMyRoom();
  const ctx = useContext(RoomPickContext);
  const [localPicked, localPick] = useState('plenary');
  const picked = ctx?.picked ?? localPicked;
  const pick = ctx?.pick ?? localPick;
  const room = snapshot.me?.role === 'facilitator' ? (snapshot.view?.rooms.find((r) => r.id === picked) ?? myRoom) : myRoom;
  return { room, pick };
}
