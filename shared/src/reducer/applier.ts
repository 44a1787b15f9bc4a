import type { Draft } from 'immer';
import type { EventType, SessionEvent } from '../events.js';
import type { SessionState } from '../state.js';

/** The state as an applier changes it: an immer draft, or, under `reduceInPlace`, the state itself. */
export type S = Draft<SessionState>;

/** Every event but session.created, which starts a log instead of changing a state. */
export type AppliedEventType = Exclude<EventType, 'session.created'>;

/** How one type of event changes the state, in place. */
export type Applier<T extends AppliedEventType> = (s: S, e: Extract<SessionEvent, { type: T }>) => void;

/** One applier for each of the given event types; an area's table, or, over all types, the whole reducer's. */
export type Appliers<T extends AppliedEventType> = { readonly [K in T]: Applier<K> };

/** The event types whose names start with `prefix`: how an area names the events it applies. */
export type EventsOf<Prefix extends string> = Extract<AppliedEventType, `${Prefix}.${string}`>;
