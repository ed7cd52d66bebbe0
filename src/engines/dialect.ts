import type { EngineName } from '../core/change-event.js';
import type { Value } from '../core/values.js';
import type { ConnectionOptions, EngineDriver } from './engine-driver.js';

/**
 * The engine extension points, after kysely's `Dialect`: one small factory per concern, so the
 * pipeline speaks to every engine the same way and only `src/engines/<engine>/` knows the vendor.
 * Each engine folder has the same files: `<engine>-dialect.ts` (this interface), `<engine>-driver.ts`,
 * `<engine>-sql-compiler.ts`, `<engine>-type-codec.ts`, `<engine>-introspector.ts`,
 * `<engine>-error-classifier.ts`, and `<engine>-ddl-compiler.ts` (schema translation, used by tools
 * only: `src/translate/schema-translator.ts` picks it by engine).
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
  /**
   * How an identity column generates (PostgreSQL, Oracle): `always` refuses explicit values,
   * `by-default` takes them, `by-default-on-null` (Oracle) also replaces an explicit NULL. MySQL
   * AUTO_INCREMENT behaves as `by-default-on-null`. Undefined for other columns.
   */
  readonly identity?: 'always' | 'by-default' | 'by-default-on-null';
  /** The expression of a generated (computed) column; undefined for stored values. */
  readonly generatedAs?: string;
  /** The column comment, when it has one. */
  readonly comment?: string;
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

/** A named key: a unique constraint, or a unique index that is not one. */
export interface KeyInfo {
  /** The constraint or index name as the catalog stores it. */
  readonly name: string;
  readonly columns: readonly string[];
}

/** What a foreign key does when the referenced row is deleted or its key updated. */
export type ForeignKeyAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

/** A foreign key, as the catalog describes it. */
export interface ForeignKeyInfo {
  readonly name: string;
  /** Referencing columns, in key order. */
  readonly columns: readonly string[];
  /** The referenced table's schema (MySQL: database) and name. */
  readonly refSchema: string;
  readonly refTable: string;
  /** Referenced columns, in the order matching `columns`. */
  readonly refColumns: readonly string[];
  readonly onDelete: ForeignKeyAction;
  /** Oracle has no ON UPDATE: always `no action` there. */
  readonly onUpdate: ForeignKeyAction;
}

/** A secondary index (neither the primary key nor a unique key; those are in `primaryKey`/`uniqueKeys`). */
export interface IndexInfo {
  readonly name: string;
  readonly columns: readonly {
    readonly name: string;
    readonly descending?: boolean;
    /** MySQL prefix index length (characters or bytes), when only a prefix is indexed. */
    readonly prefixLength?: number;
  }[];
}

/**
 * A table with everything `dbtwin schema translate` carries over (design §5): the columns with their
 * full type details, the keys with their names, foreign keys, secondary indexes and check
 * constraints. `TableInfo`'s fields mean the same here.
 */
export interface SchemaTable extends TableInfo {
  /** The primary-key constraint name, when the engine names it (MySQL: always `PRIMARY`). */
  readonly primaryKeyName?: string;
  /** Unique keys with their names, in the order of `uniqueKeys`. */
  readonly uniqueKeyInfo: readonly KeyInfo[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  readonly indexes: readonly IndexInfo[];
  /**
   * Check constraints other than those the engine makes for a column type (MariaDB's `json_valid`,
   * Oracle's NOT NULL checks), with the expression as the catalog shows it.
   */
  readonly checks: readonly { readonly name: string; readonly expression: string }[];
  /** MySQL: the table's default character set and collation. */
  readonly charset?: string;
  readonly collation?: string;
  readonly comment?: string;
}

/** Reads the catalog. Every identifier dbtwin puts into SQL comes from here, never from an event. */
export interface Introspector {
  /** The table, or undefined when it does not exist. Names are matched as the engine would match unquoted ones. */
  table(schema: string, name: string): Promise<TableInfo | undefined>;
  /** Names of the base tables of a schema, sorted. */
  tables(schema: string): Promise<string[]>;
  /**
   * The table with keys, foreign keys, indexes and checks (`dbtwin schema translate`), or undefined
   * when it does not exist. More queries than `table`: for tools, not for the apply path.
   */
  describe(schema: string, name: string): Promise<SchemaTable | undefined>;
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
  /**
   * One page of a table in primary-key order after a key (keyset pagination, `dbtwin verify`):
   * `SELECT <columns> FROM t WHERE <key> > <after> ORDER BY <key> <limit>`. Invariants:
   * - The order is the engine's own key order (its collations), and the predicate compares in that
   *   same order, so paging one table through visits every row exactly once, whatever the engine.
   * - The predicate is one the engine turns into an index range on the primary key.
   * - The columns are read as `selectByKeys` reads them (the same per-column expression), so the
   *   codec decodes the same text either way; with `keyOnly`, only the key columns, in key order.
   * - Every value, the page size included, is bound; identifiers come from `table` (the catalog) and
   *   are quoted.
   * Throws TargetTableUnusable for a table without a primary key, InternalInvariant for a page size
   * that is not a positive integer or an `after` key of the wrong width.
   */
  selectPage(table: TableInfo, options: PageOptions): CompiledStatement;
  /**
   * `SELECT COUNT(*) AS n FROM t`, the row count in a column named exactly `n` (quoted, so every
   * engine returns it under that name). For progress estimates: it reads the whole table or index.
   */
  countRows(table: TableInfo): CompiledStatement;
  /** The identifier quoted for this engine (catalog names only). */
  quoteIdentifier(name: string): string;
}

/** Options of {@link SqlCompiler.selectByKeys}. */
export interface SelectOptions {
  /** Lock the rows read until the transaction ends; default false. */
  readonly forUpdate?: boolean;
}

/** Options of {@link SqlCompiler.selectPage}. */
export interface PageOptions {
  /**
   * The primary key of the last row of the previous page, in `table.primaryKey` order, bound as the
   * engine's codec encodes it; absent for the first page.
   */
  readonly after?: readonly unknown[];
  /** Rows per page (bound too); a positive integer. */
  readonly limit: number;
  /** Read only the primary-key columns (default: every column, as the apply stage reads rows). */
  readonly keyOnly?: boolean;
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
