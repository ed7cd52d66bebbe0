import type { EngineName } from '../core/change-event.js';
import type { Value } from '../core/values.js';
import { canonicalValue, type ColumnValue } from '../echo/row-fingerprint.js';
import { mergeColumn, type ColumnMergeInput, type ColumnMergeResult } from './policies/merge-strategies.js';
import { firstInOrder } from './policies/side-order.js';
import { compareValues } from './policies/value-order.js';
import type { ColumnStrategy, ConflictType, TableRules } from './rule-set.js';

/** A row in the target's terms: target column (lower-cased name) → its column and value. */
export type RowImage = ReadonlyMap<string, ColumnValue>;

/** One final change of a key, met with the target's current row (design §4 detection). */
export interface ConflictCase {
  readonly op: 'upsert' | 'delete';
  /**
   * The incoming change's before-image (the first one, when a batch collapsed several changes):
   * null when the change began as an insert; undefined when the source sent none (a snapshot read,
   * or PostgreSQL without `REPLICA IDENTITY FULL`): then nothing can be detected and the change applies.
   */
  readonly base: RowImage | null | undefined;
  /** The after-image of an upsert; null for a delete. */
  readonly incoming: RowImage | null;
  /** The target's current row, read in the apply transaction; null when it has none. */
  readonly current: RowImage | null;
  /** Lower-cased target columns the change touched (before ≠ after, every column for an insert). */
  readonly touched: ReadonlySet<string>;
  readonly incomingSide: string;
  readonly targetSide: string;
  /** The target engine, whose canonical forms decide whether two values are equal. */
  readonly engine: EngineName;
  /** Source commit time of the incoming change (Debezium `source.ts_ms`), for `lww` by commit time. */
  readonly incomingCommitMs: number;
  /**
   * Commit time of the change that gave the target row its current state (or removed it), when known
   * (the row-version store); `lww` by commit time needs it.
   */
  readonly currentCommitMs?: number;
  /**
   * When `lww` by commit time needs `currentCommitMs` and it is unknown: true → the resolution is
   * `wait` (the reverse link has not read the target's change yet; the caller retries); false or
   * absent → the side order decides, and the rule says so.
   */
  readonly awaitCommitTime?: boolean;
}

/** What the conflict was and how it ended, for the ledger and the metrics. */
export interface ConflictRecord {
  readonly type: ConflictType;
  /** The rule that decided: `rules/inventory.yaml: columns.qty delta`, `rules/default.yaml: priority`. */
  readonly rule: string;
  readonly outcome: 'incoming' | 'target' | 'merged' | 'ignored' | 'manual';
  /** The conflicting columns (lower-cased), for column-level conflicts. */
  readonly columns: readonly string[];
}

/** What to do with the target row. */
export type Resolution =
  | { readonly action: 'write'; readonly row: readonly ColumnValue[]; readonly conflict?: ConflictRecord }
  | { readonly action: 'delete'; readonly conflict?: ConflictRecord }
  | { readonly action: 'none'; readonly conflict?: ConflictRecord }
  | { readonly action: 'manual'; readonly reason: string; readonly conflict: ConflictRecord }
  /** Undecided until the target row's commit time is known (`awaitCommitTime`); retry later. */
  | { readonly action: 'wait'; readonly reason: string; readonly conflict?: undefined };

/** Runs a custom merge function (`function` strategy) under its time limit; never throws. */
export type MergeFunctionRunner = (
  strategy: Extract<ColumnStrategy, { kind: 'function' }>,
  column: string,
  input: ColumnMergeInput,
) => Promise<ColumnMergeResult>;

/**
 * Detects and resolves the conflict of one change (design §4). Deterministic: the two links, each
 * resolving the other side's change against its own row with the same rules, reach the same row for
 * every symmetric policy (all but `keep-target` and `take-incoming`).
 *
 * - Column level (`detect: changed-columns`, the default): only touched columns whose current value
 *   differs from the before-image conflict; the other touched columns apply, untouched ones keep the
 *   target's value, so changes to different columns merge cleanly.
 * - Row level (`all-columns`; always for `lww` by commit time, whose commit times belong to row
 *   versions, not to columns; and the conflicts where one side has no row: `update-missing`,
 *   `delete-differs`): one side wins the whole row.
 * - `lww` by column: the larger value of that column wins; a delete wins over an update (it carries
 *   no value to compare); ties go to the side first in `order`.
 */
export async function resolveConflict(
  c: ConflictCase,
  rules: TableRules,
  runFunction: MergeFunctionRunner,
): Promise<Resolution> {
  if (c.op === 'delete') return resolveDelete(c, rules);
  const incoming = c.incoming!;
  if (c.base === undefined) return { action: 'write', row: [...incoming.values()] };
  if (c.current === null) {
    if (c.base === null) return { action: 'write', row: [...incoming.values()] };
    return rowLevel(c, rules, 'update-missing', { action: 'write', row: [...incoming.values()] });
  }
  const current = c.current;
  if (c.base === null) {
    // Insert of a key the target already has: every differing column conflicts.
    const differing = [...incoming.keys()].filter((k) => !same(c, incoming.get(k), current.get(k)));
    if (differing.length === 0) return { action: 'none' };
    if (wholeRows(rules))
      return rowLevel(c, rules, 'insert-exists', { action: 'write', row: [...incoming.values()] });
    return columnLevel(c, rules, 'insert-exists', differing, new Set(incoming.keys()), runFunction);
  }
  const base = c.base;
  // A counter equal on both sides after two increments still needs both: `delta` columns never
  // count as "the target already holds it".
  const additive = (k: string): boolean => rules.policy.kind === 'merge' && deltaColumns(rules).has(k);
  // The target already holds the change (a re-delivery, or both sides made the same change).
  if (
    [...c.touched].every(
      (k) => !incoming.has(k) || (!additive(k) && same(c, incoming.get(k), current.get(k))),
    )
  )
    return { action: 'none' };
  const compared = wholeRows(rules) ? [...base.keys()] : [...c.touched];
  // A column conflicts when the target changed it since the before-image, to another value than the incoming one.
  const differing = compared.filter(
    (k) =>
      !same(c, base.get(k), current.get(k)) && (additive(k) || !same(c, incoming.get(k), current.get(k))),
  );
  if (differing.length === 0)
    return { action: 'write', row: merged(current, incoming, c.touched, new Map()) };
  if (wholeRows(rules))
    return rowLevel(c, rules, 'update-differs', { action: 'write', row: [...incoming.values()] });
  return columnLevel(c, rules, 'update-differs', differing, c.touched, runFunction);
}

function resolveDelete(c: ConflictCase, rules: TableRules): Resolution {
  if (c.current === null) {
    if (!c.base) return { action: 'none' };
    return {
      action: 'none',
      conflict: {
        type: 'delete-missing',
        rule: `${rules.file}: row already gone`,
        outcome: 'target',
        columns: [],
      },
    };
  }
  if (c.base === undefined) return { action: 'delete' };
  const current = c.current;
  const base = c.base;
  const differs =
    base === null || [...current.keys()].some((k) => base.has(k) && !same(c, base.get(k), current.get(k)));
  if (!differs) return { action: 'delete' };
  return rowLevel(c, rules, 'delete-differs', { action: 'delete' });
}

/** One side wins the whole row: `apply` is what the incoming side winning means. */
function rowLevel(
  c: ConflictCase,
  rules: TableRules,
  type: ConflictType,
  apply: Extract<Resolution, { action: 'write' | 'delete' }>,
): Resolution {
  const policy = rules.policy;
  if (policy.kind === 'ignore')
    return {
      action: 'none',
      conflict: { type, rule: `${rules.file}: ignore`, outcome: 'ignored', columns: [] },
    };
  if (policy.kind === 'manual')
    return manual(`${type}: policy manual`, {
      type,
      rule: `${rules.file}: manual`,
      outcome: 'manual',
      columns: [],
    });
  const { winner, rule, unknown } = rowWinner(c, rules);
  if (unknown && c.awaitCommitTime) return { action: 'wait', reason: `${type}: ${rule}` };
  const conflict: ConflictRecord = {
    type,
    rule,
    outcome: winner === c.incomingSide ? 'incoming' : 'target',
    columns: [],
  };
  return winner === c.incomingSide ? { ...apply, conflict } : { action: 'none', conflict };
}

/**
 * The side whose row wins under the table's policy (for `merge`, its fallback); `unknown` when `lww`
 * by commit time had to fall back to the side order for want of the target row's commit time.
 */
function rowWinner(c: ConflictCase, rules: TableRules): { winner: string; rule: string; unknown?: true } {
  const policy = rules.policy;
  const lww = policy.kind === 'lww' ? policy : policy.kind === 'merge' ? policy.lww : undefined;
  const byPriority = (): { winner: string; rule: string } => ({
    winner: firstInOrder(rules.order, c.incomingSide, c.targetSide),
    rule: `${rules.file}: priority (${rules.order.join(' > ')})`,
  });
  if (!lww) return byPriority();
  if (!('column' in lww.by)) {
    // Deletes and missing rows compare like any change: a removed row carries the commit time of its
    // delete (row-version store), so both links order the same two changes.
    const rule = `${rules.file}: lww by commit time`;
    if (c.currentCommitMs === undefined)
      return {
        winner: byPriority().winner,
        rule: `${rule} (target row's commit time unknown: ${rules.order.join(' > ')})`,
        unknown: true,
      };
    const gap = c.incomingCommitMs - c.currentCommitMs;
    // Closer than the clocks can be trusted: neither is known to be newer.
    if (Math.abs(gap) <= lww.maxClockSkewMs)
      return {
        winner: byPriority().winner,
        rule: `${rule} (${Math.abs(gap)} ms apart, within maxClockSkewMs ${lww.maxClockSkewMs}: ${rules.order.join(' > ')})`,
      };
    return { winner: gap > 0 ? c.incomingSide : c.targetSide, rule };
  }
  const column = lww.by.column.toLowerCase();
  const rule = `${rules.file}: lww by ${lww.by.column}`;
  // A delete carries no value to compare: it wins (a tombstone is final on both links alike).
  if (c.op === 'delete') return { winner: c.incomingSide, rule };
  if (c.current === null) return { winner: c.targetSide, rule };
  const order = compareValues(c.incoming!.get(column)?.value ?? null, c.current.get(column)?.value ?? null);
  if (order === 1) return { winner: c.incomingSide, rule };
  if (order === -1) return { winner: c.targetSide, rule };
  return {
    winner: firstInOrder(rules.order, c.incomingSide, c.targetSide),
    rule: `${rule} (tie: ${rules.order.join(' > ')})`,
  };
}

/** Column by column: each conflicting column by its strategy or the table's policy; the rest merge. */
async function columnLevel(
  c: ConflictCase,
  rules: TableRules,
  type: ConflictType,
  conflicting: readonly string[],
  touched: ReadonlySet<string>,
  runFunction: MergeFunctionRunner,
): Promise<Resolution> {
  const policy = rules.policy;
  if (policy.kind === 'ignore')
    return {
      action: 'none',
      conflict: { type, rule: `${rules.file}: ignore`, outcome: 'ignored', columns: conflicting },
    };
  if (policy.kind === 'manual')
    return manual(`${type} on ${conflicting.join(', ')}: policy manual`, {
      type,
      rule: `${rules.file}: manual`,
      outcome: 'manual',
      columns: conflicting,
    });
  const current = c.current!;
  const incoming = c.incoming!;
  const chosen = new Map<string, Value>();
  const rulesUsed: string[] = [];
  let incomingWon = 0;
  let targetWon = 0;
  let mergedCount = 0;
  const strategies = new Map(Object.entries(rules.columns).map(([k, v]) => [k.toLowerCase(), v]));
  const row = rowWinner(c, rules);
  for (const column of conflicting) {
    const strategy = policy.kind === 'merge' ? strategies.get(column) : undefined;
    const now = current.get(column);
    const next = incoming.get(column);
    if (!now || !next) continue;
    if (!strategy) {
      if (row.unknown && c.awaitCommitTime)
        return { action: 'wait', reason: `${type} on ${column}: ${row.rule}` };
      const value = row.winner === c.incomingSide ? next.value : now.value;
      chosen.set(column, value);
      if (row.winner === c.incomingSide) incomingWon++;
      else targetWon++;
      rulesUsed.push(`${column}: ${row.rule.slice(rules.file.length + 2)}`);
      continue;
    }
    const input: ColumnMergeInput = {
      base: c.base ? (c.base.get(column)?.value ?? null) : undefined,
      incoming: next.value,
      current: now.value,
      incomingSide: c.incomingSide,
      targetSide: c.targetSide,
    };
    const result =
      strategy.kind === 'function'
        ? await runFunction(strategy, column, input)
        : mergeColumn(strategy, input);
    const label =
      strategy.kind === 'function'
        ? `function ${strategy.module}`
        : strategy.kind === 'prefer'
          ? `prefer ${strategy.side}`
          : strategy.kind;
    if ('manual' in result)
      return manual(`${type} on ${column}: ${result.manual}`, {
        type,
        rule: `${rules.file}: columns.${column} ${label}`,
        outcome: 'manual',
        columns: conflicting,
      });
    chosen.set(column, result.value);
    rulesUsed.push(`${column}: ${label}`);
    if (same(c, { column: now.column, value: result.value }, next)) incomingWon++;
    else if (same(c, { column: now.column, value: result.value }, now)) targetWon++;
    else mergedCount++;
  }
  const outcome: ConflictRecord['outcome'] =
    mergedCount > 0 || (incomingWon > 0 && targetWon > 0)
      ? 'merged'
      : incomingWon > 0
        ? 'incoming'
        : 'target';
  const conflict: ConflictRecord = {
    type,
    rule: `${rules.file}: ${rulesUsed.join('; ')}`,
    outcome,
    columns: conflicting,
  };
  const written = merged(current, incoming, touched, chosen);
  return { action: 'write', row: written, conflict };
}

/** The current row with the touched columns taken from `incoming`, except those `chosen` decides. */
function merged(
  current: RowImage,
  incoming: RowImage,
  touched: ReadonlySet<string>,
  chosen: ReadonlyMap<string, Value>,
): ColumnValue[] {
  const out: ColumnValue[] = [];
  for (const [name, now] of current) {
    const decided = chosen.get(name);
    if (decided !== undefined || chosen.has(name)) out.push({ column: now.column, value: decided ?? null });
    else if (touched.has(name) && incoming.has(name)) out.push(incoming.get(name)!);
    else out.push(now);
  }
  return out;
}

/**
 * Whether conflicts are detected and decided on whole rows: with `detect: all-columns`, and always
 * for `lww` by commit time. A commit time dates a row version; deciding column by column against it
 * breaks symmetry: a column the other side happened to set to the same value hides a conflict on one
 * link only, and the two links end with different rows.
 */
function wholeRows(rules: TableRules): boolean {
  const p = rules.policy;
  return rules.detect === 'all-columns' || (p.kind === 'lww' && !('column' in p.by));
}

function deltaColumns(rules: TableRules): Set<string> {
  return new Set(
    Object.entries(rules.columns)
      .filter(([, strategy]) => strategy.kind === 'delta')
      .map(([name]) => name.toLowerCase()),
  );
}

function same(c: ConflictCase, a: ColumnValue | undefined, b: ColumnValue | undefined): boolean {
  if (!a || !b) return a === b;
  return canonicalValue(a.value, b.column, c.engine) === canonicalValue(b.value, b.column, c.engine);
}

function manual(reason: string, conflict: ConflictRecord): Resolution {
  return { action: 'manual', reason, conflict };
}
