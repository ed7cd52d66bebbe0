import type { Redis, Result } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { echoKeys } from '../core/redis-keys.js';
import type { JsonRow } from '../core/value-json.js';
import { OBSERVE_FLIPS } from './echo-scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dbtwinObserveFlips(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
  }
}

/** One change about to be applied, as the breaker sees it. */
export interface FlipObservation {
  /** The row, the same from both links (see `neutralRowId`). */
  readonly rowId: string;
  /** Kafka coordinates of the change (`topic/partition/offset`): a retried batch is counted once. */
  readonly coordinate: string;
  /** The fingerprint state written. */
  readonly state: string;
  /** For the operator: the target table and key of this link's view of the row. */
  readonly table: string;
  readonly key: JsonRow;
}

/** What the breaker says about one change. */
export type FlipVerdict = 'apply' | 'tripped' | 'quarantined';

/** One applied change in a row's history, newest first in {@link QuarantinedRow.history}. */
export interface FlipHistoryEntry {
  readonly link: string;
  readonly at: string;
  readonly coordinate: string;
  readonly state: string;
}

/** A row the breaker quarantined: its changes are dead-lettered until an operator releases it. */
export interface QuarantinedRow {
  readonly rowId: string;
  readonly table: string;
  readonly key: JsonRow;
  readonly trippedAt: string;
  readonly trippedBy: string;
  /** Direction changes counted within the window when it tripped. */
  readonly flips: number;
  readonly history: readonly FlipHistoryEntry[];
}

export interface PingPongBreakerOptions {
  readonly namespace: string;
  /** More direction changes than this within the window trip the breaker; 0 turns it off. */
  readonly maxFlips: number;
  readonly windowSeconds: number;
}

/**
 * The ping-pong breaker (design §3.5): a row whose applied changes switch direction (link) more than
 * `maxFlips` times within `windowSeconds` is quarantined — its further changes on both links are
 * dead-lettered with the row's history — instead of bouncing between the sides forever. One Lua
 * script per batch keeps each row's recent history in Redis; while Redis is unreachable the same
 * rule runs on this process's own history, so the breaker still holds (design §3).
 *
 * `dbtwin breaker list` shows quarantined rows; `dbtwin breaker release <rowId>` lets the row flow
 * again (then `dbtwin dlq replay` applies what was held back).
 */
export class PingPongBreaker {
  private readonly keys;
  private readonly offline = new Map<string, { links: string[]; at: number[] }>();
  private readonly offlineQuarantine = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly options: PingPongBreakerOptions,
    private readonly logger: Logger,
  ) {
    this.keys = echoKeys(options.namespace);
    redis.defineCommand('dbtwinObserveFlips', { lua: OBSERVE_FLIPS });
  }

  /** Records the changes `link` is about to apply and says, per change, whether to apply it. */
  async observe(link: string, changes: readonly FlipObservation[]): Promise<FlipVerdict[]> {
    if (this.options.maxFlips === 0 || changes.length === 0) return changes.map(() => 'apply');
    const now = Date.now();
    let codes: number[];
    try {
      codes = await this.redis.dbtwinObserveFlips(
        changes.length + 1,
        this.keys.quarantine,
        ...changes.map((c) => this.keys.breakerHistory(c.rowId)),
        now,
        this.options.windowSeconds * 1000,
        this.options.maxFlips,
        link,
        ...changes.flatMap((c) => [
          c.rowId,
          `${c.coordinate}\t${c.state}`,
          JSON.stringify({ table: c.table, key: c.key }),
        ]),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'ping-pong breaker: Redis unreachable, counting in this process');
      return changes.map((c) => this.observeOffline(link, c.rowId, now));
    }
    const verdicts = codes.map((code): FlipVerdict =>
      code === 1 ? 'tripped' : code === 2 ? 'quarantined' : 'apply',
    );
    verdicts.forEach((v, i) => {
      if (v === 'tripped') {
        const c = changes[i]!;
        this.logger.warn(
          { rowId: c.rowId, table: c.table, key: c.key, link },
          `ping-pong breaker tripped: ${c.table} key ${JSON.stringify(c.key)} changed direction more than ${this.options.maxFlips} times in ${this.options.windowSeconds} s; quarantined (dbtwin breaker list)`,
        );
      }
    });
    return verdicts;
  }

  /** Every quarantined row, oldest trip first. */
  async list(): Promise<QuarantinedRow[]> {
    const all = await this.redis.hgetall(this.keys.quarantine);
    return Object.values(all)
      .map(parseQuarantine)
      .sort((a, b) => (a.trippedAt < b.trippedAt ? -1 : 1));
  }

  /** Lets a row flow again and forgets its history. True when it was quarantined. */
  async release(rowId: string): Promise<boolean> {
    const [[, removed]] = (await this.redis
      .multi()
      .hdel(this.keys.quarantine, rowId)
      .del(this.keys.breakerHistory(rowId))
      .exec()) as [[Error | null, number], [Error | null, number]];
    this.offlineQuarantine.delete(rowId);
    return removed === 1;
  }

  private observeOffline(link: string, rowId: string, now: number): FlipVerdict {
    if (this.offlineQuarantine.has(rowId)) return 'quarantined';
    const windowMs = this.options.windowSeconds * 1000;
    const history = this.offline.get(rowId) ?? { links: [], at: [] };
    history.links.unshift(link);
    history.at.unshift(now);
    history.links.length = Math.min(history.links.length, this.options.maxFlips + 2);
    history.at.length = history.links.length;
    this.offline.set(rowId, history);
    let flips = 0;
    for (let i = 1; i < history.links.length && history.at[i]! >= now - windowMs; i++)
      if (history.links[i] !== history.links[i - 1]) flips++;
    if (flips <= this.options.maxFlips) return 'apply';
    this.offlineQuarantine.add(rowId);
    return 'tripped';
  }
}

function parseQuarantine(text: string): QuarantinedRow {
  const raw = JSON.parse(text) as {
    rowId: string;
    about: string;
    trippedAt: number;
    trippedBy: string;
    flips: number;
    history: string[] | Record<string, never>;
  };
  const about = JSON.parse(raw.about) as { table: string; key: JsonRow };
  // cjson encodes an empty Lua table as {}.
  const lines = Array.isArray(raw.history) ? raw.history : [];
  return {
    rowId: raw.rowId,
    table: about.table,
    key: about.key,
    trippedAt: new Date(raw.trippedAt).toISOString(),
    trippedBy: raw.trippedBy,
    flips: raw.flips,
    history: lines.map((line) => {
      const [link = '', at = '0', coordinate = '', state = ''] = line.split('\t');
      return { link, at: new Date(Number(at)).toISOString(), coordinate, state };
    }),
  };
}
