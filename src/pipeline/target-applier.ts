import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Row, Value } from '../core/values.js';
import { rowToJson } from '../core/value-json.js';
import type {
  ColumnInfo,
  CompiledStatement,
  ErrorClassifier,
  SqlCompiler,
  TypeCodec,
} from '../engines/dialect.js';
import type { EngineDriver } from '../engines/engine-driver.js';
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
  readonly rejected: readonly RejectedChange<M>[];
}

interface Encoded<M> {
  readonly change: FinalChange<M>;
  /** Target column names, in order, for an upsert; the primary key for a delete. */
  readonly columns: readonly string[];
  readonly values: readonly unknown[];
}

/**
 * Writes the collapsed changes of one table in one target transaction: deletes first (so a unique
 * value freed by a delete can be taken by an upsert of another key), then upserts grouped by column
 * set. A retriable failure throws `TargetUnavailable` and nothing is committed; a poison failure is
 * narrowed down by applying each change alone, so only the guilty changes are rejected and the rest
 * are committed.
 */
export class TargetApplier {
  constructor(
    private readonly target: TargetResources,
    private readonly linkName: string,
  ) {}

  async apply<M>(route: TableRoute, changes: readonly FinalChange<M>[]): Promise<ApplyOutcome<M>> {
    const rejected: RejectedChange<M>[] = [];
    const encoded: Encoded<M>[] = [];
    for (const change of changes) {
      try {
        encoded.push(this.encode(route, change));
      } catch (error) {
        if (!(error instanceof DbtwinError)) throw error;
        rejected.push({ change, error });
      }
    }
    const written = await this.write(route, encoded, rejected);
    return { applied: written, rejected };
  }

  private async write<M>(
    route: TableRoute,
    encoded: readonly Encoded<M>[],
    rejected: RejectedChange<M>[],
  ): Promise<number> {
    if (encoded.length === 0) return 0;
    try {
      const statements = this.compile(route, encoded);
      await this.target.driver.transaction(async (tx) => {
        for (const statement of statements) await tx.execute(statement);
      });
      return encoded.length;
    } catch (error) {
      const verdict = this.target.classifier.classify(error);
      const where = `${route.target.schema}.${route.target.name}`;
      if (verdict.class === 'retriable') {
        throw new DbtwinError(
          ErrorCode.TargetUnavailable,
          `link ${this.linkName}: writing ${where} failed, will retry: ${verdict.reason} (${verdict.vendorCode})`,
          {
            hint: 'the partition is paused and retried with backoff; nothing is lost',
            cause: error,
          },
        );
      }
      if (encoded.length > 1) {
        // Find the guilty rows: each alone in its own transaction.
        let written = 0;
        for (const one of encoded) written += await this.write(route, [one], rejected);
        return written;
      }
      const only = encoded[0]!;
      rejected.push({
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
      return 0;
    }
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
    if (change.op === 'delete') {
      const byTarget = this.mapRow(route, change.key, table);
      const values = route.target.primaryKey.map((pk) => {
        const hit = byTarget.get(pk);
        if (!hit)
          throw new DbtwinError(
            ErrorCode.ColumnNotMapped,
            `${table}: the change's key has no value for primary-key column ${pk}`,
          );
        return this.target.codec.encode(hit.value, hit.column);
      });
      return { change, columns: route.target.primaryKey, values };
    }
    const byTarget = this.mapRow(route, change.row, table);
    for (const pk of route.target.primaryKey) {
      if (!byTarget.has(pk))
        throw new DbtwinError(
          ErrorCode.ColumnNotMapped,
          `${table}: the row has no value for primary-key column ${pk}`,
        );
    }
    // Table order, so equal column sets give equal statements.
    const columns = route.target.columns.filter((c) => byTarget.has(c.name));
    return {
      change,
      columns: columns.map((c) => c.name),
      values: columns.map((c) => {
        const hit = byTarget.get(c.name)!;
        return this.target.codec.encode(hit.value, hit.column);
      }),
    };
  }

  private mapRow(
    route: TableRoute,
    row: Row,
    table: string,
  ): Map<string, { column: ColumnInfo; value: Value }> {
    const out = new Map<string, { column: ColumnInfo; value: Value }>();
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
