import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { compilePage, countRowsStatement } from '../base-sql-compiler.js';
import type {
  ColumnInfo,
  CompiledStatement,
  PageOptions,
  SelectOptions,
  SqlCompiler,
  TableInfo,
} from '../dialect.js';
import { bindExpression, readExpression } from './oracle-type-codec.js';

/** Oracle refuses more than 1000 expressions in one IN list (ORA-01795). */
export const ORACLE_MAX_IN_LIST = 1000;
/** Bind variables in one statement: kept under the protocol's 16-bit limit. */
export const ORACLE_MAX_BINDS = 65_535;

/**
 * Oracle DML for idempotent apply (design §6):
 * - upsert: `MERGE INTO "S"."T" t USING (SELECT <bind> AS "C", … FROM dual) s ON (t."K" = s."K")
 *   WHEN MATCHED THEN UPDATE SET … WHEN NOT MATCHED THEN INSERT (…) VALUES (…)`, one `many`
 *   statement whose bind rows go through `executeMany` with `batchErrors` (a batch of more than
 *   65 535 bind values is cut into several). Rows run in order, so repeated keys end at the last
 *   row. Key columns are never updated (ORA-38104), so a table whose columns are all key columns
 *   has no WHEN MATCHED branch.
 * - delete by key: one `many` statement (cut the same way).
 * - select by keys: one `single` statement per 65 535 binds, `(a, b) IN ((…), …)` split into
 *   OR-ed lists of at most 1000 tuples.
 * - select a page (keyset pagination): the expanded key predicate `a > :1 OR (a = :2 AND b > :3)`
 *   (Oracle has no row comparison) and `FETCH FIRST :n ROWS ONLY`.
 * Each bind is wrapped in the conversion its column needs (`TO_NUMBER(:1)`, `TO_TIMESTAMP(:2, '…')`;
 * see `bindExpression` in the codec), and temporal columns are read through `TO_CHAR`, so values
 * stay exact in both directions. Identifiers are always quoted exactly as the catalog stores them.
 */
export class OracleSqlCompiler implements SqlCompiler {
  /** 128 bytes since Oracle 12.2, 30 before. */
  readonly maxIdentifierBytes: number;

  constructor(serverVersion?: string) {
    this.maxIdentifierBytes = identifierLimit(serverVersion);
  }

  quoteIdentifier(name: string): string {
    if (name.length === 0) throw badIdentifier(name, 'an identifier cannot be empty');
    // Oracle identifiers, quoted or not, cannot contain a double quote or NUL at all (doubling the
    // quote is not an escape Oracle knows), so such a name is refused instead of escaped.
    if (name.includes('"') || name.includes('\u0000')) {
      throw badIdentifier(name, 'Oracle identifiers cannot contain a double quote or NUL character');
    }
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > this.maxIdentifierBytes) {
      throw badIdentifier(
        name,
        `${bytes} bytes is longer than Oracle's ${this.maxIdentifierBytes}-byte limit`,
      );
    }
    return `"${name}"`;
  }

  upsert(
    table: TableInfo,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): CompiledStatement[] {
    if (rows.length === 0) return [];
    const keys = primaryKey(table);
    const cols = columns.map((name) => columnOf(table, name));
    if (new Set(columns).size !== columns.length) {
      throw invariant(`${describe(table)}: upsert names a column twice (${columns.join(', ')})`);
    }
    for (const key of keys) {
      if (!columns.includes(key.name)) {
        throw invariant(`${describe(table)}: upsert columns lack primary-key column ${key.name}`);
      }
    }
    checkWidth(table, rows, cols.length, 'upsert');
    const q = cols.map((c) => this.quoteIdentifier(c.name));
    const source = cols.map((c, i) => `${bindExpression(c, `:${i + 1}`)} AS ${q[i]}`).join(', ');
    const on = keys.map((k) => `t.${this.quoteIdentifier(k.name)} = s.${this.quoteIdentifier(k.name)}`);
    const keyNames = new Set(keys.map((k) => k.name));
    const updates = cols
      .map((c, i) => (keyNames.has(c.name) ? undefined : `t.${q[i]} = s.${q[i]}`))
      .filter((u): u is string => u !== undefined);
    const sql = [
      `MERGE INTO ${this.tableName(table)} t`,
      `USING (SELECT ${source} FROM dual) s`,
      `ON (${on.join(' AND ')})`,
      ...(updates.length > 0 ? [`WHEN MATCHED THEN UPDATE SET ${updates.join(', ')}`] : []),
      `WHEN NOT MATCHED THEN INSERT (${q.join(', ')}) VALUES (${q.map((n) => `s.${n}`).join(', ')})`,
    ].join(' ');
    return chunksOf(rows, cols.length).map((chunk) => ({ kind: 'many', sql, rows: chunk }));
  }

  deleteByKeys(table: TableInfo, keys: readonly (readonly unknown[])[]): CompiledStatement[] {
    if (keys.length === 0) return [];
    const pk = primaryKey(table);
    checkWidth(table, keys, pk.length, 'delete');
    const where = pk
      .map((c, i) => `${this.quoteIdentifier(c.name)} = ${bindExpression(c, `:${i + 1}`)}`)
      .join(' AND ');
    const sql = `DELETE FROM ${this.tableName(table)} WHERE ${where}`;
    return chunksOf(keys, pk.length).map((chunk) => ({ kind: 'many', sql, rows: chunk }));
  }

  selectByKeys(
    table: TableInfo,
    keys: readonly (readonly unknown[])[],
    options: SelectOptions = {},
  ): CompiledStatement[] {
    if (keys.length === 0) return [];
    const pk = primaryKey(table);
    checkWidth(table, keys, pk.length, 'select');
    const list = table.columns.map((c) => this.selectColumn(c)).join(', ');
    const target =
      pk.length === 1
        ? this.quoteIdentifier(pk[0]!.name)
        : `(${pk.map((c) => this.quoteIdentifier(c.name)).join(', ')})`;
    const perStatement = Math.max(1, Math.floor(ORACLE_MAX_BINDS / pk.length));
    const statements: CompiledStatement[] = [];
    for (let start = 0; start < keys.length; start += perStatement) {
      const chunk = keys.slice(start, start + perStatement);
      const lists: string[] = [];
      for (let from = 0; from < chunk.length; from += ORACLE_MAX_IN_LIST) {
        const items: string[] = [];
        for (let k = from; k < Math.min(from + ORACLE_MAX_IN_LIST, chunk.length); k++) {
          const binds = pk.map((c, i) => bindExpression(c, `:${k * pk.length + i + 1}`));
          items.push(pk.length === 1 ? binds[0]! : `(${binds.join(', ')})`);
        }
        lists.push(`${target} IN (${items.join(', ')})`);
      }
      statements.push({
        kind: 'single',
        sql: `SELECT ${list} FROM ${this.tableName(table)} WHERE ${lists.join(' OR ')}${options.forUpdate ? ' FOR UPDATE' : ''}`,
        params: chunk.flat(),
      });
    }
    return statements;
  }

  selectPage(table: TableInfo, options: PageOptions): CompiledStatement {
    return compilePage(table, options, {
      quote: (name) => this.quoteIdentifier(name),
      tableName: this.tableName(table),
      selectColumn: (column) => this.selectColumn(column),
      // Key values go through their column's conversion, as in every other statement; the page
      // size is a plain number.
      bind: (n, column) => (column ? bindExpression(column, `:${n}`) : `:${n}`),
      // Oracle has no row comparison.
      rowComparison: false,
      limitClause: (placeholder) => `FETCH FIRST ${placeholder} ROWS ONLY`,
    });
  }

  countRows(table: TableInfo): CompiledStatement {
    return countRowsStatement(this.tableName(table), (name) => this.quoteIdentifier(name));
  }

  /**
   * How `selectByKeys` and `selectPage` read a column: through the codec's read expression (temporals
   * through `TO_CHAR`), aliased to the column's name so rows come back keyed by it.
   */
  private selectColumn(column: ColumnInfo): string {
    const quoted = this.quoteIdentifier(column.name);
    const read = readExpression(column, quoted);
    return read === quoted ? quoted : `${read} AS ${quoted}`;
  }

  private tableName(table: TableInfo): string {
    return `${this.quoteIdentifier(table.schema)}.${this.quoteIdentifier(table.name)}`;
  }
}

/**
 * The bind rows of a `many` statement in runs of at most {@link ORACLE_MAX_BINDS} bind values, so one
 * `executeMany` round trip stays bounded (and never has more rows than `batchErrors` can report). The
 * usual batch is one run, passed through as it is.
 */
function chunksOf(rows: readonly (readonly unknown[])[], width: number): (readonly (readonly unknown[])[])[] {
  const perRun = Math.max(1, Math.floor(ORACLE_MAX_BINDS / Math.max(width, 1)));
  if (rows.length <= perRun) return [rows];
  const runs: (readonly (readonly unknown[])[])[] = [];
  for (let start = 0; start < rows.length; start += perRun) runs.push(rows.slice(start, start + perRun));
  return runs;
}

function identifierLimit(serverVersion: string | undefined): number {
  const m = /^(\d+)\.(\d+)/.exec(serverVersion ?? '');
  if (!m) return 128;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 12 || (major === 12 && minor >= 2) ? 128 : 30;
}

function describe(table: TableInfo): string {
  return `${table.schema}.${table.name}`;
}

function primaryKey(table: TableInfo): ColumnInfo[] {
  if (table.primaryKey.length === 0) {
    throw new DbtwinError(
      ErrorCode.TargetTableUnusable,
      `${describe(table)} has no primary key, so changes cannot be applied idempotently`,
      { hint: 'add a primary key to the Oracle table' },
    );
  }
  return table.primaryKey.map((name) => columnOf(table, name));
}

function columnOf(table: TableInfo, name: string): ColumnInfo {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    throw new DbtwinError(ErrorCode.ColumnNotMapped, `${describe(table)} has no column ${name}`, {
      hint: `add the column to ${describe(table)} or map it in the link`,
    });
  }
  return column;
}

function checkWidth(
  table: TableInfo,
  rows: readonly (readonly unknown[])[],
  width: number,
  what: string,
): void {
  const bad = rows.findIndex((r) => r.length !== width);
  if (bad >= 0) {
    throw invariant(
      `${describe(table)}: ${what} row ${bad} has ${rows[bad]!.length} values, expected ${width}`,
    );
  }
}

function invariant(message: string): DbtwinError {
  return new DbtwinError(ErrorCode.InternalInvariant, message);
}

function badIdentifier(name: string, why: string): DbtwinError {
  return new DbtwinError(
    ErrorCode.ConfigInvalid,
    `cannot use Oracle identifier ${JSON.stringify(name)}: ${why}`,
    {
      hint: 'rename the table or column, or map it to a valid Oracle name in the link',
    },
  );
}
