/**
 * Addresses dbtwin reaches when no configuration file names them: the local stack's defaults,
 * overridable by environment variables (which is also how the docker-compose instances are pointed at
 * their services).
 */
export interface Endpoints {
  /** `DBTWIN_KAFKA_BROKERS`, comma-separated; default `127.0.0.1:9092`. */
  readonly kafkaBrokers: readonly string[];
  /** `DBTWIN_CONNECT_URL`; default `http://127.0.0.1:8083`. */
  readonly connectUrl: string;
  /** `DBTWIN_REDIS_URL`; default `redis://127.0.0.1:6379`. */
  readonly redisUrl: string;
  /** `DBTWIN_ADMIN_HOST`, the admin endpoint's bind address; default `127.0.0.1` (`0.0.0.0` in containers). */
  readonly adminHost: string;
  /** `DBTWIN_ADMIN_PORT`; default 9464. */
  readonly adminPort: number;
}

/** Reads the endpoints from an environment (default `process.env`). */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const brokers = (env['DBTWIN_KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  return {
    kafkaBrokers: brokers,
    connectUrl: (env['DBTWIN_CONNECT_URL'] ?? 'http://127.0.0.1:8083').replace(/\/+$/, ''),
    redisUrl: env['DBTWIN_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    adminHost: env['DBTWIN_ADMIN_HOST'] ?? '127.0.0.1',
    adminPort: Number(env['DBTWIN_ADMIN_PORT'] ?? 9464),
  };
}
