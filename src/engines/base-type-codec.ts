import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { valueToJson } from '../core/value-json.js';
import type { DecimalValue, Value } from '../core/values.js';
import { scalarText } from './catalog-rows.js';
import type { ColumnInfo, TypeCodec } from './dialect.js';
import {
  compactInteger,
  digitCount,
  parseDecimal,
  rescaleDecimal,
  toDecimal,
  toInteger,
} from './numeric-text.js';
import {
  daysFromCivil,
  type EraStyle,
  formatDate,
  formatTime,
  formatTimestamp,
  MICROS_PER_DAY,
  parseDate,
  parseTime,
  parseTimestamp,
  yearOfDays,
} from './temporal-text.js';

/**
 * What a column holds, as far as conversion is concerned. Each engine codec sorts its catalog types
 * into these; the conversions themselves are shared.
 * - `datetime`: a wall clock without zone (MySQL DATETIME, PostgreSQL `timestamp`);
 * - `instant`: a point in time (MySQL TIMESTAMP, PostgreSQL `timestamptz`), written and read in UTC;
 * - `bits`: BIT(n) / `bit(n)` / `bit varying(n)`;
 * - `other`: anything dbtwin has no exact model for (arrays, geometry, …): passed through as text or bytes.
 */
export type ColumnKind =
  | 'boolean'
  | 'integer'
  | 'decimal'
  | 'float'
  | 'date'
  | 'datetime'
  | 'instant'
  | 'time'
  | 'year'
  | 'text'
  | 'enum'
  | 'set'
  | 'json'
  | 'binary'
  | 'bits'
  | 'interval'
  | 'uuid'
  | 'other';

/** A bit string as an unsigned integer and its width in bits. */
export interface BitString {
  readonly value: bigint;
  readonly length: number;
}

const TRUE_TEXT = new Set(['t', 'true', '1', 'y', 'yes', 'on']);
const FALSE_TEXT = new Set(['f', 'false', '0', 'n', 'no', 'off']);
const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The conversions every SQL engine shares; an engine codec says how its catalog types sort into
 * {@link ColumnKind}s and supplies its ranges and spellings.
 *
 * `encode` follows the target column, not the value: any value that denotes the same datum is
 * accepted (a TINYINT(1) `1` for a boolean, a bigint for a decimal, a midnight timestamp for a date),
 * and anything that cannot be stored exactly throws `DbtwinError(ValueDoesNotFit)` whose message
 * starts with the column name. The one deliberate loss: fractional seconds beyond the column's
 * precision are cut (not rounded), as the canonical form of the target keeps timestamps at the
 * column's precision (design §3) and rounding could carry a value into the next day.
 *
 * `decode` reads what the engine's driver returns (text for most types, numbers for small integers
 * and floats, Buffers for bytes) into exact values: decimals at the column scale, integers wider than
 * 32 bits as `bigint`, dates as days, timestamps as micros, bytes as `Uint8Array`, JSON as text.
 */
export abstract class BaseTypeCodec implements TypeCodec {
  /** How this engine spells years before 1 AD. */
  protected abstract readonly era: EraStyle;
  /** Whether floating (and, on PostgreSQL, numeric) columns store NaN and ±Infinity. */
  protected abstract readonly storesNonFinite: boolean;

  /** The conversion family of a column. */
  protected abstract kindOf(column: ColumnInfo): ColumnKind;
  /** Inclusive range of an integer column. */
  protected abstract integerRange(column: ColumnInfo): readonly [bigint, bigint];
  /** Inclusive range of years of date, datetime and instant columns (year 0 = 1 BC). */
  protected abstract yearRange(column: ColumnInfo): readonly [number, number];
  /** Inclusive range of a time column, in micros. */
  protected abstract timeRange(column: ColumnInfo): readonly [bigint, bigint];
  /** The bind value of a bit string for a bits column. */
  protected abstract encodeBitString(bits: BitString, column: ColumnInfo): unknown;

  /** The zone written after an instant or a zoned time (`+00` on PostgreSQL; nothing where the session zone applies). */
  protected zoneSuffix(_column: ColumnInfo): string {
    return '';
  }

  /** Inclusive range of an instant column in UTC micros; by default the whole years of {@link yearRange}. */
  protected instantRange(column: ColumnInfo): readonly [bigint, bigint] {
    const [first, last] = this.yearRange(column);
    return [
      BigInt(daysFromCivil(first, 1, 1)) * MICROS_PER_DAY,
      BigInt(daysFromCivil(last + 1, 1, 1)) * MICROS_PER_DAY - 1n,
    ];
  }

  /** Why a text cannot be stored in the column even though it is short enough, or undefined. */
  protected textProblem(_text: string, _column: ColumnInfo): string | undefined {
    return undefined;
  }

  /** Whether `length` of a text column counts bytes (MySQL TEXT types) instead of characters. */
  protected lengthInBytes(_column: ColumnInfo): boolean {
    return false;
  }

  /** @throws DbtwinError ValueDoesNotFit naming the column. */
  encode(value: Value, column: ColumnInfo): unknown {
    if (value === null) {
      // AUTO_INCREMENT turns an explicit NULL into the next value.
      if (!column.nullable && !column.autoIncrement) throw notFit(column, value, 'into a NOT NULL column');
      return null;
    }
    switch (this.kindOf(column)) {
      case 'boolean':
        return this.encodeBoolean(value, column);
      case 'integer':
        return this.encodeInteger(value, column);
      case 'decimal':
        return this.encodeDecimal(value, column);
      case 'float':
        return this.encodeFloat(value, column);
      case 'date':
        return this.encodeDate(value, column);
      case 'datetime':
        return this.encodeDatetime(value, column);
      case 'instant':
        return this.encodeInstant(value, column);
      case 'time':
        return this.encodeTime(value, column);
      case 'year':
        return this.encodeYear(value, column);
      case 'text':
        return this.encodeText(value, column);
      case 'enum':
        return this.encodeEnum(value, column);
      case 'set':
        return this.encodeSet(value, column);
      case 'json':
        return this.encodeJson(value, column);
      case 'binary':
        return this.encodeBinary(value, column);
      case 'bits':
        return this.encodeBits(value, column);
      case 'interval':
        return this.encodeInterval(value, column);
      case 'uuid':
        return this.encodeUuid(value, column);
      case 'other':
        return this.encodeOther(value);
    }
  }

  decode(raw: unknown, column: ColumnInfo): Value {
    if (raw === null || raw === undefined) return null;
    switch (this.kindOf(column)) {
      case 'boolean':
        return raw === true || raw === 1 || TRUE_TEXT.has(text(raw).toLowerCase());
      case 'integer':
        return this.decodeInteger(raw, column);
      case 'year':
        return Number(raw);
      case 'decimal':
        return this.decodeDecimal(raw, column);
      case 'float':
        return typeof raw === 'number' ? raw : Number(text(raw));
      case 'date': {
        const days = parseDate(text(raw));
        return days === undefined ? unreadable(column, raw) : { type: 'date', days };
      }
      case 'datetime':
      case 'instant': {
        const parsed = parseTimestamp(text(raw));
        if (parsed === undefined) return unreadable(column, raw);
        const type = this.kindOf(column) === 'instant' ? 'timestamptz' : 'timestamp';
        return { type, micros: parsed.micros, nanos: parsed.nanos };
      }
      case 'time': {
        const micros = parseTime(text(raw));
        return micros === undefined ? unreadable(column, raw) : { type: 'time', micros };
      }
      case 'json':
        return {
          type: 'json',
          text: typeof raw === 'object' && !isBytes(raw) ? JSON.stringify(raw) : text(raw),
        };
      case 'binary':
        return this.decodeBytes(raw);
      case 'bits':
        return this.decodeBits(raw, column);
      case 'interval':
        return { type: 'interval', iso: text(raw) };
      case 'text':
      case 'enum':
      case 'set':
      case 'uuid':
        return text(raw);
      case 'other':
        return decodeOther(raw);
    }
  }

  /** Bytes as the driver returned them: a Buffer, or PostgreSQL's `\x…` hex text. */
  protected decodeBytes(raw: unknown): Uint8Array {
    if (isBytes(raw)) return raw;
    const s = text(raw);
    return s.startsWith('\\x') ? Buffer.from(s.slice(2), 'hex') : Buffer.from(s, 'utf8');
  }

  private encodeBoolean(value: Value, column: ColumnInfo): boolean {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const lower = value.trim().toLowerCase();
      if (TRUE_TEXT.has(lower)) return true;
      if (FALSE_TEXT.has(lower)) return false;
    }
    const n = typeof value === 'string' ? undefined : toInteger(value);
    if (n === 0n || n === 1n) return n === 1n;
    throw notFit(column, value, 'is not a boolean (true/false, 1/0)');
  }

  private encodeInteger(value: Value, column: ColumnInfo): number | bigint {
    const n = toInteger(value);
    if (n === undefined) throw notFit(column, value, 'is not an integer');
    const [min, max] = this.integerRange(column);
    if (n < min || n > max) throw notFit(column, value, `is out of range ${min}…${max}`);
    return compactInteger(n);
  }

  private encodeYear(value: Value, column: ColumnInfo): number {
    const n = toInteger(value);
    // MySQL YEAR: 1901–2155, and 0 for the zero year.
    if (n === undefined || !(n === 0n || (n >= 1901n && n <= 2155n)))
      throw notFit(column, value, 'is not a year in 1901…2155 (or 0)');
    return Number(n);
  }

  private encodeDecimal(value: Value, column: ColumnInfo): string {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      if (this.storesNonFinite) return String(value);
      throw notFit(column, value, 'is not a finite number');
    }
    const decimal = toDecimal(value);
    if (decimal === undefined) throw notFit(column, value, 'is not a number');
    return valueToJson(this.fitDecimal(decimal, value, column)) as string;
  }

  /** The decimal at the column's scale, checked against its precision; exact or an error, never rounded. */
  private fitDecimal(decimal: DecimalValue, value: Value, column: ColumnInfo): DecimalValue {
    const { precision, scale } = column;
    const fitted = scale === undefined ? decimal : rescaleDecimal(decimal, scale);
    if (fitted === undefined) {
      throw notFit(column, value, `has more than ${scale} fraction digits (${column.columnType})`);
    }
    if (column.unsigned && fitted.unscaled < 0n)
      throw notFit(column, value, `is negative; ${column.columnType} is unsigned`);
    if (precision !== undefined && digitCount(fitted.unscaled) > precision) {
      const integerDigits = digitCount(fitted.unscaled) - Math.max(fitted.scale, 0);
      throw notFit(
        column,
        value,
        `has ${integerDigits} integer digits; ${column.columnType} holds ${precision - (scale ?? 0)}`,
      );
    }
    return fitted;
  }

  private encodeFloat(value: Value, column: ColumnInfo): number | string {
    const n = toFloat(value);
    if (n === undefined) throw notFit(column, value, 'is not a number');
    if (!Number.isFinite(n)) {
      if (this.storesNonFinite) return String(n);
      throw notFit(column, value, 'is not a finite number');
    }
    const single = column.dataType === 'float' || column.dataType === 'real';
    // Compared after rounding to single precision: Debezium writes FLT_MAX as 3.4028235e38, a
    // little above the exact value, which still rounds to it.
    if (!single) return n;
    const rounded = Math.fround(n);
    if (!Number.isFinite(rounded)) throw notFit(column, value, 'exceeds a single-precision float');
    // The value the column will hold anyway; the server refuses the unrounded FLT_MAX as out of range.
    return rounded;
  }

  private encodeDate(value: Value, column: ColumnInfo): string {
    const micros = toMicros(value);
    if (micros === undefined || micros % MICROS_PER_DAY !== 0n) {
      throw notFit(column, value, 'is not a date (a timestamp must be at midnight)');
    }
    const days = Number(micros / MICROS_PER_DAY);
    this.checkYear(days, value, column);
    return formatDate(days, this.era);
  }

  private encodeDatetime(value: Value, column: ColumnInfo): string {
    const micros = toMicros(value);
    if (micros === undefined) throw notFit(column, value, 'is not a timestamp');
    this.checkYear(Number(floorDiv(micros, MICROS_PER_DAY)), value, column);
    return formatTimestamp(micros, column.fractionDigits ?? 6, this.era);
  }

  private encodeInstant(value: Value, column: ColumnInfo): string {
    const micros = toMicros(value);
    if (micros === undefined) throw notFit(column, value, 'is not a timestamp');
    const unit = 10n ** BigInt(6 - Math.min(column.fractionDigits ?? 6, 6));
    const stored = floorDiv(micros, unit) * unit;
    const [min, max] = this.instantRange(column);
    if (stored < min || stored > max) {
      throw notFit(column, value, `is outside ${column.columnType}'s range ${rangeText(min, max)}`);
    }
    return formatTimestamp(stored, column.fractionDigits ?? 6, this.era, this.zoneSuffix(column));
  }

  private encodeTime(value: Value, column: ColumnInfo): string {
    const micros = toTimeMicros(value);
    if (micros === undefined) throw notFit(column, value, 'is not a time');
    const [min, max] = this.timeRange(column);
    if (micros < min || micros > max) {
      throw notFit(
        column,
        value,
        `is outside ${column.columnType}'s range ${formatTime(min, 6)}…${formatTime(max, 6)}`,
      );
    }
    return formatTime(micros, column.fractionDigits ?? 6) + this.zoneSuffix(column);
  }

  private encodeText(value: Value, column: ColumnInfo): string {
    const s = toText(value);
    if (s === undefined) throw notFit(column, value, 'is not text');
    const limit = column.length;
    if (limit !== undefined && s.length > limit / (this.lengthInBytes(column) ? 4 : 1)) {
      const size = this.lengthInBytes(column) ? Buffer.byteLength(s, 'utf8') : codePoints(s);
      const unit = this.lengthInBytes(column) ? 'bytes' : 'characters';
      if (size > limit)
        throw notFit(column, value, `has ${size} ${unit}; ${column.columnType} holds ${limit}`);
    }
    const problem = this.textProblem(s, column);
    if (problem !== undefined) throw notFit(column, value, problem);
    return s;
  }

  private encodeEnum(value: Value, column: ColumnInfo): string {
    if (typeof value !== 'string') throw notFit(column, value, 'is not text');
    if (column.enumValues && !column.enumValues.includes(value)) {
      throw notFit(column, value, `is not a member of ${column.columnType}`);
    }
    return value;
  }

  private encodeSet(value: Value, column: ColumnInfo): string {
    if (typeof value !== 'string') throw notFit(column, value, 'is not text');
    const members = value === '' ? [] : value.split(',');
    const unknown = members.find((m) => column.enumValues && !column.enumValues.includes(m));
    if (unknown !== undefined)
      throw notFit(column, value, `'${unknown}' is not a member of ${column.columnType}`);
    return value;
  }

  private encodeJson(value: Value, column: ColumnInfo): string {
    if (typeof value === 'string') {
      try {
        JSON.parse(value);
      } catch {
        throw notFit(column, value, 'is not JSON text');
      }
      return value;
    }
    if (typeof value === 'object' && value !== null && !isBytes(value)) {
      if (value.type === 'json') return value.text;
      if (value.type === 'decimal') return valueToJson(value) as string;
    }
    // Scalars become JSON scalars; bytes, temporal values and non-finite numbers have no JSON form.
    if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw notFit(column, value, 'is not JSON');
  }

  private encodeBinary(value: Value, column: ColumnInfo): Buffer {
    let bytes: Buffer;
    if (isBytes(value)) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    else if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
    else throw notFit(column, value, 'is not bytes');
    if (column.length !== undefined && bytes.length > column.length) {
      throw notFit(column, value, `has ${bytes.length} bytes; ${column.columnType} holds ${column.length}`);
    }
    return bytes;
  }

  private encodeBits(value: Value, column: ColumnInfo): unknown {
    const bits = toBitString(value);
    if (bits === undefined) throw notFit(column, value, 'is not a bit string');
    const width = column.length ?? 64;
    if (bits.value >= 1n << BigInt(width)) throw notFit(column, value, `needs more than ${width} bits`);
    return this.encodeBitString(bits, column);
  }

  private encodeInterval(value: Value, column: ColumnInfo): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'object' && !isBytes(value) && value !== null) {
      if (value.type === 'interval' && value.iso !== undefined) return value.iso;
      if ((value.type === 'interval' || value.type === 'time') && value.micros !== undefined) {
        return `${value.micros} microseconds`;
      }
    }
    throw notFit(column, value, 'is not an interval');
  }

  private encodeUuid(value: Value, column: ColumnInfo): string {
    if (typeof value === 'string' && UUID_TEXT.test(value)) return value;
    if (isBytes(value) && value.length === 16) {
      const hex = Buffer.from(value).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    throw notFit(column, value, 'is not a UUID');
  }

  private encodeOther(value: Value): unknown {
    if (isBytes(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (typeof value === 'object' && value !== null) return valueToJson(value);
    return value;
  }

  private decodeInteger(raw: unknown, column: ColumnInfo): number | bigint {
    // Integers wider than 32 bits are bigint whatever their magnitude, as Debezium's int64 is.
    const wide = this.integerRange(column)[1] > 2_147_483_647n;
    if (typeof raw === 'number') return wide ? BigInt(raw) : raw;
    if (typeof raw === 'bigint') return wide ? raw : Number(raw);
    const s = text(raw);
    if (!/^[+-]?\d+$/.test(s)) return unreadable(column, raw);
    return wide ? BigInt(s) : Number(s);
  }

  private decodeDecimal(raw: unknown, column: ColumnInfo): Value {
    const s = text(raw);
    if (/^[+-]?(?:NaN|Infinity)$/.test(s)) return Number(s);
    const parsed = parseDecimal(s);
    if (parsed === undefined) return unreadable(column, raw);
    return (column.scale === undefined ? undefined : rescaleDecimal(parsed, column.scale)) ?? parsed;
  }

  private decodeBits(raw: unknown, column: ColumnInfo): Value {
    let bits: BitString;
    if (isBytes(raw)) {
      bits = { value: bigEndian(raw), length: column.length ?? raw.length * 8 };
    } else if (typeof raw === 'string' && /^[01]*$/.test(raw)) {
      bits = { value: raw === '' ? 0n : BigInt(`0b${raw}`), length: raw.length };
    } else if (typeof raw === 'number' || typeof raw === 'bigint') {
      bits = { value: BigInt(raw), length: column.length ?? 64 };
    } else {
      return unreadable(column, raw);
    }
    // A one-bit BIT column is a boolean, as Debezium reports it.
    if (column.dataType === 'bit' && column.length === 1) return bits.value === 1n;
    const bytes = new Uint8Array(Math.ceil(bits.length / 8));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number((bits.value >> BigInt(8 * i)) & 0xffn);
    return { type: 'bits', bytes, length: bits.length };
  }

  private checkYear(days: number, value: Value, column: ColumnInfo): void {
    const [first, last] = this.yearRange(column);
    const year = yearOfDays(days);
    if (year < first || year > last) {
      throw notFit(column, value, `is outside ${column.columnType}'s years ${first}…${last}`);
    }
  }
}

/** The error for a value that cannot be stored exactly, naming the column first. */
export function notFit(column: ColumnInfo, value: Value, why: string): DbtwinError {
  let shown = JSON.stringify(valueToJson(value));
  if (shown.length > 60) shown = `${shown.slice(0, 57)}…`;
  return new DbtwinError(ErrorCode.ValueDoesNotFit, `${column.name}: ${shown} ${why}`, {
    hint: 'widen or remap the target column, or fix the source value; then replay the dead letter',
  });
}

/** A driver value the codec cannot read: a dbtwin bug, or a value with no dbtwin form (PostgreSQL infinity). */
function unreadable(column: ColumnInfo, raw: unknown): never {
  const shown = isBytes(raw) ? Buffer.from(raw).toString('hex') : text(raw);
  if (/infinity/i.test(shown)) {
    throw new DbtwinError(ErrorCode.ValueDoesNotFit, `${column.name}: '${shown}' has no dbtwin value`);
  }
  throw new DbtwinError(
    ErrorCode.InternalInvariant,
    `${column.name}: cannot read ${column.columnType} value '${shown.slice(0, 60)}' returned by the driver`,
  );
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

const text = scalarText;

function decodeOther(raw: unknown): Value {
  if (isBytes(raw)) return raw;
  switch (typeof raw) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return raw;
    default:
      return { type: 'json', text: JSON.stringify(raw) };
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function rangeText(min: bigint, max: bigint): string {
  const show = (micros: bigint): string => valueToJson({ type: 'timestamptz', micros, nanos: 0 }) as string;
  return `${show(min)}…${show(max)}`;
}

function bigEndian(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function toFloat(value: Value): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[+-]?(?:NaN|Infinity)\s*$/.test(value)) return Number(value);
  const decimal = toDecimal(value);
  return decimal === undefined ? undefined : Number(valueToJson(decimal));
}

/**
 * Micros since the epoch of a date, a wall-clock timestamp, an instant or timestamp text. Instants
 * into wall-clock columns and wall-clock values into instant columns are both read in UTC, the zone
 * every apply session runs in (design §5).
 */
function toMicros(value: Value): bigint | undefined {
  if (typeof value === 'string') return parseTimestamp(value)?.micros;
  if (typeof value !== 'object' || value === null || isBytes(value)) return undefined;
  switch (value.type) {
    case 'date':
      return BigInt(value.days) * MICROS_PER_DAY;
    case 'timestamp':
    case 'timestamptz':
      return value.micros;
    default:
      return undefined;
  }
}

function toTimeMicros(value: Value): bigint | undefined {
  if (typeof value === 'string') return parseTime(value);
  if (typeof value !== 'object' || value === null || isBytes(value)) return undefined;
  if (value.type === 'time') return value.micros;
  return value.type === 'interval' ? value.micros : undefined;
}

/** Exact text of a value for a character column: strings as they are, other scalars in their JSON text form. */
function toText(value: Value): string | undefined {
  if (typeof value === 'string') return value;
  if (isBytes(value)) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'object' && value !== null && value.type === 'bits') return undefined;
  const json = valueToJson(value);
  return json === null ? undefined : String(json);
}

function toBitString(value: Value): BitString | undefined {
  if (typeof value === 'boolean') return { value: value ? 1n : 0n, length: 1 };
  if (typeof value === 'string') {
    return /^[01]+$/.test(value) ? { value: BigInt(`0b${value}`), length: value.length } : undefined;
  }
  if (isBytes(value)) return { value: bigEndian(value), length: value.length * 8 };
  if (typeof value === 'object' && value !== null && value.type === 'bits') {
    // Debezium's Bits bytes are little-endian.
    const be = Uint8Array.from(value.bytes).reverse();
    return { value: bigEndian(be), length: value.length };
  }
  const n = toInteger(value);
  return n === undefined || n < 0n ? undefined : { value: n, length: n.toString(2).length };
}
