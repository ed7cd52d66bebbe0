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
  const indexes = new Map<string, { primary: boolean; columns: string[] }>();
  for (const row of rows) {
    const index = textField(row, 'index_name') ?? '';
    const entry = indexes.get(index) ?? { primary: isPrimary(row), columns: [] };
    entry.columns.push(textField(row, 'column_name') ?? '');
    indexes.set(index, entry);
  }
  let primaryKey: string[] = [];
  const uniqueKeys: string[][] = [];
  for (const { primary, columns } of indexes.values()) {
    if (primary) primaryKey = columns;
    else uniqueKeys.push(columns);
  }
  return { primaryKey, uniqueKeys };
}
