import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import type { DecimalValue, Value } from '../../core/values.js';
import { valueToJson } from '../../core/value-json.js';
import type { ColumnInfo, TypeCodec } from '../dialect.js';
import { digitCount, parseDecimal, rescaleDecimal, toDecimal } from '../numeric-text.js';
import { MICROS_PER_DAY, MICROS_PER_SECOND, daysFromCivil, parseTimestamp } from '../temporal-text.js';

/**
 * How dbtwin binds and reads one Oracle column. Every bind value is text or bytes (or null): numbers,
 * dates, timestamps and intervals are bound as text and converted by the SQL the compiler writes
 * around the placeholder (`TO_NUMBER(:1)`, `TO_TIMESTAMP(:2, '…')`, see {@link bindExpression}), so
 * nothing passes through a JS float or a JS Date. Reads are the inverse: the compiler selects
 * temporal columns through `TO_CHAR` (node-oracledb Thin turns DATE/TIMESTAMP into JS Dates, which
 * keep milliseconds only), NUMBER arrives as the driver's exact text, LOBs as strings/Buffers.
 */
export type OracleTypeFamily =
  | 'number'
  | 'binary_float'
  | 'binary_double'
  | 'varchar'
  | 'char'
  | 'nvarchar'
  | 'nchar'
  | 'clob'
  | 'blob'
  | 'raw'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'timestampltz'
  | 'interval_ds'
  | 'unsupported';

const FAMILY: Readonly<Record<string, OracleTypeFamily>> = {
  number: 'number',
  float: 'number',
  integer: 'number',
  int: 'number',
  smallint: 'number',
  decimal: 'number',
  numeric: 'number',
  dec: 'number',
  real: 'number',
  'double precision': 'number',
  binary_float: 'binary_float',
  binary_double: 'binary_double',
  varchar2: 'varchar',
  varchar: 'varchar',
  char: 'char',
  character: 'char',
  nvarchar2: 'nvarchar',
  nchar: 'nchar',
  clob: 'clob',
  nclob: 'clob',
  blob: 'blob',
  raw: 'raw',
  date: 'date',
  timestamp: 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'timestamp with local time zone': 'timestampltz',
  'interval day to second': 'interval_ds',
};

/** The base type name in lower case without sizes: `TIMESTAMP(6) WITH TIME ZONE` → `timestamp with time zone`. */
export function normalizeOracleType(dataType: string): string {
  return dataType
    .toLowerCase()
    .replace(/\([^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Which conversion rules apply to a column. */
export function oracleTypeFamily(column: ColumnInfo): OracleTypeFamily {
  return FAMILY[normalizeOracleType(column.dataType)] ?? 'unsupported';
}

/** Oracle's largest fractional-second precision, and the default of TIMESTAMP / INTERVAL DAY TO SECOND. */
const DEFAULT_FRACTION_DIGITS = 6;

/** Fraction digits dbtwin writes for a temporal column's bind text: 6 (`FF6`), or 9 (`FF9`) for TIMESTAMP(7–9). */
export function bindFractionDigits(column: ColumnInfo): 6 | 9 {
  return (column.fractionDigits ?? DEFAULT_FRACTION_DIGITS) > 6 ? 9 : 6;
}

const DATE_MASK = `'YYYY-MM-DD"T"HH24:MI:SS'`;
const timestampMask = (digits: number): string => `'YYYY-MM-DD"T"HH24:MI:SS.FF${digits}'`;
const timestampTzMask = (digits: number): string => `'YYYY-MM-DD"T"HH24:MI:SS.FF${digits}TZH:TZM'`;

/**
 * The SQL that turns bind `placeholder` (`:3`) into a value of the column's type, exactly: numbers
 * from text with `TO_NUMBER` (the session's NLS_NUMERIC_CHARACTERS is `.,`), BINARY_FLOAT/DOUBLE
 * with `TO_BINARY_FLOAT/DOUBLE` (which also read `NaN`, `Inf`, `-Inf`), DATE/TIMESTAMP with explicit
 * format masks (never the session's NLS format), intervals with `TO_DSINTERVAL`. Others bind as they are.
 */
export function bindExpression(column: ColumnInfo, placeholder: string): string {
  switch (oracleTypeFamily(column)) {
    case 'number':
      return `TO_NUMBER(${placeholder})`;
    case 'binary_float':
      return `TO_BINARY_FLOAT(${placeholder})`;
    case 'binary_double':
      return `TO_BINARY_DOUBLE(${placeholder})`;
    case 'date':
      return `TO_DATE(${placeholder}, ${DATE_MASK})`;
    case 'timestamp':
      return `TO_TIMESTAMP(${placeholder}, ${timestampMask(bindFractionDigits(column))})`;
    case 'timestamptz':
    case 'timestampltz':
      return `TO_TIMESTAMP_TZ(${placeholder}, ${timestampTzMask(bindFractionDigits(column))})`;
    case 'interval_ds':
      return `TO_DSINTERVAL(${placeholder})`;
    default:
      return placeholder;
  }
}

/**
 * The SQL that reads column `quoted` in the exact text form {@link OracleTypeCodec.decode} expects:
 * DATE as `YYYY-MM-DDTHH:MI:SS`, TIMESTAMP with 9 fraction digits, zoned timestamps converted to UTC
 * (`SYS_EXTRACT_UTC`). Other columns are read as they are (NUMBER as text, LOBs as string/Buffer —
 * the driver's fetch handler sees to that).
 */
export function readExpression(column: ColumnInfo, quoted: string): string {
  switch (oracleTypeFamily(column)) {
    case 'date':
      return `TO_CHAR(${quoted}, ${DATE_MASK})`;
    case 'timestamp':
      return `TO_CHAR(${quoted}, ${timestampMask(9)})`;
    case 'timestamptz':
    case 'timestampltz':
      return `TO_CHAR(SYS_EXTRACT_UTC(${quoted}), ${timestampMask(9)})`;
    default:
      return quoted;
  }
}

const NANOS_PER_DAY = 86_400_000_000_000n;
/** Significant decimal digits an Oracle NUMBER without precision keeps. */
const NUMBER_DIGITS = 38;

/**
 * dbtwin values ⇄ node-oracledb binds for Oracle 12.2+ (AL32UTF8 database character set, AL16UTF16
 * national character set assumed for length checks).
 *
 * Deliberate choices, all exact or refused (`ValueDoesNotFit` naming the column):
 * - **Empty strings are NULL.** Oracle stores `''` as NULL in every character type (and a zero-length
 *   RAW/BLOB the same way), so `encode('')` returns `null` on purpose, and refuses it for a NOT NULL
 *   column instead of letting the database fail the whole batch. Debezium reports the Oracle row with
 *   NULL, which is the canonical form the echo fingerprints use. NULL and empty bytes for BLOB/RAW are
 *   bound as zero-length bytes (stored as NULL), so the bind stays a binary type.
 * - NUMBER(p,s): digits beyond the scale must be zeros (Oracle would round silently); at most p
 *   digits at scale s. NUMBER without precision and FLOAT(b): at most 38 (FLOAT: ⌈b·log10 2⌉)
 *   significant digits, magnitude within 1e-130 … 1e126. Booleans are 1/0 (NUMBER(1)).
 * - CHAR/NCHAR are blank-padded to their length before binding, so keys compare equal to what Oracle
 *   stored (a VARCHAR2 bind does not get blank-padded comparison).
 * - DATE has a time of day: a date becomes midnight; a timestamp fits only without fractional seconds.
 *   TIMESTAMP(n) refuses non-zero digits beyond n. A wall-clock timestamp bound for a zoned column is
 *   taken as UTC (every dbtwin session runs in UTC). Years 1–9999 only (Oracle has no year 0 and
 *   dbtwin never writes BC dates).
 * - INTERVAL DAY(p) TO SECOND(f) from a MySQL TIME / PostgreSQL interval in microseconds (or an ISO
 *   duration without years and months); days must fit p digits.
 * - JSON is written as its text (CLOB / VARCHAR2, or UTF-8 bytes for a BLOB `IS JSON` column).
 * - NULL for a NOT NULL column (other than an identity column) is refused here, naming the column.
 */
export class OracleTypeCodec implements TypeCodec {
  encode(value: Value, column: ColumnInfo): unknown {
    if (value === null) {
      // An identity column (GENERATED BY DEFAULT ON NULL) makes its own value from NULL.
      if (!column.nullable && !column.autoIncrement) throw doesNotFit(column, 'NULL in a NOT NULL column');
      const family = oracleTypeFamily(column);
      return family === 'blob' || family === 'raw' ? NULL_BYTES : null;
    }
    const family = oracleTypeFamily(column);
    switch (family) {
      case 'number':
        return encodeNumber(value, column);
      case 'binary_float':
      case 'binary_double':
        return encodeBinaryFloat(value, column);
      case 'varchar':
      case 'char':
      case 'nvarchar':
      case 'nchar':
      case 'clob':
        return encodeText(value, column, family);
      case 'blob':
      case 'raw':
        return encodeBytes(value, column, family);
      case 'date':
        return encodeDate(value, column);
      case 'timestamp':
        return encodeTimestamp(value, column, false);
      case 'timestamptz':
      case 'timestampltz':
        return encodeTimestamp(value, column, true);
      case 'interval_ds':
        return encodeInterval(value, column);
      case 'unsupported':
        throw doesNotFit(column, `dbtwin cannot write Oracle ${column.columnType} columns`);
    }
  }

  decode(raw: unknown, column: ColumnInfo): Value {
    if (raw === null || raw === undefined) return null;
    switch (oracleTypeFamily(column)) {
      case 'number':
        return decodeNumber(raw, column);
      case 'binary_float':
      case 'binary_double':
        return decodeBinaryFloat(raw, column);
      case 'varchar':
      case 'char':
      case 'nvarchar':
      case 'nchar':
      case 'clob':
        if (typeof raw === 'string') return raw;
        throw cannotDecode(column, raw);
      case 'blob':
      case 'raw':
        if (raw instanceof Uint8Array) return raw;
        if (typeof raw === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(raw)) return Buffer.from(raw, 'hex');
        throw cannotDecode(column, raw);
      case 'date':
        if (raw instanceof Date) return dateFromJsDate(raw);
        return decodeTimestampText(raw, column, 'timestamp');
      case 'timestamp':
        return decodeTimestampText(raw, column, 'timestamp');
      case 'timestamptz':
      case 'timestampltz':
        return decodeTimestampText(raw, column, 'timestamptz');
      case 'interval_ds':
        return decodeInterval(raw, column);
      case 'unsupported':
        if (typeof raw === 'string' || typeof raw === 'number' || raw instanceof Uint8Array) return raw;
        throw cannotDecode(column, raw);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Errors

function doesNotFit(column: ColumnInfo, why: string): DbtwinError {
  return new DbtwinError(ErrorCode.ValueDoesNotFit, `column ${column.name} (${column.columnType}): ${why}`, {
    hint: 'change the value at the source or widen the Oracle column, then replay the dead letter',
  });
}

function cannotDecode(column: ColumnInfo, raw: unknown): DbtwinError {
  const kind = raw instanceof Date ? 'a JS Date' : Array.isArray(raw) ? 'an array' : typeof raw;
  return new DbtwinError(
    ErrorCode.InternalInvariant,
    `column ${column.name} (${column.columnType}): cannot read ${kind} from the Oracle driver exactly`,
    { hint: 'read the column through the Oracle compiler (selectByKeys), which fetches it as exact text' },
  );
}

function kindOf(value: Value): string {
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return `a ${value.type} value`;
  return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------------
// Numbers

type Decimal = DecimalValue;

/** Exact text of a decimal at its scale (`-0.05`, `1200` for scale −2). */
function decimalText(d: Decimal): string {
  return String(valueToJson(d));
}

/** Without trailing zeros in the unscaled digits (the smallest scale, possibly negative, that keeps the value). */
function normalize(d: Decimal): Decimal {
  if (d.unscaled === 0n) return { type: 'decimal', unscaled: 0n, scale: 0 };
  let { unscaled, scale } = d;
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale -= 1;
  }
  return { type: 'decimal', unscaled, scale };
}

function asDecimal(value: Value, column: ColumnInfo): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw doesNotFit(column, `${value} is not a number Oracle NUMBER can hold`);
  }
  const d = toDecimal(value);
  if (d) return d;
  if (typeof value === 'string') throw doesNotFit(column, `'${value.slice(0, 40)}' is not a number`);
  throw doesNotFit(column, `${kindOf(value)} cannot be stored in a number column`);
}

function encodeNumber(value: Value, column: ColumnInfo): string {
  const d = asDecimal(value, column);
  const isFloat = normalizeOracleType(column.dataType) === 'float';
  if (column.precision !== undefined && !isFloat) {
    const scale = column.scale ?? 0;
    const atScale = rescaleDecimal(d, scale);
    if (!atScale) throw doesNotFit(column, `${decimalText(d)} has more than ${scale} decimal places`);
    if (atScale.unscaled !== 0n && digitCount(atScale.unscaled) > column.precision) {
      throw doesNotFit(
        column,
        `${decimalText(d)} needs more than ${column.precision} digits of precision at scale ${scale}`,
      );
    }
    return decimalText(atScale);
  }
  if (column.scale !== undefined && !isFloat) {
    // NUMBER(*, s) and INTEGER (NUMBER(*,0)): 38 digits at scale s.
    const atScale = rescaleDecimal(d, column.scale);
    if (!atScale) throw doesNotFit(column, `${decimalText(d)} has more than ${column.scale} decimal places`);
    if (digitCount(atScale.unscaled) > NUMBER_DIGITS) {
      throw doesNotFit(column, `${decimalText(d)} needs more than ${NUMBER_DIGITS} digits`);
    }
    return decimalText(atScale);
  }
  // NUMBER without precision, FLOAT(b): significant digits and magnitude.
  const maxDigits =
    isFloat && column.precision !== undefined ? Math.ceil(column.precision * Math.log10(2)) : NUMBER_DIGITS;
  const n = normalize(d);
  if (n.unscaled !== 0n) {
    const digits = digitCount(n.unscaled);
    if (digits > maxDigits) {
      throw doesNotFit(
        column,
        `${decimalText(d)} has ${digits} significant digits; the column keeps ${maxDigits}`,
      );
    }
    const exponent = digits - 1 - n.scale;
    if (exponent > 125 || exponent < -130) {
      throw doesNotFit(column, `${decimalText(d)} is outside Oracle NUMBER's range (1e-130 to 1e126)`);
    }
  }
  return decimalText(n);
}

function decodeNumber(raw: unknown, column: ColumnInfo): Value {
  let d: Decimal | undefined;
  if (typeof raw === 'string') d = parseDecimal(raw);
  else if (typeof raw === 'bigint') d = { type: 'decimal', unscaled: raw, scale: 0 };
  else if (typeof raw === 'number' && Number.isSafeInteger(raw))
    d = { type: 'decimal', unscaled: BigInt(raw), scale: 0 };
  if (!d) throw cannotDecode(column, raw);
  const isFloat = normalizeOracleType(column.dataType) === 'float';
  const scale = isFloat ? undefined : column.precision !== undefined ? (column.scale ?? 0) : column.scale;
  if (scale === undefined) {
    // NUMBER without precision / FLOAT: Debezium's VariableScaleDecimal — the value at its own scale.
    const n = normalize(d);
    return n.scale < 0
      ? { type: 'decimal', unscaled: n.unscaled * 10n ** BigInt(-n.scale), scale: 0 }
      : { type: 'decimal', unscaled: n.unscaled, scale: n.scale };
  }
  const atScale = rescaleDecimal(d, scale);
  if (!atScale) throw cannotDecode(column, raw);
  if (scale === 0) {
    // Integers: `number` where an int32 surely holds them (NUMBER(1–9)), else `bigint`.
    return (column.precision ?? NUMBER_DIGITS) <= 9 ? Number(atScale.unscaled) : atScale.unscaled;
  }
  return { type: 'decimal', unscaled: atScale.unscaled, scale };
}

function encodeBinaryFloat(value: Value, column: ColumnInfo): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Inf';
    if (value === -Infinity) return '-Inf';
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  // A decimal, bigint or numeric string fits only when a double holds it exactly.
  const d = normalize(asDecimal(value, column));
  const n = Number(decimalText(d));
  const back = parseDecimal(String(n));
  if (!back || decimalText(normalize(back)) !== decimalText(d)) {
    throw doesNotFit(column, `${decimalText(d)} has no exact binary floating-point form`);
  }
  return String(n);
}

function decodeBinaryFloat(raw: unknown, column: ColumnInfo): Value {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (/^nan$/i.test(text)) return NaN;
    if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
    if (/^-inf(inity)?$/i.test(text)) return -Infinity;
    if (parseDecimal(text)) return Number(text);
  }
  throw cannotDecode(column, raw);
}

// ---------------------------------------------------------------------------------------------------
// Text and bytes

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function asText(value: Value, column: ColumnInfo): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || value === null || value instanceof Uint8Array) {
    throw doesNotFit(column, `${kindOf(value)} cannot be stored in a character column`);
  }
  if (typeof value === 'object' && value.type === 'bits') {
    throw doesNotFit(column, `${kindOf(value)} cannot be stored in a character column`);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw doesNotFit(column, `${value} is not a number a character column should hold`);
  }
  const json = valueToJson(value);
  if (json === null) throw doesNotFit(column, `${kindOf(value)} has no text form`);
  return String(json);
}

/** Length of `text` as the column counts it. */
function lengthOf(text: string, column: ColumnInfo, family: OracleTypeFamily): number {
  if (family === 'nvarchar' || family === 'nchar') return text.length; // AL16UTF16 code units
  if (column.lengthSemantics === 'char') return [...text].length; // AL32UTF8 characters
  return Buffer.byteLength(text, 'utf8');
}

function unitName(column: ColumnInfo, family: OracleTypeFamily): string {
  if (family === 'nvarchar' || family === 'nchar') return 'UTF-16 code units';
  return column.lengthSemantics === 'char' ? 'characters' : 'bytes';
}

function encodeText(value: Value, column: ColumnInfo, family: OracleTypeFamily): string | null {
  const text = asText(value, column);
  if (text === '') {
    if (!column.nullable) {
      throw doesNotFit(column, `an empty string is NULL in Oracle and the column is NOT NULL`);
    }
    return null;
  }
  if (LONE_SURROGATE.test(text)) throw doesNotFit(column, 'the text holds an unpaired UTF-16 surrogate');
  if (family === 'clob' || column.length === undefined) return text;
  const length = lengthOf(text, column, family);
  if (length > column.length) {
    throw doesNotFit(
      column,
      `the text is ${length} ${unitName(column, family)} long; the column holds ${column.length}`,
    );
  }
  if (family === 'char' || family === 'nchar') return text + ' '.repeat(column.length - length);
  return text;
}

/**
 * NULL for a BLOB/RAW column: zero-length bytes, which Oracle stores as NULL. A plain `null` would leave
 * the driver to bind an all-NULL position as VARCHAR2, and VARCHAR2 does not convert to BLOB (ORA-00932);
 * empty bytes keep the bind RAW/BLOB-typed.
 */
const NULL_BYTES: Buffer = Buffer.alloc(0);

function encodeBytes(value: Value, column: ColumnInfo, family: OracleTypeFamily): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else if (typeof value === 'object' && value !== null && value.type === 'json')
    bytes = Buffer.from(value.text, 'utf8');
  else throw doesNotFit(column, `${kindOf(value)} cannot be stored in a binary column`);
  if (bytes.length === 0) {
    if (!column.nullable) {
      throw doesNotFit(column, 'empty bytes are NULL in Oracle and the column is NOT NULL');
    }
    return NULL_BYTES;
  }
  if (family === 'raw' && column.length !== undefined && bytes.length > column.length) {
    throw doesNotFit(column, `${bytes.length} bytes do not fit in ${column.length}`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------------
// Dates, timestamps, intervals

/** Microseconds (and extra nanoseconds) of a wall clock or an instant, from a temporal value. */
function toWallClock(value: Value, column: ColumnInfo): { micros: bigint; nanos: number } {
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    switch (value.type) {
      case 'date':
        return { micros: BigInt(value.days) * MICROS_PER_DAY, nanos: 0 };
      case 'timestamp':
        return { micros: value.micros, nanos: value.nanos };
      case 'timestamptz':
        return { micros: value.micros, nanos: value.nanos };
      default:
        break;
    }
  }
  throw doesNotFit(column, `${kindOf(value)} cannot be stored in a date/time column`);
}

/** `YYYY-MM-DDTHH:MM:SS` and the nanoseconds within the second, years 1–9999 only. */
function wallClockParts(
  micros: bigint,
  nanos: number,
  column: ColumnInfo,
): { seconds: string; fraction: number } {
  const text = String(valueToJson({ type: 'timestamp', micros, nanos: 0 }));
  const m = /^(\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{6})$/.exec(text);
  if (!m || m[1] === '0000') throw doesNotFit(column, `${text} is outside Oracle's years 1–9999`);
  return { seconds: text.slice(0, 19), fraction: Number(m[2]) * 1000 + nanos };
}

function encodeDate(value: Value, column: ColumnInfo): string {
  const { micros, nanos } = toWallClock(value, column);
  const { seconds, fraction } = wallClockParts(micros, nanos, column);
  if (fraction !== 0) throw doesNotFit(column, 'Oracle DATE keeps whole seconds; the value has a fraction');
  return seconds;
}

function encodeTimestamp(value: Value, column: ColumnInfo, zoned: boolean): string {
  const { micros, nanos } = toWallClock(value, column);
  const { seconds, fraction } = wallClockParts(micros, nanos, column);
  const kept = column.fractionDigits ?? DEFAULT_FRACTION_DIGITS;
  if (fraction % 10 ** (9 - kept) !== 0) {
    throw doesNotFit(column, `the value has more than ${kept} fractional-second digits`);
  }
  const digits = bindFractionDigits(column);
  const frac = String(fraction).padStart(9, '0').slice(0, digits);
  return `${seconds}.${frac}${zoned ? '+00:00' : ''}`;
}

function encodeInterval(value: Value, column: ColumnInfo): string {
  let nanos: bigint | undefined;
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    if (value.type === 'time') nanos = value.micros * 1000n;
    else if (value.type === 'interval') {
      if (value.micros !== undefined) nanos = value.micros * 1000n;
      else if (value.iso !== undefined) nanos = isoDurationNanos(value.iso, column);
    }
  }
  if (nanos === undefined)
    throw doesNotFit(column, `${kindOf(value)} cannot be stored in an interval column`);
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const days = abs / NANOS_PER_DAY;
  const rest = abs % NANOS_PER_DAY;
  const dayDigits = column.precision ?? 2;
  if (days.toString().length > dayDigits) {
    throw doesNotFit(column, `${days} days need more than the column's ${dayDigits} day digits`);
  }
  const fraction = Number(rest % 1_000_000_000n);
  const kept = column.fractionDigits ?? DEFAULT_FRACTION_DIGITS;
  if (fraction % 10 ** (9 - kept) !== 0) {
    throw doesNotFit(column, `the value has more than ${kept} fractional-second digits`);
  }
  const totalSeconds = rest / 1_000_000_000n;
  const hh = String(totalSeconds / 3600n).padStart(2, '0');
  const mm = String((totalSeconds / 60n) % 60n).padStart(2, '0');
  const ss = String(totalSeconds % 60n).padStart(2, '0');
  const frac = String(fraction).padStart(9, '0').slice(0, bindFractionDigits(column));
  return `${negative ? '-' : '+'}${days} ${hh}:${mm}:${ss}.${frac}`;
}

/** Nanoseconds of an ISO-8601 duration with days and a time part only (`-P1DT2H3M4.5S`, `PT0S`). */
function isoDurationNanos(iso: string, column: ColumnInfo): bigint {
  const m =
    /^([+-])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,9}))?S)?)?$/.exec(
      iso.trim(),
    );
  if (!m || iso.trim() === 'P' || iso.trim().endsWith('T')) {
    throw doesNotFit(column, `'${iso}' is not an ISO-8601 duration dbtwin reads`);
  }
  const [, sign, years, months, weeks, days, hours, minutes, seconds, fraction] = m;
  if (Number(years ?? 0) !== 0 || Number(months ?? 0) !== 0) {
    throw doesNotFit(
      column,
      `'${iso}' has years or months, which INTERVAL DAY TO SECOND cannot hold exactly`,
    );
  }
  const big = (s: string | undefined): bigint => BigInt(s ?? '0');
  const totalSeconds =
    ((big(weeks) * 7n + big(days)) * 24n + big(hours)) * 3600n + big(minutes) * 60n + big(seconds);
  const nanos = totalSeconds * 1_000_000_000n + BigInt((fraction ?? '').padEnd(9, '0'));
  return sign === '-' ? -nanos : nanos;
}

function decodeTimestampText(raw: unknown, column: ColumnInfo, type: 'timestamp' | 'timestamptz'): Value {
  // TO_CHAR output: `YYYY-MM-DDTHH24:MI:SS[.FF9]`, zoned columns already in UTC.
  const parsed = typeof raw === 'string' ? parseTimestamp(raw) : undefined;
  if (!parsed) throw cannotDecode(column, raw);
  return { type, micros: parsed.micros, nanos: parsed.nanos };
}

/** A DATE as node-oracledb Thin returns it natively: a JS Date of the wall clock in the local zone. */
function dateFromJsDate(date: Date): Value {
  const days = daysFromCivil(date.getFullYear(), date.getMonth() + 1, date.getDate());
  const seconds = date.getHours() * 3600 + date.getMinutes() * 60 + date.getSeconds();
  return {
    type: 'timestamp',
    micros:
      BigInt(days) * MICROS_PER_DAY +
      BigInt(seconds) * MICROS_PER_SECOND +
      BigInt(date.getMilliseconds()) * 1000n,
    nanos: 0,
  };
}

function decodeInterval(raw: unknown, column: ColumnInfo): Value {
  if (typeof raw === 'object' && raw !== null && 'days' in raw && 'fseconds' in raw) {
    const r = raw as { days: number; hours?: number; minutes?: number; seconds?: number; fseconds: number };
    const seconds =
      ((BigInt(r.days) * 24n + BigInt(r.hours ?? 0)) * 60n + BigInt(r.minutes ?? 0)) * 60n +
      BigInt(r.seconds ?? 0);
    const nanos = seconds * 1_000_000_000n + BigInt(r.fseconds);
    return intervalFromNanos(nanos);
  }
  if (typeof raw === 'string') {
    // TO_CHAR form: `+01 02:03:04.123456`, `-000000001 02:03:04.000000000`.
    const m = /^([+-])?(\d+) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(raw.trim());
    if (m) {
      const [, sign, d, h, mi, s, frac = ''] = m;
      const seconds = ((BigInt(d!) * 24n + BigInt(h!)) * 60n + BigInt(mi!)) * 60n + BigInt(s!);
      const nanos = seconds * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
      return intervalFromNanos(sign === '-' ? -nanos : nanos);
    }
  }
  throw cannotDecode(column, raw);
}

function intervalFromNanos(nanos: bigint): Value {
  if (nanos % 1000n === 0n) return { type: 'interval', micros: nanos / 1000n };
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const seconds = abs / 1_000_000_000n;
  const frac = String(abs % 1_000_000_000n).padStart(9, '0');
  return { type: 'interval', iso: `${negative ? '-' : ''}PT${seconds}.${frac}S` };
}
