import type { Redis, Result } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { conflictKeys } from '../core/redis-keys.js';
import { SET_ROW_VERSIONS } from './row-version-scripts.js';

/** The commit time of the change that gave a row the state named. */
export interface RowVersion {
  readonly commitMs: number;
  /** The after hash of the row's echo fingerprint (`-` for a deleted row). */
  readonly state: string;
}

/** One row's version to set: the row by its echo fingerprint's row key. */
export interface RowVersionEntry extends RowVersion {
  readonly rowKey: string;
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dbtwinSetRowVersions(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
  }
}

/**
 * Commit times of row states for `lww` by commit time (design §4), in Redis so both links (and every
 * process) see them. Each link notes the version of every change it reads from its source side
 * (`seen`) and of every row it writes (`written`, with the commit time of the change that won). The
 * applier then knows the commit time of the target's current row when the state it reads is the one
 * noted; when it is not, the reverse link has not read that change yet, and the conflict waits for it.
 *
 * Best effort: without Redis, versions are unknown (and `lww` by commit time falls back to the side
 * order once its wait is over). Keys live `ttlSeconds` (default: the echo TTL).
 */
export class RowVersionStore {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly namespace: string; readonly ttlSeconds: number },
    private readonly logger: Logger,
  ) {
    this.keys = conflictKeys(options.namespace);
    redis.defineCommand('dbtwinSetRowVersions', { lua: SET_ROW_VERSIONS });
  }

  /**
   * Notes changes read from a side's log, in log order: each is the row's state from then on. A
   * version naming the same state stays (the echo of a link's write keeps the winning change's
   * commit time). Never throws.
   */
  seen(entries: readonly RowVersionEntry[]): Promise<void> {
    return this.set('seen', entries);
  }

  /** Notes rows a link is writing. Never throws. */
  written(entries: readonly RowVersionEntry[]): Promise<void> {
    return this.set('written', entries);
  }

  /** The versions of these rows, undefined where none is known or Redis does not answer. */
  async get(rowKeys: readonly string[]): Promise<(RowVersion | undefined)[]> {
    if (rowKeys.length === 0) return [];
    try {
      const held = await this.redis.mget(...rowKeys.map((k) => this.keys.rowVersion(k)));
      return held.map((h) => {
        if (h === null) return undefined;
        const bar = h.indexOf('|');
        const commitMs = Number(h.slice(0, bar));
        return bar > 0 && Number.isFinite(commitMs) ? { commitMs, state: h.slice(bar + 1) } : undefined;
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'row versions unavailable (Redis): commit times unknown');
      return rowKeys.map(() => undefined);
    }
  }

  private async set(mode: 'seen' | 'written', entries: readonly RowVersionEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // The last entry of a row wins within one call: the log's order, or the write order.
    const last = new Map<string, RowVersionEntry>();
    for (const e of entries) last.set(e.rowKey, e);
    const rows = [...last.values()];
    try {
      await this.redis.dbtwinSetRowVersions(
        rows.length,
        ...rows.map((r) => this.keys.rowVersion(r.rowKey)),
        this.options.ttlSeconds * 1000,
        mode,
        ...rows.flatMap((r) => [Math.trunc(r.commitMs), r.state]),
      );
    } catch (error) {
      this.logger.warn({ err: error, rows: rows.length }, 'row versions not noted (Redis)');
    }
  }
}
