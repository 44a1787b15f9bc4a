import type { Request } from 'express';
import { CommandError, idSchema, type Participant, type Role } from '../../../shared/src/index.js';
import type { SessionHost } from '../session/SessionHost.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';

export function bearer(req: Request): string | null {
  const m = /^Bearer (.{1,256})$/.exec(req.header('authorization') ?? '');
  return m ? m[1]! : null;
}

export function hostOf(registry: SessionRegistry, id: unknown): SessionHost {
  const parsed = idSchema.safeParse(id);
  const host = parsed.success ? registry.get(parsed.data) : undefined;
  if (!host) throw new CommandError('NOT_FOUND', 'There is no such session.');
  return host;
}

export function participantOf(req: Request, host: SessionHost): Participant {
  const token = bearer(req);
  const p = token ? host.authenticate(token) : null;
  if (!p) throw new CommandError('UNAUTHENTICATED', 'A valid participant token is required.');
  return p;
}

export function requireRole(p: Participant, roles: readonly Role[], what: string): void {
  if (!roles.includes(p.role)) throw new CommandError('FORBIDDEN', `Only ${roles.join(' and ')}s may ${what}.`);
}
