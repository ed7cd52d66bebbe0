import { intField, keysFromIndexRows, textField } from '../catalog-rows.js';
import type { ColumnInfo, Introspector, TableInfo } from '../dialect.js';
import type { EngineDriver } from '../engine-driver.js';

const TABLE_TYPES = "('BASE TABLE', 'SYSTEM VERSIONED')";

const COLUMNS_SQL = `SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
  IS_NULLABLE AS is_nullable, CHARACTER_MAXIMUM_LENGTH AS char_length, CHARACTER_OCTET_LENGTH AS octet_length,
  NUMERIC_PRECISION AS num_precision,
  NUMERIC_SCALE AS num_scale, DATETIME_PRECISION AS dt_precision, CHARACTER_SET_NAME AS charset,
  COLLATION_NAME AS collation_name, COLUMN_DEFAULT AS default_value, EXTRA AS extra
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`;

const KEYS_SQL = `SELECT INDEX_NAME AS index_name, COLUMN_NAME AS column_name
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0
ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`;

// MariaDB's JSON is LONGTEXT with a CHECK (json_valid(col)) constraint named after the column.
const MARIADB_JSON_SQL = `SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`;
const JSON_VALID = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

/**
 * Reads MySQL/MariaDB tables from information_schema, with bound parameters only.
 *
 * - Names match as the server matches them: exactly, or ignoring case when `lower_case_table_names`
 *   is set.
 * - `dataType` is DATA_TYPE, except MariaDB's JSON columns (LONGTEXT + `json_valid` check), which
 *   report `json`; `columnType` is COLUMN_TYPE as the catalog shows it.
 * - `length`: characters for CHAR/VARCHAR, bytes for TEXT/BINARY/BLOB types, bits for BIT(n).
 * - `precision`/`scale` only for DECIMAL; `fractionDigits` for DATETIME/TIMESTAMP/TIME.
 * - A default of NULL (MariaDB spells it `NULL`) is no default.
 */
export class MysqlIntrospector implements Introspector {
  private mariadb: Promise<boolean> | undefined;
  private foldsCase: Promise<boolean> | undefined;

  constructor(private readonly driver: EngineDriver) {}

  async table(schema: string, name: string): Promise<TableInfo | undefined> {
    const found = await this.driver.query(
      `SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE IN ${TABLE_TYPES}`,
      [schema, name],
    );
    const exact = found.find(
      (r) => textField(r, 'table_schema') === schema && textField(r, 'table_name') === name,
    );
    const row = exact ?? (found.length === 1 && (await this.caseInsensitive()) ? found[0] : undefined);
    if (!row) return undefined;
    const actualSchema = textField(row, 'table_schema') ?? schema;
    const actualName = textField(row, 'table_name') ?? name;
    const [columnRows, keyRows, jsonColumns] = await Promise.all([
      this.driver.query(COLUMNS_SQL, [actualSchema, actualName]),
      this.driver.query(KEYS_SQL, [actualSchema, actualName]),
      this.mariadbJsonColumns(actualSchema, actualName),
    ]);
    // A functional key part has no column name: such an index is no key dbtwin can use.
    const functional = new Set(
      keyRows.filter((r) => textField(r, 'column_name') === undefined).map((r) => textField(r, 'index_name')),
    );
    const usable = keyRows.filter((r) => !functional.has(textField(r, 'index_name')));
    return {
      schema: actualSchema,
      name: actualName,
      columns: columnRows.map((r, i) => toColumn(r, i + 1, jsonColumns)),
      ...keysFromIndexRows(usable, (r) => textField(r, 'index_name') === 'PRIMARY'),
    };
  }

  async tables(schema: string): Promise<string[]> {
    const rows = await this.driver.query(
      `SELECT TABLE_NAME AS table_name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ${TABLE_TYPES}`,
      [schema],
    );
    return rows.map((r) => textField(r, 'table_name') ?? '').sort();
  }

  private async caseInsensitive(): Promise<boolean> {
    this.foldsCase ??= this.driver
      .query('SELECT @@lower_case_table_names AS l')
      .then((rows) => (rows[0] ? intField(rows[0], 'l') : 0) !== 0);
    return this.foldsCase;
  }

  private async mariadbJsonColumns(schema: string, table: string): Promise<Set<string>> {
    this.mariadb ??= this.driver.serverVersion().then((v) => /mariadb/i.test(v));
    if (!(await this.mariadb)) return new Set();
    const rows = await this.driver.query(MARIADB_JSON_SQL, [schema, table]);
    const names = rows.map((r) => JSON_VALID.exec(textField(r, 'clause') ?? '')?.[1]);
    return new Set(names.filter((n) => n !== undefined).map((n) => n.replaceAll('``', '`')));
  }
}

function toColumn(row: Record<string, unknown>, position: number, jsonColumns: Set<string>): ColumnInfo {
  const name = textField(row, 'name') ?? '';
  const catalogType = (textField(row, 'data_type') ?? '').toLowerCase();
  const dataType = catalogType === 'longtext' && jsonColumns.has(name) ? 'json' : catalogType;
  const columnType = textField(row, 'column_type') ?? dataType;
  const defaultValue = textField(row, 'default_value');
  const info: { -readonly [K in keyof ColumnInfo]: ColumnInfo[K] } = {
    name,
    position,
    dataType,
    columnType,
    nullable: textField(row, 'is_nullable') === 'YES',
  };
  // TEXT types are limited in bytes whatever the character set; CHAR/VARCHAR in characters.
  const length =
    dataType === 'bit'
      ? intField(row, 'num_precision')
      : intField(row, dataType.endsWith('text') ? 'octet_length' : 'char_length');
  if (length !== undefined && !['json', 'enum', 'set'].includes(dataType)) info.length = length;
  if (dataType === 'decimal' || dataType === 'numeric') {
    info.precision = intField(row, 'num_precision');
    info.scale = intField(row, 'num_scale');
  }
  const fractionDigits = intField(row, 'dt_precision');
  if (fractionDigits !== undefined && ['datetime', 'timestamp', 'time'].includes(dataType)) {
    info.fractionDigits = fractionDigits;
  }
  if (/\bunsigned\b/i.test(columnType)) info.unsigned = true;
  const charset = textField(row, 'charset');
  if (charset !== undefined) info.charset = charset;
  const collation = textField(row, 'collation_name');
  if (collation !== undefined) info.collation = collation;
  if (defaultValue !== undefined && defaultValue !== 'NULL') info.defaultValue = defaultValue;
  if (/auto_increment/i.test(textField(row, 'extra') ?? '')) info.autoIncrement = true;
  if (dataType === 'enum' || dataType === 'set') info.enumValues = members(columnType);
  return info;
}

/** Members of `enum('a','b''c')` / `set(…)`, quotes undone. */
function members(columnType: string): string[] {
  const body = columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'));
  return [...body.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)].map((m) =>
    (m[1] ?? '').replaceAll("''", "'").replace(/\\(.)/g, '$1'),
  );
}
