import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { conflictKeys } from '../core/redis-keys.js';

/** Every how often an instance reports its rules hash; default of `RulesHashRegistry`. */
export const RULES_HASH_HEARTBEAT_MS = 5000;

/** What the cluster runs, as one instance last saw it. */
export interface ClusterRules {
  /** True when every live instance reports the same rules hash. */
  readonly consistent: boolean;
  /** Live instances (reported within three heartbeats) and the hash each runs, this one included. */
  readonly instances: readonly { readonly instance: string; readonly hash: string }[];
  /** Why the view is missing, when Redis did not answer. */
  readonly unknown?: string;
}

/**
 * Makes a cluster running different rules visible (design §4): each process writes the hash of its
 * rules in force to one Redis hash every heartbeat, reads everyone's, and logs a warning when live
 * instances disagree (and again when they agree). `/status` and `dbtwin status` show the view.
 * Best effort: without Redis the view says so; replication is not affected.
 */
export class RulesHashRegistry {
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private view: ClusterRules;
  private warned = false;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    /** This process: `host:pid:adminPort`. */
    private readonly instance: string,
    private readonly hash: () => string,
    private readonly logger: Logger,
    private readonly heartbeatMs = RULES_HASH_HEARTBEAT_MS,
  ) {
    this.key = conflictKeys(namespace).rulesHashes;
    this.view = { consistent: true, instances: [{ instance, hash: hash() }] };
  }

  /** Reports now, then every heartbeat. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** The last view of the cluster's rules. */
  snapshot(): ClusterRules {
    return this.view;
  }

  /** Stops reporting and takes this instance out of the view of the others. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.key, this.instance).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    try {
      await this.redis.hset(this.key, this.instance, JSON.stringify({ hash: this.hash(), at: now }));
      const all = await this.redis.hgetall(this.key);
      const live: { instance: string; hash: string }[] = [];
      const gone: string[] = [];
      for (const [instance, text] of Object.entries(all)) {
        const entry = parse(text);
        // Three missed heartbeats: the instance stopped without saying so (SIGKILL).
        if (!entry || now - entry.at > 3 * this.heartbeatMs) gone.push(instance);
        else live.push({ instance, hash: entry.hash });
      }
      if (gone.length > 0) await this.redis.hdel(this.key, ...gone);
      live.sort((a, b) => (a.instance < b.instance ? -1 : 1));
      const consistent = new Set(live.map((l) => l.hash)).size <= 1;
      this.view = { consistent, instances: live };
      if (!consistent && !this.warned)
        this.logger.warn(
          { instances: live },
          `the cluster runs different rules: ${describeMix(live)}; make the rules folders equal (dbtwin status shows each instance's hash)`,
        );
      else if (consistent && this.warned) this.logger.info('every instance runs the same rules again');
      this.warned = !consistent;
    } catch (error) {
      this.view = {
        consistent: this.view.consistent,
        instances: this.view.instances,
        unknown: `Redis did not answer (${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }
}

/** `hashA: i1, i2; hashB: i3`. */
export function describeMix(instances: readonly { instance: string; hash: string }[]): string {
  const byHash = new Map<string, string[]>();
  for (const i of instances) byHash.set(i.hash, [...(byHash.get(i.hash) ?? []), i.instance]);
  return [...byHash].map(([hash, names]) => `${hash}: ${names.join(', ')}`).join('; ');
}

function parse(text: string): { hash: string; at: number } | undefined {
  try {
    const v = JSON.parse(text) as { hash?: unknown; at?: unknown };
    return typeof v.hash === 'string' && typeof v.at === 'number' ? { hash: v.hash, at: v.at } : undefined;
  } catch {
    return undefined;
  }
}
