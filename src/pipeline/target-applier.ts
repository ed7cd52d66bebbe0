import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { EngineName } from '../core/change-event.js';
import type { Row, Value } from '../core/values.js';
import { rowToJson } from '../core/value-json.js';
import type { CompiledStatement, ErrorClassifier, SqlCompiler, TypeCodec } from '../engines/dialect.js';
import type { EngineDriver, EngineSession } from '../engines/engine-driver.js';
import type { FlipVerdict } from '../echo/ping-pong-breaker.js';
import {
  canonicalValue,
  rowFingerprint,
  rowState,
  sameRow,
  withBefore,
  type ColumnValue,
  type RowFingerprint,
} from '../echo/row-fingerprint.js';
import {
  resolveConflict,
  type ConflictCase,
  type ConflictRecord,
  type Resolution,
  type MergeFunctionRunner,
  type RowImage,
} from '../rules/conflict-resolver.js';
import type { RowVersion } from '../rules/row-version-store.js';
import { usesCommitTime, type RuleSet, type TableRules } from '../rules/rule-set.js';
import type { FinalChange } from './change-collapser.js';
import type { TableRoute } from './table-router.js';

/**
 * How long a conflict under `lww` by commit time waits for the reverse link to read the target row's
 * change (whose commit time it needs, so both links compare the same two): past it, the side order
 * decides and the ledger's rule says so. Longer than the lag a healthy pair of links has.
 */
export const COMMIT_TIME_WAIT_MS = 15_000;

/** One target side as the applier uses it. */
export interface TargetResources {
  readonly driver: EngineDriver;
  readonly compiler: SqlCompiler;
  readonly codec: TypeCodec;
  readonly classifier: ErrorClassifier;
}

/** A change that will never apply as it is, with the error that says why (for the dead-letter queue). */
export interface RejectedChange<M> {
  readonly change: FinalChange<M>;
  readonly error: DbtwinError;
}

/** A conflict met while applying, with the three versions of the row (design §4 ledger). */
export interface MetConflict<M> {
  readonly change: FinalChange<M>;
  readonly record: ConflictRecord;
  /** Target table, `schema.name`. */
  readonly table: string;
  readonly base: Row | null | undefined;
  readonly incoming: Row | null;
  readonly current: Row | null;
}

/** What one `apply` did. */
export interface ApplyOutcome<M> {
  /** Conflicts detected, whatever their outcome (those sent to `manual` are also in `rejected`). */
  readonly conflicts: readonly MetConflict<M>[];
  /** Changes written (upserted or deleted) and committed. */
  readonly applied: number;
  /** Changes whose row already equalled the target, or deletes of absent rows: nothing written (design §3.4). */
  readonly noOps: number;
  /** Rows the breaker quarantined during this apply (design §3.5). */
  readonly tripped: number;
  /** Dead letters: changes that cannot apply as they are, and changes of quarantined rows. */
  readonly rejected: readonly RejectedChange<M>[];
  /**
   * Every change whose transaction committed (written, no-op, kept or held): a batch retried after a
   * later failure must not apply them again (a `delta` merge is not idempotent).
   */
  readonly committed: readonly FinalChange<M>[];
  /** Conflicts the shadow rules (`--shadow`) would decide differently; nothing of theirs was applied. */
  readonly shadowDifferences: readonly ShadowDifference<M>[];
  /**
   * Changes met with a target row that had moved since their before-image, whether or not that made a
   * conflict (the target may already hold the change, made on both sides): the rows the convergence
   * check compares later (`rules/row-healer.ts`). Conflicts' changes are among them.
   */
  readonly concurrent: readonly FinalChange<M>[];
}

/** A conflict the candidate rules would decide differently from the live ones. */
export interface ShadowDifference<M> {
  readonly change: FinalChange<M>;
  readonly table: string;
  /** What the live rules did and the rule that decided, e.g. `write {…} (rules/default.yaml: priority …)`. */
  readonly live: string;
  /** What the candidate rules would have done, in the same form. */
  readonly shadow: string;
}

/** A change about to be written, as the loop guard sees it: the row and key in the target's terms. */
export interface WriteIntent<M> {
  readonly change: FinalChange<M>;
  /** Fingerprint of the row state written, in the target's canonical form (design §3.2). */
  readonly fingerprint: RowFingerprint;
  /** The target's key values. */
  readonly key: readonly ColumnValue[];
  /**
   * For tables under `lww` by commit time: the commit time the written row now carries (that of the
   * change that won), noted so later conflicts on the row compare against it.
   */
  readonly versionMs?: number;
  /**
   * True when the write settles a conflict in favour of the incoming side's values, which that side
   * may no longer hold: after Redis lost its state, a stale echo looks like a conflicting change and
   * can win. While the echo store is degraded such writes record no fingerprint, so their capture goes
   * back once and brings the other side along (it ends at the no-op check when that side holds it).
   */
  readonly settlesConflict?: boolean;
}

/**
 * What the apply stage asks of echo suppression and the breaker, inside the target transaction and
 * before it commits. Implemented by `echo/link-loop-guard.ts`; absent (dead-letter replay without
 * Redis) nothing is recorded.
 */
export interface ApplyGuard {
  /** Per write: apply it, or hold it back as quarantined (`tripped` when this very write tripped the breaker). */
  beforeWrite<M>(route: TableRoute, writes: readonly WriteIntent<M>[]): Promise<FlipVerdict[]>;
  /** The transaction rolled back: take back what `beforeWrite` recorded for these writes. */
  afterRollback<M>(writes: readonly WriteIntent<M>[]): Promise<void>;
  /** The commit times noted for these target rows (echo fingerprint row keys), for `lww` by commit time. */
  versionsOf(rowKeys: readonly string[]): Promise<readonly (RowVersion | undefined)[]>;
}

interface Encoded<M> {
  readonly change: FinalChange<M>;
  /** The change's first before-image in the target's terms (see FinalChange.before). */
  readonly before: RowImage | null | undefined;
  /** Lower-cased target columns the change touched. */
  readonly touched: ReadonlySet<string>;
  /**
   * Target columns (catalog names) the change carries, those the reverse link maps back: its
   * fingerprint covers only these.
   */
  readonly mapped: ReadonlySet<string>;
  /** Target column names, in order, for an upsert; the primary key for a delete. */
  readonly columns: readonly string[];
  readonly values: readonly unknown[];
  /** The target key and, for an upsert, the row, as dbtwin values with their target columns. */
  readonly key: readonly ColumnValue[];
  readonly row: readonly ColumnValue[] | null;
  readonly fingerprint: RowFingerprint;
}

interface Tally<M> {
  conflicts: MetConflict<M>[];
  applied: number;
  noOps: number;
  tripped: number;
  rejected: RejectedChange<M>[];
  committed: FinalChange<M>[];
  shadowDifferences: ShadowDifference<M>[];
  concurrent: FinalChange<M>[];
}

/**
 * Writes the collapsed changes of one table in one target transaction (design §6): reads the current
 * rows of the batch's keys in one locking query, drops the changes that would write nothing (no-op
 * detection, design §3.4), lets the loop guard record echo fingerprints and hold back quarantined rows
 * (design §3.2, §3.5), then writes deletes first (so a unique value freed by a delete can be taken by
 * an upsert of another key) and upserts grouped by column set. A retriable failure throws
 * `TargetUnavailable` and nothing is committed (the guard's records are taken back); a poison failure
 * is narrowed down by applying each change alone, so only the guilty changes are rejected.
 */
export class TargetApplier {
  /**
   * Since when each change (row key and commit time) has waited for the commit time of the target's
   * row (`lww` by commit time); an entry leaves when the change is decided.
   */
  private readonly waitingSince = new Map<string, number>();

  constructor(
    private readonly target: TargetResources,
    private readonly linkName: string,
    /** The target side's name and engine, for fingerprints in its canonical form. */
    private readonly side: { readonly name: string; readonly engine: EngineName },
    /** The conflict rules in force (read per batch, so a reload applies from the next batch). */
    private readonly rules: ConflictRules,
  ) {}

  async apply<M>(
    route: TableRoute,
    changes: readonly FinalChange<M>[],
    guard?: ApplyGuard,
  ): Promise<ApplyOutcome<M>> {
    const tally: Tally<M> = {
      conflicts: [],
      applied: 0,
      noOps: 0,
      tripped: 0,
      rejected: [],
      committed: [],
      shadowDifferences: [],
      concurrent: [],
    };
    const encoded: Encoded<M>[] = [];
    for (const change of changes) {
      try {
        encoded.push(this.encode(route, change));
      } catch (error) {
        if (!(error instanceof DbtwinError)) throw error;
        tally.rejected.push({ change, error });
      }
    }
    await this.write(route, encoded, tally, guard);
    return tally;
  }

  private async write<M>(
    route: TableRoute,
    encoded: readonly Encoded<M>[],
    tally: Tally<M>,
    guard: ApplyGuard | undefined,
  ): Promise<void> {
    if (encoded.length === 0) return;
    let recorded: WriteIntent<M>[] = [];
    try {
      const outcome = await this.target.driver.transaction(async (tx) => {
        const current = await this.currentRows(tx, route, encoded);
        const writes: Encoded<M>[] = [];
        const conflicts: MetConflict<M>[] = [];
        const held: RejectedChange<M>[] = [];
        const concurrent: FinalChange<M>[] = [];
        let noOps = 0;
        const tableRules = this.rules.forTable(route);
        const byCommitTime = usesCommitTime(tableRules);
        const versions =
          byCommitTime && guard ? await guard.versionsOf(encoded.map((e) => e.fingerprint.rowKey)) : [];
        const waits: string[] = [];
        const shadow = this.rules.shadowFor?.(route);
        const shadowDifferences: ShadowDifference<M>[] = [];
        const versionMs = new Map<FinalChange<M>, number>();
        // Writes that settle a conflict for the incoming side; the guard may let their capture go
        // back once (see WriteIntent.settlesConflict). Not for accumulating merges (a counter's delta
        // must not be counted twice) nor for lww by commit time (the capture would carry the write's
        // own, later, commit time).
        const settling = new Set<FinalChange<M>>();
        for (const [i, e] of encoded.entries()) {
          const now = current.get(e.fingerprint.rowKey);
          // The version noted for the row counts only if it names the state the row holds now.
          const version = versions[i];
          const mappedNow = now
            ? [...imageOfRow(route, now).values()].filter((c) => e.mapped.has(c.column.name))
            : null;
          const currentCommitMs =
            version && version.state === rowState(this.side.engine, mappedNow) ? version.commitMs : undefined;
          const waitingKey = `${e.fingerprint.rowKey}|${e.change.commitMs}`;
          const since = this.waitingSince.get(waitingKey);
          const theCase: ConflictCase = {
            op: e.change.op,
            base: e.before,
            incoming: e.row ? imageOf(e.row) : null,
            current: now ? imageOfRow(route, now) : null,
            touched: e.touched,
            incomingSide: this.rules.incomingSide,
            targetSide: this.side.name,
            engine: this.side.engine,
            incomingCommitMs: e.change.commitMs,
            ...(currentCommitMs === undefined ? {} : { currentCommitMs }),
            // Without the guard (dead-letter replay) no versions are read: nothing to wait for.
            awaitCommitTime:
              byCommitTime &&
              guard !== undefined &&
              (since === undefined || Date.now() - since < COMMIT_TIME_WAIT_MS),
          };
          const resolution = await resolveConflict(theCase, tableRules, this.rules.runFunction);
          if (resolution.action === 'wait') {
            if (since === undefined) this.waitingSince.set(waitingKey, Date.now());
            waits.push(`key ${JSON.stringify(rowToJson(e.change.key))}: ${resolution.reason}`);
            continue;
          }
          this.waitingSince.delete(waitingKey);
          if (shadow) {
            // Never waits: a candidate's verdict is logged, not applied.
            const candidate = await resolveConflict(
              { ...theCase, awaitCommitTime: false },
              shadow.rules,
              shadow.runFunction,
            );
            const live = decisionOf(resolution, this.side.engine);
            const would = decisionOf(candidate, this.side.engine);
            if ((resolution.conflict || candidate.conflict) && live !== would)
              shadowDifferences.push({
                change: e.change,
                table: `${route.target.schema}.${route.target.name}`,
                live: `${live} (${resolution.conflict?.rule ?? 'no conflict'})`,
                shadow: `${would} (${candidate.conflict?.rule ?? 'no conflict'})`,
              });
          }
          if (byCommitTime) versionMs.set(e.change, Math.max(e.change.commitMs, currentCommitMs ?? 0));
          if (
            resolution.conflict &&
            resolution.conflict.outcome !== 'target' &&
            !byCommitTime &&
            !accumulates(tableRules, resolution.conflict.columns)
          )
            settling.add(e.change);
          // A change with a before-image that the target already holds, though its row was not that
          // before-image, was made on both sides: the links cannot tell whether they agree.
          if (
            resolution.conflict ||
            (resolution.action === 'none' && e.before !== undefined && now !== undefined)
          )
            concurrent.push(e.change);
          if (resolution.conflict)
            conflicts.push({
              change: e.change,
              record: resolution.conflict,
              table: `${route.target.schema}.${route.target.name}`,
              base: e.before === undefined ? undefined : e.before === null ? null : rowOfImage(e.before),
              incoming: e.row ? rowOf(e.row) : null,
              current: now ?? null,
            });
          if (resolution.action === 'manual') {
            held.push({
              change: e.change,
              error: new DbtwinError(
                ErrorCode.ConflictHeld,
                `link ${this.linkName}: ${route.target.schema}.${route.target.name} key ${JSON.stringify(rowToJson(e.change.key))}: ${resolution.reason} (${resolution.conflict.rule})`,
                {
                  hint: 'dbtwin conflicts list shows it; decide with dbtwin conflicts resolve, or dbtwin dlq replay',
                },
              ),
            });
          } else if (resolution.action === 'none' || (resolution.action === 'delete' && now === undefined)) {
            noOps++;
          } else if (resolution.action === 'delete') {
            writes.push(e);
          } else if (now !== undefined && sameRow(this.side.engine, resolution.row, now)) {
            noOps++;
          } else if (resolution.row === e.row) {
            writes.push(e);
          } else {
            try {
              writes.push(this.encodeRow(route, e.change, e.key, resolution.row, e, e.row ?? resolution.row));
            } catch (error) {
              if (!(error instanceof DbtwinError)) throw error;
              held.push({ change: e.change, error });
            }
          }
        }
        if (waits.length > 0)
          throw new DbtwinError(
            ErrorCode.ConflictVersionPending,
            `link ${this.linkName}: ${route.target.schema}.${route.target.name}: ${waits.length} conflict(s) wait for the commit time of the ${this.side.name} change the reverse link has not read yet (${waits[0]!})`,
            {
              hint: `retried with backoff; after ${COMMIT_TIME_WAIT_MS / 1000} s the side order decides (dbtwin status shows the reverse link's lag)`,
            },
          );
        // The fingerprint names the row each write replaces too, as the target's change event will.
        const intents = writes.map((w) => {
          const now = current.get(w.fingerprint.rowKey);
          const before = now
            ? [...imageOfRow(route, now).values()].filter((c) => w.mapped.has(c.column.name))
            : null;
          const ms = versionMs.get(w.change);
          return {
            change: w.change,
            fingerprint: withBefore(w.fingerprint, this.side.engine, before),
            key: w.key,
            ...(ms === undefined ? {} : { versionMs: ms }),
            ...(settling.has(w.change) ? { settlesConflict: true } : {}),
          };
        });
        const verdicts = guard
          ? await guard.beforeWrite(route, intents)
          : intents.map(() => 'apply' as const);
        recorded = intents.filter((_, i) => verdicts[i] === 'apply');
        const go = writes.filter((_, i) => verdicts[i] === 'apply');
        for (const statement of this.compile(route, go)) await tx.execute(statement);
        return { noOps, go: go.length, verdicts, writes, conflicts, held, shadowDifferences, concurrent };
      });
      tally.conflicts.push(...outcome.conflicts);
      tally.shadowDifferences.push(...outcome.shadowDifferences);
      tally.concurrent.push(...outcome.concurrent);
      tally.rejected.push(...outcome.held);
      tally.committed.push(...encoded.map((e) => e.change));
      tally.applied += outcome.go;
      tally.noOps += outcome.noOps;
      outcome.verdicts.forEach((verdict, i) => {
        if (verdict === 'apply') return;
        if (verdict === 'tripped') tally.tripped++;
        const change = outcome.writes[i]!.change;
        tally.rejected.push({
          change,
          error: new DbtwinError(
            ErrorCode.RowQuarantined,
            `link ${this.linkName}: ${route.target.schema}.${route.target.name} key ${JSON.stringify(rowToJson(change.key))} is quarantined by the ping-pong breaker (row ${outcome.writes[i]!.fingerprint.rowKey}); change held back`,
            { hint: 'dbtwin breaker list shows its history; dbtwin breaker release, then dbtwin dlq replay' },
          ),
        });
      });
    } catch (error) {
      if (guard && recorded.length > 0) await guard.afterRollback(recorded);
      const verdict = this.target.classifier.classify(error);
      const where = `${route.target.schema}.${route.target.name}`;
      if (error instanceof DbtwinError && error.kind === 'abort') throw error;
      if (verdict.class === 'retriable') {
        throw new DbtwinError(
          ErrorCode.TargetUnavailable,
          `link ${this.linkName}: writing ${where} failed, will retry: ${verdict.reason} (${verdict.vendorCode})`,
          { hint: 'the partition is paused and retried with backoff; nothing is lost', cause: error },
        );
      }
      if (encoded.length > 1) {
        // Find the guilty rows: each alone in its own transaction.
        for (const one of encoded) await this.write(route, [one], tally, guard);
        return;
      }
      const only = encoded[0]!;
      tally.rejected.push({
        change: only.change,
        error: new DbtwinError(
          ErrorCode.ApplyRejected,
          `link ${this.linkName}: ${where} rejected ${only.change.op} of key ${JSON.stringify(rowToJson(only.change.key))}: ${verdict.reason} (${verdict.vendorCode})`,
          {
            hint: 'fix the row or the target (constraint, column type), then `dbtwin dlq replay`',
            cause: error,
          },
        ),
      });
    }
  }

  /** The target's current rows for the keys of `encoded`, locked, by fingerprint row key. */
  private async currentRows<M>(
    tx: EngineSession,
    route: TableRoute,
    encoded: readonly Encoded<M>[],
  ): Promise<Map<string, Record<string, Value>>> {
    const table = route.target;
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const keyColumns = table.primaryKey.map((name) => byName.get(name)!);
    const out = new Map<string, Record<string, Value>>();
    const statements = this.target.compiler.selectByKeys(
      table,
      encoded.map((e) => e.key.map((k) => this.target.codec.encode(k.value, k.column))),
      { forUpdate: true },
    );
    for (const statement of statements) {
      const { rows } = await tx.execute(statement);
      for (const raw of rows) {
        const row: Record<string, Value> = {};
        for (const column of table.columns)
          row[column.name] = this.target.codec.decode(raw[column.name], column);
        const key = keyColumns.map((column) => ({ column, value: row[column.name]! }));
        out.set(this.fingerprintOf(route, key, null).rowKey, row);
      }
    }
    return out;
  }

  private fingerprintOf(
    route: TableRoute,
    key: readonly ColumnValue[],
    row: readonly ColumnValue[] | null,
  ): RowFingerprint {
    return rowFingerprint(
      this.side.name,
      this.side.engine,
      `${route.target.schema}.${route.target.name}`,
      key,
      row,
    );
  }

  private compile<M>(route: TableRoute, encoded: readonly Encoded<M>[]): CompiledStatement[] {
    const statements: CompiledStatement[] = [];
    const deletes = encoded.filter((e) => e.change.op === 'delete').map((e) => e.values);
    if (deletes.length > 0) statements.push(...this.target.compiler.deleteByKeys(route.target, deletes));
    const groups = new Map<string, { columns: readonly string[]; rows: (readonly unknown[])[] }>();
    for (const e of encoded) {
      if (e.change.op !== 'upsert') continue;
      const signature = e.columns.join('\u0000');
      const group = groups.get(signature) ?? { columns: e.columns, rows: [] };
      group.rows.push(e.values);
      groups.set(signature, group);
    }
    for (const { columns, rows } of groups.values())
      statements.push(...this.target.compiler.upsert(route.target, columns, rows));
    return statements;
  }

  /** Target bind values for one change; throws ColumnNotMapped / ValueDoesNotFit naming the column. */
  private encode<M>(route: TableRoute, change: FinalChange<M>): Encoded<M> {
    const table = `${route.target.schema}.${route.target.name}`;
    const keySource = change.op === 'delete' ? change.key : change.row;
    const byTarget = this.mapRow(route, keySource, table);
    const key = route.target.primaryKey.map((pk) => {
      const hit = byTarget.get(pk);
      if (!hit)
        throw new DbtwinError(
          ErrorCode.ColumnNotMapped,
          `${table}: the ${change.op === 'delete' ? "change's key" : 'row'} has no value for primary-key column ${pk}`,
        );
      return hit;
    });
    const history = {
      before:
        change.before === undefined || change.before === null
          ? change.before
          : imageOf([...this.mapRow(route, change.before, table).values()]),
      touched: new Set(
        [...change.touched]
          .map((name) => route.column(name)?.name.toLowerCase())
          .filter((n) => n !== undefined),
      ),
    };
    if (change.op === 'delete') {
      return {
        change,
        ...history,
        mapped: new Set([
          ...route.target.primaryKey,
          ...[...(history.before?.values() ?? [])].map((c) => c.column.name),
        ]),
        columns: route.target.primaryKey,
        values: key.map((k) => this.target.codec.encode(k.value, k.column)),
        key,
        row: null,
        fingerprint: this.fingerprintOf(route, key, null),
      };
    }
    // Table order, so equal column sets give equal statements.
    const row = route.target.columns.filter((c) => byTarget.has(c.name)).map((c) => byTarget.get(c.name)!);
    return this.encodeRow(route, change, key, row, history);
  }

  /** An upsert of `row` (target columns and values) for `change`. Throws ValueDoesNotFit naming the column. */
  private encodeRow<M>(
    route: TableRoute,
    change: FinalChange<M>,
    key: readonly ColumnValue[],
    row: readonly ColumnValue[],
    history: { readonly before: RowImage | null | undefined; readonly touched: ReadonlySet<string> },
    /** The change's own row: the fingerprint covers only its columns, those the reverse link maps back. */
    incoming: readonly ColumnValue[] = row,
  ): Encoded<M> {
    const mapped = new Set(incoming.map((c) => c.column.name));
    return {
      change,
      before: history.before,
      touched: history.touched,
      mapped,
      columns: row.map((c) => c.column.name),
      values: row.map((c) => this.target.codec.encode(c.value, c.column)),
      key,
      row,
      fingerprint: this.fingerprintOf(
        route,
        key,
        row.filter((c) => mapped.has(c.column.name)),
      ),
    };
  }

  private mapRow(route: TableRoute, row: Row, table: string): Map<string, ColumnValue> {
    const out = new Map<string, ColumnValue>();
    for (const [name, value] of Object.entries(row)) {
      const column = route.column(name);
      if (!column) {
        throw new DbtwinError(
          ErrorCode.ColumnNotMapped,
          `${table} has no column for source column ${name} (from ${route.source})`,
          {
            hint: `add the column to ${table}, then replay the dead letters`,
          },
        );
      }
      out.set(column.name, { column, value });
    }
    return out;
  }
}

/** Where the apply stage gets its conflict rules. */
export interface ConflictRules {
  /** The side the link reads from (the incoming side of every change). */
  readonly incomingSide: string;
  /** The rules of a table, from the rule set in force now. */
  forTable(route: TableRoute): TableRules;
  /** The rule set in force now. */
  ruleSet(): RuleSet;
  /** The candidate rules of a table (`dbtwin run --shadow`), evaluated beside the live ones, never applied. */
  shadowFor?(route: TableRoute): { rules: TableRules; runFunction: MergeFunctionRunner } | undefined;
  readonly runFunction: MergeFunctionRunner;
}

/** Whether a conflict on these columns was settled by a merge that adds up (`delta`) or may (a custom function). */
function accumulates(rules: TableRules, columns: readonly string[]): boolean {
  if (rules.policy.kind !== 'merge') return false;
  const strategies = new Map(Object.entries(rules.columns).map(([k, v]) => [k.toLowerCase(), v.kind]));
  return columns.some((c) => {
    const kind = strategies.get(c);
    return kind === 'delta' || kind === 'function';
  });
}

/** A resolution as comparable text: the action and, for a write, the row in canonical form. */
function decisionOf(resolution: Resolution, engine: EngineName): string {
  if (resolution.action !== 'write') return resolution.action === 'none' ? 'keep target' : resolution.action;
  const row = Object.fromEntries(
    resolution.row.map((c) => [c.column.name, canonicalValue(c.value, c.column, engine)]),
  );
  return `write ${JSON.stringify(row)}`;
}

function imageOf(row: readonly ColumnValue[]): RowImage {
  return new Map(row.map((c) => [c.column.name.toLowerCase(), c]));
}

function imageOfRow(route: TableRoute, row: Readonly<Record<string, Value>>): RowImage {
  return new Map(
    route.target.columns
      .filter((c) => c.name in row)
      .map((c) => [c.name.toLowerCase(), { column: c, value: row[c.name]! }]),
  );
}

function rowOf(row: readonly ColumnValue[]): Row {
  return Object.fromEntries(row.map((c) => [c.column.name, c.value]));
}

function rowOfImage(image: RowImage): Row {
  return rowOf([...image.values()]);
}
