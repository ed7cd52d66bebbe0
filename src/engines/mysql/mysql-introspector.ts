import {
  foreignKeyAction,
  groupRows,
  intField,
  keysFromIndexRows,
  namedKeysFromIndexRows,
  nonEmptyField,
  textField,
  ALIASED_FOREIGN_KEY_FIELDS,
  foreignKeyFromRows,
} from '../catalog-rows.js';
import type { ColumnInfo, IndexInfo, Introspector, SchemaTable, TableInfo } from '../dialect.js';
import type { EngineDriver } from '../engine-driver.js';

const TABLE_TYPES = "('BASE TABLE', 'SYSTEM VERSIONED')";

const COLUMNS_SQL = `SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
  IS_NULLABLE AS is_nullable, CHARACTER_MAXIMUM_LENGTH AS char_length, CHARACTER_OCTET_LENGTH AS octet_length,
  NUMERIC_PRECISION AS num_precision,
  NUMERIC_SCALE AS num_scale, DATETIME_PRECISION AS dt_precision, CHARACTER_SET_NAME AS charset,
  COLLATION_NAME AS collation_name, COLUMN_DEFAULT AS default_value, EXTRA AS extra,
  GENERATION_EXPRESSION AS generation_expression, COLUMN_COMMENT AS column_comment
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`;

// Every index part: the unique ones are the keys `table` reports, the others `describe`'s indexes.
const INDEX_SQL = `SELECT INDEX_NAME AS index_name, COLUMN_NAME AS column_name, NON_UNIQUE AS non_unique,
  COLLATION AS collation_order, SUB_PART AS sub_part, INDEX_TYPE AS index_type
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`;

const FOREIGN_KEYS_SQL = `SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS column_name,
  k.REFERENCED_TABLE_SCHEMA AS ref_schema, k.REFERENCED_TABLE_NAME AS ref_table,
  k.REFERENCED_COLUMN_NAME AS ref_column, r.UPDATE_RULE AS update_rule, r.DELETE_RULE AS delete_rule
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
  AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION`;

// MariaDB names checks per table (a column's JSON check is named after the column) and has
// CHECK_CONSTRAINTS.TABLE_NAME; MySQL names them per schema and has no such column, so its checks are
// found through TABLE_CONSTRAINTS.
const MARIADB_CHECKS_SQL = `SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME`;
const MYSQL_CHECKS_SQL = `SELECT cc.CONSTRAINT_NAME AS name, cc.CHECK_CLAUSE AS clause
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = ? AND tc.TABLE_NAME = ? AND tc.CONSTRAINT_TYPE = 'CHECK'
ORDER BY cc.CONSTRAINT_NAME`;

/**
 * The table's collation, comment and the collation's character set. MariaDB ≥ 10.10 keys
 * COLLATION_CHARACTER_SET_APPLICABILITY by FULL_COLLATION_NAME (its COLLATION_NAME of a UCA 14.0.0
 * collation names no character set); older MariaDB and MySQL by COLLATION_NAME.
 */
function tableSql(collationColumn: 'COLLATION_NAME' | 'FULL_COLLATION_NAME'): string {
  return `SELECT t.TABLE_COLLATION AS collation_name, t.TABLE_COMMENT AS table_comment, a.CHARACTER_SET_NAME AS charset
FROM information_schema.TABLES t
LEFT JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY a ON a.${collationColumn} = t.TABLE_COLLATION
WHERE t.TABLE_SCHEMA = ? AND t.TABLE_NAME = ?`;
}

// MariaDB's JSON is LONGTEXT with a CHECK (json_valid(col)) constraint named after the column.
const JSON_VALID = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

/** FULLTEXT and SPATIAL indexes need a kind `IndexInfo` cannot say; they are left out of `indexes`. */
const PLAIN_INDEX_TYPES = new Set(['BTREE', 'HASH', 'RTREE']);

/** What the server is: flavour and version, for the catalog queries that differ. */
interface Flavour {
  readonly mariadb: boolean;
  /** major × 10000 + minor × 100 + patch: 10.11.19 → 101119, 8.0.16 → 80016. */
  readonly version: number;
}

/** A table as {@link MysqlIntrospector} loads it, with the catalog rows `describe` needs as well. */
interface Loaded {
  readonly table: TableInfo;
  readonly indexRows: readonly Record<string, unknown>[];
  readonly checkRows: readonly Record<string, unknown>[];
  readonly jsonColumns: ReadonlySet<string>;
}

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
 * - `table` fills `identity`, `generatedAs` and `comment` too (they are in the same COLUMNS row):
 *   AUTO_INCREMENT is `by-default-on-null` (NULL or no value draws the next number, an explicit value
 *   is kept); `generatedAs` is GENERATION_EXPRESSION of VIRTUAL/STORED columns (whether the value is
 *   stored is not reported); an empty COLUMN_COMMENT is no comment.
 */
export class MysqlIntrospector implements Introspector {
  private flavourOf: Promise<Flavour> | undefined;
  private foldsCase: Promise<boolean> | undefined;

  constructor(private readonly driver: EngineDriver) {}

  async table(schema: string, name: string): Promise<TableInfo | undefined> {
    return (await this.load(schema, name))?.table;
  }

  async tables(schema: string): Promise<string[]> {
    const rows = await this.driver.query(
      `SELECT TABLE_NAME AS table_name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ${TABLE_TYPES}`,
      [schema],
    );
    return rows.map((r) => textField(r, 'table_name') ?? '').sort();
  }

  /**
   * `table`, plus: the unique keys' names (`primaryKeyName` is always `PRIMARY`); foreign keys with the
   * referenced columns in key order and UPDATE_RULE/DELETE_RULE as the catalog reports them (MariaDB
   * reports an unspecified rule as `RESTRICT`, MySQL as `NO ACTION`: InnoDB treats both alike);
   * non-unique indexes with COLLATION `D` as `descending` (MySQL 8, MariaDB ≥ 10.8; older MariaDB
   * accepts DESC and ignores it) and SUB_PART as `prefixLength`; CHECK_CLAUSE of every check but
   * MariaDB's `json_valid` on a JSON column; the table's collation, its character set and comment.
   *
   * Left out, because `SchemaTable` has no place to say them: indexes with a functional part (MySQL
   * ≥ 8.0.13; also left out of the keys), FULLTEXT and SPATIAL indexes, and index prefix lengths of
   * unique keys. MySQL before 8.0.16 has no CHECK_CONSTRAINTS (and ignored CHECK): no checks there.
   */
  async describe(schema: string, name: string): Promise<SchemaTable | undefined> {
    const loaded = await this.load(schema, name, true);
    if (!loaded) return undefined;
    const { table, indexRows, checkRows, jsonColumns } = loaded;
    const flavour = await this.flavour();
    const collationColumn =
      flavour.mariadb && flavour.version >= 101000 ? 'FULL_COLLATION_NAME' : 'COLLATION_NAME';
    const [fkRows, tableRows] = await Promise.all([
      this.driver.query(FOREIGN_KEYS_SQL, [table.schema, table.name]),
      this.driver.query(tableSql(collationColumn), [table.schema, table.name]),
    ]);
    const keys = namedKeysFromIndexRows(
      usableKeyRows(indexRows),
      (r) => textField(r, 'index_name') === 'PRIMARY',
      (r) => textField(r, 'index_name') ?? '',
    );
    const tableRow = tableRows[0] ?? {};
    const charset = nonEmptyField(tableRow, 'charset');
    const collation = nonEmptyField(tableRow, 'collation_name');
    const comment = nonEmptyField(tableRow, 'table_comment');
    return {
      ...table,
      primaryKey: keys.primaryKey,
      uniqueKeys: keys.uniqueKeyInfo.map((k) => k.columns),
      ...(keys.primaryKeyName === undefined ? {} : { primaryKeyName: keys.primaryKeyName }),
      uniqueKeyInfo: keys.uniqueKeyInfo,
      foreignKeys: groupRows(fkRows, 'name').map((parts) =>
        // KEY_COLUMN_USAGE rows in ORDINAL_POSITION order, with REFERENTIAL_CONSTRAINTS' rules.
        foreignKeyFromRows(parts, ALIASED_FOREIGN_KEY_FIELDS, (first) => ({
          onDelete: foreignKeyAction(textField(first, 'delete_rule')),
          onUpdate: foreignKeyAction(textField(first, 'update_rule')),
        })),
      ),
      indexes: secondaryIndexes(indexRows),
      checks: checkRows
        .filter((r) => !isJsonCheck(textField(r, 'clause'), jsonColumns))
        .map((r) => ({ name: textField(r, 'name') ?? '', expression: textField(r, 'clause') ?? '' })),
      ...(charset === undefined ? {} : { charset }),
      ...(collation === undefined ? {} : { collation }),
      ...(comment === undefined ? {} : { comment }),
    };
  }

  /** The table and the rows behind it; `withChecks` reads every check, not only MariaDB's JSON ones. */
  private async load(schema: string, name: string, withChecks = false): Promise<Loaded | undefined> {
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
    const [columnRows, indexRows, checkRows] = await Promise.all([
      this.driver.query(COLUMNS_SQL, [actualSchema, actualName]),
      this.driver.query(INDEX_SQL, [actualSchema, actualName]),
      this.checkRows(actualSchema, actualName, withChecks),
    ]);
    const jsonColumns = new Set(
      checkRows
        .map((r) => JSON_VALID.exec(textField(r, 'clause') ?? '')?.[1])
        .filter((n) => n !== undefined)
        .map((n) => n.replaceAll('``', '`')),
    );
    return {
      table: {
        schema: actualSchema,
        name: actualName,
        columns: columnRows.map((r, i) => toColumn(r, i + 1, jsonColumns)),
        ...keysFromIndexRows(usableKeyRows(indexRows), (r) => textField(r, 'index_name') === 'PRIMARY'),
      },
      indexRows,
      checkRows,
      jsonColumns,
    };
  }

  /**
   * The table's check constraints as `name`/`clause` rows: on MariaDB always (its JSON columns are
   * told by their checks); on MySQL only when `all` is asked (`describe`), and never before 8.0.16,
   * which has no CHECK_CONSTRAINTS.
   */
  private async checkRows(schema: string, table: string, all: boolean): Promise<Record<string, unknown>[]> {
    const flavour = await this.flavour();
    if (flavour.mariadb) return this.driver.query(MARIADB_CHECKS_SQL, [schema, table]);
    if (!all || flavour.version < 80016) return [];
    return this.driver.query(MYSQL_CHECKS_SQL, [schema, table]);
  }

  private async caseInsensitive(): Promise<boolean> {
    this.foldsCase ??= this.driver
      .query('SELECT @@lower_case_table_names AS l')
      .then((rows) => (rows[0] ? intField(rows[0], 'l') : 0) !== 0);
    return this.foldsCase;
  }

  private async flavour(): Promise<Flavour> {
    this.flavourOf ??= this.driver.serverVersion().then((v) => {
      const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
      return { mariadb: /mariadb/i.test(v), version: major * 10000 + minor * 100 + patch };
    });
    return this.flavourOf;
  }
}

/**
 * The unique indexes' rows, without indexes that have a functional part (MySQL ≥ 8.0.13: no column
 * name): such an index is no key dbtwin can use.
 */
function usableKeyRows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const unique = rows.filter((r) => intField(r, 'non_unique') === 0);
  const functional = new Set(
    unique.filter((r) => textField(r, 'column_name') === undefined).map((r) => textField(r, 'index_name')),
  );
  return unique.filter((r) => !functional.has(textField(r, 'index_name')));
}

/** Non-unique plain (B-tree/hash/R-tree) indexes without functional parts, in name order. */
function secondaryIndexes(rows: readonly Record<string, unknown>[]): IndexInfo[] {
  const nonUnique = rows.filter((r) => intField(r, 'non_unique') !== 0);
  return groupRows(nonUnique, 'index_name')
    .filter((parts) =>
      parts.every(
        (p) =>
          textField(p, 'column_name') !== undefined &&
          PLAIN_INDEX_TYPES.has((textField(p, 'index_type') ?? '').toUpperCase()),
      ),
    )
    .map((parts) => ({
      name: textField(parts[0]!, 'index_name') ?? '',
      columns: parts.map((p) => {
        const prefixLength = intField(p, 'sub_part');
        return {
          name: textField(p, 'column_name') ?? '',
          ...(textField(p, 'collation_order') === 'D' ? { descending: true } : {}),
          ...(prefixLength === undefined ? {} : { prefixLength }),
        };
      }),
    }));
}

/** MariaDB's own `json_valid(`col`)` check on a column it reports as JSON. */
function isJsonCheck(clause: string | undefined, jsonColumns: ReadonlySet<string>): boolean {
  const column = JSON_VALID.exec(clause ?? '')?.[1];
  return column !== undefined && jsonColumns.has(column.replaceAll('``', '`'));
}

function toColumn(
  row: Record<string, unknown>,
  position: number,
  jsonColumns: ReadonlySet<string>,
): ColumnInfo {
  const name = textField(row, 'name') ?? '';
  const catalogType = (textField(row, 'data_type') ?? '').toLowerCase();
  const dataType = catalogType === 'longtext' && jsonColumns.has(name) ? 'json' : catalogType;
  const columnType = textField(row, 'column_type') ?? dataType;
  const defaultValue = textField(row, 'default_value');
  const extra = textField(row, 'extra') ?? '';
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
  if (/auto_increment/i.test(extra)) {
    info.autoIncrement = true;
    info.identity = 'by-default-on-null';
  }
  // MySQL 8 has GENERATION_EXPRESSION '' on every other column, MariaDB NULL; an expression default
  // (EXTRA DEFAULT_GENERATED) is in COLUMN_DEFAULT, not here.
  const generatedAs = nonEmptyField(row, 'generation_expression');
  if (generatedAs !== undefined && /\b(VIRTUAL|STORED|PERSISTENT)\b/i.test(extra))
    info.generatedAs = generatedAs;
  const comment = nonEmptyField(row, 'column_comment');
  if (comment !== undefined) info.comment = comment;
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
