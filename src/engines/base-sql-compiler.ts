import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { scalarText } from './catalog-rows.js';
import type {
  ColumnInfo,
  CompiledStatement,
  PageOptions,
  SelectOptions,
  SqlCompiler,
  TableInfo,
} from './dialect.js';

/** Default ceiling of the bound data of one statement (estimated), so a batch of wide rows stays well under a server's packet limit. */
const DEFAULT_MAX_BOUND_BYTES = 4 * 1024 * 1024;

/**
 * The DML every SQL engine writes the same way, after kysely's compiler split: statement shapes,
 * key predicates and splitting live here; an engine supplies its identifier quoting, its placeholder
 * spelling and the clause that turns an INSERT into an upsert.
 *
 * Invariants: identifiers come only from `TableInfo` and are always quoted; values are always bound;
 * no statement holds more than `maxParams` placeholders or (estimated) `maxBoundBytes` of bound data,
 * unless a single row alone exceeds the byte budget, which then travels alone.
 */
export abstract class BaseSqlCompiler implements SqlCompiler {
  /** Most placeholders one statement may hold (PostgreSQL's protocol allows 65535). */
  protected abstract readonly maxParams: number;
  /** Estimated bound bytes per statement before a batch is split; default 4 MiB. */
  protected readonly maxBoundBytes: number = DEFAULT_MAX_BOUND_BYTES;

  abstract quoteIdentifier(name: string): string;
  /** The placeholder of the `n`th (1-based) parameter of a statement. */
  protected abstract placeholder(n: number): string;
  /**
   * Whether `selectPage` compares the key as a row, `(a, b) > (?, ?)`: only where the engine turns
   * that into an index range. Otherwise it expands to `a > ? OR (a = ? AND b > ?)`, which every
   * engine range-scans (MySQL/MariaDB do not range-scan row comparisons). Default: expanded.
   */
  protected readonly pageRowComparison: boolean = false;
  /**
   * What follows the VALUES list to make the insert an upsert. `updates` are the inserted columns that
   * are not primary-key columns, in order (empty when every inserted column is a key column).
   */
  protected abstract upsertClause(table: TableInfo, updates: readonly string[]): string;

  /**
   * `INSERT … VALUES (…), … <upsertClause>`, split by the parameter and byte budgets. Rows with equal
   * primary keys are collapsed to the last one, as applying them in order would leave it (PostgreSQL
   * refuses a statement that touches the same row twice).
   */
  upsert(
    table: TableInfo,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): CompiledStatement[] {
    this.requireKey(table);
    for (const name of columns) this.requireColumn(table, name);
    const keyIndexes = table.primaryKey.map((pk) => {
      const index = columns.indexOf(pk);
      if (index < 0) {
        throw new DbtwinError(
          ErrorCode.ColumnNotMapped,
          `${table.schema}.${table.name}: an upsert must write primary-key column ${pk}`,
        );
      }
      return index;
    });
    checkWidths(rows, columns.length, `${table.schema}.${table.name} upsert`);
    const unique = lastPerKey(rows, keyIndexes);
    const updates = columns.filter((c) => !table.primaryKey.includes(c));
    const head = `INSERT INTO ${this.insertTarget(table)} (${columns.map((c) => this.quoteIdentifier(c)).join(', ')}) VALUES `;
    const tail = this.upsertClause(table, updates);
    return this.split(unique, columns.length).map((chunk) => ({
      kind: 'single',
      sql: `${head}${this.tuples(chunk.length, columns.length)} ${tail}`,
      params: chunk.flat(),
    }));
  }

  deleteByKeys(table: TableInfo, keys: readonly (readonly unknown[])[]): CompiledStatement[] {
    return this.byKeys(table, keys, `DELETE FROM ${this.tableName(table)}`);
  }

  selectByKeys(
    table: TableInfo,
    keys: readonly (readonly unknown[])[],
    options: SelectOptions = {},
  ): CompiledStatement[] {
    const columns = table.columns.map((c) => this.selectColumn(c)).join(', ');
    return this.byKeys(
      table,
      keys,
      `SELECT ${columns} FROM ${this.tableName(table)}`,
      options.forUpdate ? ' FOR UPDATE' : '',
    );
  }

  selectPage(table: TableInfo, options: PageOptions): CompiledStatement {
    return compilePage(table, options, {
      quote: (name) => this.quoteIdentifier(name),
      tableName: this.tableName(table),
      selectColumn: (column) => this.selectColumn(column),
      bind: (n) => this.placeholder(n),
      rowComparison: this.pageRowComparison,
      limitClause: (placeholder) => this.limitClause(placeholder),
    });
  }

  countRows(table: TableInfo): CompiledStatement {
    return countRowsStatement(this.tableName(table), (name) => this.quoteIdentifier(name));
  }

  /** The clause that ends a page of `selectPage` after at most the bound row count `placeholder`. */
  protected limitClause(placeholder: string): string {
    return `LIMIT ${placeholder}`;
  }

  /**
   * How `selectByKeys` and `selectPage` read a column: by default its quoted name. An engine whose
   * wire format would lose digits of a type reads it as an expression that keeps them, aliased to
   * the column's name.
   */
  protected selectColumn(column: ColumnInfo): string {
    return this.quoteIdentifier(column.name);
  }

  /** What follows INSERT INTO: the table, and an alias where the engine's upsert clause needs one. */
  protected insertTarget(table: TableInfo): string {
    return this.tableName(table);
  }

  /** `schema.table`, both quoted. */
  protected tableName(table: TableInfo): string {
    return `${this.quoteIdentifier(table.schema)}.${this.quoteIdentifier(table.name)}`;
  }

  /** `prefix WHERE key IN (…)` (composite keys as row constructors), split by the budgets. */
  private byKeys(
    table: TableInfo,
    keys: readonly (readonly unknown[])[],
    prefix: string,
    suffix = '',
  ): CompiledStatement[] {
    this.requireKey(table);
    const width = table.primaryKey.length;
    checkWidths(keys, width, `${table.schema}.${table.name} key`);
    const keyColumns = table.primaryKey.map((c) => this.quoteIdentifier(c));
    const target = width === 1 ? keyColumns[0] : `(${keyColumns.join(', ')})`;
    return this.split(lastPerKey(keys, range(width)), width).map((chunk) => ({
      kind: 'single',
      sql: `${prefix} WHERE ${target} IN (${width === 1 ? this.placeholders(1, chunk.length) : this.tuples(chunk.length, width)})${suffix}`,
      params: chunk.flat(),
    }));
  }

  /** `(?, ?), (?, ?)` for `count` rows of `width` values, numbered from 1. */
  private tuples(count: number, width: number): string {
    const out: string[] = [];
    for (let row = 0; row < count; row++) out.push(`(${this.placeholders(row * width + 1, width)})`);
    return out.join(', ');
  }

  private placeholders(first: number, count: number): string {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.placeholder(first + i));
    return out.join(', ');
  }

  /** Consecutive groups of rows, each within the parameter and byte budgets (a row alone may exceed the bytes). */
  private split(rows: readonly (readonly unknown[])[], width: number): (readonly unknown[])[][] {
    const perStatement = Math.max(1, Math.floor(this.maxParams / Math.max(width, 1)));
    const chunks: (readonly unknown[])[][] = [];
    let current: (readonly unknown[])[] = [];
    let bytes = 0;
    for (const row of rows) {
      const rowBytes = row.reduce<number>((sum, v) => sum + boundSize(v), 0);
      if (current.length > 0 && (current.length >= perStatement || bytes + rowBytes > this.maxBoundBytes)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(row);
      bytes += rowBytes;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  private requireKey(table: TableInfo): void {
    if (table.primaryKey.length === 0) {
      throw new DbtwinError(
        ErrorCode.TargetTableUnusable,
        `${table.schema}.${table.name} has no primary key, so changes cannot be applied idempotently`,
        { hint: 'add a primary key to the target table' },
      );
    }
  }

  private requireColumn(table: TableInfo, name: string): void {
    if (!table.columns.some((c) => c.name === name)) {
      throw new DbtwinError(ErrorCode.ColumnNotMapped, `${table.schema}.${table.name} has no column ${name}`);
    }
  }
}

/** What one engine puts into a keyset page; {@link compilePage} assembles the statement. */
export interface PageSyntax {
  /** An identifier quoted (catalog names only). */
  quote(name: string): string;
  /** The table as the FROM clause names it, quoted. */
  readonly tableName: string;
  /** How the engine reads a column: the same expression its `selectByKeys` uses. */
  selectColumn(column: ColumnInfo): string;
  /**
   * The bound expression of the `n`th (1-based) parameter, which holds a value of `column` (a key
   * value), or the page size when `column` is undefined.
   */
  bind(n: number, column?: ColumnInfo): string;
  /** Whether the key predicate is a row comparison `(a, b) > (x, y)` (only where it is range-scanned). */
  readonly rowComparison: boolean;
  /** The clause after ORDER BY that ends the page after the bound row count `placeholder`. */
  limitClause(placeholder: string): string;
}

/**
 * `SELECT <columns> FROM t [WHERE <key> > <after>] ORDER BY <key> <limit>`, the statement of
 * `SqlCompiler.selectPage` for every engine, with `syntax` the engine's part: one shape, so a page
 * means the same on every engine and each refuses the same inputs (a page size that is not a
 * positive integer, a table without a primary key, an `after` of the wrong width). Parameters are
 * numbered in the order the text holds them, as positional `?` placeholders need.
 */
export function compilePage(table: TableInfo, options: PageOptions, syntax: PageSyntax): CompiledStatement {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1)
    throw new DbtwinError(
      ErrorCode.InternalInvariant,
      `page size ${options.limit} is not a positive integer`,
    );
  if (table.primaryKey.length === 0)
    throw new DbtwinError(
      ErrorCode.TargetTableUnusable,
      `${table.schema}.${table.name} has no primary key, so it cannot be paged in key order`,
      { hint: 'add a primary key to the table' },
    );
  const key = primaryKeyColumns(table);
  const params: unknown[] = [];
  const bind = (value: unknown, column?: ColumnInfo): string => {
    params.push(value);
    return syntax.bind(params.length, column);
  };
  const q = (column: ColumnInfo): string => syntax.quote(column.name);
  const columns = (options.keyOnly ? key : table.columns).map((c) => syntax.selectColumn(c)).join(', ');
  let sql = `SELECT ${columns} FROM ${syntax.tableName}`;
  const after = options.after;
  if (after) {
    if (after.length !== key.length)
      throw new DbtwinError(
        ErrorCode.InternalInvariant,
        `${table.schema}.${table.name}: a key of ${after.length} values for ${key.length} key columns`,
      );
    if (syntax.rowComparison && key.length > 1) {
      sql += ` WHERE (${key.map(q).join(', ')}) > (${key.map((c, i) => bind(after[i], c)).join(', ')})`;
    } else {
      // `a > x OR (a = x AND b > y) OR …`: the same order as a row comparison, in a form every
      // engine turns into an index range.
      const terms = key.map((column, i) => {
        const equal = key.slice(0, i).map((c, j) => `${q(c)} = ${bind(after[j], c)}`);
        return [...equal, `${q(column)} > ${bind(after[i], column)}`].join(' AND ');
      });
      sql += ` WHERE ${terms.length === 1 ? terms[0]! : terms.map((t) => `(${t})`).join(' OR ')}`;
    }
  }
  sql += ` ORDER BY ${key.map(q).join(', ')} ${syntax.limitClause(bind(options.limit))}`;
  return { kind: 'single', sql, params };
}

/** `SELECT COUNT(*) AS n FROM <tableName>`, `n` quoted so every engine returns it under that name. */
export function countRowsStatement(tableName: string, quote: (name: string) => string): CompiledStatement {
  return { kind: 'single', sql: `SELECT COUNT(*) AS ${quote('n')} FROM ${tableName}`, params: [] };
}

/**
 * The primary-key columns of `table` in key order (empty when it has none). Throws InternalInvariant
 * when the key names a column the table lacks: a catalog read gone wrong, not a user's table.
 */
export function primaryKeyColumns(table: TableInfo): ColumnInfo[] {
  return table.primaryKey.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (!column)
      throw new DbtwinError(
        ErrorCode.InternalInvariant,
        `${table.schema}.${table.name}: primary-key column ${name} is not among its columns`,
      );
    return column;
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function checkWidths(rows: readonly (readonly unknown[])[], width: number, what: string): void {
  const bad = rows.findIndex((r) => r.length !== width);
  if (bad >= 0) {
    throw new DbtwinError(
      ErrorCode.InternalInvariant,
      `${what}: row ${bad} has ${rows[bad]?.length} values, expected ${width}`,
    );
  }
}

/** The rows in first-seen key order, each key holding its last row. */
function lastPerKey(
  rows: readonly (readonly unknown[])[],
  keyIndexes: readonly number[],
): (readonly unknown[])[] {
  const byKey = new Map<string, readonly unknown[]>();
  for (const row of rows) byKey.set(keyIndexes.map((i) => keyText(row[i])).join('\u0000'), row);
  return [...byKey.values()];
}

/** A bind value as map-key text; the type prefix keeps `1` and `'1'` apart. */
function keyText(value: unknown): string {
  if (value instanceof Uint8Array)
    return `x:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (value === null || value === undefined) return 'null';
  return `${typeof value}:${scalarText(value)}`;
}

/** Rough size of a bound value in the statement text (hex for bytes, as MySQL's client-side binding writes them). */
function boundSize(value: unknown): number {
  if (typeof value === 'string') return value.length * 3 + 4;
  if (value instanceof Uint8Array) return value.byteLength * 2 + 4;
  return 24;
}
