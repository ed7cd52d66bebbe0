import { Redis, type Result } from 'ioredis';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Logger } from '../core/logger.js';
import { redisAddress } from '../core/redis-connection.js';
import { clusterKeys } from '../core/redis-keys.js';
import type { PartitionAssignment } from '../source/kafka-change-source.js';
import { BEAT_INSTANCE, LIST_INSTANCES, REMOVE_INSTANCE } from './cluster-scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dbtwinBeatInstance(numKeys: number, ...args: (string | number)[]): Result<(string | number)[], Context>;
    dbtwinListInstances(numKeys: number, ...args: (string | number)[]): Result<(string | number)[], Context>;
    dbtwinRemoveInstance(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
  }
}

/** Every how often an instance reports itself; default of `InstanceRegistry` (design: 2–5 s). */
export const INSTANCE_HEARTBEAT_MS = 2000;

/** Heartbeats an instance may miss before anyone removes it from the registry. */
export const MISSED_HEARTBEATS = 3;

/** One link of one instance, as the registry holds it. */
export interface InstanceLink {
  /** `<from>-><to>`. */
  readonly link: string;
  /** Its consumer group (`groupOf`). */
  readonly group: string;
  /** The table topics of the link, existing or not yet. */
  readonly topics: readonly string[];
  /** `LinkStatus.state`: `starting`, `running`, `retrying`, `paused`, `stopped`. */
  readonly state: string;
  /** Partitions this instance holds for the link: empty while the group rebalances or the link stops. */
  readonly partitions: PartitionAssignment;
  /** What the link waits for while `retrying`. */
  readonly waitingFor?: string;
}

/** How one instance is doing, as the registry holds it. */
export interface InstanceHealth {
  /** `/readyz`: every link started. */
  readonly ready: boolean;
  /** Echo suppression: `ok` or `degraded` (Redis unreachable, or it lost dbtwin's state). */
  readonly echo: { readonly state: string; readonly reason?: string; readonly since?: string };
}

/** What one `dbtwin run` process reports at each heartbeat. */
export interface InstanceReport {
  /** The admin endpoint other hosts reach it by: `http://host:port`. */
  readonly admin: string;
  readonly host: string;
  readonly pid: number;
  /** The configuration file it runs. */
  readonly config: string;
  readonly links: readonly InstanceLink[];
  /** The hash of the conflict rules in force, when rules are loaded. */
  readonly rulesHash?: string;
  readonly health: InstanceHealth;
}

/** An instance's record in Redis. */
export interface InstanceRecord extends InstanceReport {
  /** `host:pid:adminPort`; unique per running process. */
  readonly instance: string;
  /** ISO time the process started. */
  readonly startedAt: string;
  /** Its heartbeat period, ms: it is dead `MISSED_HEARTBEATS` periods after its last beat. */
  readonly heartbeatMs: number;
}

/** A live instance as a reader of the registry sees it. */
export interface LiveInstance extends InstanceRecord {
  /** ISO time of its last heartbeat, on Redis's clock. */
  readonly heartbeatAt: string;
  /** How long ago that was when the registry was read, ms. */
  readonly heartbeatAgeMs: number;
}

/**
 * Where every `dbtwin run` process of a deployment says that it is alive (design §7): its admin URL,
 * the links it runs and the partitions it holds of each, its rules hash and health, refreshed every
 * heartbeat (`INSTANCE_HEARTBEAT_MS`) and at once when its partitions or link states change. An
 * instance that misses `MISSED_HEARTBEATS` beats is dead and removed by whoever touches the registry
 * next; a graceful stop deregisters. Deadlines use Redis's clock, so hosts' clocks need not agree.
 *
 * Best effort: a heartbeat that fails (Redis down) is logged once and retried at the next beat;
 * replication is not affected.
 */
export class InstanceRegistry {
  private readonly keys: ReturnType<typeof clusterKeys>;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private failing = false;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    /** This process: `host:pid:adminPort`. */
    readonly instance: string,
    private readonly report: () => InstanceReport,
    private readonly logger: Logger,
    private readonly heartbeatMs = INSTANCE_HEARTBEAT_MS,
  ) {
    this.keys = clusterKeys(namespace);
    defineScripts(redis);
  }

  /** Registers now, then beats every heartbeat. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  /**
   * Beats soon (within 100 ms; several calls make one beat): for changes others should see before
   * the next heartbeat — partitions taken or lost, a link paused or resumed.
   */
  touch(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.beat();
    }, 100);
    this.soon.unref();
  }

  /** Stops beating and deregisters (graceful stop): the others see it gone at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.beating;
    await this.redis
      .dbtwinRemoveInstance(2, this.keys.instances, this.keys.deadlines, this.instance)
      .catch(() => undefined);
  }

  /**
   * A connection for commands that read or steer the cluster (`dbtwin status`, `dbtwin pause`):
   * connected, or rejected within `timeoutMs` (default 3 s) with ServiceUnreachable naming Redis's
   * address when it does not answer. Close it with `disconnect()`.
   */
  static async connect(url: string, timeoutMs = 3000): Promise<Redis> {
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      retryStrategy: () => null,
    });
    // Errors surface through connect() and the commands; without a listener ioredis prints them.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new DbtwinError(
        ErrorCode.ServiceUnreachable,
        `Redis at ${redisAddress(url)} did not answer: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: 'check redis.url in the configuration; locally, npm run stack:up starts Redis',
          cause: error,
        },
      );
    }
    return redis;
  }

  /**
   * The live instances of the deployment `namespace`, sorted by id; dead ones are removed on the way.
   * Throws when Redis does not answer.
   */
  static async list(redis: Redis, namespace: string): Promise<LiveInstance[]> {
    defineScripts(redis);
    const keys = clusterKeys(namespace);
    const reply = await redis.dbtwinListInstances(2, keys.instances, keys.deadlines);
    const now = Number(reply[0]);
    const out: LiveInstance[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      const record = parseRecord(String(reply[i + 1]));
      if (!record) continue;
      const lastBeat = Number(reply[i + 2]) - MISSED_HEARTBEATS * record.heartbeatMs;
      out.push({
        ...record,
        instance: String(reply[i]),
        heartbeatAt: new Date(lastBeat).toISOString(),
        heartbeatAgeMs: Math.max(0, now - lastBeat),
      });
    }
    return out.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  }

  private beat(): Promise<void> {
    // One beat at a time, in order: a late beat must not overwrite a newer record.
    this.beating = this.beating.then(() => this.beatNow());
    return this.beating;
  }

  private async beatNow(): Promise<void> {
    if (this.stopped) return;
    const record: InstanceRecord = {
      instance: this.instance,
      ...this.report(),
      startedAt: this.startedAt,
      heartbeatMs: this.heartbeatMs,
    };
    try {
      const reply = await this.redis.dbtwinBeatInstance(
        2,
        this.keys.instances,
        this.keys.deadlines,
        this.instance,
        JSON.stringify(record),
        MISSED_HEARTBEATS * this.heartbeatMs,
        // Both keys vanish a while after the last instance of the deployment is gone.
        Math.max(60_000, 10 * this.heartbeatMs),
      );
      const removed = reply.slice(1).map(String);
      if (removed.length > 0)
        this.logger.warn(
          { removed },
          `instances stopped heartbeating and were removed from the cluster registry: ${removed.join(', ')}`,
        );
      if (this.failing) this.logger.info('cluster registry: heartbeats reach Redis again');
      this.failing = false;
    } catch (error) {
      if (!this.failing)
        this.logger.warn(
          { err: error },
          'cluster registry: heartbeat failed (Redis unreachable?); this instance may drop out of dbtwin status until it is back',
        );
      this.failing = true;
    }
  }
}

/** Connections the scripts are defined on: `list` may be given any connection, once or often. */
const defined = new WeakSet<Redis>();

function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  defined.add(redis);
  redis.defineCommand('dbtwinBeatInstance', { lua: BEAT_INSTANCE });
  redis.defineCommand('dbtwinListInstances', { lua: LIST_INSTANCES });
  redis.defineCommand('dbtwinRemoveInstance', { lua: REMOVE_INSTANCE });
}

/** A record as written by this or a newer release; anything unreadable is skipped. */
function parseRecord(text: string): InstanceRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<InstanceRecord> | null;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof value.admin !== 'string' ||
      typeof value.heartbeatMs !== 'number' ||
      !Array.isArray(value.links)
    )
      return undefined;
    return value as InstanceRecord;
  } catch {
    return undefined;
  }
}
