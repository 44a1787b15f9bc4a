import { Router, type Request } from 'express';
import { z } from 'zod';
import { CommandError, ROLES, createSessionSchema, joinSessionSchema, type Role } from '../../../shared/src/index.js';
import { AddressLimiter } from './AddressLimiter.js';
import { hostOf, isOperator, participantOf } from './auth.js';
import { withoutPersonal } from '../store/personalData.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { EventStore } from '../ports/EventStore.js';

export interface SessionsApiOptions {
  registry: SessionRegistry;
  store: EventStore;
  adminToken: string | null;
  /** Base for invite links; defaults to the request's own origin. */
  publicUrl: string | null;
  isDraining: () => boolean;
  joinsPerAddress: { perSecond: number; burst: number };
  /** Whether this server runs live audio, so the join page can offer to listen. */
  liveAudio: boolean;
  /** The engine writing automatic captions on this server, or null when they are off here. */
  captionsEngine: string | null;
}

/** The HTTP side of sessions: create one, read an invite, join, recover your identity, fetch the log. */
export function sessionsApi(opts: SessionsApiOptions): Router {
  const router = Router();
  const base = (req: Request) => opts.publicUrl ?? `${req.protocol}://${req.get('host')}`;
  const joins = new AddressLimiter(opts.joinsPerAddress.perSecond, opts.joinsPerAddress.burst);

  router.use((_req, _res, next) => {
    if (opts.isDraining()) throw new CommandError('UNAVAILABLE', 'The server is restarting; please retry.');
    next();
  });

  router.post('/sessions', async (req, res) => {
    if (opts.adminToken && !isOperator(req, opts.adminToken)) throw new CommandError('UNAUTHENTICATED', 'Creating sessions requires the operator token.');
    const input = createSessionSchema.parse(req.body);
    const { host, invites } = await opts.registry.create(input);
    const links = Object.fromEntries(ROLES.map((role) => [role, { invite: invites[role], url: `${base(req)}/join/${host.id}#invite=${invites[role]}` }])) as Record<
      Role,
      { invite: string; url: string }
    >;
    res.status(201).json({ sessionId: host.id, invites: links });
  });

  // The invite travels in the body, not the URL, so it stays out of access logs.
  router.post('/sessions/:id/invite', async (req, res) => {
    const host = await hostOf(opts.registry, req.params.id);
    const { invite } = z.strictObject({ invite: joinSessionSchema.shape.invite }).parse(req.body);
    const role = host.roleForInvite(invite);
    if (!role) throw new CommandError('UNAUTHENTICATED', 'This invite is not valid for this session.');
    const { title, question, closedAt } = host.state;
    res.json({
      sessionId: host.id,
      role,
      title,
      question,
      closed: closedAt !== null,
      liveAudio: opts.liveAudio && closedAt === null,
      captionsEngine: opts.captionsEngine,
    });
  });

  router.post('/sessions/:id/join', async (req, res) => {
    // Behind a proxy, req.ip is the client's only with TOWNHALL_TRUST_PROXY=true (docs/DEPLOYMENT.md).
    if (!joins.take(req.ip ?? 'unknown')) {
      res.setHeader('retry-after', '1');
      throw new CommandError('RATE_LIMITED', 'Too many people are joining from this address; try again in a moment.');
    }
    const host = await hostOf(opts.registry, req.params.id);
    const { invite, displayName } = joinSessionSchema.parse(req.body);
    const { participant, token } = await host.join(invite, displayName);
    res.status(201).json({
      sessionId: host.id,
      participantId: participant.id,
      role: participant.role,
      displayName: participant.displayName,
      token,
    });
  });

  router.get('/sessions/:id/me', async (req, res) => {
    const host = await hostOf(opts.registry, req.params.id);
    const p = await participantOf(req, host);
    res.json({ sessionId: host.id, participantId: p.id, role: p.role, displayName: p.displayName, roomId: p.roomId });
  });

  // The audit trail: every event with its hash link, one JSON object per line. Without the
  // names beside the joins: the chain and the outcome need none, and a file that leaves the
  // server cannot be reached by a later erasure.
  router.get('/sessions/:id/log', async (req, res) => {
    const host = await hostOf(opts.registry, req.params.id);
    if ((await participantOf(req, host)).role !== 'facilitator') throw new CommandError('FORBIDDEN', 'Only facilitators may download the log.');
    const events = await opts.store.readEvents(host.id);
    res.type('application/x-ndjson');
    res.setHeader('content-disposition', `attachment; filename="townhall-${host.id}.jsonl"`);
    res.send(`${events.map((e) => JSON.stringify(withoutPersonal(e))).join('\n')}\n`);
  });

  return router;
}
