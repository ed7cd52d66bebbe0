import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { topicOf, type DbtwinConfig, type LinkConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import type { Logger } from '../core/logger.js';
import { rowToJson, type JsonRow } from '../core/value-json.js';
import type { Row } from '../core/values.js';
import type { EchoStore } from '../echo/echo-store.js';
import { groupOf } from '../pipeline/link-runner.js';
import { openTargetSide, type TargetSide } from '../pipeline/target-side.js';
import { ConsumerLag } from '../source/consumer-lag.js';
import { diffChunk, type RowDiff } from '../cutover/chunk-diff.js';
import { repairRows } from '../cutover/row-repair.js';
import { TablePair, type SideRow } from '../cutover/table-pair.js';
import { TableVerifier } from '../cutover/table-verifier.js';
import { valueFromJson } from '../translate/json-values.js';
import { afterState, DELETED_STATE, rowFingerprint } from '../echo/row-fingerprint.js';
import { DivergenceQueue, type SuspectRow } from './divergence-queue.js';
import type { RowStates } from './row-states.js';
import { keepsCounters, type RuleSet } from './rule-set.js';
import { authorityRule, rowAuthority, tableRulesOf } from './row-authority.js';

/** Options of {@link RowHealer}. */
export interface RowHealerOptions {
  /** How long a row must stay quiet between two checks that see the same difference; ms (`rules.heal.quietMs`). */
  readonly quietMs: number;
  /** How often due rows are claimed; ms, default 1000. */
  readonly intervalMs?: number;
  /** Most rows claimed per round; default 500. */
  readonly batchRows?: number;
}

/** What the checker did since the process started. */
export interface HealCounts {
  /** Rows compared on both sides. */
  checked: number;
  /** Rows both sides held alike (nothing to do). */
  agreed: number;
  /** Rows that differed and were checked again later (a change may still be in flight). */
  rechecked: number;
  /** Rows settled: the authority's row written over the other side's. */
  healed: number;
  /** Rows whose table's policy leaves a difference to the operator (`ignore`, `manual`). */
  leftAlone: number;
  /** Rows that could not be checked or written (logged with why); scheduled again. */
  failed: number;
}

interface Opened {
  readonly pair: TablePair;
  readonly verifier: TableVerifier;
}

/**
 * The convergence check (design §4: after writes stop, both databases hold the same data). Conflict
 * detection compares values, so a change that happens to restore the value the other side's
 * concurrent change started from (A→B→A) hides the conflict from one link while the other link sees
 * it, and the two links decide differently. Every row a link met in a conflict (or found already
 * holding a change) is therefore scheduled here (`DivergenceQueue`), and once it has been quiet for
 * `quietMs` its two sides are compared as `dbtwin verify` compares them (mapped, canonical values):
 * - alike: done;
 * - different: noted, and checked again `quietMs` later; a change in flight moves the row on;
 * - the same difference twice in a row, both links having committed all they read and each side's
 *   row being the state the links last met for it (`RowStates`: no change still in Debezium or
 *   Kafka): settled by the table's rules: the side that wins the whole
 *   row (`priority` and merge fallbacks by side order, `lww` by its column, else side order) is
 *   written over the other through the link's route, only over the exact row compared (a row that
 *   moved meanwhile is left for the next check), with its echo recorded as a link's write is.
 * Tables under `ignore` or `manual`, and tables with `delta` counters (a whole row would drop the other
 * side's increments), are left to the operator (`dbtwin verify` lists them).
 *
 * Every process runs one; Redis hands each due row to exactly one of them. Never throws from its loop.
 */
export class RowHealer {
  readonly counts: HealCounts = { checked: 0, agreed: 0, rechecked: 0, healed: 0, leftAlone: 0, failed: 0 };
  private readonly queue: DivergenceQueue;
  private readonly lag: ConsumerLag;
  private readonly sides = new Map<string, Promise<TargetSide>>();
  private readonly pairs = new Map<string, Promise<Opened>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: DbtwinConfig,
    redis: Redis,
    private readonly echoes: EchoStore,
    /** The states the links note (`LoopGuard.states`): what settling waits for. */
    private readonly states: RowStates,
    private readonly rules: () => RuleSet,
    private readonly logger: Logger,
    private readonly options: RowHealerOptions,
  ) {
    this.queue = new DivergenceQueue(redis, config.kafka.groupPrefix);
    this.lag = new ConsumerLag(config.kafka.brokers, 'dbtwin-heal');
  }

  /** Starts claiming due rows every `intervalMs`. */
  start(): void {
    const interval = this.options.intervalMs ?? 1000;
    const loop = (): void => {
      this.timer = setTimeout(() => {
        this.running = this.round()
          .then(() => undefined)
          .catch((error: unknown) =>
            this.logger.warn({ err: error }, 'convergence check: a round failed; retrying'),
          )
          .finally(() => {
            if (!this.stopped) loop();
          });
      }, interval);
      this.timer.unref();
    };
    loop();
  }

  /** Stops after the round in progress and closes the pools it opened. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const side of this.sides.values()) await side.then((s) => s.close()).catch(() => undefined);
    await this.lag.close();
    this.sides.clear();
    this.pairs.clear();
  }

  /**
   * Schedules rows a link met concurrently changed (`LinkPipeline.onSuspects`) for a check once they
   * have been quiet for `quietMs`. Keys are in the link's source columns.
   */
  schedule(link: string, rows: readonly { readonly table: string; readonly key: Row }[]): Promise<void> {
    return this.queue.schedule(
      rows.map((r) => ({ link, table: r.table, key: rowToJson(r.key) ?? {} })),
      this.options.quietMs,
    );
  }

  /** Claims the due rows and checks them; returns how many it claimed. */
  async round(): Promise<number> {
    const claimed = await this.queue.claim(this.options.batchRows ?? 500);
    const groups = new Map<string, SuspectRow[]>();
    for (const row of claimed) {
      const id = JSON.stringify([row.link, row.table]);
      groups.set(id, [...(groups.get(id) ?? []), row]);
    }
    for (const rows of groups.values()) {
      try {
        await this.check(rows);
      } catch (error) {
        this.counts.failed += rows.length;
        const where = `${rows[0]!.table} (${rows[0]!.link})`;
        const context = { err: error, link: rows[0]!.link, table: rows[0]!.table, rows: rows.length };
        // A side down or Redis away passes; a table gone or unpaired does not: its rows are dropped.
        if (error instanceof DbtwinError && error.kind !== 'abort') {
          this.logger.error(
            context,
            `convergence check of ${where} dropped ${rows.length} row(s): ${error.message}; dbtwin verify --tables ${rows[0]!.table} compares the table once it is fixed`,
          );
          continue;
        }
        this.logger.warn(
          context,
          `convergence check of ${where} failed; checking again in ${this.options.quietMs} ms`,
        );
        await this.queue.schedule(rows, this.options.quietMs).catch(() => undefined);
      }
    }
    return claimed.length;
  }

  private async check(rows: readonly SuspectRow[]): Promise<void> {
    const first = rows[0]!;
    const link = this.config.links.find((l) => l.name === first.link);
    if (!link) return; // A link no longer configured: nothing to compare it by.
    const { pair, verifier } = await this.pairOf(link, first.table);
    const keys = rows.flatMap((row) => {
      const values = keyValuesOf(pair, row.key);
      return values ? [{ row, values }] : [];
    });
    const [a, b] = await Promise.all([
      verifier.readKeys(
        'a',
        keys.map((k) => k.values),
      ),
      verifier.readKeys(
        'b',
        keys.map((k) => k.values),
      ),
    ]);
    const diffs = new Map(diffChunk(a, b).map((d) => [d.key, d]));
    this.counts.checked += keys.length;
    const tableRules = tableRulesOf(this.rules(), pair);
    const settle: { diff: RowDiff<SideRow>; row: SuspectRow }[] = [];
    const again: SuspectRow[] = [];
    for (const { row, values } of keys) {
      const diff = diffs.get(pair.canonicalKey('a', values));
      if (!diff) {
        this.counts.agreed++;
        await this.queue.noteSeen(row, null);
        continue;
      }
      const seen = fingerprintOf(diff);
      if ((await this.queue.lastSeen(row)) !== seen) {
        this.counts.rechecked++;
        await this.queue.noteSeen(row, seen);
        again.push(row);
        continue;
      }
      const why =
        tableRules.policy.kind === 'ignore' || tableRules.policy.kind === 'manual'
          ? `policy ${tableRules.policy.kind}`
          : keepsCounters(tableRules)
            ? 'a delta counter (taking one side’s whole row would drop the other’s increments)'
            : undefined;
      if (why !== undefined) {
        this.counts.leftAlone++;
        await this.queue.noteSeen(row, null);
        this.logger.warn(
          { link: link.name, table: first.table, key: row.key, rule: tableRules.file },
          `convergence check: ${first.table} ${JSON.stringify(row.key)} differs between ${link.from} and ${link.to}; ${why} (${tableRules.file}) leaves it to an operator (dbtwin verify --repair)`,
        );
        continue;
      }
      settle.push({ diff, row });
    }
    if (settle.length > 0 && !(await this.caughtUp(link, pair))) {
      // A change still in Kafka (or in a link's batch) explains the difference as well as a missed
      // conflict would: settling now could undo it. Wait until both links have read everything.
      for (const { row } of settle) {
        this.counts.rechecked++;
        again.push(row);
      }
      settle.length = 0;
    }
    if (settle.length > 0) {
      // A change committed in a database but not yet read off Kafka by its link is not in the lag
      // above: each side's current row must be the state the links last met for it.
      const met = await this.statesMet(
        pair,
        settle.map((s) => s.diff),
      );
      for (const [i, { row }] of [...settle.entries()].reverse()) {
        if (met[i]) continue;
        this.counts.rechecked++;
        again.push(row);
        settle.splice(i, 1);
      }
    }
    for (const authority of ['a', 'b'] as const) {
      const mine = settle.filter((s) => rowAuthority(pair, tableRules, s.diff) === authority);
      if (mine.length === 0) continue;
      const outcome = await repairRows(
        this.config,
        pair,
        authority,
        this.echoes,
        mine.map((s) => s.diff),
        { ifUnchanged: true },
      );
      const moved = new Set(outcome.moved);
      const failed = new Map(outcome.failures.map((f) => [f.diff, f.error]));
      for (const { diff, row } of mine) {
        await this.queue.noteSeen(row, null);
        if (moved.has(diff)) {
          this.counts.rechecked++;
          again.push(row);
        } else if (failed.has(diff)) {
          this.counts.failed++;
          this.logger.error(
            { link: link.name, table: first.table, key: row.key },
            `convergence check: could not settle ${first.table} ${JSON.stringify(row.key)}: ${failed.get(diff)}`,
          );
        } else {
          this.counts.healed++;
          const winner = pair.side(authority).config.name;
          const loser = pair.side(authority === 'a' ? 'b' : 'a').config.name;
          this.logger.warn(
            { link: link.name, table: first.table, key: row.key, winner, rule: tableRules.file },
            `convergence check: ${first.table} ${JSON.stringify(row.key)} differed after both links went quiet; ${loser} now holds ${winner}'s row (${authorityRule(tableRules)})`,
          );
        }
      }
    }
    await this.queue.schedule(again, this.options.quietMs);
  }

  /**
   * Per difference, whether each side's row (as read) is the state the links last met for it
   * (`RowStates`: read from that side's log, or written there by a link). A row absent on a side
   * passes when its last state met was a delete, or none was noted.
   */
  private async statesMet(pair: TablePair, diffs: readonly RowDiff<SideRow>[]): Promise<boolean[]> {
    const wanted = diffs.flatMap((diff) => [sideState(pair, 'a', diff), sideState(pair, 'b', diff)]);
    const noted = await this.states.get(wanted.map((w) => w.rowKey));
    return diffs.map((_, i) =>
      [0, 1].every((j) => {
        const { state } = wanted[2 * i + j]!;
        const held = noted[2 * i + j];
        return held === state || (state === DELETED_STATE && held === undefined);
      }),
    );
  }

  /**
   * Whether both links of the pair have committed every message of the table's topics: then no
   * change read so far is on its way to either side. (A change not yet read off Kafka is what
   * `statesMet` catches.)
   */
  private async caughtUp(link: LinkConfig, pair: TablePair): Promise<boolean> {
    const reverse = this.config.links.find((l) => l.from === link.to && l.to === link.from);
    const groups = [
      { group: groupOf(this.config, link), topics: [topicOf(pair.a.config, pair.a.info.name)] },
      ...(reverse
        ? [{ group: groupOf(this.config, reverse), topics: [topicOf(pair.b.config, pair.b.info.name)] }]
        : []),
    ];
    const lag = await this.lag.measure(groups);
    return [...lag.values()].every((n) => n === 0);
  }

  private pairOf(link: LinkConfig, table: string): Promise<Opened> {
    const id = JSON.stringify([link.name, table]);
    let opened = this.pairs.get(id);
    if (!opened) {
      opened = (async () => {
        const [a, b] = await Promise.all([this.sideOf(link.from), this.sideOf(link.to)]);
        const pair = await TablePair.open(
          link,
          this.config.sides[link.from]!,
          this.config.sides[link.to]!,
          a,
          b,
          table,
        );
        return { pair, verifier: new TableVerifier(pair, 1000) };
      })();
      // A failure (a side down, a table dropped) is not cached: the next round tries again.
      opened.catch(() => this.pairs.delete(id));
      this.pairs.set(id, opened);
    }
    return opened;
  }

  private sideOf(name: string): Promise<TargetSide> {
    let side = this.sides.get(name);
    if (!side) {
      side = openTargetSide(this.config, name);
      side.catch(() => this.sides.delete(name));
      this.sides.set(name, side);
    }
    return side;
  }
}

/** The key's values in side A's key order, as A's codec reads them; undefined when they do not fit. */
function keyValuesOf(pair: TablePair, key: JsonRow): SideRow['keyValues'] | undefined {
  try {
    return pair.a.key.map((c) => {
      const json = Object.entries(key).find(([name]) => name.toLowerCase() === c.name.toLowerCase())?.[1];
      return valueFromJson(pair.a.resources.codec, c, json ?? null);
    });
  } catch {
    return undefined;
  }
}

/**
 * One side's row of a difference as the links fingerprint it (`LinkLoopGuard.fingerprintOf`): its row
 * key (the side's own key order) and the after hash of its state (`-` when the side has no row).
 */
function sideState(
  pair: TablePair,
  id: 'a' | 'b',
  diff: RowDiff<SideRow>,
): { readonly rowKey: string; readonly state: string } {
  const side = pair.side(id);
  const row =
    id === 'a' ? (diff.kind === 'only-b' ? undefined : diff.a) : diff.kind === 'only-a' ? undefined : diff.b;
  // A side without the row takes the key values from the other side's row.
  const keyed = row ?? (diff.kind === 'only-a' ? diff.a : diff.kind === 'only-b' ? diff.b : diff.a);
  const at = side.info.primaryKey.map((name) => side.key.findIndex((c) => c.name === name));
  // A key the pair does not map column for column cannot be named as the links name it: never met.
  if (at.some((i) => i < 0)) return { rowKey: '', state: '?' };
  const key = at.map((i) => ({ column: side.key[i]!, value: keyed.keyValues[i]! }));
  const columns = row ? side.columns.map((column, i) => ({ column, value: row.decoded[i]! })) : null;
  const print = rowFingerprint(
    side.config.name,
    side.config.engine,
    `${side.info.schema}.${side.info.name}`,
    key,
    columns,
  );
  return { rowKey: print.rowKey, state: afterState(print.state) };
}

/** A hash of both sides' rows as the diff saw them: the same difference twice has the same hash. */
function fingerprintOf(diff: RowDiff<SideRow>): string {
  const rowText = (r: SideRow | undefined): string => (r ? JSON.stringify(r.values) : '-');
  const a = diff.kind === 'only-b' ? undefined : diff.a;
  const b = diff.kind === 'only-a' ? undefined : diff.b;
  return createHash('sha256')
    .update(`${diff.key}\n${rowText(a)}\n${rowText(b)}`)
    .digest('hex')
    .slice(0, 32);
}
