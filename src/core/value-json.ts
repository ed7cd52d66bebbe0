import type { ChangeEvent, KafkaCoordinates } from './change-event.js';
import type { Row, Value } from './values.js';

/** A JSON-safe scalar: what `JSON.stringify` writes without losing or inventing anything. */
export type JsonScalar = null | boolean | number | string;

/** A row as JSON-safe output: column → scalar. */
export type JsonRow = Record<string, JsonScalar>;

/** The JSON form of one change event, as `dbtwin decode` prints it. */
export interface ChangeEventJson {
  readonly op: string;
  readonly table: string;
  readonly key: JsonRow;
  readonly before: JsonRow | null;
  readonly after: JsonRow | null;
  /** The source position, engine-specific fields as in `SourcePosition`. */
  readonly source: Record<string, string | number>;
  /** Source commit time, ms since the epoch. */
  readonly ts: number;
  readonly origin?: string;
  readonly hop?: number;
  readonly txId?: string;
  readonly kafka?: KafkaCoordinates;
}

const MICROS_PER_DAY = 86_400_000_000n;

/**
 * Turns one value into a JSON-safe scalar without losing anything:
 * - `bigint` → its decimal string (always, so a 64-bit column has one JSON type);
 * - decimal → its exact text at its scale (`"12.3400000000"`, `"-0.05"`, `"1200"` for scale −2);
 * - date → `YYYY-MM-DD`; time → `HH:MM:SS.ffffff` (`-838:59:59.000000` and hours past 24 allowed);
 * - timestamp → `YYYY-MM-DDTHH:MM:SS.ffffff`, timestamptz the same in UTC with `Z`; 9 fraction digits
 *   when `nanos` ≠ 0; years outside 0000–9999 as ISO-8601 expanded years (`+12345`, `-0044`);
 * - bytes and bits → lowercase hex; json → its text; interval → its ISO text, else its micros as a string;
 * - non-finite numbers → `"NaN"`, `"Infinity"`, `"-Infinity"` (JSON has no such numbers).
 */
export function valueToJson(value: Value): JsonScalar {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    default:
      break;
  }
  if (value instanceof Uint8Array) return hex(value);
  switch (value.type) {
    case 'decimal':
      return decimalText(value.unscaled, value.scale);
    case 'date':
      return dateText(value.days);
    case 'time':
      return durationText(value.micros);
    case 'timestamp':
      return timestampText(value.micros, value.nanos);
    case 'timestamptz':
      return `${timestampText(value.micros, value.nanos)}Z`;
    case 'interval':
      return value.iso ?? (value.micros === undefined ? null : value.micros.toString());
    case 'json':
      return value.text;
    case 'bits':
      return hex(value.bytes);
  }
}

/** Applies {@link valueToJson} to every column, keeping column order; `null` stays `null`. */
export function rowToJson(row: Row | null): JsonRow | null {
  if (row === null) return null;
  const out: JsonRow = {};
  for (const [name, value] of Object.entries(row)) out[name] = valueToJson(value);
  return out;
}

/**
 * The JSON form of a change event: `op`, `table`, `key`, `before`, `after`, `source` (the position),
 * `ts` (source commit time in ms), then `origin`, `hop`, `txId`, `kafka` when present.
 */
export function eventToJson(event: ChangeEvent): ChangeEventJson {
  const source: Record<string, string | number> = {};
  for (const [name, v] of Object.entries(event.position)) {
    if (typeof v === 'string' || typeof v === 'number') source[name] = v;
  }
  return {
    op: event.op,
    table: event.table,
    key: rowToJson(event.key) ?? {},
    before: rowToJson(event.before),
    after: rowToJson(event.after),
    source,
    ts: event.sourceTsMs,
    ...(event.origin === undefined ? {} : { origin: event.origin }),
    ...(event.hop === undefined ? {} : { hop: event.hop }),
    ...(event.txId === undefined ? {} : { txId: event.txId }),
    ...(event.kafka === undefined ? {} : { kafka: { ...event.kafka } }),
  };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) {
    digits = unscaled === 0n ? '0' : digits + '0'.repeat(-scale);
  } else {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function dateText(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${yearText(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function timestampText(micros: bigint, nanos: number): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  const timeOfDay = micros - days * MICROS_PER_DAY;
  return `${dateText(Number(days))}T${clockText(timeOfDay, nanos)}`;
}

function durationText(micros: bigint): string {
  const negative = micros < 0n;
  return `${negative ? '-' : ''}${clockText(negative ? -micros : micros, 0)}`;
}

/** `HH:MM:SS.ffffff` of a non-negative span; hours grow past 24 as needed. */
function clockText(micros: bigint, nanos: number): string {
  const totalSeconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const hours = totalSeconds / 3600n;
  const minutes = Number((totalSeconds / 60n) % 60n);
  const seconds = Number(totalSeconds % 60n);
  const frac =
    nanos === 0
      ? fraction.toString().padStart(6, '0')
      : `${fraction.toString().padStart(6, '0')}${pad(nanos, 3)}`;
  return `${hours.toString().padStart(2, '0')}:${pad(minutes, 2)}:${pad(seconds, 2)}.${frac}`;
}

/** Proleptic Gregorian date of a day count since 1970-01-01 (year 0 = 1 BC), after H. Hinnant's algorithm. */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function yearText(year: number): string {
  if (year < 0) return `-${pad(-year, 4)}`;
  return year > 9999 ? `+${year}` : pad(year, 4);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
