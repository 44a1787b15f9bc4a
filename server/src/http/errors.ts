import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CommandError, type ErrorBody, type ErrorCode } from '../../../shared/src/index.js';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNKNOWN_COMMAND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SESSION_CLOSED: 410,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function sendError(res: Response, body: ErrorBody): void {
  res.status(STATUS[body.code]).json({ error: body });
}

export function zodErrorBody(error: z.ZodError): ErrorBody {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
  return { code: 'VALIDATION_FAILED', message: `Invalid request: ${issues[0]?.path} ${issues[0]?.message}`, issues };
}

/** Turns anything thrown in a route into the same error shape the control channel uses. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof CommandError) return sendError(res, err.toBody());
    if (err instanceof z.ZodError) return sendError(res, zodErrorBody(err));
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    // body-parser's own errors: malformed JSON, too large, wrong charset.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return res.status(status).json({ error: { code: 'VALIDATION_FAILED', message: (err as Error).message } });
    }
    logger.error({ err }, 'request failed');
    return sendError(res, { code: 'INTERNAL', message: 'Something went wrong.' });
  };
}
