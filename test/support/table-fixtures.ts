import assert from 'node:assert/strict';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { valueToJson } from '../../src/core/value-json.js';
import type { Value } from '../../src/core/values.js';
import type { ColumnInfo, TableInfo, TypeCodec } from '../../src/engines/dialect.js';

/** A catalog column for unit tests: nullable, with the given type and any other catalog facts. */
export function column(
  name: string,
  dataType: string,
  facts: Partial<Omit<ColumnInfo, 'name' | 'dataType'>> = {},
): ColumnInfo {
  return { name, position: 1, dataType, columnType: facts.columnType ?? dataType, nullable: true, ...facts };
}

/** A table for unit tests: columns given as `[name, dataType]` (key columns NOT NULL), key in order. */
export function table(
  schema: string,
  name: string,
  columns: readonly (readonly [string, string])[],
  primaryKey: readonly string[],
): TableInfo {
  return {
    schema,
    name,
    columns: columns.map(([n, t], i) => ({
      ...column(n, t),
      position: i + 1,
      nullable: !primaryKey.includes(n),
    })),
    primaryKey,
    uniqueKeys: [],
  };
}

/** The SQL and params of a compiled `single` statement (fails the test for `many`). */
export function single(statement: { kind: string; sql?: string; params?: readonly unknown[] }): {
  sql: string;
  params: readonly unknown[];
} {
  if (statement.kind !== 'single' || statement.sql === undefined || statement.params === undefined) {
    throw new Error(`expected a single statement, got ${statement.kind}`);
  }
  return { sql: statement.sql, params: statement.params };
}

/** Asserts that `codec.encode` refuses the value with ValueDoesNotFit, the message starting with the column name. */
export function assertDoesNotFit(codec: TypeCodec, value: Value, col: ColumnInfo, why?: RegExp): void {
  assert.throws(
    () => codec.encode(value, col),
    (e: unknown) =>
      e instanceof DbtwinError &&
      e.code === ErrorCode.ValueDoesNotFit &&
      e.message.startsWith(`${col.name}: `) &&
      (why === undefined || why.test(e.message)),
    `${col.name} ${col.columnType} rejects ${String(valueToJson(value))}`,
  );
}
