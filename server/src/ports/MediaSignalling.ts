import type { AudioEvents, TransientCommand } from '../../../shared/src/index.js';
import type { LiveSession } from '../session/LiveSession.js';

/** One control-channel connection, as the media adapter sees it. */
export interface MediaPeer {
  socketId: string;
  participantId: string;
  host: LiveSession;
  emit<E extends keyof AudioEvents>(event: E, ...args: Parameters<AudioEvents[E]>): void;
}

/**
 * The port through which the control channel hands media signalling to the audio
 * adapter. The channel has already checked the role, the rate and the payload schema;
 * the adapter decides everything that depends on media state and on the floor.
 */
export interface MediaSignalling {
  handle(name: TransientCommand, peer: MediaPeer, payload: unknown): Promise<unknown>;
  /** The connection closed: its transports go with it. */
  disconnected(peer: MediaPeer): void;
}
