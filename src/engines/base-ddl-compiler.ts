import type { EngineName } from '../core/change-event.js';
import type { DdlColumn, DdlCompiler, DdlForeignKey, DdlIndex, DdlTable } from './ddl-compiler.js';
import type { ForeignKeyAction } from './dialect.js';

/**
 * The DDL every engine spells alike (kysely's pattern: a base with the standard SQL, each engine
 * overriding where it differs): tables with named inline constraints, indexes, foreign keys added
 * after the data, standard string literals. Engines supply identifier quoting and the column clause.
 */
export abstract class BaseDdlCompiler implements DdlCompiler {
  abstract readonly engine: EngineName;

  /** The name, quoted when the engine would not take it unquoted. */
  abstract identifier(name: string): string;

  /** One column's clause: name, type, identity or default, nullability. */
  protected abstract column(c: DdlColumn): string;

  abstract syncIdentity(table: DdlTable, column: string): string | undefined;

  /** A standard SQL string literal (quotes doubled). */
  literal(text: string): string {
    return `'${text.replaceAll("'", "''")}'`;
  }

  createTable(table: DdlTable): string {
    const lines = table.columns.map((c) => `  ${this.column(c)}`);
    if (table.primaryKey) lines.push(`  ${this.primaryKey(table.primaryKey)}`);
    for (const key of table.uniqueKeys) {
      lines.push(`  CONSTRAINT ${this.identifier(key.name)} ${this.uniqueWord} (${this.list(key.columns)})`);
    }
    for (const check of table.checks) {
      lines.push(`  CONSTRAINT ${this.identifier(check.name)} CHECK (${check.expression})`);
    }
    return `CREATE TABLE ${this.tableName(table)} (\n${lines.join(',\n')}\n)${this.tableOptions(table)}`;
  }

  createIndex(table: DdlTable, index: DdlIndex): string {
    const columns = index.columns
      .map((c) => `${this.indexColumn(c)}${c.descending ? ' DESC' : ''}`)
      .join(', ');
    return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${this.identifier(index.name)} ON ${this.tableName(table)} (${columns})`;
  }

  addForeignKey(table: DdlTable, fk: DdlForeignKey): string {
    return (
      `ALTER TABLE ${this.tableName(table)} ADD CONSTRAINT ${this.identifier(fk.name)} FOREIGN KEY (${this.list(fk.columns)})` +
      ` REFERENCES ${this.identifier(fk.refSchema)}.${this.identifier(fk.refTable)} (${this.list(fk.refColumns)})` +
      this.action('DELETE', fk.onDelete) +
      this.action('UPDATE', fk.onUpdate)
    );
  }

  /** Table and column comments as `COMMENT ON` statements (MySQL writes them inline instead). */
  comments(table: DdlTable): string[] {
    const out: string[] = [];
    if (table.comment)
      out.push(`COMMENT ON TABLE ${this.tableName(table)} IS ${this.literal(table.comment)}`);
    for (const c of table.columns) {
      if (c.comment)
        out.push(
          `COMMENT ON COLUMN ${this.tableName(table)}.${this.identifier(c.name)} IS ${this.literal(c.comment)}`,
        );
    }
    return out;
  }

  /** The keyword of a unique constraint: `UNIQUE` (MySQL also takes `UNIQUE KEY`). */
  protected readonly uniqueWord: string = 'UNIQUE';

  protected primaryKey(key: NonNullable<DdlTable['primaryKey']>): string {
    return `CONSTRAINT ${this.identifier(key.name)} PRIMARY KEY (${this.list(key.columns)})`;
  }

  /** What follows the closing parenthesis of CREATE TABLE; nothing by default. */
  protected tableOptions(_table: DdlTable): string {
    return '';
  }

  /** A column of an index (MySQL adds a prefix length). */
  protected indexColumn(c: DdlIndex['columns'][number]): string {
    return this.identifier(c.name);
  }

  /** ` ON DELETE CASCADE`; nothing for the default (NO ACTION). */
  protected action(event: 'DELETE' | 'UPDATE', what: ForeignKeyAction): string {
    return what === 'no action' ? '' : ` ON ${event} ${what.toUpperCase()}`;
  }

  protected tableName(table: DdlTable): string {
    return `${this.identifier(table.schema)}.${this.identifier(table.name)}`;
  }

  protected list(names: readonly string[]): string {
    return names.map((n) => this.identifier(n)).join(', ');
  }
}
