import { produce } from 'immer';
import type { SessionEvent } from './events.js';
import type { SessionState } from './state.js';
import type { AppliedEventType, Applier, Appliers, S } from './reducer/applier.js';
import { agendaAppliers } from './reducer/agenda.js';
import { audioAppliers } from './reducer/audio.js';
import { captionAppliers } from './reducer/captions.js';
import { draftingAppliers } from './reducer/drafting.js';
import { floorAppliers } from './reducer/floor.js';
import { interpreterAppliers } from './reducer/interpreters.js';
import { outcomeAppliers } from './reducer/outcome.js';
import { publicPageAppliers } from './reducer/publicPage.js';
import { participantAppliers } from './reducer/participants.js';
import { questionAppliers } from './reducer/questions.js';
import { queueAppliers } from './reducer/queue.js';
import { roomAppliers } from './reducer/rooms.js';
import { roundAppliers } from './reducer/rounds.js';
import { initial, sessionAppliers } from './reducer/session.js';

/**
 * Bump when the meaning of an event changes, so stored snapshots made by an older
 * reducer are ignored and the log is replayed instead.
 */
export const REDUCER_VERSION = 9;

/** Each area of the session applies its own events (./reducer/); the type makes an event no area applies a compile error. */
const appliers: Appliers<AppliedEventType> = {
  ...sessionAppliers,
  ...participantAppliers,
  ...agendaAppliers,
  ...roomAppliers,
  ...queueAppliers,
  ...floorAppliers,
  ...questionAppliers,
  ...draftingAppliers,
  ...roundAppliers,
  ...outcomeAppliers,
  ...publicPageAppliers,
  ...audioAppliers,
  ...captionAppliers,
  ...interpreterAppliers,
};

/** A Map, not the object: a type named like a property of Object.prototype must find nothing. */
const applierOf = new Map(Object.entries(appliers) as [string, Applier<AppliedEventType>][]);

function apply(s: S, e: SessionEvent): void {
  if (e.type === 'session.created') throw new Error('session.created can only start a log');
  // An event of a type this reducer does not know changes nothing.
  applierOf.get(e.type)?.(s, e);
}

/** The pure session reducer: no I/O, no clock, no randomness. */
export function reduce(state: SessionState | null, event: SessionEvent): SessionState {
  if (event.type === 'session.created') {
    if (state) throw new Error('session.created must be the first event');
    return initial(event);
  }
  if (!state) throw new Error(`log must start with session.created, got ${event.type}`);
  return produce(state, (s) => {
    apply(s, event);
    s.seq = event.seq;
    s.head = event.hash;
    s.updatedAt = event.at;
  });
}

/**
 * The same step as `reduce`, applied in place to a state the caller owns outright and
 * that is not frozen (`structuredClone` of any state gives one).
 *
 * Why it exists: immer's copy-on-write makes every change copy each object on its path,
 * and the participant map of a plenary is on the path of every join. At 10 000 citizens
 * that copy, and the freeze that follows it, was most of what a join cost, so a join storm
 * grew with the square of the room. A live session host folds into private copies with
 * this instead; everything that shares states (replicas, tests, exports) uses `reduce`.
 * Callers must not pass an event whose objects they keep using: the state may adopt them.
 */
export function reduceInPlace(state: SessionState, event: SessionEvent): void {
  if (event.type === 'session.created') throw new Error('session.created must be the first event');
  apply(state as S, event);
  state.seq = event.seq;
  state.head = event.hash;
  state.updatedAt = event.at;
}

/**
 * Fold many events at once. Same result as reducing them one by one, but in a
 * single immer draft, so a long replay does not copy-and-freeze per event.
 */
export function replay(events: Iterable<SessionEvent>, from: SessionState | null = null): SessionState | null {
  let state = from;
  let batch: SessionEvent[] = [];
  const flush = () => {
    if (batch.length === 0 || !state) return;
    const pending = batch;
    batch = [];
    state = produce(state, (s) => {
      for (const e of pending) {
        apply(s, e);
        s.seq = e.seq;
        s.head = e.hash;
        s.updatedAt = e.at;
      }
    });
  };
  for (const e of events) {
    if (!state) state = reduce(null, e);
    else batch.push(e);
  }
  flush();
  return state;
}
