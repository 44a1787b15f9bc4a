import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CommandError, idSchema, type OutcomeDocument } from '../../../shared/src/index.js';
import type { OutcomeService, Which } from '../outcome/OutcomeService.js';
import { recommendationsCsv, ratingsCsv, openDataReadme } from '../outcome/formats/csv.js';
import { renderMarkdown } from '../outcome/formats/markdown.js';
import { renderPdf } from '../outcome/formats/pdf.js';
import { SIGNING_KEY_PATH, type SigningKey } from '../outcome/SigningKey.js';
import { registrationRefusal, type PrivateTargets } from '../outcome/webhookTargets.js';
import type { OutboxStore } from '../ports/OutboxStore.js';
import { newId, newSecret } from '../session/credentials.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { hostOf, participantOf, requireRole } from './auth.js';

export interface OutcomeApiOptions {
  registry: SessionRegistry;
  outcomes: OutcomeService;
  outbox: OutboxStore;
  key: SigningKey;
  /** Which non-public webhook targets the operator allows (TOWNHALL_WEBHOOK_ALLOW_PRIVATE). */
  privateTargets: PrivateTargets;
}

const MAX_WEBHOOKS = 20;

const whichSchema = z.union([z.literal('current'), z.literal('latest'), z.coerce.number().int().min(1).max(1_000_000)]).optional();

const webhookInputSchema = z.strictObject({
  url: z
    .string()
    .max(2000)
    .pipe(z.url({ protocol: /^https?$/ }))
    // Refinements run even after a failed format check, so parse defensively.
    .refine((u) => URL.canParse(u) && !new URL(u).username && !new URL(u).password, {
      message: 'must not carry credentials; the HMAC secret authenticates us',
    }),
});

type Format = {
  type: string;
  /** The file name's last part: townhall-<session>-<seq>-<stem>.<ext>. */
  stem: string;
  ext: string;
  render: (doc: OutcomeDocument) => string | Buffer | Promise<Buffer>;
};

const FORMATS: Record<string, Format> = {
  'outcome.json': { type: 'application/json', stem: 'outcome', ext: 'json', render: (doc) => `${JSON.stringify(doc, null, 2)}\n` },
  'outcome.md': { type: 'text/markdown; charset=utf-8', stem: 'outcome', ext: 'md', render: (doc) => renderMarkdown(doc) },
  'outcome.pdf': { type: 'application/pdf', stem: 'outcome', ext: 'pdf', render: (doc) => renderPdf(doc) },
  'recommendations.csv': { type: 'text/csv; charset=utf-8; header=present', stem: 'recommendations', ext: 'csv', render: (doc) => recommendationsCsv(doc) },
  'ratings.csv': { type: 'text/csv; charset=utf-8; header=present', stem: 'ratings', ext: 'csv', render: (doc) => ratingsCsv(doc) },
  // It describes the files of the export it comes with, so it is asked for and named like them.
  'README.md': { type: 'text/markdown; charset=utf-8', stem: 'README', ext: 'md', render: () => openDataReadme() },
};

/**
 * The outcome over HTTP: exports in every format, the facilitators' webhooks and
 * their delivery log, and (mounted at the root) the server's public signing key.
 */
export function outcomeApi(opts: OutcomeApiOptions): Router {
  const router = Router();

  router.get(SIGNING_KEY_PATH, (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.json(opts.key.info);
  });

  const which = (req: Request, role: string): Which => {
    const parsed = whichSchema.safeParse(req.query.publication);
    if (!parsed.success) throw new CommandError('VALIDATION_FAILED', 'publication must be "current", "latest" or a publication number.');
    const w = parsed.data ?? (role === 'facilitator' ? 'current' : 'latest');
    // The unpublished state is a working draft: only the people running the session see it.
    if (w === 'current' && role !== 'facilitator') throw new CommandError('FORBIDDEN', 'Only facilitators may export an unpublished outcome.');
    return w === 'current' ? { kind: 'current' } : { kind: 'publication', number: w };
  };

  const serve = async (req: Request, res: Response, name: string) => {
    const host = await hostOf(opts.registry, req.params.id);
    const p = await participantOf(req, host);
    const format = FORMATS[name]!;
    const { doc } = await opts.outcomes.exportOf(host, which(req, p.role));
    const body = await format.render(doc);
    res.type(format.type);
    res.setHeader('content-disposition', `attachment; filename="townhall-${host.id}-${doc.log.seq}-${format.stem}.${format.ext}"`);
    res.setHeader('x-townhall-log-head', `${doc.log.seq}:${doc.log.head}`);
    res.send(body);
  };

  for (const name of Object.keys(FORMATS)) {
    const path = name.startsWith('outcome.') ? `/api/sessions/:id/${name}` : `/api/sessions/:id/outcome/${name}`;
    router.get(path, (req, res) => serve(req, res, name));
  }

  const facilitator = async (req: Request) => {
    const host = await hostOf(opts.registry, req.params.id);
    requireRole(await participantOf(req, host), ['facilitator'], 'manage the delivery of the outcome');
    return host;
  };

  router.get('/api/sessions/:id/webhooks', async (req, res) => {
    const host = await facilitator(req);
    const hooks = await opts.outbox.listWebhooks(host.id);
    // The secret was shown once, when the webhook was added.
    res.json({ webhooks: hooks.map(({ secret: _secret, ...w }) => w) });
  });

  router.post('/api/sessions/:id/webhooks', async (req, res) => {
    const host = await facilitator(req);
    const { url } = webhookInputSchema.parse(req.body);
    // Names are checked again on every delivery, after DNS: what they resolve to can change.
    const refusal = registrationRefusal(url, opts.privateTargets);
    if (refusal) throw new CommandError('VALIDATION_FAILED', `Private targets are refused: ${refusal.replace(/^refused: /, '')}.`);
    const active = (await opts.outbox.listWebhooks(host.id)).filter((w) => w.removedAt === null);
    if (active.some((w) => w.url === url)) throw new CommandError('CONFLICT', 'This URL already receives the outcome.');
    if (active.length >= MAX_WEBHOOKS) throw new CommandError('CONFLICT', `A session can deliver to at most ${MAX_WEBHOOKS} webhooks.`);
    const webhook = { id: newId('wh'), sessionId: host.id, url, secret: newSecret('whsec'), createdAt: Date.now() };
    await opts.outbox.addWebhook(webhook);
    res.status(201).json(webhook);
  });

  router.delete('/api/sessions/:id/webhooks/:webhookId', async (req, res) => {
    const host = await facilitator(req);
    const id = idSchema.safeParse(req.params.webhookId);
    if (!id.success || !(await opts.outbox.removeWebhook(host.id, id.data, Date.now()))) throw new CommandError('NOT_FOUND', 'There is no such webhook.');
    res.status(204).end();
  });

  router.get('/api/sessions/:id/deliveries', async (req, res) => {
    const host = await facilitator(req);
    res.json({ deliveries: await opts.outbox.listDeliveries(host.id) });
  });

  router.post('/api/sessions/:id/deliveries/:deliveryId/retry', async (req, res) => {
    const host = await facilitator(req);
    const id = z.coerce.number().int().min(1).safeParse(req.params.deliveryId);
    if (!id.success || !(await opts.outbox.retry(host.id, id.data, Date.now()))) {
      throw new CommandError('NOT_FOUND', 'There is no failed delivery with this number.');
    }
    opts.outcomes.dispatcher.kick();
    res.status(202).json({ retried: id.data });
  });

  return router;
}
