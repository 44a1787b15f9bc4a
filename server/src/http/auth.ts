import type { Request } from 'express';
import { CommandError, idSchema, type Participant, type Role } from '../../../shared/src/index.js';
import { hashSecret, sameHash } from '../session/credentials.js';
import type { LiveSession } from '../session/LiveSession.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';

export function bearer(req: Request): string | null {
  const m = /^Bearer (.{1,256})$/.exec(req.header('authorization') ?? '');
  return m ? m[1]! : null;
}

/** The session, also one another node of a cluster created a moment ago. */
export async function hostOf(registry: SessionRegistry, id: unknown): Promise<LiveSession> {
  const parsed = idSchema.safeParse(id);
  const host = parsed.success ? await registry.find(parsed.data) : undefined;
  if (!host) throw new CommandError('NOT_FOUND', 'There is no such session.');
  return host;
}

export async function participantOf(req: Request, host: LiveSession): Promise<Participant> {
  const token = bearer(req);
  if (!token) throw new CommandError('UNAUTHENTICATED', 'A valid participant token is required.');
  const p = await host.authenticateFresh(token);
  if (!p) throw new CommandError('UNAUTHENTICATED', 'A valid participant token is required.');
  return p;
}

export function requireRole(p: Participant, roles: readonly Role[], what: string): void {
  if (!roles.includes(p.role)) throw new CommandError('FORBIDDEN', `Only ${roles.join(' and ')}s may ${what}.`);
}

/** Whether the request carries the operator token (TOWNHALL_ADMIN_TOKEN); never, when none is set. Compared in constant time. */
export function isOperator(req: Request, adminToken: string | null): boolean {
  const token = bearer(req);
  return adminToken !== null && token !== null && sameHash(hashSecret(token), hashSecret(adminToken));
}
