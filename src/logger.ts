import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Known secret-bearing keys are redacted wherever they appear. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'managementKey',
        '*.managementKey',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        'password',
        '*.password',
        'token',
        '*.token',
        'secret',
        '*.secret',
        'uri',
        '*.uri',
      ],
      censor: '[redacted]',
    },
  });
}
