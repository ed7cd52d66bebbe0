import type { ColumnInfo, Introspector, TableInfo } from '../dialect.js';
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

/**
 * Reads ALL_TAB_COLUMNS / ALL_CONSTRAINTS / ALL_CONS_COLUMNS (so the connecting user needs only
 * SELECT on the tables, not the DBA views). Every value is a bound parameter.
 */
export class OracleIntrospector implements Introspector {
  constructor(private readonly session: EngineSession) {}

  async table(schema: string, name: string): Promise<TableInfo | undefined> {
    const owner = oracleCatalogName(schema);
    const table = oracleCatalogName(name);
    const rows = await this.session.query(COLUMNS_SQL, [owner, table]);
    if (rows.length === 0) return undefined;
    const keyRows = await this.session.query(KEYS_SQL, [owner, table]);
    const primaryKey: string[] = [];
    const unique = new Map<string, string[]>();
    for (const row of keyRows) {
      const column = text(row['COLUMN_NAME']);
      if (text(row['CONSTRAINT_TYPE']) === 'P') primaryKey.push(column);
      else {
        const constraint = text(row['CONSTRAINT_NAME']);
        unique.set(constraint, [...(unique.get(constraint) ?? []), column]);
      }
    }
    return {
      schema: owner,
      name: table,
      columns: rows.map(toColumn),
      primaryKey,
      uniqueKeys: [...unique.values()],
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

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'bigint' ? v.toString() : '';
}

function int(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
