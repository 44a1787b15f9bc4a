import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'townhall' },
    // Credentials never reach the logs, wherever they appear.
    redact: ['req.headers.authorization', '*.token', '*.invite', 'token', 'invite'],
  });
}
