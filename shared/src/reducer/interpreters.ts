import type { Appliers, EventsOf } from './applier.js';

/** Interpreters: who renders a room's floor into which language. */
export const interpreterAppliers: Appliers<EventsOf<'interpreter'>> = {
  'interpreter.assigned': (s, e) => {
    const p = s.participants[e.payload.participantId];
    if (!p) return;
    p.interpreting = { roomId: e.payload.roomId, language: e.payload.language };
    if (!p.interpretedInto.includes(e.payload.language)) p.interpretedInto = [...p.interpretedInto, e.payload.language].sort();
  },
  'interpreter.revoked': (s, e) => {
    const p = s.participants[e.payload.participantId];
    if (p) p.interpreting = null;
  },
};
