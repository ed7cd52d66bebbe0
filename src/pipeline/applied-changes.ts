import type { Redis } from 'ioredis';
import type { KafkaCoordinates } from '../core/change-event.js';
import type { Logger } from '../core/logger.js';
import { appliedKeys } from '../core/redis-keys.js';
import { WarningThrottle } from '../core/warning-throttle.js';

/**
 * How long a partition's noted offsets outlive their last note, ms (7 days). They normally go when
 * the offsets are committed in Kafka, seconds later; the expiry only clears the sets of a link or
 * topic that went away with offsets never committed.
 */
export const APPLIED_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * The changes a link has written to its target and committed there, by Kafka offset, kept in Redis
 * until the offset is committed in Kafka (design §6: each change takes effect once).
 *
 * Kafka delivers at least once: a batch whose offsets were not committed is read again, by this
 * process or by another (a rebalance moved the partition, the offset commit failed, a process died
 * after the target commit). Re-applying most changes writes nothing new, but a `delta` merge would
 * count its increment twice. So the link notes each change right after its target transaction
 * commits, and skips, whoever reads it again, a change noted here.
 *
 * Invariants: only changes whose transaction committed are noted, after the commit; a partition's
 * notes below an offset go only once that offset is committed in Kafka. Left open: a process killed
 * between a target commit and its note (one Redis round trip) re-applies that transaction's changes.
 *
 * Best effort on Redis: a note or a lookup that fails is logged and treated as "none"; the link's
 * own retries still skip what they committed (it keeps those in memory as well).
 */
export class AppliedChanges {
  private readonly keys;
  private readonly warnings: WarningThrottle;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    private readonly logger: Logger,
  ) {
    this.keys = appliedKeys(namespace);
    this.warnings = new WarningThrottle(logger);
  }

  /** Of these changes, those the link noted as committed on its target (same objects, as a set). */
  async among<C extends KafkaCoordinates>(link: string, changes: readonly C[]): Promise<Set<C>> {
    const found = new Set<C>();
    if (changes.length === 0) return found;
    const byPartition = groupByPartition(changes);
    try {
      const pipeline = this.redis.pipeline();
      for (const [, list] of byPartition)
        pipeline.zmscore(
          this.keys.applied(link, list[0]!.topic, list[0]!.partition),
          ...list.map((c) => c.offset),
        );
      const replies = (await pipeline.exec()) ?? [];
      [...byPartition.values()].forEach((list, i) => {
        const [error, scores] = replies[i] ?? [new Error('no reply'), null];
        if (error) throw error;
        (scores as (string | null)[]).forEach((score, j) => {
          if (score !== null) found.add(list[j]!);
        });
      });
    } catch (error) {
      this.warnings.warn(
        { err: error, link, changes: changes.length },
        'applied changes unknown (Redis): a change read again is applied again (a delta merge may count twice)',
      );
      found.clear();
    }
    return found;
  }

  /** Notes changes whose target transaction committed. Never throws. */
  async note(link: string, changes: readonly KafkaCoordinates[]): Promise<void> {
    if (changes.length === 0) return;
    try {
      const multi = this.redis.multi();
      for (const [, list] of groupByPartition(changes)) {
        const key = this.keys.applied(link, list[0]!.topic, list[0]!.partition);
        multi.zadd(key, ...list.flatMap((c) => [c.offset, c.offset]));
        multi.pexpire(key, APPLIED_TTL_MS);
      }
      await multi.exec();
    } catch (error) {
      this.warnings.warn(
        { err: error, link, changes: changes.length },
        'applied changes not noted (Redis): a re-read of them before the offset commit applies them again',
      );
    }
  }

  /** The partition's offsets below `nextOffset` are committed in Kafka: never read again. Never throws. */
  async committed(link: string, topic: string, partition: number, nextOffset: string): Promise<void> {
    try {
      await this.redis.zremrangebyscore(this.keys.applied(link, topic, partition), '-inf', `(${nextOffset}`);
    } catch (error) {
      this.logger.debug({ err: error, link, topic, partition }, 'applied changes not forgotten (Redis)');
    }
  }
}

function groupByPartition<C extends KafkaCoordinates>(changes: readonly C[]): Map<string, C[]> {
  const out = new Map<string, C[]>();
  for (const c of changes) {
    const id = `${c.topic}\u0000${c.partition}`;
    const list = out.get(id) ?? [];
    list.push(c);
    out.set(id, list);
  }
  return out;
}
