import { type BitString, BaseTypeCodec, type ColumnKind } from '../base-type-codec.js';
import type { ColumnInfo } from '../dialect.js';
import { MICROS_PER_DAY } from '../temporal-text.js';

const KINDS: Readonly<Record<string, ColumnKind>> = {
  boolean: 'boolean',
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  numeric: 'decimal',
  real: 'float',
  'double precision': 'float',
  date: 'date',
  'timestamp without time zone': 'datetime',
  'timestamp with time zone': 'instant',
  'time without time zone': 'time',
  'time with time zone': 'time',
  interval: 'interval',
  'character varying': 'text',
  character: 'text',
  text: 'text',
  citext: 'text',
  name: 'text',
  json: 'json',
  jsonb: 'json',
  bytea: 'binary',
  bit: 'bits',
  'bit varying': 'bits',
  uuid: 'uuid',
};

const INTEGER_BITS: Readonly<Record<string, bigint>> = { smallint: 16n, integer: 32n, bigint: 64n };

/** `date` runs to 5874897 AD, timestamps to 294276 AD; both start in 4713 BC (year −4712). */
const DATE_YEARS = [-4712, 5_874_897] as const;
const TIMESTAMP_YEARS = [-4712, 294_276] as const;

/**
 * PostgreSQL values ↔ node-postgres binds, for a driver that returns every column as the server's
 * text (see `PostgresDriver`). Binds are text the server parses by the column's type, except bytes
 * (Buffer, sent as bytea). Years before 1 AD are written and read with the `BC` suffix; instants are
 * written with `+00`; `time` spans 00:00–24:00; `timetz` is written in UTC. `bit(n)` takes exactly n
 * digits (left-padded), `bit varying(n)` the value's own width. `numeric`, `real` and `double
 * precision` store NaN and ±Infinity. Text may not contain NUL. `interval` reads back as its
 * ISO-8601 text (the driver sets IntervalStyle=iso_8601). PostgreSQL `infinity` dates have no dbtwin
 * value: decoding one throws ValueDoesNotFit.
 */
export class PostgresTypeCodec extends BaseTypeCodec {
  protected readonly era = 'bc';
  protected readonly storesNonFinite = true;

  protected kindOf(column: ColumnInfo): ColumnKind {
    const kind = KINDS[column.dataType];
    if (kind !== undefined) return kind;
    return column.enumValues !== undefined ? 'enum' : 'other';
  }

  protected integerRange(column: ColumnInfo): readonly [bigint, bigint] {
    const bits = INTEGER_BITS[column.dataType] ?? 64n;
    return [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  }

  protected yearRange(column: ColumnInfo): readonly [number, number] {
    return column.dataType === 'date' ? DATE_YEARS : TIMESTAMP_YEARS;
  }

  protected timeRange(): readonly [bigint, bigint] {
    return [0n, MICROS_PER_DAY];
  }

  protected override zoneSuffix(column: ColumnInfo): string {
    return column.dataType.endsWith('with time zone') ? '+00' : '';
  }

  protected encodeBitString(bits: BitString, column: ColumnInfo): string {
    const digits = bits.value.toString(2);
    const width = column.dataType === 'bit' ? (column.length ?? 1) : Math.max(bits.length, digits.length);
    if (column.length !== undefined && width > column.length && digits.length <= column.length) {
      // Leading zeros of a wider source string that the column cannot hold but the value does not need.
      return digits.padStart(column.length, '0');
    }
    return digits.padStart(width, '0');
  }

  protected override textProblem(text: string): string | undefined {
    return text.includes('\u0000')
      ? 'contains a NUL character, which PostgreSQL text cannot store'
      : undefined;
  }
}
