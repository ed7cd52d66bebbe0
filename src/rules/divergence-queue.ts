import type { Redis, Result } from 'ioredis';
import { healKeys } from '../core/redis-keys.js';
import type { JsonRow } from '../core/value-json.js';
import { CLAIM_ROWS, SCHEDULE_ROWS } from './heal-scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dbtwinScheduleRows(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
    dbtwinClaimRows(numKeys: number, ...args: (string | number)[]): Result<string[], Context>;
  }
}

/** A row to compare on both sides: the link that met it, its source table (bare name) and key. */
export interface SuspectRow {
  /** `<from>-><to>`. */
  readonly link: string;
  /** The table's name on the link's source side, without schema. */
  readonly table: string;
  /** The key in the source side's columns, as JSON values (`core/value-json.ts`). */
  readonly key: JsonRow;
}

/** How long the schedule outlives its last use: a day. */
const SCHEDULE_TTL_MS = 86_400_000;

/**
 * The rows the convergence check is to compare (design §4), shared in Redis by every process of a
 * deployment: links schedule the rows they met in a conflict, checkers claim those whose quiet time
 * has passed. Membership is the row, so a row met a hundred times is checked once, after the last.
 */
export class DivergenceQueue {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = healKeys(namespace);
    redis.defineCommand('dbtwinScheduleRows', { lua: SCHEDULE_ROWS });
    redis.defineCommand('dbtwinClaimRows', { lua: CLAIM_ROWS });
  }

  /** Schedules rows for a check `delayMs` from now (Redis clock). */
  async schedule(rows: readonly SuspectRow[], delayMs: number): Promise<void> {
    if (rows.length === 0) return;
    const members = [...new Set(rows.map(memberOf))];
    await this.redis.dbtwinScheduleRows(1, this.keys.due, delayMs, SCHEDULE_TTL_MS, ...members);
  }

  /** Takes up to `max` rows whose time has come; no other process gets them. */
  async claim(max: number): Promise<SuspectRow[]> {
    const members = await this.redis.dbtwinClaimRows(1, this.keys.due, max);
    return members.flatMap((m) => {
      const row = rowOf(m);
      return row ? [row] : [];
    });
  }

  /** The difference the last check of this row saw, if any (a hash of both sides' rows). */
  async lastSeen(row: SuspectRow): Promise<string | null> {
    return this.redis.hget(this.keys.seen, memberOf(row));
  }

  /** Notes the difference a check saw, or forgets it (`null`: the sides agree, or it was settled). */
  async noteSeen(row: SuspectRow, difference: string | null): Promise<void> {
    if (difference === null) await this.redis.hdel(this.keys.seen, memberOf(row));
    else await this.redis.hset(this.keys.seen, memberOf(row), difference);
  }

  /** Rows scheduled and not yet claimed. */
  size(): Promise<number> {
    return this.redis.zcard(this.keys.due);
  }
}

function memberOf(row: SuspectRow): string {
  return JSON.stringify([row.link, row.table, row.key]);
}

function rowOf(member: string): SuspectRow | undefined {
  try {
    const parsed: unknown = JSON.parse(member);
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [link, table, key] = parsed as unknown[];
    if (typeof link !== 'string' || typeof table !== 'string' || typeof key !== 'object' || key === null)
      return undefined;
    return { link, table, key: key as JsonRow };
  } catch {
    return undefined;
  }
}
