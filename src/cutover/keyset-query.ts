// The SQL of a keyset page belongs to each engine's compiler (`SqlCompiler.selectPage` and
// `countRows` in src/engines/): this module keeps only what verification itself needs to know about
// a table's key, with no engine knowledge.
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { primaryKeyColumns } from '../engines/base-sql-compiler.js';
import type { ColumnInfo, TableInfo } from '../engines/dialect.js';

/**
 * The primary-key columns, in key order, from the catalog. Throws TargetTableUnusable for a table
 * without a primary key, with the reason verification needs one (rows are paired by key).
 */
export function keyColumns(table: TableInfo): ColumnInfo[] {
  if (table.primaryKey.length === 0)
    throw new DbtwinError(
      ErrorCode.TargetTableUnusable,
      `${table.schema}.${table.name} has no primary key: verification compares rows by primary key`,
      { hint: 'add a primary key to the table on both sides' },
    );
  return primaryKeyColumns(table);
}
