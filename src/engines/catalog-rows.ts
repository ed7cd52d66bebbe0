import type { ForeignKeyAction, ForeignKeyInfo } from './dialect.js';

/**
 * Reading the rows drivers return, shared by the engine introspectors and codecs. Drivers return
 * catalog numbers as numbers or as text (pg returns every value as text here, mysql2 returns BIGINT
 * columns as text), so every field is read through these.
 */

/** A text field, or undefined when it is NULL. */
export function textField(row: Record<string, unknown>, name: string): string | undefined {
  const v = row[name];
  if (v === null || v === undefined) return undefined;
  return scalarText(v);
}

/** A driver value as text: strings as they are, numbers and booleans spelled out, bytes as UTF-8, objects as JSON. */
export function scalarText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
      return v.toString();
    default:
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
      return JSON.stringify(v) ?? '';
  }
}

/** An integer field, or undefined when it is NULL. */
export function intField(row: Record<string, unknown>, name: string): number | undefined {
  const v = textField(row, name);
  return v === undefined ? undefined : Number(v);
}

/** A boolean field (`t`/`true`/`1`/`YES`, as pg and information_schema spell it). */
export function flagField(row: Record<string, unknown>, name: string): boolean {
  const v = textField(row, name)?.toLowerCase();
  return v === 't' || v === 'true' || v === '1' || v === 'yes';
}

/**
 * Primary key and other unique keys from catalog rows with `index_name` and `column_name`, ordered by
 * index, then by position in the index; `isPrimary` tells the primary key's rows.
 */
export function keysFromIndexRows(
  rows: readonly Record<string, unknown>[],
  isPrimary: (row: Record<string, unknown>) => boolean,
): { primaryKey: string[]; uniqueKeys: string[][] } {
  const { primaryKey, uniqueKeyInfo } = namedKeysFromIndexRows(rows, isPrimary, () => '');
  return { primaryKey, uniqueKeys: uniqueKeyInfo.map((k) => k.columns) };
}

/** A primary key and unique keys with their names, as {@link namedKeysFromIndexRows} reads them. */
export interface NamedKeys {
  /** The primary key's name; undefined when the table has no primary key. */
  readonly primaryKeyName: string | undefined;
  readonly primaryKey: string[];
  /** Each a `KeyInfo` of dialect.ts; mutable arrays, so `uniqueKeys` can be made of the same columns. */
  readonly uniqueKeyInfo: { name: string; columns: string[] }[];
}

/**
 * Like {@link keysFromIndexRows}, keeping the names: rows grouped by `index_name` (any value unique per
 * index, such as an oid), `nameOf` reading the name to report from the index's first row.
 */
export function namedKeysFromIndexRows(
  rows: readonly Record<string, unknown>[],
  isPrimary: (row: Record<string, unknown>) => boolean,
  nameOf: (row: Record<string, unknown>) => string,
): NamedKeys {
  let primaryKeyName: string | undefined;
  let primaryKey: string[] = [];
  const uniqueKeyInfo: { name: string; columns: string[] }[] = [];
  for (const group of groupRows(rows, 'index_name')) {
    const first = group[0]!;
    const columns = group.map((r) => textField(r, 'column_name') ?? '');
    if (isPrimary(first)) {
      primaryKeyName = nameOf(first);
      primaryKey = columns;
    } else uniqueKeyInfo.push({ name: nameOf(first), columns });
  }
  return { primaryKeyName, primaryKey, uniqueKeyInfo };
}

/**
 * Rows grouped by the value of `field`, groups in the order of their first row, rows in their order:
 * catalog queries order by object, then position, so each group is one object's parts in order.
 */
export function groupRows(
  rows: readonly Record<string, unknown>[],
  field: string,
): Record<string, unknown>[][] {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const key = textField(row, field) ?? '';
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

const FOREIGN_KEY_ACTIONS: Readonly<Record<string, ForeignKeyAction>> = {
  'NO ACTION': 'no action',
  RESTRICT: 'restrict',
  CASCADE: 'cascade',
  'SET NULL': 'set null',
  'SET DEFAULT': 'set default',
};

/**
 * A referential action as information_schema and Oracle's ALL_CONSTRAINTS spell it (`CASCADE`,
 * `SET NULL`, `NO ACTION`, …), any case. Anything else, or NULL, is `no action`: what every engine does
 * when no action is declared.
 */
export function foreignKeyAction(rule: string | undefined): ForeignKeyAction {
  return FOREIGN_KEY_ACTIONS[(rule ?? '').trim().toUpperCase()] ?? 'no action';
}

/** The catalog fields one engine's foreign-key rows name the parts of a foreign key with. */
export interface ForeignKeyFields {
  readonly name: string;
  readonly column: string;
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumn: string;
}

/** The column aliases the MySQL and PostgreSQL foreign-key queries select. */
export const ALIASED_FOREIGN_KEY_FIELDS: ForeignKeyFields = {
  name: 'name',
  column: 'column_name',
  refSchema: 'ref_schema',
  refTable: 'ref_table',
  refColumn: 'ref_column',
};

/**
 * One foreign key from its catalog rows, one row per column in key order (a `groupRows` group). The
 * actions come from the first row, read as the engine spells them (`actions`).
 */
export function foreignKeyFromRows(
  parts: readonly Record<string, unknown>[],
  fields: ForeignKeyFields,
  actions: (first: Record<string, unknown>) => Pick<ForeignKeyInfo, 'onDelete' | 'onUpdate'>,
): ForeignKeyInfo {
  const first = parts[0]!;
  return {
    name: textField(first, fields.name) ?? '',
    columns: parts.map((p) => textField(p, fields.column) ?? ''),
    refSchema: textField(first, fields.refSchema) ?? '',
    refTable: textField(first, fields.refTable) ?? '',
    refColumns: parts.map((p) => textField(p, fields.refColumn) ?? ''),
    ...actions(first),
  };
}

/** A text field with NULL and the empty string both as undefined (MySQL spells "no comment" as `''`). */
export function nonEmptyField(row: Record<string, unknown>, name: string): string | undefined {
  const v = textField(row, name);
  return v === undefined || v === '' ? undefined : v;
}
