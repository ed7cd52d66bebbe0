import type { Value } from '../../core/values.js';
import { type BitString, BaseTypeCodec, type ColumnKind } from '../base-type-codec.js';
import type { ColumnInfo } from '../dialect.js';
import { compactInteger } from '../numeric-text.js';
import { MICROS_PER_SECOND } from '../temporal-text.js';

const KINDS: Readonly<Record<string, ColumnKind>> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'instant',
  time: 'time',
  year: 'year',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'enum',
  set: 'set',
  json: 'json',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  bit: 'bits',
  uuid: 'uuid',
};

/** Bits of each integer type. */
const INTEGER_BITS: Readonly<Record<string, number>> = {
  tinyint: 8,
  smallint: 16,
  mediumint: 24,
  int: 32,
  integer: 32,
  bigint: 64,
};

/** TIME spans ±838:59:59 (MariaDB also takes fractions beyond it; MySQL does not, so neither does dbtwin). */
const TIME_LIMIT = (838n * 3600n + 59n * 60n + 59n) * MICROS_PER_SECOND;
/** TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07.999999 UTC; 00:00:00 is the zero value. */
const INSTANT_RANGE = [MICROS_PER_SECOND, 2_147_483_647n * MICROS_PER_SECOND + 999_999n] as const;
const ZERO_DATE = /^0000-00-00/;

/**
 * MySQL/MariaDB values ↔ mysql2 binds, for a driver with `dateStrings`, `bigNumberStrings` and
 * `jsonStrings` on (see `MysqlDriver`): temporal values travel as text in the UTC session, without a
 * zone suffix (MariaDB rejects `Z`); DECIMAL as exact text; BIT(n) as an unsigned integer; booleans
 * into TINYINT(1) as 1/0. TINYINT(1) reads back as the number it holds, as Debezium reports it.
 *
 * Ranges: DATE/DATETIME years 1–9999; TIMESTAMP 1970-01-01 00:00:01 – 2038-01-19 03:14:07.999999
 * UTC; TIME ±838:59:59; TEXT types limited in bytes, CHAR/VARCHAR in characters; utf8mb3 columns
 * refuse characters beyond the BMP. Zero dates (`0000-00-00`) read back as NULL, as Debezium reports them.
 */
export class MysqlTypeCodec extends BaseTypeCodec {
  protected readonly era = 'iso';
  protected readonly storesNonFinite = false;

  override decode(raw: unknown, column: ColumnInfo): Value {
    const temporal = ['date', 'datetime', 'instant'].includes(this.kindOf(column));
    if (temporal && typeof raw === 'string' && ZERO_DATE.test(raw)) return null;
    return super.decode(raw, column);
  }

  protected kindOf(column: ColumnInfo): ColumnKind {
    return KINDS[column.dataType] ?? 'other';
  }

  protected integerRange(column: ColumnInfo): readonly [bigint, bigint] {
    const bits = BigInt(INTEGER_BITS[column.dataType] ?? 64);
    return column.unsigned ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  }

  protected yearRange(): readonly [number, number] {
    return [1, 9999];
  }

  protected override instantRange(): readonly [bigint, bigint] {
    return INSTANT_RANGE;
  }

  protected timeRange(): readonly [bigint, bigint] {
    return [-TIME_LIMIT, TIME_LIMIT];
  }

  protected encodeBitString(bits: BitString): number | bigint {
    // A numeric literal fills BIT(n) from the right, whatever n is.
    return compactInteger(bits.value);
  }

  protected override lengthInBytes(column: ColumnInfo): boolean {
    return column.dataType.endsWith('text');
  }

  protected override textProblem(text: string, column: ColumnInfo): string | undefined {
    if ((column.charset === 'utf8' || column.charset === 'utf8mb3') && /[\u{10000}-\u{10FFFF}]/u.test(text)) {
      return `has characters beyond the BMP, which ${column.charset} cannot store`;
    }
    return undefined;
  }
}
