import type { CommandName, CommandPayload, EventDraft, Participant, SessionState, TransientCommand } from '../../../../shared/src/index.js';
import type { DraftSnapshot } from './draftSnapshot.js';

/** What a command is decided on: the state, who asks, and the only sources of time and chance it may use. */
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

/** The commands that go through the log; state.sync and the transient (audio) ones never do. */
export type DecidableCommand = Exclude<CommandName, 'state.sync' | TransientCommand>;

export type Decider<N extends DecidableCommand> = (ctx: DecideContext, payload: CommandPayload<N>) => Decision;

/** One decider for each of the given commands; an area's table, or, over all commands, the whole decider's. */
export type Deciders<N extends DecidableCommand> = { readonly [K in N]: Decider<K> };

/** The commands whose names start with `prefix`: how an area names the commands it decides. */
export type CommandsOf<Prefix extends string> = Extract<DecidableCommand, `${Prefix}.${string}`>;
