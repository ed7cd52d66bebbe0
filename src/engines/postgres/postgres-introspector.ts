import { flagField, intField, keysFromIndexRows, textField } from '../catalog-rows.js';
import type { ColumnInfo, Introspector, TableInfo } from '../dialect.js';
import type { EngineSession } from '../engine-driver.js';

// Ordinary and partitioned tables; the exact spelling wins over the folded one.
const FIND_SQL = `SELECT c.oid::text AS oid, n.nspname AS table_schema, c.relname AS table_name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname::text IN ($1::text, lower($1::text))
  AND c.relname::text IN ($2::text, lower($2::text))
ORDER BY (n.nspname::text = $1::text) DESC, (c.relname::text = $2::text) DESC
LIMIT 1`;

// information_schema for the SQL-standard facts, pg_catalog for the declared type and enum labels.
const COLUMNS_SQL = `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,
  col.data_type, col.udt_name, col.is_nullable, col.character_maximum_length AS char_length,
  col.numeric_precision AS num_precision, col.numeric_scale AS num_scale,
  col.datetime_precision AS dt_precision, col.collation_name, col.column_default, col.is_identity,
  (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)::text FROM pg_catalog.pg_enum e
    WHERE e.enumtypid = COALESCE(NULLIF(t.typbasetype, 0), a.atttypid)) AS enum_values
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN information_schema.columns col
  ON col.table_schema = $2::text AND col.table_name = $3::text AND col.column_name = a.attname
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

// Unique indexes that really are keys: no predicate (partial), no expressions, key columns only (not INCLUDE).
const KEYS_SQL = `SELECT i.indexrelid::text AS index_name, i.indisprimary AS is_primary, a.attname AS column_name
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1::oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
  AND k.ord <= i.indnkeyatts
ORDER BY i.indisprimary DESC, i.indexrelid, k.ord`;

const TABLES_SQL = `SELECT c.relname AS table_name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1::text AND c.relkind IN ('r', 'p') AND NOT c.relispartition`;

/**
 * Reads PostgreSQL tables from pg_catalog and information_schema, with bound parameters only.
 *
 * - Names match exactly, else as PostgreSQL folds unquoted names (lower case).
 * - `dataType` is information_schema's `data_type` (`timestamp with time zone`, `character varying`),
 *   with `USER-DEFINED` replaced by the type's name (enums also get `enumValues`) and `ARRAY` as `array`;
 *   `columnType` is `format_type` (`numeric(30,10)`, `timestamp(6) without time zone`).
 * - `length`: characters for character types, bits for bit types; `precision`/`scale` only for a
 *   constrained `numeric`; `fractionDigits` for timestamps, times and intervals.
 * - `autoIncrement`: identity columns and serials (a `nextval(…)` default).
 * - Partitions are not listed by `tables()`: rows are written through their parent.
 */
export class PostgresIntrospector implements Introspector {
  constructor(private readonly session: EngineSession) {}

  async table(schema: string, name: string): Promise<TableInfo | undefined> {
    const [found] = await this.session.query(FIND_SQL, [schema, name]);
    if (!found) return undefined;
    const oid = textField(found, 'oid');
    const actualSchema = textField(found, 'table_schema') ?? schema;
    const actualName = textField(found, 'table_name') ?? name;
    const [columnRows, keyRows] = await Promise.all([
      this.session.query(COLUMNS_SQL, [oid, actualSchema, actualName]),
      this.session.query(KEYS_SQL, [oid]),
    ]);
    return {
      schema: actualSchema,
      name: actualName,
      columns: columnRows.map((r, i) => toColumn(r, i + 1)),
      ...keysFromIndexRows(keyRows, (r) => flagField(r, 'is_primary')),
    };
  }

  async tables(schema: string): Promise<string[]> {
    const rows = await this.session.query(TABLES_SQL, [schema]);
    return rows.map((r) => textField(r, 'table_name') ?? '').sort();
  }
}

function toColumn(row: Record<string, unknown>, position: number): ColumnInfo {
  const catalogType = textField(row, 'data_type') ?? '';
  const dataType =
    catalogType === 'USER-DEFINED'
      ? (textField(row, 'udt_name') ?? '')
      : catalogType === 'ARRAY'
        ? 'array'
        : catalogType.toLowerCase();
  const columnDefault = textField(row, 'column_default');
  const info: { -readonly [K in keyof ColumnInfo]: ColumnInfo[K] } = {
    name: textField(row, 'name') ?? '',
    position,
    dataType,
    columnType: textField(row, 'column_type') ?? dataType,
    nullable: textField(row, 'is_nullable') === 'YES',
  };
  const length = intField(row, 'char_length');
  if (length !== undefined) info.length = length;
  const precision = intField(row, 'num_precision');
  if (dataType === 'numeric' && precision !== undefined) {
    info.precision = precision;
    info.scale = intField(row, 'num_scale') ?? 0;
  }
  const fractionDigits = intField(row, 'dt_precision');
  if (fractionDigits !== undefined && dataType !== 'date') info.fractionDigits = fractionDigits;
  const collation = textField(row, 'collation_name');
  if (collation !== undefined) info.collation = collation;
  if (columnDefault !== undefined) info.defaultValue = columnDefault;
  if (textField(row, 'is_identity') === 'YES' || columnDefault?.startsWith('nextval('))
    info.autoIncrement = true;
  const enumValues = textField(row, 'enum_values');
  if (enumValues !== undefined) info.enumValues = JSON.parse(enumValues) as string[];
  return info;
}
