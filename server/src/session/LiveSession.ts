import type { CommandPayload, CreateSessionInput, Participant, Role, SessionEvent, SessionState } from '../../../shared/src/index.js';
import type { AutomaticCaptionInput, DecidableCommand } from './decide.js';

export interface Outcome {
  seq: number;
  result?: unknown;
}

export interface Joined {
  participant: Participant;
  token: string;
  seq: number;
}

export type ChangeListener = (events: readonly SessionEvent[], state: SessionState) => void;

/**
 * A session as the adapters (Socket.IO, HTTP, Yjs, audio, outcomes) see it, whoever
 * decides for it. On one node that is a SessionHost; in a cluster it is a
 * ClusteredSession, which decides here while this node owns the session and otherwise
 * follows the log and forwards commands to the owner.
 */
export interface LiveSession {
  readonly id: string;
  /** The durable state as far as this node has it. Live: read it synchronously, never change it. */
  readonly state: SessionState;
  /** True while this node decides for the session: its clock, the drafting write policy and audio run here. */
  readonly isOwner: boolean;
  /** The lease epoch this node's writes for the session carry (its drafting documents too); undefined on one node. */
  fence(): { epoch: number } | undefined;
  /**
   * Told when the session's owner changes (never on one node, which always owns it):
   * `isOwner` says whether this node owns it now.
   */
  onOwnerChange(listener: (isOwner: boolean) => void): () => void;
  /** A copy of the state that nothing will change. */
  snapshot(): SessionState;
  onChange(listener: ChangeListener): () => void;
  /** The participant a credential belongs to, if it is still valid here. */
  authenticate(token: string): Participant | null;
  /**
   * Like `authenticate`, but a token this node does not know yet is looked up once more
   * after the state has caught up with the log: in a cluster, the join may have gone
   * through another node a moment ago.
   */
  authenticateFresh(token: string): Promise<Participant | null>;
  /** Which role an invite grants, or null. */
  roleForInvite(invite: string): Role | null;
  join(invite: string, displayName: string): Promise<Joined>;
  /** Erase participants' personal data (docs/PRIVACY.md); resolves with the seq once durable. */
  erase(participantIds: readonly string[], reason: 'request' | 'retention'): Promise<number>;
  /**
   * Decide a command and resolve once its events are durable. `requestId`, when the client
   * sent one, lets whoever decides answer a retry instead of doing the command twice.
   */
  execute<N extends DecidableCommand>(participantId: string, name: N, payload: CommandPayload<N>, requestId?: string): Promise<Outcome>;
  /**
   * Log a segment a speech recogniser produced (the CaptionEngine), attributed to whoever
   * holds the room's floor, as the system. Only the owner hears the room's audio, so only
   * the owner may; resolves with the segment's id and seq once durable.
   */
  addAutomaticCaption(input: AutomaticCaptionInput): Promise<{ segmentId: string; seq: number }>;
  /** Bring the state up to the log now (a replica may be a moment behind); resolves at once on the owner. */
  refresh(): Promise<void>;
  /** Resolves when every command accepted so far has finished, its write included. */
  drain(): Promise<void>;
  dispose(): void;
}

/** Where a registry gets its sessions: one node's own hosts, or a cluster's. */
export interface SessionSource {
  create(input: CreateSessionInput): Promise<{ session: LiveSession; invites: Record<Role, string> }>;
  load(sessionId: string): Promise<LiveSession>;
  listSessionIds(): Promise<string[]>;
  /** Whether the store has a session this node may not have loaded yet; absent where every session is loaded at start. */
  has?(sessionId: string): Promise<boolean>;
}
