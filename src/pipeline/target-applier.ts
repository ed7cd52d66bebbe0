import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { EngineName } from '../core/change-event.js';
import type { Row, Value } from '../core/values.js';
import { rowToJson } from '../core/value-json.js';
import type { CompiledStatement, ErrorClassifier, SqlCompiler, TypeCodec } from '../engines/dialect.js';
import type { EngineDriver, EngineSession } from '../engines/engine-driver.js';
import type { FlipVerdict } from '../echo/ping-pong-breaker.js';
import { rowFingerprint, sameRow, type ColumnValue, type RowFingerprint } from '../echo/row-fingerprint.js';
import type { FinalChange } from './change-collapser.js';
import type { TableRoute } from './table-router.js';

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

/** What one `apply` did. */
export interface ApplyOutcome<M> {
  /** Changes written (upserted or deleted) and committed. */
  readonly applied: number;
  /** Changes whose row already equalled the target, or deletes of absent rows: nothing written (design §3.4). */
  readonly noOps: number;
  /** Rows the breaker quarantined during this apply (design §3.5). */
  readonly tripped: number;
  /** Dead letters: changes that cannot apply as they are, and changes of quarantined rows. */
  readonly rejected: readonly RejectedChange<M>[];
}

/** A change about to be written, as the loop guard sees it: the row and key in the target's terms. */
export interface WriteIntent<M> {
  readonly change: FinalChange<M>;
  /** Fingerprint of the row state written, in the target's canonical form (design §3.2). */
  readonly fingerprint: RowFingerprint;
  /** The target's key values. */
  readonly key: readonly ColumnValue[];
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
}

interface Encoded<M> {
  readonly change: FinalChange<M>;
  /** Target column names, in order, for an upsert; the primary key for a delete. */
  readonly columns: readonly string[];
  readonly values: readonly unknown[];
  /** The target key and, for an upsert, the row, as dbtwin values with their target columns. */
  readonly key: readonly ColumnValue[];
  readonly row: readonly ColumnValue[] | null;
  readonly fingerprint: RowFingerprint;
}

interface Tally<M> {
  applied: number;
  noOps: number;
  tripped: number;
  rejected: RejectedChange<M>[];
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
  constructor(
    private readonly target: TargetResources,
    private readonly linkName: string,
    /** The target side's name and engine, for fingerprints in its canonical form. */
    private readonly side: { readonly name: string; readonly engine: EngineName },
  ) {}

  async apply<M>(
    route: TableRoute,
    changes: readonly FinalChange<M>[],
    guard?: ApplyGuard,
  ): Promise<ApplyOutcome<M>> {
    const tally: Tally<M> = { applied: 0, noOps: 0, tripped: 0, rejected: [] };
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
        let noOps = 0;
        for (const e of encoded) {
          const now = current.get(e.fingerprint.rowKey);
          const unchanged =
            e.row === null ? now === undefined : now !== undefined && sameRow(this.side.engine, e.row, now);
          if (unchanged) noOps++;
          else writes.push(e);
        }
        const intents = writes.map((w) => ({ change: w.change, fingerprint: w.fingerprint, key: w.key }));
        const verdicts = guard
          ? await guard.beforeWrite(route, intents)
          : intents.map(() => 'apply' as const);
        recorded = intents.filter((_, i) => verdicts[i] === 'apply');
        const go = writes.filter((_, i) => verdicts[i] === 'apply');
        for (const statement of this.compile(route, go)) await tx.execute(statement);
        return { noOps, go: go.length, verdicts, writes };
      });
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
    if (change.op === 'delete') {
      return {
        change,
        columns: route.target.primaryKey,
        values: key.map((k) => this.target.codec.encode(k.value, k.column)),
        key,
        row: null,
        fingerprint: this.fingerprintOf(route, key, null),
      };
    }
    // Table order, so equal column sets give equal statements.
    const row = route.target.columns.filter((c) => byTarget.has(c.name)).map((c) => byTarget.get(c.name)!);
    return {
      change,
      columns: row.map((c) => c.column.name),
      values: row.map((c) => this.target.codec.encode(c.value, c.column)),
      key,
      row,
      fingerprint: this.fingerprintOf(route, key, row),
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
