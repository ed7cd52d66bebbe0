import { BaseSqlCompiler } from '../base-sql-compiler.js';
import type { ColumnInfo, TableInfo } from '../dialect.js';

/**
 * MySQL/MariaDB DML. The upsert is `INSERT … ON DUPLICATE KEY UPDATE`: with the row alias
 * (`VALUES … AS new ON DUPLICATE KEY UPDATE c = new.c`) on MySQL ≥ 8.0.20, where `VALUES(c)` is
 * deprecated, and with `VALUES(c)` on MariaDB (which has no row alias) and older MySQL.
 *
 * ON DUPLICATE KEY fires on any unique key, not only the primary key: a row whose non-key unique value
 * collides with another row updates that other row (MySQL semantics; PostgreSQL's `ON CONFLICT (pk)`
 * raises a unique violation instead). Statements hold at most 65535 placeholders and about 4 MiB of
 * bound data, well under MariaDB's default 16 MiB `max_allowed_packet` (mysql2 binds on the client).
 */
export class MysqlSqlCompiler extends BaseSqlCompiler {
  protected readonly maxParams = 65_535;
  /** Whether the upsert uses the row alias (MySQL ≥ 8.0.20) rather than `VALUES(col)`. */
  readonly rowAlias: boolean;

  /** @param serverVersion `VERSION()` of the target; without it, MySQL 8.4 (row alias). */
  constructor(serverVersion?: string) {
    super();
    this.rowAlias = usesRowAlias(serverVersion);
  }

  /** Backticks, an embedded backtick doubled. */
  quoteIdentifier(name: string): string {
    return `\`${name.replaceAll('`', '``')}\``;
  }

  /**
   * FLOAT as a double: the text protocol prints FLOAT with 6 significant digits (30258.125 comes as
   * 30258.1), and an update that keeps a column of the current row would write that back. `+ 0e0`
   * (double arithmetic) gives the float's exact value on MySQL 5.7+ and MariaDB alike.
   */
  protected override selectColumn(column: ColumnInfo): string {
    const name = this.quoteIdentifier(column.name);
    return column.dataType === 'float' ? `(${name} + 0e0) AS ${name}` : name;
  }

  protected placeholder(): string {
    return '?';
  }

  protected upsertClause(table: TableInfo, updates: readonly string[]): string {
    if (updates.length === 0) {
      // Nothing to update: assigning a key column to itself makes an existing row a no-op, where
      // INSERT IGNORE would also silence genuine errors (strict-mode conversions) into warnings.
      const key = this.quoteIdentifier(table.primaryKey[0] ?? '');
      return `ON DUPLICATE KEY UPDATE ${key} = ${key}`;
    }
    // The alias must differ from the table's name.
    const alias = table.name.toLowerCase() === 'new' ? 'new_row' : 'new';
    const set = updates.map((c) => {
      const q = this.quoteIdentifier(c);
      return this.rowAlias ? `${q} = ${alias}.${q}` : `${q} = VALUES(${q})`;
    });
    return `${this.rowAlias ? `AS ${alias} ` : ''}ON DUPLICATE KEY UPDATE ${set.join(', ')}`;
  }
}

/**
 * Whether a server takes `INSERT … AS alias ON DUPLICATE KEY UPDATE`: MySQL 8.0.20 and later (the
 * version where `VALUES()` became deprecated), never MariaDB. Unknown version strings get `VALUES()`,
 * which every version still accepts; no version at all means current MySQL.
 */
export function usesRowAlias(serverVersion?: string): boolean {
  if (serverVersion === undefined) return true;
  if (/mariadb/i.test(serverVersion)) return false;
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion.trim());
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major > 8 || (major === 8 && (minor > 0 || patch >= 20));
}
