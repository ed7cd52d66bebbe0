import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { healKeys } from '../core/redis-keys.js';
import { WarningThrottle } from '../core/warning-throttle.js';

/** One row's state to note: the row by its echo fingerprint's row key, the state by its after hash. */
export interface RowStateEntry {
  readonly rowKey: string;
  readonly state: string;
}

/**
 * The last state the links met for each row on each side, for the convergence check (design §4,
 * `row-healer.ts`): the link reading a side notes every change it reads from that side's log (echoes
 * included), and the link writing a side notes every row it writes there, before its commit.
 *
 * A row whose current state is not the one noted has a change the links have not met yet: committed
 * but still in Debezium's capture, or in Kafka. The check settles a difference only when both sides'
 * current rows are the states noted (and both links have committed all they read), so it never undoes
 * a change still on its way.
 *
 * Invariant: a note may run ahead of the row (a write noted, then rolled back) but then names a state
 * the row does not hold, which only makes the check wait. Notes live `ttlMs` (default: the echo TTL);
 * a row not met for longer is never settled (it has no state to compare with).
 * Best effort: a failure is logged and the check then finds no state (and waits).
 */
export class RowStates {
  private readonly keys;
  private readonly warnings: WarningThrottle;

  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly namespace: string; readonly ttlMs: number },
    logger: Logger,
  ) {
    this.keys = healKeys(options.namespace);
    this.warnings = new WarningThrottle(logger);
  }

  /** Notes rows' states, in order (the last entry of a row wins). Never throws. */
  async note(entries: readonly RowStateEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const last = new Map<string, string>();
    for (const e of entries) last.set(e.rowKey, e.state);
    try {
      const pipeline = this.redis.pipeline();
      for (const [rowKey, state] of last)
        pipeline.set(this.keys.state(rowKey), state, 'PX', this.options.ttlMs);
      await pipeline.exec();
    } catch (error) {
      this.warnings.warn(
        { err: error, rows: last.size },
        'row states not noted (Redis): the convergence check waits for these rows',
      );
    }
  }

  /** The states noted for these rows; undefined where none is (or Redis does not answer). */
  async get(rowKeys: readonly string[]): Promise<(string | undefined)[]> {
    if (rowKeys.length === 0) return [];
    try {
      const held = await this.redis.mget(...rowKeys.map((k) => this.keys.state(k)));
      return held.map((h) => h ?? undefined);
    } catch (error) {
      this.warnings.warn({ err: error }, 'row states unavailable (Redis): the convergence check waits');
      return rowKeys.map(() => undefined);
    }
  }
}
