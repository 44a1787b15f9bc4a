import type { Logger } from 'pino';
import { CommandError, COMMANDS, isTransient, type CommandName, type Role, type TransientCommand } from '../../../shared/src/index.js';
import type { MediaPeer, MediaSignalling } from '../ports/MediaSignalling.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { NodeLink, NodePush } from './NodeLink.js';

export interface ClusterMediaOptions {
  nodeId: string;
  link: NodeLink;
  /** This node's audio rooms (mediasoup); null when this node has no worker. */
  local: (MediaSignalling & { dropSession(sessionId: string): void }) | null;
  registry: SessionRegistry;
  /** The node that owns a session now, if any. */
  ownerOf(sessionId: string): Promise<string | null>;
  logger: Logger;
}

interface Forwarded {
  op: 'media';
  node: string;
  socket: string;
  participantId: string;
  name: string;
  payload: unknown;
}

/**
 * Audio in a cluster. A session's audio rooms live on the mediasoup workers of the node
 * that owns it, so that everyone in a room is on the same routers. Signalling from a
 * client on another node is forwarded to the owner (NodeLink), which answers it as if
 * the client were its own, through a stand-in peer whose messages (who is speaking,
 * producers closed, "join again") are pushed back to the client's node. Media itself
 * goes straight between the browser and the owner's workers (their announced address).
 *
 * When the owner changes, every client with audio is told to join again
 * (`audio.status`, restart), which reaches the new owner's workers.
 */
export class ClusterMedia implements MediaSignalling {
  /** Clients of this node using audio through another node: the peer (to push to) and the session. */
  private readonly relayed = new Map<string, MediaPeer>();
  /** Stand-ins on this node (as owner) for clients of other nodes, by `<node>/<socket>`. */
  private readonly standIns = new Map<string, MediaPeer>();

  constructor(private readonly opts: ClusterMediaOptions) {
    opts.registry.onHost((host) =>
      host.onOwnerChange((isOwner) => {
        // Rooms of a session this node gave up close; relayed clients of a session that moved start again.
        if (!isOwner) opts.local?.dropSession(host.id);
        for (const [socket, peer] of [...this.relayed]) {
          if (peer.host.id !== host.id) continue;
          this.relayed.delete(socket);
          peer.emit('audio.status', { enabled: true, restart: true, reason: 'moved' });
        }
        if (isOwner) return;
        for (const [key, peer] of [...this.standIns]) {
          if (peer.host.id === host.id) this.standIns.delete(key);
        }
      }),
    );
  }

  handle(name: TransientCommand, peer: MediaPeer, payload: unknown): Promise<unknown> {
    if (peer.host.isOwner) {
      if (!this.opts.local) return Promise.reject(new CommandError('UNAVAILABLE', 'Audio is not available on this server; everything else works.'));
      return this.opts.local.handle(name, peer, payload);
    }
    this.relayed.set(peer.socketId, peer);
    return this.forward(peer, name, payload);
  }

  disconnected(peer: MediaPeer): void {
    if (this.relayed.delete(peer.socketId)) void this.forward(peer, 'audio.disconnected', {}).catch(() => undefined);
    else this.opts.local?.disconnected(peer);
  }

  /** A push from the owner for one of this node's clients. */
  deliver(push: NodePush): void {
    const peer = this.relayed.get(push.socket);
    if (peer) (peer.emit as (e: string, ...a: unknown[]) => void)(push.event, ...push.args);
  }

  /** On the owner: signalling another node forwarded. */
  async serve(args: unknown): Promise<unknown> {
    const r = args as Forwarded;
    const host = this.opts.registry.get((args as { sessionId?: string }).sessionId ?? '') ?? null;
    if (!host || typeof r?.node !== 'string' || typeof r.socket !== 'string' || typeof r.participantId !== 'string') {
      throw new CommandError('VALIDATION_FAILED', 'Malformed forwarded signalling.');
    }
    if (!host.isOwner) throw new CommandError('UNAVAILABLE', 'This session is moving to another server; please retry.');
    if (!this.opts.local) throw new CommandError('UNAVAILABLE', 'Audio is not available on the server running this session; everything else works.');
    const key = `${r.node}/${r.socket}`;
    if (r.name === 'audio.disconnected') {
      const standIn = this.standIns.get(key);
      this.standIns.delete(key);
      if (standIn) this.opts.local.disconnected(standIn);
      return undefined;
    }
    // Checked again here, as for a forwarded command: a message on the bus decides nothing by itself.
    const name = r.name as CommandName;
    const participant = host.state.participants[r.participantId];
    if (!isTransient(name)) throw new CommandError('UNKNOWN_COMMAND', 'Unknown signalling.');
    if (!participant || participant.removed) throw new CommandError('UNAUTHENTICATED', 'You are no longer part of this session.');
    if (!(COMMANDS[name].roles as readonly Role[]).includes(participant.role)) throw new CommandError('FORBIDDEN', `The ${participant.role} role may not send ${name}.`);
    const payload = COMMANDS[name].schema.safeParse(r.payload);
    if (!payload.success) throw new CommandError('VALIDATION_FAILED', 'Invalid payload.');
    let standIn = this.standIns.get(key);
    if (!standIn || standIn.host !== host) {
      standIn = {
        socketId: key,
        participantId: r.participantId,
        host,
        emit: (event, ...eventArgs) => this.opts.link.push(r.node, { socket: r.socket, event, args: eventArgs }),
      };
      this.standIns.set(key, standIn);
    }
    return this.opts.local.handle(name as TransientCommand, standIn, payload.data);
  }

  private async forward(peer: MediaPeer, name: string, payload: unknown): Promise<unknown> {
    const owner = await this.opts.ownerOf(peer.host.id).catch(() => null);
    if (!owner) throw new CommandError('UNAVAILABLE', 'This session is moving to another server; please retry.');
    const args: Forwarded & { sessionId: string } = {
      op: 'media',
      sessionId: peer.host.id,
      node: this.opts.nodeId,
      socket: peer.socketId,
      participantId: peer.participantId,
      name,
      payload,
    };
    return this.opts.link.call(owner, { sessionId: peer.host.id, op: 'media', args });
  }
}
