import { needsQuoting } from '../../translate/name-mapping.js';
import { BaseDdlCompiler } from '../base-ddl-compiler.js';
import type { DdlColumn, DdlIndex, DdlTable } from '../ddl-compiler.js';

/**
 * MySQL/MariaDB DDL. Tables are InnoDB (foreign keys, transactions); comments are written inline
 * (`COMMENT '…'`), so {@link comments} returns nothing. Nullable columns say `NULL` explicitly, so a
 * TIMESTAMP column never picks up the legacy implicit `NOT NULL DEFAULT CURRENT_TIMESTAMP`.
 * Literal defaults of TEXT/BLOB/JSON columns are written as expressions (`DEFAULT ('x')`), the only
 * form MySQL 8 accepts for them (MariaDB takes both).
 */
export class MysqlDdlCompiler extends BaseDdlCompiler {
  readonly engine = 'mysql' as const;
  protected override readonly uniqueWord = 'UNIQUE KEY';

  protected override primaryKey(key: NonNullable<DdlTable['primaryKey']>): string {
    // MySQL names every primary key PRIMARY: a constraint name would be ignored.
    return `PRIMARY KEY (${this.list(key.columns)})`;
  }

  protected override tableOptions(table: DdlTable): string {
    const options = ['ENGINE=InnoDB'];
    if (table.charset) options.push(`DEFAULT CHARSET=${table.charset}`);
    if (table.collation) options.push(`COLLATE=${table.collation}`);
    if (table.comment) options.push(`COMMENT=${this.literal(table.comment)}`);
    return ` ${options.join(' ')}`;
  }

  protected override indexColumn(c: DdlIndex['columns'][number]): string {
    return `${this.identifier(c.name)}${c.prefixLength === undefined ? '' : `(${c.prefixLength})`}`;
  }

  identifier(name: string): string {
    return needsQuoting(name, 'mysql') ? `\`${name.replaceAll('`', '``')}\`` : name;
  }

  override literal(text: string): string {
    // Backslash is an escape in MySQL string literals unless NO_BACKSLASH_ESCAPES is set.
    return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  }

  override comments(): string[] {
    return [];
  }

  syncIdentity(): undefined {
    // InnoDB moves AUTO_INCREMENT past every explicitly inserted key by itself.
    return undefined;
  }

  protected column(c: DdlColumn): string {
    const parts = [this.identifier(c.name), c.type, c.nullable ? 'NULL' : 'NOT NULL'];
    if (c.identity) parts.push('AUTO_INCREMENT');
    else if (c.defaultExpression !== undefined) {
      const literalDefault = /^'/.test(c.defaultExpression) || /^-?[0-9]/.test(c.defaultExpression);
      parts.push(
        `DEFAULT ${literalDefault && /TEXT|BLOB|JSON/i.test(c.type) ? `(${c.defaultExpression})` : c.defaultExpression}`,
      );
    }
    if (c.comment) parts.push(`COMMENT ${this.literal(c.comment)}`);
    return parts.join(' ');
  }
}
