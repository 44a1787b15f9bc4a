import type { Logger } from 'pino';
import { CommandError, type OutcomeDocument, type Publication, type SessionState } from '../../../shared/src/index.js';
import type { EventStore } from '../ports/EventStore.js';
import type { OutboxStore } from '../ports/OutboxStore.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { exportState, stateAt } from './exportDocument.js';
import { type Reminder, reminderBody, reminderKey } from './overdueReminder.js';
import type { SigningKey } from './SigningKey.js';
import { WebhookDispatcher } from './WebhookDispatcher.js';
import type { PrivateTargets } from './webhookTargets.js';

export interface OutcomeServiceOptions {
  registry: SessionRegistry;
  store: EventStore;
  outbox: OutboxStore;
  key: SigningKey;
  logger: Logger;
  /** TOWNHALL_PUBLIC_URL: reminders link to the public page with it; without it, by path. */
  publicUrl?: string | null;
  webhooks: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number; timeoutMs: number; pollMs?: number; privateTargets?: PrivateTargets };
}

/** Which outcome: the session as it stands (facilitators' preview) or one that was published. */
export type Which = { kind: 'current' } | { kind: 'publication'; number: number | 'latest' };

/**
 * Exports and their delivery. A publication is an event in the log; the delivery of
 * its export to each webhook is derived from that event, so even a crash between the
 * event and the outbox write loses nothing: on start, every publication is checked
 * against the outbox. Reminders of overdue answers (response.overdue) go the same way.
 */
export class OutcomeService {
  readonly dispatcher: WebhookDispatcher;

  constructor(private readonly opts: OutcomeServiceOptions) {
    this.dispatcher = new WebhookDispatcher({
      outbox: opts.outbox,
      logger: opts.logger,
      ...opts.webhooks,
      webhook: async (sessionId, webhookId) => {
        const hook = (await opts.outbox.listWebhooks(sessionId)).find((w) => w.id === webhookId);
        return hook && hook.removedAt === null ? { url: hook.url, secret: hook.secret } : null;
      },
    });
  }

  start(): void {
    this.opts.registry.onHost((host) => {
      void this.reconcile(host);
      host.onChange((events) => {
        for (const e of events) {
          if (e.type === 'outcome.published') {
            const publication = host.state.publications.find((p) => p.number === e.payload.number)!;
            void this.enqueue(host, publication).catch((err: unknown) =>
              this.opts.logger.error({ err, sessionId: host.id }, 'publication could not be queued; it will be on restart'),
            );
          }
          if (e.type === 'response.overdue') {
            const reminder = { ...e.payload, at: e.at, seq: e.seq };
            void this.enqueueReminder(host, reminder).catch((err: unknown) =>
              this.opts.logger.error({ err, sessionId: host.id }, 'overdue reminder could not be queued; it will be on restart'),
            );
          }
        }
      });
    });
    this.dispatcher.kick();
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  async exportOf(host: LiveSession, which: Which): Promise<{ doc: OutcomeDocument; state: SessionState }> {
    const state = await this.stateFor(host, which);
    return { doc: exportState(state, this.opts.key), state };
  }

  private async stateFor(host: LiveSession, which: Which): Promise<SessionState> {
    // A copy: the export is rendered after awaits, and the live state moves on meanwhile.
    if (which.kind === 'current') return host.snapshot();
    const pubs = host.state.publications;
    const pub = which.number === 'latest' ? pubs.at(-1) : pubs.find((p) => p.number === which.number);
    if (!pub) throw new CommandError('NOT_FOUND', which.number === 'latest' ? 'The outcome has not been published yet.' : 'There is no such publication.');
    return this.publishedState(host, pub);
  }

  private async publishedState(host: LiveSession, pub: Publication): Promise<SessionState> {
    const events = await this.opts.store.readEvents(host.id);
    const state = stateAt(events, pub.headSeq);
    if (!state || state.head !== pub.headHash) throw new CommandError('INTERNAL', 'The log does not reproduce this publication.');
    return state;
  }

  /** Idempotent: one delivery per webhook per publication, whoever calls it and however often. */
  private async enqueue(host: LiveSession, pub: Publication): Promise<void> {
    const hooks = (await this.opts.outbox.listWebhooks(host.id)).filter((w) => w.createdAt <= pub.at && (w.removedAt === null || w.removedAt > pub.at));
    const missing = [];
    for (const w of hooks) {
      const key = idempotencyKey(host.id, pub.number, w.id);
      if (!(await this.opts.outbox.hasDelivery(key))) missing.push({ w, key });
    }
    if (missing.length === 0) return;
    const body = JSON.stringify(exportState(await this.publishedState(host, pub), this.opts.key));
    for (const { w, key } of missing) {
      await this.opts.outbox.enqueue({
        sessionId: host.id,
        webhookId: w.id,
        event: 'outcome.published',
        publication: pub.number,
        idempotencyKey: key,
        body,
        createdAt: pub.at,
      });
    }
    this.dispatcher.kick();
  }

  /** Idempotent: one delivery per webhook active at the reminder, per recommendation and due date (see reminderKey). */
  private async enqueueReminder(host: LiveSession, r: Reminder): Promise<void> {
    const hooks = (await this.opts.outbox.listWebhooks(host.id)).filter((w) => w.createdAt <= r.at && (w.removedAt === null || w.removedAt > r.at));
    const missing = [];
    for (const w of hooks) {
      const key = reminderKey(host.id, r, w.id);
      if (!(await this.opts.outbox.hasDelivery(key))) missing.push({ w, key });
    }
    if (missing.length === 0) return;
    const state = stateAt(await this.opts.store.readEvents(host.id), r.seq);
    if (!state || state.seq !== r.seq) throw new CommandError('INTERNAL', 'The log does not reach this reminder.');
    const body = reminderBody(state, r, this.opts.publicUrl ?? null);
    for (const { w, key } of missing) {
      await this.opts.outbox.enqueue({ sessionId: host.id, webhookId: w.id, event: 'response.overdue', publication: null, idempotencyKey: key, body, createdAt: r.at });
    }
    this.dispatcher.kick();
  }

  private async reconcile(host: LiveSession): Promise<void> {
    for (const pub of host.state.publications) {
      await this.enqueue(host, pub).catch((err: unknown) => this.opts.logger.error({ err, sessionId: host.id }, 'publication could not be queued'));
    }
    // Copied first: the state is live, and moves on while the outbox is awaited.
    const reminders = Object.values(host.state.responses).flatMap((resp) =>
      resp.reminders.map((r) => ({ roomId: resp.roomId, recommendationId: resp.recommendationId, ...r })),
    );
    for (const r of reminders) {
      await this.enqueueReminder(host, r).catch((err: unknown) => this.opts.logger.error({ err, sessionId: host.id }, 'overdue reminder could not be queued'));
    }
  }
}

export function idempotencyKey(sessionId: string, publication: number, webhookId: string): string {
  return `${sessionId}:${publication}:${webhookId}`;
}
