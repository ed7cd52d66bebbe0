import { foreignKeyAction, foreignKeyFromRows, groupRows, textField } from '../catalog-rows.js';
import type { ColumnInfo, IndexInfo, Introspector, KeyInfo, SchemaTable, TableInfo } from '../dialect.js';
import type { EngineSession } from '../engine-driver.js';
import { normalizeOracleType } from './oracle-type-codec.js';

/** Catalog queries (exported so the grammar test parses them too). */
export const COLUMNS_SQL =
  'SELECT c.COLUMN_NAME, c.COLUMN_ID, c.DATA_TYPE, c.DATA_PRECISION, c.DATA_SCALE, c.CHAR_LENGTH,' +
  ' c.CHAR_USED, c.DATA_LENGTH, c.NULLABLE, c.DATA_DEFAULT, c.IDENTITY_COLUMN' +
  ' FROM ALL_TAB_COLUMNS c JOIN ALL_TABLES t ON t.OWNER = c.OWNER AND t.TABLE_NAME = c.TABLE_NAME' +
  ' WHERE c.OWNER = :1 AND c.TABLE_NAME = :2 ORDER BY c.COLUMN_ID';

export const KEYS_SQL =
  'SELECT k.CONSTRAINT_NAME, k.CONSTRAINT_TYPE, cc.COLUMN_NAME, cc.POSITION' +
  ' FROM ALL_CONSTRAINTS k JOIN ALL_CONS_COLUMNS cc' +
  ' ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND cc.TABLE_NAME = k.TABLE_NAME' +
  " WHERE k.OWNER = :1 AND k.TABLE_NAME = :2 AND k.CONSTRAINT_TYPE IN ('P', 'U')" +
  ' ORDER BY k.CONSTRAINT_TYPE, k.CONSTRAINT_NAME, cc.POSITION';

// What `describe` adds. LONG columns (SEARCH_CONDITION, DATA_DEFAULT, COLUMN_EXPRESSION) are only
// selected, never filtered on in SQL (Oracle forbids LONG in WHERE): the filtering is in TypeScript.

/** Per column: virtual (DATA_DEFAULT is then the expression), identity kind, DEFAULT ON NULL, comment. */
export const COLUMN_DETAILS_SQL =
  'SELECT c.COLUMN_NAME, c.VIRTUAL_COLUMN, c.DATA_DEFAULT, c.DEFAULT_ON_NULL, i.GENERATION_TYPE, m.COMMENTS' +
  ' FROM ALL_TAB_COLS c' +
  ' LEFT JOIN ALL_TAB_IDENTITY_COLS i' +
  ' ON i.OWNER = c.OWNER AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = c.COLUMN_NAME' +
  ' LEFT JOIN ALL_COL_COMMENTS m' +
  ' ON m.OWNER = c.OWNER AND m.TABLE_NAME = c.TABLE_NAME AND m.COLUMN_NAME = c.COLUMN_NAME' +
  " WHERE c.OWNER = :1 AND c.TABLE_NAME = :2 AND c.HIDDEN_COLUMN = 'NO'";

/** Check constraints, NOT NULL ones included (told apart by their condition in TypeScript). */
export const CHECKS_SQL =
  'SELECT CONSTRAINT_NAME, SEARCH_CONDITION FROM ALL_CONSTRAINTS' +
  " WHERE OWNER = :1 AND TABLE_NAME = :2 AND CONSTRAINT_TYPE = 'C' ORDER BY CONSTRAINT_NAME";

/** Foreign keys with the referenced constraint's table and columns, paired by position. */
export const FOREIGN_KEYS_SQL =
  'SELECT k.CONSTRAINT_NAME, k.DELETE_RULE, cc.COLUMN_NAME, cc.POSITION,' +
  ' r.OWNER AS R_OWNER, r.TABLE_NAME AS R_TABLE_NAME, rc.COLUMN_NAME AS R_COLUMN_NAME' +
  ' FROM ALL_CONSTRAINTS k' +
  ' JOIN ALL_CONS_COLUMNS cc' +
  ' ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND cc.TABLE_NAME = k.TABLE_NAME' +
  ' JOIN ALL_CONSTRAINTS r ON r.OWNER = k.R_OWNER AND r.CONSTRAINT_NAME = k.R_CONSTRAINT_NAME' +
  ' JOIN ALL_CONS_COLUMNS rc' +
  ' ON rc.OWNER = r.OWNER AND rc.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND rc.TABLE_NAME = r.TABLE_NAME' +
  ' AND rc.POSITION = cc.POSITION' +
  " WHERE k.OWNER = :1 AND k.TABLE_NAME = :2 AND k.CONSTRAINT_TYPE = 'R'" +
  ' ORDER BY k.CONSTRAINT_NAME, cc.POSITION';

/**
 * Indexes that back no primary-key or unique constraint, with their columns; a DESC column is a
 * function-based column (SYS_NC…$) whose expression is the quoted column name. Domain, LOB, cluster
 * and IOT indexes are left out: they are no secondary index another engine can create.
 */
export const INDEXES_SQL =
  'SELECT i.INDEX_NAME, i.UNIQUENESS, ic.COLUMN_NAME, ic.COLUMN_POSITION, ic.DESCEND, e.COLUMN_EXPRESSION' +
  ' FROM ALL_INDEXES i' +
  ' JOIN ALL_IND_COLUMNS ic ON ic.INDEX_OWNER = i.OWNER AND ic.INDEX_NAME = i.INDEX_NAME' +
  ' LEFT JOIN ALL_IND_EXPRESSIONS e ON e.INDEX_OWNER = ic.INDEX_OWNER AND e.INDEX_NAME = ic.INDEX_NAME' +
  ' AND e.COLUMN_POSITION = ic.COLUMN_POSITION' +
  ' WHERE i.TABLE_OWNER = :1 AND i.TABLE_NAME = :2' +
  " AND i.INDEX_TYPE IN ('NORMAL', 'NORMAL/REV', 'BITMAP', 'FUNCTION-BASED NORMAL', 'FUNCTION-BASED BITMAP')" +
  ' AND NOT EXISTS (SELECT 1 FROM ALL_CONSTRAINTS k WHERE k.OWNER = i.TABLE_OWNER AND k.TABLE_NAME = i.TABLE_NAME' +
  " AND k.INDEX_OWNER = i.OWNER AND k.INDEX_NAME = i.INDEX_NAME AND k.CONSTRAINT_TYPE IN ('P', 'U'))" +
  ' ORDER BY i.INDEX_NAME, ic.COLUMN_POSITION';

export const TABLE_COMMENT_SQL = 'SELECT COMMENTS FROM ALL_TAB_COMMENTS WHERE OWNER = :1 AND TABLE_NAME = :2';

export const TABLES_SQL =
  'SELECT TABLE_NAME FROM ALL_TABLES' +
  " WHERE OWNER = :1 AND NESTED = 'NO' AND SECONDARY = 'N' AND DROPPED = 'NO'" +
  " AND (IOT_TYPE IS NULL OR IOT_TYPE <> 'IOT_OVERFLOW')";

/**
 * How Oracle resolves a name written in SQL: a name in double quotes is taken exactly (`"Orders"` →
 * `Orders`); any other name is folded to upper case as Oracle folds unquoted identifiers
 * (`orders` → `ORDERS`).
 */
export function oracleCatalogName(name: string): string {
  const quoted = /^"([^"]+)"$/.exec(name);
  return quoted ? quoted[1]! : name.toUpperCase();
}

/** A NOT NULL column constraint as Oracle stores it: `"COL" IS NOT NULL` (a typed CHECK keeps its text). */
const NOT_NULL_CHECK = /^"((?:[^"]|"")+)" IS NOT NULL$/;
/** A function-based index column that is only a column: how Oracle stores a DESC index column. */
const QUOTED_COLUMN = /^"((?:[^"]|"")+)"$/;

/** A table as `table` reads it, with the named key rows `describe` needs as well. */
interface Loaded {
  readonly table: TableInfo;
  readonly primaryKeyName: string | undefined;
  readonly uniqueKeyInfo: KeyInfo[];
}

/**
 * Reads ALL_TAB_COLUMNS / ALL_CONSTRAINTS / ALL_CONS_COLUMNS (so the connecting user needs only
 * SELECT on the tables, not the DBA views). Every value is a bound parameter.
 *
 * `table` leaves `identity`, `generatedAs` and `comment` unset: they take ALL_TAB_COLS,
 * ALL_TAB_IDENTITY_COLS and ALL_COL_COMMENTS, more catalog views than the apply path needs to read;
 * `describe` fills them. (`table` reports a virtual column's expression as its `defaultValue`, as
 * ALL_TAB_COLUMNS.DATA_DEFAULT holds it.)
 */
export class OracleIntrospector implements Introspector {
  constructor(private readonly session: EngineSession) {}

  async table(schema: string, name: string): Promise<TableInfo | undefined> {
    return (await this.load(oracleCatalogName(schema), oracleCatalogName(name)))?.table;
  }

  /**
   * `table`, plus: constraint names; unique indexes that back no constraint (on plain columns) as
   * further unique keys, after the unique constraints; foreign keys with DELETE_RULE (`onUpdate` is
   * always `no action`: Oracle has no ON UPDATE); secondary indexes, DESC columns resolved to their
   * column; check conditions as stored, except NOT NULL constraints (`"COL" IS NOT NULL` on a NOT
   * NULL column: that is `nullable`); per column `identity` (ALL_TAB_IDENTITY_COLS.GENERATION_TYPE,
   * `by-default-on-null` when DEFAULT_ON_NULL), `generatedAs` of virtual columns (which then have no
   * `defaultValue`), `comment`; the table comment. Identity columns keep no `defaultValue` (the
   * catalog shows the ISEQ$$ sequence call the identity is made of).
   *
   * Left out, because `SchemaTable` has no place to say them: function-based indexes on expressions
   * (unique ones are not keys either), domain/LOB/cluster indexes, constraint states (DISABLE,
   * DEFERRABLE, NOVALIDATE), BITMAP and REVERSE as such (they are reported as plain indexes).
   */
  async describe(schema: string, name: string): Promise<SchemaTable | undefined> {
    const owner = oracleCatalogName(schema);
    const tableName = oracleCatalogName(name);
    const loaded = await this.load(owner, tableName);
    if (!loaded) return undefined;
    const { table } = loaded;
    const binds = [owner, tableName];
    const detailRows = await this.session.query(COLUMN_DETAILS_SQL, binds);
    const checkRows = await this.session.query(CHECKS_SQL, binds);
    const fkRows = await this.session.query(FOREIGN_KEYS_SQL, binds);
    const indexRows = await this.session.query(INDEXES_SQL, binds);
    const commentRows = await this.session.query(TABLE_COMMENT_SQL, binds);

    const details = new Map(detailRows.map((r) => [textField(r, 'COLUMN_NAME') ?? '', r]));
    const columns = table.columns.map((c) => withDetails(c, details.get(c.name)));
    const notNull = new Set(columns.filter((c) => !c.nullable).map((c) => c.name));
    const indexes: IndexInfo[] = [];
    const uniqueIndexes: KeyInfo[] = [];
    for (const parts of groupRows(indexRows, 'INDEX_NAME')) {
      const index = toIndex(parts);
      if (index === undefined) continue;
      if (textField(parts[0]!, 'UNIQUENESS') === 'UNIQUE')
        uniqueIndexes.push({ name: index.name, columns: index.columns.map((c) => c.name) });
      else indexes.push(index);
    }
    const uniqueKeyInfo = [...loaded.uniqueKeyInfo, ...uniqueIndexes];
    const comment = commentRows[0] ? textField(commentRows[0], 'COMMENTS') : undefined;
    return {
      ...table,
      columns,
      uniqueKeys: uniqueKeyInfo.map((k) => k.columns),
      ...(loaded.primaryKeyName === undefined ? {} : { primaryKeyName: loaded.primaryKeyName }),
      uniqueKeyInfo,
      foreignKeys: groupRows(fkRows, 'CONSTRAINT_NAME').map((parts) =>
        // ALL_CONS_COLUMNS rows in POSITION order; Oracle has no ON UPDATE.
        foreignKeyFromRows(
          parts,
          {
            name: 'CONSTRAINT_NAME',
            column: 'COLUMN_NAME',
            refSchema: 'R_OWNER',
            refTable: 'R_TABLE_NAME',
            refColumn: 'R_COLUMN_NAME',
          },
          (first) => ({ onDelete: foreignKeyAction(textField(first, 'DELETE_RULE')), onUpdate: 'no action' }),
        ),
      ),
      indexes,
      checks: checkRows
        .map((r) => ({
          name: textField(r, 'CONSTRAINT_NAME') ?? '',
          expression: (textField(r, 'SEARCH_CONDITION') ?? '').trim(),
        }))
        .filter((check) => {
          const column = NOT_NULL_CHECK.exec(check.expression)?.[1]?.replaceAll('""', '"');
          return column === undefined || !notNull.has(column);
        }),
      ...(comment === undefined ? {} : { comment }),
    };
  }

  /** The table and its named keys, from the catalog names (already folded). */
  private async load(owner: string, table: string): Promise<Loaded | undefined> {
    const rows = await this.session.query(COLUMNS_SQL, [owner, table]);
    if (rows.length === 0) return undefined;
    const keyRows = await this.session.query(KEYS_SQL, [owner, table]);
    let primaryKeyName: string | undefined;
    const primaryKey: string[] = [];
    const unique = new Map<string, string[]>();
    for (const row of keyRows) {
      const column = text(row['COLUMN_NAME']);
      const constraint = text(row['CONSTRAINT_NAME']);
      if (text(row['CONSTRAINT_TYPE']) === 'P') {
        primaryKeyName = constraint;
        primaryKey.push(column);
      } else unique.set(constraint, [...(unique.get(constraint) ?? []), column]);
    }
    return {
      table: {
        schema: owner,
        name: table,
        columns: rows.map(toColumn),
        primaryKey,
        uniqueKeys: [...unique.values()],
      },
      primaryKeyName,
      uniqueKeyInfo: [...unique].map(([name, columns]) => ({ name, columns })),
    };
  }

  async tables(schema: string): Promise<string[]> {
    const rows = await this.session.query(TABLES_SQL, [oracleCatalogName(schema)]);
    return rows.map((r) => text(r['TABLE_NAME'])).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** One ALL_TAB_COLUMNS row as a {@link ColumnInfo}. Exported for tests. */
export function toColumn(row: Record<string, unknown>): ColumnInfo {
  const declared = text(row['DATA_TYPE']);
  const dataType = normalizeOracleType(declared);
  const precision = int(row['DATA_PRECISION']);
  const scale = int(row['DATA_SCALE']);
  const charLength = int(row['CHAR_LENGTH']);
  const dataLength = int(row['DATA_LENGTH']);
  const charUsed = text(row['CHAR_USED']);
  const semantics = charUsed === 'C' ? 'char' : charUsed === 'B' ? 'byte' : undefined;
  const defaultText = row['DATA_DEFAULT'] == null ? undefined : text(row['DATA_DEFAULT']).trim();
  const base = {
    name: text(row['COLUMN_NAME']),
    position: int(row['COLUMN_ID']) ?? 0,
    dataType,
    nullable: text(row['NULLABLE']) === 'Y',
    ...(defaultText ? { defaultValue: defaultText } : {}),
    ...(text(row['IDENTITY_COLUMN']) === 'YES' ? { autoIncrement: true } : {}),
  };
  switch (dataType) {
    case 'number': {
      const columnType =
        precision === undefined
          ? scale === undefined
            ? 'NUMBER'
            : `NUMBER(*,${scale})`
          : `NUMBER(${precision},${scale ?? 0})`;
      return { ...base, columnType, precision, scale: precision === undefined ? scale : (scale ?? 0) };
    }
    case 'float':
      return { ...base, columnType: precision === undefined ? 'FLOAT' : `FLOAT(${precision})`, precision };
    case 'varchar2':
    case 'varchar':
    case 'char':
      return {
        ...base,
        columnType: `${declared}(${charLength}${semantics ? ` ${semantics.toUpperCase()}` : ''})`,
        length: charLength,
        lengthSemantics: semantics,
      };
    case 'nvarchar2':
    case 'nchar':
      return {
        ...base,
        columnType: `${declared}(${charLength})`,
        length: charLength,
        lengthSemantics: 'char',
      };
    case 'raw':
      return { ...base, columnType: `RAW(${dataLength})`, length: dataLength };
    case 'timestamp':
    case 'timestamp with time zone':
    case 'timestamp with local time zone':
      return { ...base, columnType: declared, fractionDigits: scale };
    case 'interval day to second':
      return { ...base, columnType: declared, precision, fractionDigits: scale };
    case 'interval year to month':
      return { ...base, columnType: declared, precision };
    default:
      return { ...base, columnType: declared };
  }
}

/** A column with what ALL_TAB_COLS / ALL_TAB_IDENTITY_COLS / ALL_COL_COMMENTS say about it. */
function withDetails(column: ColumnInfo, row: Record<string, unknown> | undefined): ColumnInfo {
  if (row === undefined) return column;
  const { defaultValue, ...rest } = column;
  const out: { -readonly [K in keyof ColumnInfo]: ColumnInfo[K] } = rest;
  const generation = textField(row, 'GENERATION_TYPE');
  const expression = textField(row, 'DATA_DEFAULT')?.trim();
  if (textField(row, 'VIRTUAL_COLUMN') === 'YES' && expression) out.generatedAs = expression;
  else if (generation !== undefined) {
    out.identity =
      generation === 'ALWAYS'
        ? 'always'
        : textField(row, 'DEFAULT_ON_NULL') === 'YES'
          ? 'by-default-on-null'
          : 'by-default';
    out.autoIncrement = true;
  } else if (defaultValue !== undefined) out.defaultValue = defaultValue;
  const comment = textField(row, 'COMMENTS');
  if (comment !== undefined) out.comment = comment;
  return out;
}

/** One index from its ALL_IND_COLUMNS rows, or undefined when a column is an expression. */
function toIndex(parts: readonly Record<string, unknown>[]): IndexInfo | undefined {
  const columns: { name: string; descending?: boolean }[] = [];
  for (const p of parts) {
    const expression = textField(p, 'COLUMN_EXPRESSION')?.trim();
    const name =
      expression === undefined
        ? textField(p, 'COLUMN_NAME')
        : QUOTED_COLUMN.exec(expression)?.[1]?.replaceAll('""', '"');
    if (name === undefined) return undefined;
    columns.push({ name, ...(textField(p, 'DESCEND') === 'DESC' ? { descending: true } : {}) });
  }
  return { name: textField(parts[0]!, 'INDEX_NAME') ?? '', columns };
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'bigint' ? v.toString() : '';
}

function int(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
