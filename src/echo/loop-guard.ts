import { Redis, type RedisOptions } from 'ioredis';
import type { DbtwinConfig, LinkConfig } from '../config/dbtwin-config.js';
import type { Logger } from '../core/logger.js';
import { AppliedChanges } from '../pipeline/applied-changes.js';
import { RowStates } from '../rules/row-states.js';
import { RowVersionStore } from '../rules/row-version-store.js';
import { EchoStore } from './echo-store.js';
import { LinkLoopGuard } from './link-loop-guard.js';
import { PingPongBreaker } from './ping-pong-breaker.js';

/**
 * The options of the loop guard's Redis connection: fail fast (no offline queue, 2 s command timeout),
 * reconnect forever at most every 2 s. While Redis is down the links go on in degraded mode instead
 * of waiting for it (design §3: "replication continues").
 */
export const LOOP_GUARD_REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 2000,
  connectTimeout: 2000,
  disconnectTimeout: 200,
  retryStrategy: (times) => Math.min(times * 200, 2000),
};

/**
 * The loop protection of one dbtwin process (design §3.2–§3.5): one Redis connection, the echo store
 * and the ping-pong breaker, shared by every link the process runs, so that a pair of links in one
 * process also shares its local copy of fingerprints.
 *
 * The connection fails fast (no offline queue, 2 s command timeout): while Redis is down, the links
 * go on in degraded mode instead of waiting for it (design §3: "replication continues").
 */
export class LoopGuard {
  private constructor(
    readonly redis: Redis,
    readonly echoes: EchoStore,
    readonly breaker: PingPongBreaker,
    readonly versions: RowVersionStore,
    /** The changes each link committed on its target, until their offsets are committed in Kafka. */
    readonly applied: AppliedChanges,
    /**
     * The last state met per row, for the convergence check; the links note it only while that is on
     * (`rules.heal`).
     */
    readonly states: RowStates,
    private readonly config: DbtwinConfig,
  ) {}

  static open(config: DbtwinConfig, logger: Logger): LoopGuard {
    const redis = new Redis(config.redis.url, LOOP_GUARD_REDIS_OPTIONS);
    // Errors surface through the commands (and degrade the store); without a listener ioredis prints them.
    redis.on('error', () => undefined);
    const log = logger.child({ component: 'loop-guard' });
    const namespace = config.kafka.groupPrefix;
    return new LoopGuard(
      redis,
      new EchoStore(redis, { namespace, ttlSeconds: config.echo.ttlSeconds }, log),
      new PingPongBreaker(redis, { namespace, ...config.breaker }, log),
      new RowVersionStore(redis, { namespace, ttlSeconds: config.echo.ttlSeconds }, log),
      new AppliedChanges(redis, namespace, log),
      new RowStates(redis, { namespace, ttlMs: config.echo.ttlSeconds * 1000 }, log),
      config,
    );
  }

  /** The guard of one link: its source and target sides' names and engines come from the config. */
  forLink(link: LinkConfig): LinkLoopGuard {
    const from = this.config.sides[link.from]!;
    const to = this.config.sides[link.to]!;
    const states = this.config.rules.heal.enabled ? this.states : undefined;
    return new LinkLoopGuard(link.name, from, to, this.echoes, this.breaker, this.versions, states);
  }

  /** Waits (up to 2 s) for the first connection, so a healthy start is not logged as degraded. */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.echoes.close();
    this.redis.disconnect();
    await Promise.resolve();
  }
}
