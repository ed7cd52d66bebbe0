import { randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { cutoverKeys } from '../core/redis-keys.js';
import {
  FINALIZE_CUTOVER,
  KEEP_MOVE_LOCK,
  MOVE_INSTANCE,
  RECORD_REFUSAL,
  REGISTER_INSTANCE,
  TAKE_MOVE_LOCK,
} from './cutover-scripts.js';
import type {
  CutoverFinal,
  CutoverGateResult,
  CutoverInstance,
  CutoverMove,
  CutoverReader,
  CutoverStatus,
} from './cutover-state.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dbtwinCutoverRegister(numKeys: number, ...args: (string | number)[]): Result<string[], Context>;
    dbtwinCutoverMove(numKeys: number, ...args: (string | number)[]): Result<string[], Context>;
    dbtwinCutoverFinalize(numKeys: number, ...args: (string | number)[]): Result<string[], Context>;
    dbtwinCutoverRefusal(numKeys: number, ...args: (string | number)[]): Result<string, Context>;
    dbtwinCutoverTakeLock(numKeys: number, ...args: (string | number)[]): Result<string[], Context>;
    dbtwinCutoverKeepLock(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
  }
}

/** History entries kept in Redis (the newest); older ones are trimmed. */
export const CUTOVER_HISTORY_CAP = 10_000;

/** What `/route` needs: the instance's record (when registered) and whether the cutover is final. */
export interface RouteRecord {
  readonly instance: CutoverInstance | undefined;
  readonly finalized: CutoverFinal | null;
}

/** One move as asked for: the registry checks `from` atomically. */
export interface MoveRequest {
  readonly instance: string;
  /** The side the gates were measured for: the move is refused when the instance is elsewhere now. */
  readonly from: string;
  readonly to: string;
  readonly kind: 'move' | 'rollback';
  readonly by: string;
  readonly forced?: boolean;
  readonly gates?: readonly CutoverGateResult[];
  readonly reason?: string;
}

/**
 * The cutover registry of a deployment (design §7) in Redis (`cutoverKeys`): which side each
 * application instance writes to, since when, how often it moved, the history of every registration,
 * move, rollback and the finalize. Every write is one Lua script (`cutover-scripts.ts`), so two
 * operators racing to move the same instance cannot both win, and the history always matches the
 * state. Nothing expires.
 *
 * Refusals throw DbtwinError: `CutoverRaced` (the instance is not where the move started),
 * `CutoverFinalized`, `CutoverUnknownInstance`, `CutoverNotUniform` (finalize). A Redis failure is
 * thrown as ioredis raised it.
 */
export class CutoverRegistry implements CutoverReader {
  private readonly keys: ReturnType<typeof cutoverKeys>;

  constructor(
    private readonly redis: Redis,
    /** The deployment: the configuration's `kafka.groupPrefix`. */
    readonly namespace: string,
  ) {
    this.keys = cutoverKeys(namespace);
    defineScripts(redis);
  }

  /** Every instance (sorted by name), the newest `historyLimit` history entries (default 1000) and the final state. */
  async status(historyLimit = 1000): Promise<CutoverStatus> {
    const replies = await this.redis
      .multi()
      .hgetall(this.keys.instances)
      .lrange(this.keys.history, -Math.max(1, historyLimit), -1)
      .get(this.keys.final)
      .exec();
    const [all, history, final] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [Record<string, string>, string[], string | null];
    return {
      instances: Object.entries(all)
        .map(([name, text]) => instanceOf(name, text))
        .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0)),
      history: history.map(moveOf),
      finalized: final === null ? null : finalOf(final),
    };
  }

  /** One instance's record and the final state, in one round trip (what `/route` reads). */
  async route(instance: string): Promise<RouteRecord> {
    const replies = await this.redis.multi().hget(this.keys.instances, instance).get(this.keys.final).exec();
    const [record, final] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [string | null, string | null];
    return {
      instance: record === null ? undefined : instanceOf(instance, record),
      finalized: final === null ? null : finalOf(final),
    };
  }

  /**
   * Registers `instance` at `side` (at the final side once finalized) unless it is registered; returns
   * its record either way and whether this call registered it.
   */
  async register(
    instance: string,
    side: string,
    by: string,
  ): Promise<{ readonly instance: CutoverInstance; readonly registered: boolean }> {
    const reply = await this.redis.dbtwinCutoverRegister(
      3,
      this.keys.instances,
      this.keys.history,
      this.keys.final,
      instance,
      side,
      JSON.stringify({ instance, kind: 'register', by }),
      CUTOVER_HISTORY_CAP,
    );
    return { instance: instanceOf(instance, reply[1]!), registered: reply[0] === 'registered' };
  }

  /** Moves (or rolls back) one instance; returns the history entry written. */
  async move(request: MoveRequest): Promise<CutoverMove> {
    const { instance, from, to } = request;
    const entry = {
      instance,
      to,
      kind: request.kind,
      by: request.by,
      ...(request.forced ? { forced: true } : {}),
      ...(request.gates && request.gates.length > 0 ? { gates: request.gates } : {}),
      ...(request.reason ? { reason: request.reason } : {}),
    };
    const reply = await this.redis.dbtwinCutoverMove(
      3,
      this.keys.instances,
      this.keys.history,
      this.keys.final,
      instance,
      from,
      to,
      JSON.stringify(entry),
      CUTOVER_HISTORY_CAP,
    );
    switch (reply[0]) {
      case 'moved':
        return moveOf(reply[2]!);
      case 'finalized': {
        const final = finalOf(reply[1]!);
        throw new DbtwinError(
          ErrorCode.CutoverFinalized,
          `the cutover of deployment ${this.namespace} was finalized at ${final.at} (every instance writes to ${final.side}): ${instance} cannot move`,
          { hint: 'dbtwin cutover status shows the final state' },
        );
      }
      case 'unknown':
        throw unknownInstance(instance, this.namespace);
      default: {
        const now = instanceOf(instance, reply[1]!);
        throw new DbtwinError(
          ErrorCode.CutoverRaced,
          `${instance} is on ${now.side} now (since ${now.since}), not on ${from}: someone else moved it meanwhile; nothing changed`,
          {
            hint: 'dbtwin cutover status shows where each instance is; move it again from there if still needed',
          },
        );
      }
    }
  }

  /**
   * Runs `work` (the gates and the move, rollback or finalize) holding the deployment's move lock, so
   * moves go one at a time (design §7). The lock lives `ttlMs` (default 60 s) and is renewed every
   * third of it while `work` runs, so a CLI killed mid-move frees it within `ttlMs`. Throws
   * `CutoverBusy` naming the holder when another is in progress.
   */
  async oneAtATime<T>(by: string, what: string, work: () => Promise<T>, ttlMs = 60_000): Promise<T> {
    const token = randomUUID();
    const reply = await this.redis.dbtwinCutoverTakeLock(
      1,
      this.keys.moving,
      JSON.stringify({ token, by, what }),
      ttlMs,
    );
    if (reply[0] === 'busy') {
      const held = parseHolder(reply[1] ?? '');
      throw new DbtwinError(
        ErrorCode.CutoverBusy,
        `${what} refused: another one is in progress in deployment ${this.namespace} (${held.what}, by ${held.by} since ${held.since}); instances move one at a time`,
        { hint: 'try again once it is done (dbtwin cutover status shows the history)' },
      );
    }
    const renew = setInterval(() => {
      this.redis.dbtwinCutoverKeepLock(1, this.keys.moving, token, ttlMs).catch(() => undefined);
    }, ttlMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.redis.dbtwinCutoverKeepLock(1, this.keys.moving, token, 0).catch(() => undefined);
    }
  }

  /**
   * Records in the history that a move, rollback or finalize was refused by its gates (`reason`: the
   * refusal as printed); returns the entry written. Nothing else changes.
   */
  async recordRefusal(request: {
    readonly refused: 'move' | 'rollback' | 'finalize';
    readonly instance: string;
    /** The side the instance writes to now (for finalize: the side being left). */
    readonly from: string;
    readonly to: string;
    readonly by: string;
    readonly gates: readonly CutoverGateResult[];
    readonly reason: string;
  }): Promise<CutoverMove> {
    const { from, instance, to, refused, by, gates, reason } = request;
    const entry = { instance, to, kind: 'refused', refused, by, gates, reason };
    const reply = await this.redis.dbtwinCutoverRefusal(
      1,
      this.keys.history,
      from,
      JSON.stringify(entry),
      CUTOVER_HISTORY_CAP,
    );
    return moveOf(reply);
  }

  /**
   * Records the end of the cutover: every registered instance writes to `side`; `stoppedLinks` are the
   * links the caller stops. Throws `CutoverNotUniform` (naming the instances elsewhere) or
   * `CutoverFinalized`.
   */
  async finalize(request: {
    readonly side: string;
    /** The side no instance writes to any more (the history entry's `from`). */
    readonly retiredSide: string;
    readonly stoppedLinks: readonly string[];
    readonly by: string;
    readonly forced?: boolean;
    readonly gates?: readonly CutoverGateResult[];
  }): Promise<CutoverFinal> {
    const reply = await this.redis.dbtwinCutoverFinalize(
      3,
      this.keys.instances,
      this.keys.history,
      this.keys.final,
      request.side,
      JSON.stringify({ side: request.side, stoppedLinks: request.stoppedLinks, by: request.by }),
      JSON.stringify({
        instance: '*',
        to: request.side,
        kind: 'finalize',
        by: request.by,
        ...(request.forced ? { forced: true } : {}),
        ...(request.gates && request.gates.length > 0 ? { gates: request.gates } : {}),
        reason: `stopped ${request.stoppedLinks.join(', ') || 'no link'}`,
      }),
      request.retiredSide,
      CUTOVER_HISTORY_CAP,
    );
    switch (reply[0]) {
      case 'finalized':
        return finalOf(reply[1]!);
      case 'already': {
        const final = finalOf(reply[1]!);
        throw new DbtwinError(
          ErrorCode.CutoverFinalized,
          `the cutover of deployment ${this.namespace} was finalized already at ${final.at} (side ${final.side}, stopped ${final.stoppedLinks.join(', ') || 'nothing'})`,
        );
      }
      case 'empty':
        throw new DbtwinError(
          ErrorCode.CutoverNotUniform,
          `no application instance is registered in deployment ${this.namespace}: nothing to finalize`,
          { hint: 'each sidecar registers its instance (dbtwin run --instance <name>)' },
        );
      default: {
        const elsewhere: string[] = [];
        for (let i = 1; i + 1 < reply.length; i += 2) elsewhere.push(`${reply[i]} on ${reply[i + 1]}`);
        throw new DbtwinError(
          ErrorCode.CutoverNotUniform,
          `not every instance writes to ${request.side}: ${elsewhere.join(', ')}`,
          { hint: `move them first: dbtwin cutover move <instance> --to ${request.side}` },
        );
      }
    }
  }
}

/** The error of a move of an instance the registry does not know. */
export function unknownInstance(instance: string, namespace: string): DbtwinError {
  return new DbtwinError(
    ErrorCode.CutoverUnknownInstance,
    `no application instance ${instance} is registered in deployment ${namespace}`,
    {
      hint: 'its sidecar registers it when started with dbtwin run --instance <name>; dbtwin cutover status lists those registered',
    },
  );
}

/** Connections the scripts are defined on. */
const defined = new WeakSet<Redis>();

function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  defined.add(redis);
  redis.defineCommand('dbtwinCutoverRegister', { lua: REGISTER_INSTANCE });
  redis.defineCommand('dbtwinCutoverMove', { lua: MOVE_INSTANCE });
  redis.defineCommand('dbtwinCutoverFinalize', { lua: FINALIZE_CUTOVER });
  redis.defineCommand('dbtwinCutoverRefusal', { lua: RECORD_REFUSAL });
  redis.defineCommand('dbtwinCutoverTakeLock', { lua: TAKE_MOVE_LOCK });
  redis.defineCommand('dbtwinCutoverKeepLock', { lua: KEEP_MOVE_LOCK });
}

function iso(ms: unknown): string {
  const n = Number(ms);
  return Number.isFinite(n) ? new Date(n).toISOString() : 'unknown';
}

/** A record as the scripts write it; a value written by hand still reads (side `unknown`). */
function instanceOf(instance: string, text: string): CutoverInstance {
  const v = parseObject(text);
  return {
    instance,
    side: typeof v?.side === 'string' ? v.side : 'unknown',
    since: iso(v?.sinceMs),
    moves: typeof v?.moves === 'number' ? v.moves : 0,
  };
}

/** A JSON object's fields; an unreadable value reads as no fields (an unknown side, not a hidden instance). */
function parseObject(text: string): Readonly<Record<string, unknown>> | null {
  try {
    return JSON.parse(text) as Readonly<Record<string, unknown>> | null;
  } catch {
    return null;
  }
}

function moveOf(text: string): CutoverMove {
  const v = JSON.parse(text) as Omit<CutoverMove, 'at'> & { atMs: number };
  const { atMs, ...rest } = v;
  return { ...rest, at: iso(atMs) };
}

/** The move lock's holder as the take script wrote it; unreadable fields read `unknown`. */
function parseHolder(text: string): { by: string; what: string; since: string } {
  const v = parseObject(text);
  return {
    by: typeof v?.by === 'string' ? v.by : 'unknown',
    what: typeof v?.what === 'string' ? v.what : 'unknown',
    since: iso(v?.sinceMs),
  };
}

function finalOf(text: string): CutoverFinal {
  const v = JSON.parse(text) as Omit<CutoverFinal, 'at'> & { atMs: number };
  const { atMs, ...rest } = v;
  return { ...rest, at: iso(atMs) };
}
