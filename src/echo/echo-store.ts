import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis, Result } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { echoKeys } from '../core/redis-keys.js';
import type { KafkaCoordinates } from '../core/change-event.js';
import {
  CONSUME_ECHOES,
  FORGET_VERDICTS,
  RECORD_ECHOES,
  RELEASE_ECHOES,
  RESTORE_ECHOES,
} from './echo-scripts.js';
import type { RowFingerprint } from './row-fingerprint.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dbtwinRecordEchoes(numKeys: number, ...args: (string | number)[]): Result<string, Context>;
    dbtwinConsumeEchoes(numKeys: number, ...args: (string | number)[]): Result<(string | number)[], Context>;
    dbtwinReleaseEchoes(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
    dbtwinRestoreEchoes(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
    dbtwinForgetVerdicts(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
  }
}

/** Which layer recognised an echo (design §3.2): Redis, or this process's own copy of its fingerprints. */
export type EchoLayer = 'redis' | 'local';

/** Whether echo suppression works as designed right now. */
export interface EchoHealth {
  /** `degraded`: Redis is unreachable, or lost dbtwin's state recently; echoes may slip to the no-op check. */
  readonly state: 'ok' | 'degraded';
  readonly reason?: string;
  /** ISO time the degraded state began. */
  readonly since?: string;
}

export interface EchoStoreOptions {
  /** `kafka.groupPrefix`: every key is under it. */
  readonly namespace: string;
  /** Time a fingerprint waits for its echo in Redis, seconds (`echo.ttlSeconds`). */
  readonly ttlSeconds: number;
  /**
   * How long this process keeps its own copy of what it recorded, seconds; default
   * min(ttlSeconds, 300). Copies restore Redis after it lost its state and answer while it is
   * unreachable.
   */
  readonly localTtlSeconds?: number;
  /**
   * After Redis lost its state, copies younger than this are written back (older ones were almost
   * certainly consumed already: echoes come back within seconds); ms, default 60,000.
   */
  readonly restoreWindowMs?: number;
  /**
   * After Redis lost its state, for this long a fingerprint not found is looked up once more before
   * the change counts as native, so every process has time to restore its copies; ms, default 2000.
   */
  readonly restoreGraceMs?: number;
  /** How often the epoch is checked while idle, ms; default 500. */
  readonly watchMs?: number;
  /** Most rows with local copies; the oldest go first. Default 200,000. */
  readonly localMaxRows?: number;
}

interface LocalState {
  readonly state: string;
  /** Epoch in force when recorded; `offline` when Redis could not be reached. */
  epoch: string;
  readonly at: number;
}

const OFFLINE = 'offline';

/**
 * Pending echo fingerprints (design §3.2). A link records the fingerprint of every row it is about to
 * write, before its target transaction commits; the reverse link consumes the fingerprint of every
 * change it reads, atomically (one Lua script per batch), and drops the change when one was pending.
 * Per row, pending states form a list in write order, and a change takes only the state it matches:
 * what the links drop as echoes is then, as a multiset of row transitions, exactly what they wrote
 * (a native change with the state of a later write takes that write's place, and its echo goes on).
 * A state whose transaction rolled back is released; one never captured waits out `ttlSeconds`.
 *
 * Redis holds the truth shared by every process. Each process also keeps a copy of what it recorded
 * (design §3: "if Redis is flushed or down, replication continues"):
 * - when Redis lost its state (flushed, restarted without persistence; the epoch key is gone), every
 *   process writes its recent copies back, and readers look a missing fingerprint up once more after
 *   a short grace, so echoes in flight at the time are still recognised, across processes;
 * - while Redis is unreachable, the copies answer for this process's own writes (a pair of links in
 *   one process), and whatever slips through ends at the no-op check (design §3.4).
 */
export class EchoStore {
  private readonly keys;
  private readonly local = new Map<string, LocalState[]>();
  private readonly localTtlMs: number;
  private readonly restoreWindowMs: number;
  private readonly graceMs: number;
  private readonly localMaxRows: number;
  private epoch: string | undefined;
  private health: EchoHealth = { state: 'ok' };
  private degradedUntil = 0;
  private restoring: Promise<void> = Promise.resolve();
  private forgetting: Promise<void> = Promise.resolve();
  /**
   * What this process consumed from Redis lately (restore window), oldest first: after Redis lost its
   * state, other processes write back copies of fingerprints they recorded, not knowing this one
   * already consumed them; this log takes those out again.
   */
  private consumed: { rowKey: string; state: string; at: number; epoch: string }[] = [];
  private readonly watcher: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly options: EchoStoreOptions,
    private readonly logger: Logger,
  ) {
    this.keys = echoKeys(options.namespace);
    this.localTtlMs = (options.localTtlSeconds ?? Math.min(options.ttlSeconds, 300)) * 1000;
    this.restoreWindowMs = options.restoreWindowMs ?? 60_000;
    this.graceMs = options.restoreGraceMs ?? 2000;
    this.localMaxRows = options.localMaxRows ?? 200_000;
    redis.defineCommand('dbtwinRecordEchoes', { lua: RECORD_ECHOES });
    redis.defineCommand('dbtwinConsumeEchoes', { lua: CONSUME_ECHOES });
    redis.defineCommand('dbtwinReleaseEchoes', { lua: RELEASE_ECHOES });
    redis.defineCommand('dbtwinRestoreEchoes', { lua: RESTORE_ECHOES });
    redis.defineCommand('dbtwinForgetVerdicts', { lua: FORGET_VERDICTS });
    this.watcher = setInterval(() => void this.watch(), options.watchMs ?? 500);
    this.watcher.unref();
  }

  /** Records fingerprints of rows about to be written. Never throws: without Redis they are kept locally. */
  async record(fingerprints: readonly RowFingerprint[]): Promise<void> {
    if (fingerprints.length === 0) return;
    let epoch = OFFLINE;
    try {
      epoch = await this.recordInRedis(fingerprints);
    } catch (error) {
      this.unreachable(error);
    }
    const at = Date.now();
    for (const f of fingerprints) {
      const states = this.local.get(f.rowKey) ?? [];
      states.push({ state: f.state, epoch, at });
      // Re-inserted, so the map stays in order of last write for the sweep.
      this.local.delete(f.rowKey);
      this.local.set(f.rowKey, states);
    }
    this.sweep(at);
    if (epoch !== OFFLINE) await this.sawEpoch(epoch);
  }

  /**
   * For each fingerprint (in capture order), the layer that found it pending and took it, or null (a
   * native change). Never throws.
   */
  async consume(
    fingerprints: readonly RowFingerprint[],
    coordinates?: readonly (KafkaCoordinates | undefined)[],
  ): Promise<(EchoLayer | null)[]> {
    if (fingerprints.length === 0) return [];
    let hits: boolean[] | undefined;
    try {
      hits = await this.consumeInRedis(fingerprints, coordinates);
      const misses = fingerprints.map((_, i) => i).filter((i) => !hits![i]);
      const age = epochAge(this.epoch);
      if (misses.length > 0 && age < this.graceMs) {
        // Redis lost its state moments ago: give every process time to write its copies back.
        await sleep(this.graceMs - age);
        await this.restoring;
        await this.forgetting;
        const again = await this.consumeInRedis(
          misses.map((i) => fingerprints[i]!),
          coordinates && misses.map((i) => coordinates[i]),
        );
        misses.forEach((i, j) => (hits![i] = again[j]!));
      }
    } catch (error) {
      this.unreachable(error);
      hits = undefined;
    }
    const now = Date.now();
    return fingerprints.map((f, i) => {
      if (hits?.[i]) {
        this.takeLocal(f, () => true);
        this.consumed.push({ rowKey: f.rowKey, state: f.state, at: now, epoch: this.epoch ?? OFFLINE });
        return 'redis';
      }
      // Redis answered "not pending" under its current epoch: consumed already (maybe by another
      // process), so a local copy recorded under that epoch must not answer for it.
      const taken = this.takeLocal(
        f,
        (s) => hits === undefined || s.epoch === OFFLINE || s.epoch !== this.epoch,
      );
      return taken ? 'local' : null;
    });
  }

  /** Takes back fingerprints recorded for a transaction that rolled back. Best effort; never throws. */
  async release(fingerprints: readonly RowFingerprint[]): Promise<void> {
    if (fingerprints.length === 0) return;
    for (const f of fingerprints) {
      const states = this.local.get(f.rowKey);
      const at = states?.map((s) => s.state).lastIndexOf(f.state) ?? -1;
      if (states && at >= 0) states.splice(at, 1);
    }
    try {
      await this.removeInRedis(fingerprints, -1);
    } catch (error) {
      this.unreachable(error);
    }
  }

  /** The current health, for `/status` and the metrics. */
  state(): EchoHealth {
    if (this.health.state === 'degraded' && this.degradedUntil > 0 && Date.now() > this.degradedUntil) {
      this.logger.info('echo suppression back to normal since Redis lost its state');
      this.health = { state: 'ok' };
      this.degradedUntil = 0;
    }
    return this.health;
  }

  close(): void {
    clearInterval(this.watcher);
  }

  private async recordInRedis(fingerprints: readonly RowFingerprint[]): Promise<string> {
    return this.redis.dbtwinRecordEchoes(
      fingerprints.length + 1,
      this.keys.echoEpoch,
      ...fingerprints.map((f) => this.keys.echoRow(f.rowKey)),
      this.options.ttlSeconds * 1000,
      newEpoch(),
      ...fingerprints.map((f) => f.state),
    );
  }

  private async removeInRedis(fingerprints: readonly RowFingerprint[], which: -1 | 1): Promise<void> {
    for (let i = 0; i < fingerprints.length; i += 1000) {
      const chunk = fingerprints.slice(i, i + 1000);
      await this.redis.dbtwinReleaseEchoes(
        chunk.length,
        ...chunk.map((f) => this.keys.echoRow(f.rowKey)),
        which,
        ...chunk.map((f) => f.state),
      );
    }
  }

  /**
   * Forgets the echo verdicts of a partition's offsets below `nextOffset` (committed: never read
   * again). Best effort; never throws (the verdicts expire with the echo TTL anyway).
   */
  async committed(topic: string, partition: number, nextOffset: string): Promise<void> {
    try {
      await this.redis.dbtwinForgetVerdicts(1, this.keys.echoVerdicts(topic, partition), nextOffset);
    } catch (error) {
      this.unreachable(error);
    }
  }

  private async consumeInRedis(
    fingerprints: readonly RowFingerprint[],
    coordinates: readonly (KafkaCoordinates | undefined)[] | undefined,
  ): Promise<boolean[]> {
    const at = (i: number): KafkaCoordinates | undefined => coordinates?.[i];
    const [epoch, ...flags] = await this.redis.dbtwinConsumeEchoes(
      fingerprints.length * 2 + 1,
      this.keys.echoEpoch,
      ...fingerprints.map((f) => this.keys.echoRow(f.rowKey)),
      // A change without coordinates names some partition key; its empty offset never reads it.
      ...fingerprints.map((_, i) => this.keys.echoVerdicts(at(i)?.topic ?? '', at(i)?.partition ?? -1)),
      newEpoch(),
      ...fingerprints.map((f) => f.state),
      ...fingerprints.map((_, i) => at(i)?.offset ?? ''),
      this.options.ttlSeconds * 1000,
    );
    await this.sawEpoch(String(epoch));
    return flags.map((f) => Number(f) === 1);
  }

  /**
   * Takes the first local copy of the fingerprint's state that `usable` accepts, and only that one
   * (mirroring the consume script). True when one was taken.
   */
  private takeLocal(f: RowFingerprint, usable: (s: LocalState) => boolean): boolean {
    const states = this.local.get(f.rowKey);
    if (!states) return false;
    // `<after>|`: the change had no before-image; any pending state with that after part matches.
    const matches = (s: LocalState): boolean =>
      f.state.endsWith('|') ? s.state.startsWith(f.state) : s.state === f.state;
    const at = states.findIndex((s) => matches(s) && usable(s));
    if (at < 0) return false;
    states.splice(at, 1);
    if (states.length === 0) this.local.delete(f.rowKey);
    return true;
  }

  /** Checks the epoch while idle, so a flush is noticed (and copies restored) before echoes miss. */
  private async watch(): Promise<void> {
    this.sweep(Date.now());
    try {
      await this.redis.set(this.keys.echoEpoch, newEpoch(), 'NX');
      const epoch = await this.redis.get(this.keys.echoEpoch);
      if (epoch) await this.sawEpoch(epoch);
    } catch (error) {
      this.unreachable(error);
    }
  }

  private async sawEpoch(epoch: string): Promise<void> {
    const previous = this.epoch;
    this.epoch = epoch;
    if (this.health.state === 'degraded' && this.degradedUntil === 0) {
      this.logger.info({ epoch }, 'Redis reachable again: echo fingerprints are shared again');
      this.health = { state: 'ok' };
      this.restoring = this.restore(epoch);
    }
    if (previous === undefined || previous === epoch) return this.restoring;
    this.degradedUntil = Date.now() + this.localTtlMs;
    this.health = {
      state: 'degraded',
      reason:
        'Redis lost the echo fingerprints (flushed, or restarted without persistence); every process wrote its recent ones back, echoes that still slip through end at the no-op check',
      since: new Date().toISOString(),
    };
    this.logger.warn({ previousEpoch: previous, epoch }, `echo suppression degraded: ${this.health.reason}`);
    this.restoring = this.restore(epoch);
    this.forgetting = this.forgetConsumed(previous, epoch);
    return this.restoring;
  }

  /** Writes back the recent local copies recorded under another epoch (or while Redis was unreachable). */
  private async restore(epoch: string): Promise<void> {
    const since = Date.now() - this.restoreWindowMs;
    const batch: RowFingerprint[] = [];
    const marked: LocalState[] = [];
    for (const [rowKey, states] of this.local) {
      for (const s of states) {
        if (s.epoch === epoch || s.at < since) continue;
        batch.push({ rowKey, state: s.state });
        marked.push(s);
      }
    }
    // Newest first: each goes to the head of its row's list, so the oldest ends first.
    batch.reverse();
    try {
      for (let i = 0; i < batch.length; i += 1000) {
        const chunk = batch.slice(i, i + 1000);
        await this.redis.dbtwinRestoreEchoes(
          chunk.length,
          ...chunk.map((f) => this.keys.echoRow(f.rowKey)),
          this.options.ttlSeconds * 1000,
          ...chunk.map((f) => f.state),
        );
      }
      for (const s of marked) s.epoch = epoch;
      if (batch.length > 0)
        this.logger.info({ restored: batch.length }, 'echo fingerprints written back to Redis');
    } catch (error) {
      this.unreachable(error);
    }
  }

  /**
   * Once the other processes have written their copies back (three quarters of the grace after the
   * new epoch began), takes out again the fingerprints this process consumed before the loss: their
   * writers could not know, and a later genuine change to the same state must not pass for an echo.
   */
  private async forgetConsumed(previous: string, epoch: string): Promise<void> {
    const wait = Math.max(0, (this.graceMs * 3) / 4 - epochAge(epoch));
    await sleep(wait);
    const since = Date.now() - this.restoreWindowMs;
    const before = this.consumed.filter((c) => c.epoch === previous && c.at >= since);
    this.consumed = this.consumed.filter((c) => c.epoch !== previous);
    try {
      await this.removeInRedis(before, 1);
      if (before.length > 0)
        this.logger.info(
          { forgotten: before.length },
          'consumed echo fingerprints taken out again after the restore',
        );
    } catch (error) {
      this.unreachable(error);
    }
  }

  private unreachable(error: unknown): void {
    if (this.health.state === 'degraded' && this.degradedUntil === 0) return;
    this.degradedUntil = 0;
    this.health = {
      state: 'degraded',
      reason: `Redis unreachable (${error instanceof Error ? error.message : String(error)}); echo fingerprints are kept in this process only`,
      since: new Date().toISOString(),
    };
    this.logger.warn({ err: error }, `echo suppression degraded: ${this.health.reason}`);
  }

  private sweep(now: number): void {
    const since = now - this.restoreWindowMs;
    let old = 0;
    while (
      old < this.consumed.length &&
      (this.consumed[old]!.at < since || this.consumed.length - old > 200_000)
    )
      old++;
    if (old > 0) this.consumed.splice(0, old);
    for (const [rowKey, states] of this.local) {
      if (this.local.size <= this.localMaxRows && (states.at(-1)?.at ?? 0) > now - this.localTtlMs) break;
      this.local.delete(rowKey);
    }
  }
}

/** `<ms since epoch>/<uuid>`: unique, and tells its age. */
function newEpoch(): string {
  return `${Date.now()}/${randomUUID()}`;
}

function epochAge(epoch: string | undefined): number {
  const created = Number(epoch?.split('/')[0]);
  return Number.isFinite(created) ? Date.now() - created : Number.POSITIVE_INFINITY;
}
