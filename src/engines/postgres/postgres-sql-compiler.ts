import { BaseSqlCompiler } from '../base-sql-compiler.js';
import type { TableInfo } from '../dialect.js';

/** Alias of the target row in the upsert, so a table named `excluded` cannot clash with EXCLUDED. */
const TARGET = '"dbtwin_target"';

/**
 * Types whose values compare with `IS DISTINCT FROM` directly. Others (json, xml, geometric and
 * unknown types, arrays of anything) have no equality operator or only an approximate one, and are
 * compared by their text.
 */
const COMPARABLE = new Set([
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'real',
  'double precision',
  'boolean',
  'date',
  'timestamp without time zone',
  'timestamp with time zone',
  'time without time zone',
  'time with time zone',
  'interval',
  'character varying',
  'character',
  'text',
  'bytea',
  'jsonb',
  'uuid',
  'bit',
  'bit varying',
  'inet',
  'cidr',
  'macaddr',
  'money',
]);

/**
 * PostgreSQL DML: `INSERT … ON CONFLICT (pk) DO UPDATE SET c = EXCLUDED.c WHERE <row differs>`, or
 * `DO NOTHING` when every inserted column is a key column. The WHERE makes re-applying an identical
 * row write nothing (no new tuple, no WAL, so no Debezium event): an echo that reaches PostgreSQL
 * ends there (design §3, layer 4). A unique violation on another key is an error, as it should be.
 * At most 65535 parameters per statement (the protocol's limit); numbered `$1…` per statement.
 */
export class PostgresSqlCompiler extends BaseSqlCompiler {
  protected readonly maxParams = 65_535;
  /** `(a, b) > ($1, $2)` is an index condition on the primary key here. */
  protected override readonly pageRowComparison = true;

  /** Double quotes, an embedded double quote doubled. */
  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  protected placeholder(n: number): string {
    return `$${n}`;
  }

  protected override insertTarget(table: TableInfo): string {
    return `${this.tableName(table)} AS ${TARGET}`;
  }

  protected upsertClause(table: TableInfo, updates: readonly string[]): string {
    const key = table.primaryKey.map((c) => this.quoteIdentifier(c)).join(', ');
    if (updates.length === 0) return `ON CONFLICT (${key}) DO NOTHING`;
    const set = updates.map((c) => `${this.quoteIdentifier(c)} = EXCLUDED.${this.quoteIdentifier(c)}`);
    const compared = (row: string): string => updates.map((c) => this.comparable(table, row, c)).join(', ');
    return `ON CONFLICT (${key}) DO UPDATE SET ${set.join(', ')} WHERE (${compared(TARGET)}) IS DISTINCT FROM (${compared('EXCLUDED')})`;
  }

  private comparable(table: TableInfo, row: string, column: string): string {
    const ref = `${row}.${this.quoteIdentifier(column)}`;
    const dataType = table.columns.find((c) => c.name === column)?.dataType ?? '';
    return COMPARABLE.has(dataType) ? ref : `${ref}::text`;
  }
}
