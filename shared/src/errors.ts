/** Error codes a client can branch on. Messages are for humans and may change. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNKNOWN_COMMAND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'SESSION_CLOSED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** For VALIDATION_FAILED: where and what, per field. */
  issues?: { path: string; message: string }[];
}

export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorBody['issues'],
  ) {
    super(message);
    this.name = 'CommandError';
  }

  toBody(): ErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

/**
 * The log moved under the command (another writer appended first, or a write whose
 * outcome the server could not learn): the command was not applied, and sending it
 * again, with the same requestId, is safe.
 */
export const CHANGED_MEANWHILE = 'The session changed at the same time; please try again.';

/**
 * Whether an error is passing: a retry with the same requestId runs the command again
 * instead of being answered with this error (docs/PROTOCOL.md, "requestId").
 */
export function isPassing(error: ErrorBody): boolean {
  if (error.code === 'CONFLICT') return error.message === CHANGED_MEANWHILE;
  return error.code === 'UNAVAILABLE' || error.code === 'INTERNAL' || error.code === 'RATE_LIMITED';
}
