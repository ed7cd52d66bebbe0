import { pino, type Logger } from 'pino';

/**
 * Key paths whose values never reach a log line. Connection settings travel through config objects,
 * Kafka Connect connector configs (`database.password`) and URLs, so each shape is listed.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  '*.password',
  '*.*.password',
  'connection.password',
  'connectString',
  'url',
  '*.url',
  'config["database.password"]',
  '*.config["database.password"]',
  'config["connection.password"]',
  '*.config["connection.password"]',
  'sasl',
  '*.sasl',
];

/**
 * The process logger. JSON lines on stderr (stdout stays free for command output such as `dbtwin decode`).
 * Level from `DBTWIN_LOG_LEVEL` (default `info`).
 */
export function createLogger(name = 'dbtwin', level = process.env['DBTWIN_LOG_LEVEL'] ?? 'info'): Logger {
  return pino(
    { name, level, redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: false }),
  );
}

export type { Logger };
