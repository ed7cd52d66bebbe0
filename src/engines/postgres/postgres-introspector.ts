import {
  flagField,
  groupRows,
  intField,
  keysFromIndexRows,
  namedKeysFromIndexRows,
  textField,
  ALIASED_FOREIGN_KEY_FIELDS,
  foreignKeyFromRows,
} from '../catalog-rows.js';
import type {
  ColumnInfo,
  ForeignKeyAction,
  IndexInfo,
  Introspector,
  SchemaTable,
  TableInfo,
} from '../dialect.js';
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
  a.attidentity AS identity_kind, a.attgenerated AS generated_kind, col.generation_expression,
  pg_catalog.col_description(a.attrelid, a.attnum) AS column_comment,
  (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)::text FROM pg_catalog.pg_enum e
    WHERE e.enumtypid = COALESCE(NULLIF(t.typbasetype, 0), a.atttypid)) AS enum_values
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN information_schema.columns col
  ON col.table_schema = $2::text AND col.table_name = $3::text AND col.column_name = a.attname
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

// Unique indexes that really are keys: no predicate (partial), no expressions, key columns only (not
// INCLUDE). The name is the constraint's when the index backs one (normally the index's own name).
const KEYS_SQL = `SELECT i.indexrelid::text AS index_name, i.indisprimary AS is_primary, a.attname AS column_name,
  COALESCE(con.conname, ic.relname) AS key_name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_catalog.pg_constraint con
  ON con.conrelid = i.indrelid AND con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1::oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
  AND k.ord <= i.indnkeyatts
ORDER BY i.indisprimary DESC, i.indexrelid, k.ord`;

// Secondary B-tree indexes: not unique (unique ones are keys above), not backing an exclusion
// constraint, no predicate, no expressions; key columns only. indoption bit 0 is DESC.
const INDEXES_SQL = `SELECT ic.relname AS index_name, a.attname AS column_name,
  (k.opt & 1) = 1 AS descending
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
CROSS JOIN LATERAL unnest(i.indkey::int2[], i.indoption::int2[]) WITH ORDINALITY AS k(attnum, opt, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1::oid AND NOT i.indisunique AND NOT i.indisexclusion AND am.amname = 'btree'
  AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
ORDER BY ic.relname, k.ord`;

// conkey/confkey pair up referencing and referenced columns in key order. A foreign key to a
// partitioned table has clones (conparentid) for each partition on the same table: only the
// constraint that is not such a clone is reported.
const FOREIGN_KEYS_SQL = `SELECT c.conname AS name, a.attname AS column_name, rn.nspname AS ref_schema,
  rc.relname AS ref_table, ra.attname AS ref_column, c.confdeltype AS on_delete, c.confupdtype AS on_update
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class rc ON rc.oid = c.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refnum
WHERE c.conrelid = $1::oid AND c.contype = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p WHERE p.oid = c.conparentid AND p.conrelid = c.conrelid)
ORDER BY c.conname, k.ord`;

// The expression alone (pg_get_constraintdef adds CHECK (…) and NOT VALID around it).
const CHECKS_SQL = `SELECT conname AS name, pg_catalog.pg_get_expr(conbin, conrelid) AS expression
FROM pg_catalog.pg_constraint WHERE conrelid = $1::oid AND contype = 'c' ORDER BY conname`;

const TABLE_COMMENT_SQL = `SELECT pg_catalog.obj_description($1::oid, 'pg_class') AS table_comment`;

const TABLES_SQL = `SELECT c.relname AS table_name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1::text AND c.relkind IN ('r', 'p') AND NOT c.relispartition`;

/** A table as {@link PostgresIntrospector} loads it, with what `describe` needs as well. */
interface Loaded {
  readonly table: TableInfo;
  readonly oid: string | undefined;
  readonly keyRows: readonly Record<string, unknown>[];
}

/** pg_constraint's one-letter referential actions. */
const ACTIONS: Readonly<Record<string, ForeignKeyAction>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

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
 * - `table` fills `identity`, `generatedAs` and `comment` too (same row, no extra query): attidentity
 *   `a` is `always`, `d` and a serial's `nextval(…)` default `by-default`; `generatedAs` is the
 *   expression of a `GENERATED ALWAYS AS (…) STORED` column; `comment` is `col_description`.
 * - Partitions are not listed by `tables()`: rows are written through their parent.
 */
export class PostgresIntrospector implements Introspector {
  constructor(private readonly session: EngineSession) {}

  async table(schema: string, name: string): Promise<TableInfo | undefined> {
    return (await this.load(schema, name))?.table;
  }

  async tables(schema: string): Promise<string[]> {
    const rows = await this.session.query(TABLES_SQL, [schema]);
    return rows.map((r) => textField(r, 'table_name') ?? '').sort();
  }

  /**
   * `table`, plus: key names (a constraint's name, else the unique index's); foreign keys from
   * pg_constraint in conkey/confkey order; non-unique B-tree indexes with DESC columns; check
   * expressions as `pg_get_expr` deparses them (`(qty >= 0)`); the table comment. No charset or
   * collation: PostgreSQL has none per table.
   *
   * Left out, because `SchemaTable` has no place to say them: partial and expression indexes (unique
   * ones are not keys either), other index methods (GIN, GiST, BRIN, hash), INCLUDE columns,
   * exclusion constraints, NOT VALID / DEFERRABLE flags and MATCH FULL.
   */
  async describe(schema: string, name: string): Promise<SchemaTable | undefined> {
    const loaded = await this.load(schema, name);
    if (!loaded) return undefined;
    const { table, oid, keyRows } = loaded;
    const [indexRows, fkRows, checkRows, commentRows] = await Promise.all([
      this.session.query(INDEXES_SQL, [oid]),
      this.session.query(FOREIGN_KEYS_SQL, [oid]),
      this.session.query(CHECKS_SQL, [oid]),
      this.session.query(TABLE_COMMENT_SQL, [oid]),
    ]);
    const keys = namedKeysFromIndexRows(
      keyRows,
      (r) => flagField(r, 'is_primary'),
      (r) => textField(r, 'key_name') ?? '',
    );
    const comment = commentRows[0] ? textField(commentRows[0], 'table_comment') : undefined;
    return {
      ...table,
      primaryKey: keys.primaryKey,
      uniqueKeys: keys.uniqueKeyInfo.map((k) => k.columns),
      ...(keys.primaryKeyName === undefined ? {} : { primaryKeyName: keys.primaryKeyName }),
      uniqueKeyInfo: keys.uniqueKeyInfo,
      foreignKeys: groupRows(fkRows, 'name').map((parts) =>
        // pg_constraint's one-letter action codes.
        foreignKeyFromRows(parts, ALIASED_FOREIGN_KEY_FIELDS, (first) => ({
          onDelete: ACTIONS[textField(first, 'on_delete') ?? 'a'] ?? 'no action',
          onUpdate: ACTIONS[textField(first, 'on_update') ?? 'a'] ?? 'no action',
        })),
      ),
      indexes: groupRows(indexRows, 'index_name').map((parts): IndexInfo => ({
        name: textField(parts[0]!, 'index_name') ?? '',
        columns: parts.map((p) => ({
          name: textField(p, 'column_name') ?? '',
          ...(flagField(p, 'descending') ? { descending: true } : {}),
        })),
      })),
      checks: checkRows.map((r) => ({
        name: textField(r, 'name') ?? '',
        expression: textField(r, 'expression') ?? '',
      })),
      ...(comment === undefined ? {} : { comment }),
    };
  }

  private async load(schema: string, name: string): Promise<Loaded | undefined> {
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
      table: {
        schema: actualSchema,
        name: actualName,
        columns: columnRows.map((r, i) => toColumn(r, i + 1)),
        ...keysFromIndexRows(keyRows, (r) => flagField(r, 'is_primary')),
      },
      oid,
      keyRows,
    };
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
  const identityKind = textField(row, 'identity_kind');
  if (identityKind === 'a') info.identity = 'always';
  else if (identityKind === 'd' || columnDefault?.startsWith('nextval(')) info.identity = 'by-default';
  if (textField(row, 'is_identity') === 'YES' || info.identity !== undefined) info.autoIncrement = true;
  // attgenerated 's' (stored; PostgreSQL has no virtual generated columns before 18, 'v' there).
  const generatedKind = textField(row, 'generated_kind');
  const generatedAs = textField(row, 'generation_expression');
  if (generatedKind !== undefined && generatedKind !== '' && generatedAs !== undefined)
    info.generatedAs = generatedAs;
  const comment = textField(row, 'column_comment');
  if (comment !== undefined) info.comment = comment;
  const enumValues = textField(row, 'enum_values');
  if (enumValues !== undefined) info.enumValues = JSON.parse(enumValues) as string[];
  return info;
}
