import type { LinkConfig, SideConfig } from '../config/dbtwin-config.js';
import type { EngineName } from '../core/change-event.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Value } from '../core/values.js';
import { canonicalValue } from '../echo/row-fingerprint.js';
import type { ColumnInfo, CompiledStatement, TableInfo } from '../engines/dialect.js';
import { TableRouter, type TableRoute } from '../pipeline/table-router.js';
import type { TargetSide } from '../pipeline/target-side.js';
import type { CanonicalRow } from './chunk-diff.js';
import { keyColumns } from './keyset-query.js';
import { integerOf } from './ordered-chunks.js';

/** Which side of a pair: `a` is the link's source side, `b` its target side. */
export type PairSideId = 'a' | 'b';

/** One side of a verified table: the side, its open pool and dialect pieces, and the table's catalog. */
export interface PairSide {
  readonly id: PairSideId;
  readonly config: SideConfig;
  readonly resources: TargetSide;
  readonly info: TableInfo;
  /** The key columns in the pair's key order (side A's primary-key order; on B the columns they map to). */
  readonly key: readonly ColumnInfo[];
  /** The compared columns, in the pair's column order (A's table order; on B the columns they map to). */
  readonly columns: readonly ColumnInfo[];
}

/** A row of one side as verification holds it: canonical for comparing, decoded for keys and reports. */
export interface SideRow extends CanonicalRow {
  /** The side's key values as its codec decodes them, in the pair's key order. */
  readonly keyValues: readonly Value[];
  /** The compared columns' values as the side's codec decodes them (empty when only the key was read). */
  readonly decoded: readonly Value[];
  /** The key as integers, in range mode (integer keys on both sides). */
  readonly intKey?: readonly bigint[];
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/**
 * One table of a link on both sides, routed as the link routes it: the target table and the column
 * for each source column come from `TableRouter` over both sides' catalogs (the link's `tables` and
 * `columns` renames, then case-insensitive names). Compared columns are the source columns the target
 * has; both sides' primary keys must be the same columns.
 *
 * Canonical values are those of the echo layer (`canonicalValue`: numbers by value, booleans,
 * timestamps at the column's precision, JSON by document, CHAR without padding), with two cross-engine
 * rules of its own: a boolean column's 0/1 equals an integer column's 0/1 (TINYINT(1) ↔ SMALLINT), and
 * when either side is Oracle, `''` equals NULL on both sides (Oracle cannot hold `''`).
 */
export class TablePair {
  /** True when every key column is an integer on both sides, in the same key order: both engines order keys alike. */
  readonly ranged: boolean;
  private readonly withOracle: boolean;

  private constructor(
    readonly link: LinkConfig,
    /** The route of the link from A's table to B's. */
    readonly route: TableRoute,
    readonly a: PairSide,
    readonly b: PairSide,
  ) {
    this.withOracle = a.config.engine === 'oracle' || b.config.engine === 'oracle';
    this.ranged =
      a.key.every(isIntegerColumn) &&
      b.key.every(isIntegerColumn) &&
      b.info.primaryKey.every((name, i) => b.key[i]?.name === name);
  }

  /**
   * The table `name` of side A (the link's source side) paired with its target on side B. Throws
   * TableNotMapped when the link does not carry it, TargetTableUnusable when a side lacks it, has no
   * primary key, or the two primary keys are not the same columns.
   */
  static async open(
    link: LinkConfig,
    from: SideConfig,
    to: SideConfig,
    a: TargetSide,
    b: TargetSide,
    name: string,
  ): Promise<TablePair> {
    const route = await new TableRouter(link, from, to, b.introspector, a.introspector).route(
      `${from.schema}.${name}`,
    );
    const aInfo = route.sourceInfo;
    if (!aInfo)
      throw new DbtwinError(
        ErrorCode.TargetTableUnusable,
        `table ${from.schema}.${name} does not exist on ${from.name}`,
        { hint: `the link ${link.name} carries it; create it, or leave it out with --tables` },
      );
    const bInfo = route.target;
    const pairs = aInfo.columns
      .map((c) => [c, route.column(c.name)] as const)
      .filter((p): p is readonly [ColumnInfo, ColumnInfo] => p[1] !== undefined);
    const aKey = keyColumns(aInfo);
    const bKey = aKey.map((c) => route.column(c.name));
    const bNames = new Set(keyColumns(bInfo).map((c) => c.name));
    if (bKey.some((c) => c === undefined || !bNames.has(c.name)) || bNames.size !== aKey.length) {
      throw new DbtwinError(
        ErrorCode.TargetTableUnusable,
        `${from.name} ${aInfo.schema}.${aInfo.name} (key ${aInfo.primaryKey.join(', ')}) and ${to.name} ${bInfo.schema}.${bInfo.name} (key ${bInfo.primaryKey.join(', ')}) have different primary keys: rows cannot be paired`,
        { hint: 'give both tables the same primary-key columns (or map them in the link)' },
      );
    }
    return new TablePair(
      link,
      route,
      { id: 'a', config: from, resources: a, info: aInfo, key: aKey, columns: pairs.map((p) => p[0]) },
      {
        id: 'b',
        config: to,
        resources: b,
        info: bInfo,
        key: bKey as ColumnInfo[],
        columns: pairs.map((p) => p[1]),
      },
    );
  }

  side(id: PairSideId): PairSide {
    return id === 'a' ? this.a : this.b;
  }

  /** The compared columns by A's names, in the pair's order (the names reports use). */
  get columnNames(): readonly string[] {
    return this.a.columns.map((c) => c.name);
  }

  /** The key columns by A's names, in key order. */
  get keyNames(): readonly string[] {
    return this.a.key.map((c) => c.name);
  }

  /**
   * A row as the side's driver returned it (as `selectByKeys` reads it), decoded by its codec and made
   * canonical. With `keyOnly`, only the key columns are read.
   */
  rowOf(id: PairSideId, raw: Readonly<Record<string, unknown>>, keyOnly = false): SideRow {
    const s = this.side(id);
    const codec = s.resources.codec;
    const engine = s.config.engine;
    const keyValues = s.key.map((c) => codec.decode(raw[c.name], c));
    const key = this.canonicalKey(id, keyValues);
    const decoded = keyOnly ? [] : s.columns.map((c) => codec.decode(raw[c.name], c));
    return {
      key,
      keyValues,
      decoded,
      values: decoded.map((v, i) => this.canonical(v, s.columns[i]!, engine)),
      ...(this.ranged ? { intKey: keyValues.map(integerOf) } : {}),
    };
  }

  /**
   * The key rows are paired by (`SideRow.key`): side `id`'s key values, in the pair's key order, as
   * canonical texts. Equal on both sides for the same row.
   */
  canonicalKey(id: PairSideId, keyValues: readonly Value[]): string {
    const s = this.side(id);
    return JSON.stringify(keyValues.map((v, i) => this.canonical(v, s.key[i]!, s.config.engine)));
  }

  /** The canonical text of a value of `column` on a side of `engine` (see the class comment). */
  canonical(value: Value, column: ColumnInfo, engine: EngineName): string | null {
    const text = canonicalValue(value, column, engine);
    if (text === null) return null;
    if (this.withOracle && text === 's:') return null;
    // Booleans compare with integers by value: `b:1` (TINYINT(1), boolean) equals `n:1` (SMALLINT).
    return text.startsWith('b:') ? `n:${text.slice(2)}` : text;
  }

  /**
   * Runs a read on side `id`. A driver error becomes a DbtwinError naming the side and the table:
   * ServiceUnreachable when the side's classifier calls it retriable (connection lost, server down),
   * TargetTableUnusable otherwise (a privilege missing, the table dropped meanwhile).
   */
  async read(id: PairSideId, statement: CompiledStatement): Promise<Record<string, unknown>[]> {
    const s = this.side(id);
    try {
      return (await s.resources.driver.execute(statement)).rows;
    } catch (cause) {
      if (cause instanceof DbtwinError) throw cause;
      const verdict = s.resources.classifier.classify(cause);
      throw new DbtwinError(
        verdict.class === 'retriable' ? ErrorCode.ServiceUnreachable : ErrorCode.TargetTableUnusable,
        `verify: reading ${s.info.schema}.${s.info.name} on ${s.config.name} failed: ${verdict.reason} (${verdict.vendorCode})`,
        {
          hint:
            verdict.class === 'retriable'
              ? 'run the command again once the side is back'
              : 'the apply user needs SELECT on the table',
          cause,
        },
      );
    }
  }

  /**
   * Bind values of side `id`'s primary key (in its primary-key order) for a key given by `from`'s
   * decoded values in the pair's key order: encoded by `id`'s codec for its columns, as the apply stage
   * binds values across engines. Undefined when a value cannot be stored in `id`'s key column (the row
   * cannot exist there).
   */
  keyBinds(id: PairSideId, keyValues: readonly Value[]): unknown[] | undefined {
    const s = this.side(id);
    try {
      const encoded = s.key.map((c, i) => s.resources.codec.encode(keyValues[i] ?? null, c));
      return s.info.primaryKey.map((name) => encoded[s.key.findIndex((c) => c.name === name)]);
    } catch (error) {
      if (error instanceof DbtwinError && error.code === ErrorCode.ValueDoesNotFit) return undefined;
      throw error;
    }
  }
}

/** Integer columns: MySQL/MariaDB and PostgreSQL integer types, Oracle NUMBER with scale 0. */
function isIntegerColumn(column: ColumnInfo): boolean {
  const type = column.columnType.toLowerCase();
  if (type === 'tinyint(1)') return false;
  return INTEGER_TYPES.has(column.dataType) || (column.dataType === 'number' && column.scale === 0);
}
