import type { EngineName } from '../core/change-event.js';
import type { Value } from '../core/values.js';
import type { ConnectionOptions, EngineDriver } from './engine-driver.js';

/**
 * The engine extension points, after kysely's `Dialect`: one small factory per concern, so the
 * pipeline speaks to every engine the same way and only `src/engines/<engine>/` knows the vendor.
 * Each engine folder has the same files: `<engine>-dialect.ts` (this interface), `<engine>-driver.ts`,
 * `<engine>-sql-compiler.ts`, `<engine>-type-codec.ts`, `<engine>-introspector.ts`,
 * `<engine>-error-classifier.ts`.
 */
export interface Dialect {
  readonly engine: EngineName;
  /** Opens a pool with UTC sessions and strict modes, and makes one round trip. */
  createDriver(options: ConnectionOptions): Promise<EngineDriver>;
  createIntrospector(driver: EngineDriver): Introspector;
  /**
   * `serverVersion` (as `EngineDriver.serverVersion()` reports it) picks the flavour where syntax
   * differs (MariaDB `VALUES()` vs MySQL ≥ 8.0.20 row alias). Without it, the engine's most common
   * current flavour. Compilers need no connection, so generated SQL is testable without a server.
   */
  createCompiler(serverVersion?: string): SqlCompiler;
  createCodec(): TypeCodec;
  createErrorClassifier(): ErrorClassifier;
}

/** A column as the catalog describes it. */
export interface ColumnInfo {
  /** The name as stored in the catalog (Oracle: usually upper case). */
  readonly name: string;
  /** 1-based position in the table. */
  readonly position: number;
  /** The engine's base type name in lower case: `bigint`, `decimal`, `varchar`, `timestamp with time zone`, `number`. */
  readonly dataType: string;
  /** The full declaration as the catalog shows it: `decimal(30,10)`, `bigint(20) unsigned`, `tinyint(1)`, `VARCHAR2(100 CHAR)`. */
  readonly columnType: string;
  readonly nullable: boolean;
  /** Maximum length: characters for character types, bytes for binary types. */
  readonly length?: number;
  /** Oracle VARCHAR2/CHAR length semantics. */
  readonly lengthSemantics?: 'byte' | 'char';
  readonly precision?: number;
  readonly scale?: number;
  /** Fractional-second digits of temporal types. */
  readonly fractionDigits?: number;
  readonly unsigned?: boolean;
  readonly charset?: string;
  readonly collation?: string;
  /** The default expression as the catalog shows it; undefined when there is none. */
  readonly defaultValue?: string;
  /** AUTO_INCREMENT, SERIAL/IDENTITY, Oracle identity. */
  readonly autoIncrement?: boolean;
  /** ENUM and SET members, in order. */
  readonly enumValues?: readonly string[];
}

/** A table as the catalog describes it. */
export interface TableInfo {
  /** MySQL: the database; PostgreSQL and Oracle: the schema. */
  readonly schema: string;
  readonly name: string;
  /** In table order. */
  readonly columns: readonly ColumnInfo[];
  /** Primary-key column names in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Other unique keys, each as its column names. */
  readonly uniqueKeys: readonly (readonly string[])[];
}

/** Reads the catalog. Every identifier dbtwin puts into SQL comes from here, never from an event. */
export interface Introspector {
  /** The table, or undefined when it does not exist. Names are matched as the engine would match unquoted ones. */
  table(schema: string, name: string): Promise<TableInfo | undefined>;
  /** Names of the base tables of a schema, sorted. */
  tables(schema: string): Promise<string[]>;
}

/**
 * A statement ready for the driver: `single` is one statement with its parameters (a multi-row
 * upsert); `many` is one statement run for each bind row (Oracle `executeMany` with `batchErrors`).
 */
export type CompiledStatement =
  | { readonly kind: 'single'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly kind: 'many'; readonly sql: string; readonly rows: readonly (readonly unknown[])[] };

/**
 * Generates idempotent DML. Inputs are catalog metadata and already-encoded bind values; identifiers
 * are quoted by the compiler; values are always bound, never written into the SQL text.
 */
export interface SqlCompiler {
  /**
   * Insert-or-update of whole rows: each row holds the values of `columns` in that order, and
   * `columns` includes every primary-key column. Applying it twice leaves the same state.
   * May return several statements when the engine limits parameters per statement.
   */
  upsert(
    table: TableInfo,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): CompiledStatement[];
  /** Deletes by primary key: each key holds the values of `table.primaryKey` in order. Deleting a missing row is no error. */
  deleteByKeys(table: TableInfo, keys: readonly (readonly unknown[])[]): CompiledStatement[];
  /**
   * Reads the current rows for these primary keys (all columns, table order), in one query per
   * statement. `forUpdate` locks the rows found until the transaction ends (`FOR UPDATE`), so what
   * the apply stage decides from them (no-op, conflict) still holds when it writes.
   */
  selectByKeys(
    table: TableInfo,
    keys: readonly (readonly unknown[])[],
    options?: SelectOptions,
  ): CompiledStatement[];
  /** The identifier quoted for this engine (catalog names only). */
  quoteIdentifier(name: string): string;
}

/** Options of {@link SqlCompiler.selectByKeys}. */
export interface SelectOptions {
  /** Lock the rows read until the transaction ends; default false. */
  readonly forUpdate?: boolean;
}

/**
 * Converts between dbtwin's values and the driver's, per target column. `encode` follows the column's
 * type, not the value's: a MySQL TINYINT(1) `1` bound for a PostgreSQL `boolean` becomes `true`.
 */
export interface TypeCodec {
  /**
   * A bind value for the column. Throws `DbtwinError(ErrorCode.ValueDoesNotFit)` naming the column
   * and why when the value cannot be stored exactly (out of range, too long, wrong kind).
   */
  encode(value: Value, column: ColumnInfo): unknown;
  /** A value as this engine's driver returned it for the column, as a dbtwin value. */
  decode(raw: unknown, column: ColumnInfo): Value;
}

/** What to do about a failed target operation. */
export interface ClassifiedError {
  /** `retriable`: pause, back off, retry, lose nothing. `poison`: this row/statement will never succeed as is. */
  readonly class: 'retriable' | 'poison';
  /** The vendor's code (`ER_DUP_ENTRY`/1062, SQLSTATE `23505`, `ORA-00001`, `ECONNREFUSED`). */
  readonly vendorCode: string;
  /** One line for logs and dead letters. */
  readonly reason: string;
}

/** Sorts vendor errors into retriable and poison, from their codes (Debezium's per-engine classifier style). */
export interface ErrorClassifier {
  classify(error: unknown): ClassifiedError;
}
