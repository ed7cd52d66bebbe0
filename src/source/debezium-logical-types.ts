import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { DecimalValue, Value } from '../core/values.js';
import {
  type ExactJson,
  type ExactJsonObject,
  JsonNumberText,
  exactJsonText,
  isExactJsonArray,
  isExactJsonObject,
  parseDecimalText,
} from './debezium-json.js';

/**
 * Debezium's `binary.handling.mode`. With `bytes` (Debezium's default) a binary column is declared
 * `bytes` and the JSON converter writes it as standard base64. With the other modes Debezium declares
 * the column `string` and writes base64, URL-safe base64 or hex text itself, so the schema no longer
 * says the column is binary: see {@link LogicalTypeOptions.binary}.
 */
export type BinaryHandlingMode = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';

/**
 * A Kafka Connect schema as the JSON converter writes it with `schemas.enable=true`.
 * `parameters` values are always strings (`scale: "2"`).
 */
export interface ConnectSchema {
  readonly type: string;
  readonly name?: string;
  readonly optional?: boolean;
  readonly parameters?: Readonly<Record<string, string>>;
  /** Struct fields, in declaration order. */
  readonly fields?: readonly ConnectField[];
  /** Array element schema. */
  readonly items?: ConnectSchema;
  readonly keys?: ConnectSchema;
  readonly values?: ConnectSchema;
}

/** One field of a struct schema. */
export interface ConnectField extends ConnectSchema {
  readonly field: string;
}

/** Options for {@link decodeFieldValue}. */
export interface LogicalTypeOptions {
  /** The connector's `binary.handling.mode`. Default `bytes`. */
  readonly binaryHandlingMode?: BinaryHandlingMode;
  /**
   * The caller knows this `string` field carries a binary column (in a non-`bytes` mode). Without it,
   * a `string` field is decoded as binary only when its `__debezium.source.column.type` parameter
   * (connector option `column.propagate.source.type`) names a binary type.
   */
  readonly binary?: boolean;
}

/** Logical type names dbtwin decodes; any other name falls back to the plain Connect type. */
export const LogicalName = {
  Decimal: 'org.apache.kafka.connect.data.Decimal',
  VariableScaleDecimal: 'io.debezium.data.VariableScaleDecimal',
  ConnectDate: 'org.apache.kafka.connect.data.Date',
  Date: 'io.debezium.time.Date',
  Time: 'io.debezium.time.Time',
  MicroTime: 'io.debezium.time.MicroTime',
  NanoTime: 'io.debezium.time.NanoTime',
  ConnectTime: 'org.apache.kafka.connect.data.Time',
  Timestamp: 'io.debezium.time.Timestamp',
  MicroTimestamp: 'io.debezium.time.MicroTimestamp',
  NanoTimestamp: 'io.debezium.time.NanoTimestamp',
  ConnectTimestamp: 'org.apache.kafka.connect.data.Timestamp',
  ZonedTimestamp: 'io.debezium.time.ZonedTimestamp',
  ZonedTime: 'io.debezium.time.ZonedTime',
  Year: 'io.debezium.time.Year',
  Bits: 'io.debezium.data.Bits',
  Enum: 'io.debezium.data.Enum',
  EnumSet: 'io.debezium.data.EnumSet',
  Json: 'io.debezium.data.Json',
  Uuid: 'io.debezium.data.Uuid',
  Xml: 'io.debezium.data.Xml',
  MicroDuration: 'io.debezium.time.MicroDuration',
  NanoDuration: 'io.debezium.time.NanoDuration',
  Interval: 'io.debezium.time.Interval',
} as const;

const MICROS_PER_DAY = 86_400_000_000n;
const INT64_MIN = -(1n << 63n);
// BIGINT UNSIGNED values above 2^63-1 are accepted as int64 rather than rejected: no converter of
// Debezium's writes them, but when one arrives its exact digits are worth more than the type check.
const UINT64_MAX = (1n << 64n) - 1n;
const BINARY_SOURCE_TYPES = new Set([
  'BINARY',
  'VARBINARY',
  'TINYBLOB',
  'BLOB',
  'MEDIUMBLOB',
  'LONGBLOB',
  'BYTEA',
  'RAW',
  'LONG RAW',
]);

/**
 * Converts one field value, as parsed by `parseExactJson`, into a dbtwin {@link Value} according to
 * its Connect schema (`type`, `name`, `parameters`). `null` is always accepted (optionality is
 * Debezium's business). Unknown logical names fall back to the plain type.
 *
 * Plain types: int8/16/32 → `number`; **int64 → always `bigint`** (so a BIGINT column has one JS type
 * whatever its magnitude; range −2^63 … 2^64−1); float32/64 → `number` (also from Jackson's `"NaN"`,
 * `"Infinity"`, `"-Infinity"`); boolean; string; bytes → `Uint8Array`; struct, array and map with no
 * dbtwin type → `json` holding the payload text exactly as written.
 *
 * @param path names the field in errors, e.g. `after.price`.
 * @throws DbtwinError FieldValueInvalid naming `path` when the value does not fit its type.
 */
export function decodeFieldValue(
  raw: ExactJson,
  schema: ConnectSchema,
  path: string,
  options: LogicalTypeOptions = {},
): Value {
  if (raw === null) return null;
  switch (schema.name) {
    case LogicalName.Decimal:
      return decodeDecimal(raw, schema, path);
    case LogicalName.VariableScaleDecimal:
      return decodeVariableScaleDecimal(raw, path);
    case LogicalName.Date:
    case LogicalName.ConnectDate:
      return { type: 'date', days: toInt(raw, path, 'a day count', -(2 ** 31), 2 ** 31 - 1) };
    case LogicalName.Time:
    case LogicalName.ConnectTime:
      return { type: 'time', micros: toBigInt(raw, path, 'milliseconds') * 1000n };
    case LogicalName.MicroTime:
      return { type: 'time', micros: toBigInt(raw, path, 'microseconds') };
    case LogicalName.NanoTime:
      return { type: 'time', micros: wholeMicros(toBigInt(raw, path, 'nanoseconds'), path) };
    case LogicalName.Timestamp:
    case LogicalName.ConnectTimestamp:
      return { type: 'timestamp', micros: toBigInt(raw, path, 'milliseconds') * 1000n, nanos: 0 };
    case LogicalName.MicroTimestamp:
      return { type: 'timestamp', micros: toBigInt(raw, path, 'microseconds'), nanos: 0 };
    case LogicalName.NanoTimestamp: {
      const nanos = toBigInt(raw, path, 'nanoseconds');
      return { type: 'timestamp', micros: floorDiv(nanos, 1000n), nanos: Number(floorMod(nanos, 1000n)) };
    }
    case LogicalName.ZonedTimestamp:
      return parseZonedTimestamp(toText(raw, path, 'an ISO-8601 timestamp'), path);
    case LogicalName.ZonedTime:
      return parseZonedTime(toText(raw, path, 'an ISO-8601 time with offset'), path);
    case LogicalName.Year:
      return toInt(raw, path, 'a year', -(2 ** 31), 2 ** 31 - 1);
    case LogicalName.Bits:
      return decodeBits(raw, schema, path);
    case LogicalName.Enum:
    case LogicalName.EnumSet:
    case LogicalName.Uuid:
    case LogicalName.Xml:
      return toText(raw, path, 'a string');
    case LogicalName.Json:
      return { type: 'json', text: toText(raw, path, 'JSON text') };
    case LogicalName.MicroDuration:
      return { type: 'interval', micros: toBigInt(raw, path, 'microseconds') };
    case LogicalName.NanoDuration:
      return { type: 'interval', micros: wholeMicros(toBigInt(raw, path, 'nanoseconds'), path) };
    case LogicalName.Interval: {
      const iso = toText(raw, path, 'an ISO-8601 duration');
      if (!/^[+-]?P/i.test(iso)) throw invalid(path, `'${iso}' is not an ISO-8601 duration`);
      return { type: 'interval', iso };
    }
    default:
      return decodePlain(raw, schema, path, options);
  }
}

/**
 * Converts a value from an envelope without schemas, where no type is known: null, booleans,
 * numbers, bigints and strings stay as parsed; a number no double holds exactly becomes a `decimal`
 * (its text if its exponent exceeds ±100000); objects and arrays become `json` with their exact text.
 */
export function decodeUntypedValue(raw: ExactJson): Value {
  if (raw === null || typeof raw !== 'object') return raw;
  if (raw instanceof JsonNumberText) {
    const parts = parseDecimalText(raw.text);
    // Only an exponent beyond ±100000 has no decimal form here; such a number stays text.
    return parts ? { type: 'decimal', ...parts } : raw.text;
  }
  return { type: 'json', text: exactJsonText(raw) };
}

/**
 * Decodes binary text written under a `binary.handling.mode` (`bytes` and `base64` mean standard
 * base64, as the JSON converter writes `bytes`).
 *
 * @throws DbtwinError FieldValueInvalid naming `path` when the text is not in that encoding.
 */
export function decodeBinaryText(text: string, mode: BinaryHandlingMode, path: string): Uint8Array {
  switch (mode) {
    case 'hex':
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
        throw invalid(path, 'not valid hex (binary.handling.mode=hex)');
      }
      return new Uint8Array(Buffer.from(text, 'hex'));
    case 'base64-url-safe': {
      const body = text.replace(/={1,2}$/, '');
      if (
        !/^[A-Za-z0-9_-]*$/.test(body) ||
        body.length % 4 === 1 ||
        (text !== body && text.length % 4 !== 0)
      ) {
        throw invalid(path, 'not valid URL-safe base64 (binary.handling.mode=base64-url-safe)');
      }
      return new Uint8Array(Buffer.from(body, 'base64url'));
    }
    case 'bytes':
    case 'base64':
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
        throw invalid(path, 'not valid base64');
      }
      return new Uint8Array(Buffer.from(text, 'base64'));
  }
}

function decodePlain(
  raw: ExactJson,
  schema: ConnectSchema,
  path: string,
  options: LogicalTypeOptions,
): Value {
  switch (schema.type) {
    case 'int8':
      return toInt(raw, path, 'an int8', -128, 127);
    case 'int16':
      return toInt(raw, path, 'an int16', -32768, 32767);
    case 'int32':
      return toInt(raw, path, 'an int32', -(2 ** 31), 2 ** 31 - 1);
    case 'int64': {
      const n = toBigInt(raw, path, 'an int64');
      if (n < INT64_MIN || n > UINT64_MAX) throw invalid(path, `${n} is outside the 64-bit integer range`);
      return n;
    }
    // Kafka Connect's JsonConverter names FLOAT32/FLOAT64 `float`/`double` in the JSON schema.
    case 'float':
    case 'double':
    case 'float32':
    case 'float64':
      return toFloat(raw, path);
    case 'boolean':
      if (typeof raw !== 'boolean') throw invalid(path, `expected a boolean, got ${describe(raw)}`);
      return raw;
    case 'string': {
      const text = toText(raw, path, 'a string');
      const mode = options.binaryHandlingMode ?? 'bytes';
      if (mode !== 'bytes' && (options.binary === true || isBinarySourceColumn(schema))) {
        return decodeBinaryText(text, mode, path);
      }
      return text;
    }
    case 'bytes':
      return decodeBinaryText(toText(raw, path, 'base64 bytes'), 'base64', path);
    case 'struct':
    case 'array':
    case 'map':
      if (typeof raw !== 'object' || raw instanceof JsonNumberText) {
        throw invalid(path, `expected a ${schema.type}, got ${describe(raw)}`);
      }
      return { type: 'json', text: exactJsonText(raw) };
    default:
      throw invalid(path, `unknown Connect schema type '${schema.type}'`);
  }
}

function isBinarySourceColumn(schema: ConnectSchema): boolean {
  const sourceType = schema.parameters?.['__debezium.source.column.type'];
  return sourceType !== undefined && BINARY_SOURCE_TYPES.has(sourceType.toUpperCase());
}

function decodeDecimal(raw: ExactJson, schema: ConnectSchema, path: string): DecimalValue {
  const scaleText = schema.parameters?.['scale'];
  const scale = scaleText === undefined ? undefined : Number(scaleText);
  if (scale !== undefined && !Number.isSafeInteger(scale)) {
    throw invalid(path, `Decimal schema parameter scale '${scaleText}' is not an integer`);
  }
  if (typeof raw === 'string' && schema.type === 'bytes') {
    if (scale === undefined) throw invalid(path, 'Decimal schema has no scale parameter');
    const bytes = decodeBinaryText(raw, 'base64', path);
    if (bytes.length === 0) throw invalid(path, 'Decimal has no bytes');
    return { type: 'decimal', unscaled: twosComplement(bytes), scale };
  }
  // decimal.handling.mode=string, or the JSON converter's decimal.format=NUMERIC: the value is its text.
  let text: string;
  if (typeof raw === 'string') text = raw.trim();
  else if (typeof raw === 'bigint') text = raw.toString();
  else if (raw instanceof JsonNumberText) text = raw.text;
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
  else throw invalid(path, `expected a Decimal, got ${describe(raw)}`);
  const parts = parseDecimalText(text);
  if (!parts) throw invalid(path, `'${text}' is not a decimal number`);
  return { type: 'decimal', ...(scale === undefined ? parts : rescale(parts, scale)) };
}

// Brings a decimal to the schema's scale when that loses nothing; otherwise keeps its own scale.
function rescale(
  parts: { unscaled: bigint; scale: number },
  scale: number,
): { unscaled: bigint; scale: number } {
  if (parts.scale === scale) return parts;
  if (parts.scale < scale) return { unscaled: parts.unscaled * 10n ** BigInt(scale - parts.scale), scale };
  const divisor = 10n ** BigInt(parts.scale - scale);
  return parts.unscaled % divisor === 0n ? { unscaled: parts.unscaled / divisor, scale } : parts;
}

function decodeVariableScaleDecimal(raw: ExactJson, path: string): DecimalValue {
  if (!isExactJsonObject(raw)) throw invalid(path, `expected a {scale, value} struct, got ${describe(raw)}`);
  const scale = toInt(field(raw, 'scale'), `${path}.scale`, 'an int32', -(2 ** 31), 2 ** 31 - 1);
  const bytes = decodeBinaryText(
    toText(field(raw, 'value'), `${path}.value`, 'base64 bytes'),
    'base64',
    `${path}.value`,
  );
  if (bytes.length === 0) throw invalid(`${path}.value`, 'VariableScaleDecimal has no bytes');
  return { type: 'decimal', unscaled: twosComplement(bytes), scale };
}

function decodeBits(raw: ExactJson, schema: ConnectSchema, path: string): Value {
  // BIT(1) is declared boolean, but a converter may still name it Bits.
  if (typeof raw === 'boolean') return raw;
  const bytes = decodeBinaryText(toText(raw, path, 'base64 bits'), 'base64', path);
  const lengthText = schema.parameters?.['length'];
  const length = lengthText === undefined ? bytes.length * 8 : Number(lengthText);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw invalid(path, `Bits schema parameter length '${lengthText}' is not a bit count`);
  }
  return { type: 'bits', bytes, length };
}

function field(obj: ExactJsonObject, name: string): ExactJson {
  return Object.hasOwn(obj, name) ? (obj[name] ?? null) : null;
}

/** Big-endian two's complement, as Java's `BigInteger.toByteArray()` writes it. */
function twosComplement(bytes: Uint8Array): bigint {
  const magnitude = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  const first = bytes[0] ?? 0;
  return first & 0x80 ? magnitude - (1n << BigInt(bytes.length * 8)) : magnitude;
}

const ZONED_TIMESTAMP =
  /^([+-]?\d{4,})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;
const ZONED_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;

function parseZonedTimestamp(text: string, path: string): Value {
  const m = ZONED_TIMESTAMP.exec(text);
  if (!m) throw invalid(path, `'${text}' is not an ISO-8601 timestamp with offset`);
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '0', frac = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (!Number.isSafeInteger(year) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw invalid(path, `'${text}' has no such date`);
  }
  const secondOfDay = clockSeconds(Number(h), Number(mi), Number(s), text, path);
  const { micros: fracMicros, nanos } = fraction(frac);
  const micros =
    BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY +
    BigInt(secondOfDay - offsetSeconds(offset, text, path)) * 1_000_000n +
    fracMicros;
  return { type: 'timestamptz', micros, nanos };
}

function parseZonedTime(text: string, path: string): Value {
  const m = ZONED_TIME.exec(text);
  if (!m) throw invalid(path, `'${text}' is not an ISO-8601 time with offset`);
  const [, h = '', mi = '', s = '0', frac = '', offset = 'Z'] = m;
  const { micros: fracMicros, nanos } = fraction(frac);
  if (nanos !== 0) throw invalid(path, `'${text}' has sub-microsecond digits that a time cannot keep`);
  const seconds =
    clockSeconds(Number(h), Number(mi), Number(s), text, path) - offsetSeconds(offset, text, path);
  // A time with offset is normalised to UTC and wrapped into one day, as PostgreSQL's timetz is by Debezium.
  return { type: 'time', micros: floorMod(BigInt(seconds) * 1_000_000n + fracMicros, MICROS_PER_DAY) };
}

function clockSeconds(h: number, mi: number, s: number, text: string, path: string): number {
  if (h > 23 || mi > 59 || s > 59) throw invalid(path, `'${text}' has no such time of day`);
  return h * 3600 + mi * 60 + s;
}

function fraction(digits: string): { micros: bigint; nanos: number } {
  const nineDigits = digits.padEnd(9, '0');
  return { micros: BigInt(nineDigits.slice(0, 6)), nanos: Number(nineDigits.slice(6)) };
}

function offsetSeconds(offset: string, text: string, path: string): number {
  if (offset === 'Z' || offset === 'z') return 0;
  const digits = offset.slice(1).replaceAll(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  const seconds = Number(digits.slice(4, 6) || '0');
  if (hours > 18 || minutes > 59 || seconds > 59) throw invalid(path, `'${text}' has an impossible offset`);
  const total = hours * 3600 + minutes * 60 + seconds;
  return offset.startsWith('-') ? -total : total;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC), after H. Hinnant's algorithm. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function wholeMicros(nanos: bigint, path: string): bigint {
  if (nanos % 1000n !== 0n) {
    throw invalid(path, `${nanos} ns has sub-microsecond digits that a time cannot keep`);
  }
  return nanos / 1000n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

function toInt(raw: ExactJson, path: string, what: string, min: number, max: number): number {
  if (typeof raw === 'number' && Number.isInteger(raw)) {
    if (raw < min || raw > max) throw invalid(path, `${raw} is outside the range of ${what}`);
    return raw;
  }
  if (typeof raw === 'bigint') throw invalid(path, `${raw} is outside the range of ${what}`);
  throw invalid(path, `expected ${what}, got ${describe(raw)}`);
}

function toBigInt(raw: ExactJson, path: string, what: string): bigint {
  if (typeof raw === 'bigint') return raw;
  // Safe: a number here is either a safe integer or a double that is exactly the integer written.
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  throw invalid(path, `expected ${what} as an integer, got ${describe(raw)}`);
}

function toFloat(raw: ExactJson, path: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (raw instanceof JsonNumberText) return Number(raw.text);
  // Jackson writes non-finite doubles as strings.
  if (raw === 'NaN') return Number.NaN;
  if (raw === 'Infinity') return Number.POSITIVE_INFINITY;
  if (raw === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw invalid(path, `expected a floating-point number, got ${describe(raw)}`);
}

function toText(raw: ExactJson, path: string, what: string): string {
  if (typeof raw !== 'string') throw invalid(path, `expected ${what}, got ${describe(raw)}`);
  return raw;
}

function describe(raw: ExactJson): string {
  if (raw === null) return 'null';
  if (raw instanceof JsonNumberText) return `the number ${raw.text}`;
  if (isExactJsonArray(raw)) return 'an array';
  switch (typeof raw) {
    case 'string':
      return `the string ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}`;
    case 'number':
    case 'bigint':
      return `the number ${raw}`;
    case 'boolean':
      return `the boolean ${raw}`;
    default:
      return 'an object';
  }
}

function invalid(path: string, why: string): DbtwinError {
  return new DbtwinError(ErrorCode.FieldValueInvalid, `${path}: ${why}`, {
    hint: 'check the connector options that shape this column (decimal/time/binary handling modes) and the column type',
  });
}
