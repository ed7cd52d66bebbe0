import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { LOOP_GUARD_REDIS_OPTIONS } from '../../src/echo/loop-guard.js';

/**
 * Redis for integration tests against the local stack's server (127.0.0.1:6379, or DBTWIN_REDIS_URL):
 * connections opened as `dbtwin run` opens them (several stand for several processes), a fresh
 * namespace per test, and `close` that deletes every key under those namespaces. Nothing flushes Redis.
 */
export class RedisTestKit {
  readonly url = endpointsFromEnv().redisUrl;
  private readonly clients: Redis[] = [];
  private readonly namespaces: string[] = [];

  /** @param label the start of every namespace, e.g. `t-cutover` */
  constructor(private readonly label: string) {}

  /** A namespace of its own (a `kafka.groupPrefix`), cleaned up by `close`. */
  namespace(): string {
    const ns = `${this.label}-${Date.now()}-${randomUUID().slice(0, 6)}`;
    this.namespaces.push(ns);
    return ns;
  }

  /** A connected client with the loop guard's options; closed by `close`. */
  async client(): Promise<Redis> {
    const redis = new Redis(this.url, LOOP_GUARD_REDIS_OPTIONS);
    redis.on('error', () => undefined);
    this.clients.push(redis);
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    return redis;
  }

  /** A client the test made itself (other options, an unreachable address), closed by `close`. */
  track(redis: Redis): Redis {
    redis.on('error', () => undefined);
    this.clients.push(redis);
    return redis;
  }

  /** Deletes every key of the namespaces handed out, then closes every client. */
  async close(): Promise<void> {
    const admin = new Redis(this.url, { maxRetriesPerRequest: 1 });
    try {
      for (const ns of this.namespaces) {
        const keys = await admin.keys(`${ns}:*`);
        if (keys.length > 0) await admin.del(...keys);
      }
    } finally {
      admin.disconnect();
      for (const c of this.clients) c.disconnect();
    }
  }
}
