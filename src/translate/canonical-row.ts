import { createHash } from 'node:crypto';
import type { Row, Value } from '../core/values.js';
import { valueToJson } from '../core/value-json.js';
import type { ColumnInfo } from '../engines/dialect.js';

/**
 * The engine-neutral text of a value, so that the same logical value read from two engines compares
 * equal: booleans as `true`/`false` whether stored as MySQL TINYINT(1), BIT(1), Oracle NUMBER(1) or
 * PostgreSQL boolean; JSON documents with their keys sorted and no insignificant white space (jsonb
 * reorders keys, MySQL JSON keeps the text); CHAR without trailing spaces; everything else in its exact JSON form
 * (`core/value-json.ts`: decimals at their scale, 64-bit integers as text, timestamps with
 * microseconds, bytes as hex).
 */
export function canonicalText(value: Value, column: ColumnInfo): string | null {
  if (value === null) return null;
  if (isBooleanColumn(column)) {
    if (typeof value === 'boolean') return String(value);
    // Only 0 and 1 are truth values: a MySQL TINYINT(1) may hold 2, which must not compare equal to 1.
    if (value === 0 || value === 1 || value === 0n || value === 1n) return String(value == 1);
  }
  if (typeof value === 'object' && !(value instanceof Uint8Array) && value.type === 'json')
    return canonicalJson(value.text);
  // CHAR compares with trailing spaces ignored on every engine (PAD SPACE); PostgreSQL returns them, MySQL strips them.
  if (typeof value === 'string' && isFixedChar(column)) return value.replace(/ +$/, '');
  const json = valueToJson(value);
  return json === null ? null : String(json);
}

/** A row's canonical texts by lower-cased column name (so `ID` and `id` meet). */
export function canonicalRow(row: Row, columns: readonly ColumnInfo[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const column of columns) {
    const value = row[column.name];
    out[column.name.toLowerCase()] = value === undefined ? null : canonicalText(value, column);
  }
  return out;
}

/**
 * SHA-256 over canonical rows sorted by their key texts: equal for two tables holding the same data,
 * whatever the engines, column name case or row order.
 */
export function tableChecksum(
  rows: readonly Record<string, string | null>[],
  keyColumns: readonly string[],
): string {
  const keys = keyColumns.map((k) => k.toLowerCase());
  const lines = rows.map((r) =>
    JSON.stringify(
      Object.keys(r)
        .sort()
        .map((c) => [c, r[c]]),
    ),
  );
  const sortKeys = rows.map((r) => JSON.stringify(keys.map((k) => r[k])));
  const order = lines
    .map((_, i) => i)
    .sort((a, b) => (sortKeys[a]! < sortKeys[b]! ? -1 : sortKeys[a]! > sortKeys[b]! ? 1 : 0));
  const hash = createHash('sha256');
  for (const i of order) hash.update(lines[i]!).update('\n');
  return hash.digest('hex');
}

/** MySQL TINYINT(1)/BIT(1) and PostgreSQL boolean: columns whose values are truth values. */
export function isBooleanColumn(column: ColumnInfo): boolean {
  const type = column.columnType.toLowerCase();
  return column.dataType === 'boolean' || type === 'tinyint(1)' || type === 'bit(1)';
}

/** Fixed-length character columns, compared without trailing spaces (PAD SPACE). */
export function isFixedChar(column: ColumnInfo): boolean {
  return ['char', 'character', 'bpchar', 'nchar'].includes(column.dataType);
}

/** A JSON document with its keys sorted and no insignificant white space; the text itself when it does not parse. */
export function canonicalJson(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
