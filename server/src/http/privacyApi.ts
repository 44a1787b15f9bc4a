import { Router, type Request } from 'express';
import { z } from 'zod';
import { CommandError, displayNameSchema, idSchema, type SessionState } from '../../../shared/src/index.js';
import { MAX_ERASED_PER_EVENT } from '../session/decide/participants.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { hostOf, isOperator, participantOf } from './auth.js';

export interface PrivacyApiOptions {
  registry: SessionRegistry;
  adminToken: string | null;
}

/** Who is to be erased: by id, or by the exact name they joined under (an operator acting on a request rarely knows an id). */
const erasureSchema = z.union([
  z.strictObject({ participantIds: z.array(idSchema).min(1).max(MAX_ERASED_PER_EVENT) }),
  z.strictObject({ displayName: displayNameSchema }),
]);

/**
 * Erasure of personal data on request (docs/PRIVACY.md): by the operator, by the session's
 * facilitators, or by participants for themselves. The retention period erases the rest
 * on its own (privacy/RetentionSweeper.ts).
 */
export function privacyApi(opts: PrivacyApiOptions): Router {
  const router = Router();

  const mayErase = async (req: Request, host: LiveSession) => {
    if (isOperator(req, opts.adminToken)) return;
    const p = await participantOf(req, host).catch(() => {
      throw new CommandError('UNAUTHENTICATED', 'Erasing personal data requires the operator token or a facilitator’s token for this session.');
    });
    if (p.role !== 'facilitator') throw new CommandError('FORBIDDEN', 'Only the operator and facilitators may erase other people’s personal data.');
  };

  router.post('/sessions/:id/erasures', async (req, res) => {
    const host = await hostOf(opts.registry, req.params.id);
    await mayErase(req, host);
    const parsed = erasureSchema.safeParse(req.body);
    if (!parsed.success) throw new CommandError('VALIDATION_FAILED', 'Give either participantIds (1 to 1000 ids) or the exact displayName.');
    const ids = 'participantIds' in parsed.data ? parsed.data.participantIds : byName(host.state, parsed.data.displayName);
    const seq = await host.erase(ids, 'request');
    res.status(200).json({ erased: ids, seq });
  });

  // Anyone may have their own name erased, at any time: the right to erasure needs no intermediary.
  router.post('/sessions/:id/me/erase', async (req, res) => {
    const host = await hostOf(opts.registry, req.params.id);
    const p = await participantOf(req, host);
    const seq = await host.erase([p.id], 'request');
    res.status(200).json({ erased: [p.id], seq });
  });

  return router;
}

/** The one participant who joined under this name; several must be told apart by id, so they are listed, with nothing more than role and time. */
function byName(state: SessionState, displayName: string): string[] {
  const found = Object.values(state.participants).filter((p) => p.displayName !== '' && p.displayName === displayName);
  if (found.length === 0) throw new CommandError('NOT_FOUND', 'Nobody in this session holds that name (it may already be erased).');
  if (found.length > 1) {
    const which = found.map((p) => `${p.id} (${p.role}, joined ${new Date(p.joinedAt).toISOString()})`).join(', ');
    throw new CommandError('CONFLICT', `${found.length} participants hold that name; erase by participantIds: ${which}.`);
  }
  return [found[0]!.id];
}
