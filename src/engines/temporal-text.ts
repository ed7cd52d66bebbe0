import { valueToJson } from '../core/value-json.js';

/**
 * Temporal text as the SQL engines read and write it, shared by the engine codecs. Formatting starts
 * from `valueToJson`'s exact ISO forms so that there is one spelling of every value; parsing accepts
 * what MySQL/MariaDB and PostgreSQL print (`2020-01-02 03:04:05.123456`, `…+00`, `0044-03-15 BC`,
 * `-838:59:59.000000`). Years are proleptic Gregorian, year 0 = 1 BC.
 */

/** Microseconds in a day (no leap seconds: SQL engines and Debezium count none). */
export const MICROS_PER_DAY = 86_400_000_000n;
/** Microseconds in a second. */
export const MICROS_PER_SECOND = 1_000_000n;

/** How a target spells years before 1 AD: ISO (`-0043`) or with an era suffix (`0044 … BC`, PostgreSQL). */
export type EraStyle = 'iso' | 'bc';

/** A timestamp read from text: wall-clock micros, or UTC micros when the text had an offset. */
export interface ParsedTimestamp {
  readonly micros: bigint;
  /** Sub-microsecond digits (0–999). */
  readonly nanos: number;
  /** Whether the text carried an offset (then `micros` is UTC). */
  readonly zoned: boolean;
}

const DATE_PART = String.raw`([+-]?\d{4,})-(\d{2})-(\d{2})`;
const CLOCK_PART = String.raw`(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?`;
const OFFSET_PART = String.raw`([Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)`;
const ERA_PART = String.raw`(?:\s+(BC|AD))?`;
const DATE_TEXT = new RegExp(`^${DATE_PART}${ERA_PART}$`);
const TIMESTAMP_TEXT = new RegExp(`^${DATE_PART}(?:[Tt ]${CLOCK_PART})?${OFFSET_PART}?${ERA_PART}$`);
const TIME_TEXT = new RegExp(
  String.raw`^([+-]?)(\d{1,3}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?${OFFSET_PART}?$`,
);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The year (year 0 = 1 BC) of a day count. */
export function yearOfDays(days: number): number {
  const text = valueToJson({ type: 'date', days }) as string;
  return Number(/^[+-]?\d+/.exec(text)?.[0]);
}

/** Days of a `YYYY-MM-DD` text (expanded years and a ` BC` suffix allowed); undefined when it is no date. */
export function parseDate(text: string): number | undefined {
  const m = DATE_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [, y = '', mo = '', d = '', era] = m;
  return civilDays(y, mo, d, era);
}

/**
 * A timestamp text (`YYYY-MM-DD[ T]HH:MM[:SS[.fffffffff]][offset][ BC]`, or a bare date meaning
 * midnight); undefined when it is none.
 */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [, y = '', mo = '', d = '', h = '0', mi = '0', s = '0', frac = '', offset, era] = m;
  const days = civilDays(y, mo, d, era);
  const clock = clockMicros(Number(h), Number(mi), Number(s), 24);
  const shift = offset === undefined ? 0 : offsetSeconds(offset);
  if (days === undefined || clock === undefined || shift === undefined) return undefined;
  const { micros: fracMicros, nanos } = fraction(frac);
  return {
    micros: BigInt(days) * MICROS_PER_DAY + clock + fracMicros - BigInt(shift) * MICROS_PER_SECOND,
    nanos,
    zoned: offset !== undefined,
  };
}

/**
 * A time text (`[-]H…H:MM[:SS[.ffffff]][offset]`) as signed microseconds, hours past 24 allowed (MySQL
 * TIME is a duration); with an offset (PostgreSQL timetz) the time is moved to UTC and wrapped into
 * one day. Undefined when it is no time.
 */
export function parseTime(text: string): bigint | undefined {
  const m = TIME_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', h = '', mi = '', s = '0', frac = '', offset] = m;
  const clock = clockMicros(Number(h), Number(mi), Number(s), 999);
  const shift = offset === undefined ? undefined : offsetSeconds(offset);
  if (clock === undefined || (offset !== undefined && shift === undefined)) return undefined;
  const magnitude = clock + fraction(frac).micros;
  const micros = sign === '-' ? -magnitude : magnitude;
  if (shift === undefined) return micros;
  const utc = micros - BigInt(shift) * MICROS_PER_SECOND;
  return ((utc % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;
}

/** `YYYY-MM-DD` of a day count, years before 1 AD in the target's era style. */
export function formatDate(days: number, era: EraStyle): string {
  return withEra(valueToJson({ type: 'date', days }) as string, era);
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…][zone][ BC]` of micros, cut (not rounded) to `fractionDigits` (0–6);
 * `zone` (`+00`) is written before the era, as PostgreSQL reads it.
 */
export function formatTimestamp(micros: bigint, fractionDigits: number, era: EraStyle, zone = ''): string {
  const text = valueToJson({ type: 'timestamp', micros, nanos: 0 }) as string;
  return withEra(cutFraction(text.replace('T', ' '), fractionDigits) + zone, era);
}

/** `[-]HH:MM:SS[.f…]` of signed micros (hours past 24 allowed), cut (not rounded) to `fractionDigits`. */
export function formatTime(micros: bigint, fractionDigits: number): string {
  return cutFraction(valueToJson({ type: 'time', micros }) as string, fractionDigits);
}

/**
 * Drops fraction digits beyond `digits` from a text ending in `.ffffff`. Cutting the text truncates
 * toward the earlier wall-clock time, as MySQL's TIME_TRUNCATE_FRACTIONAL would, and never carries
 * into the next second (rounding could move a value into the next day or out of range).
 */
function cutFraction(text: string, digits: number): string {
  const dot = text.lastIndexOf('.');
  if (dot < 0) return text;
  return digits <= 0 ? text.slice(0, dot) : text.slice(0, dot + 1 + Math.min(digits, 6));
}

function withEra(isoText: string, era: EraStyle): string {
  const m = /^([+-]?)(\d+)(.*)$/s.exec(isoText);
  if (!m) return isoText;
  const [, sign = '', digits = '', rest = ''] = m;
  const year = sign === '-' ? -Number(digits) : Number(digits);
  if (era === 'iso' || year > 0) return sign === '+' ? `${digits}${rest}` : isoText;
  return `${String(1 - year).padStart(4, '0')}${rest} BC`;
}

function civilDays(y: string, mo: string, d: string, era: string | undefined): number | undefined {
  let year = Number(y);
  if (era === 'BC') {
    if (year < 1) return undefined;
    year = 1 - year;
  }
  const month = Number(mo);
  const day = Number(d);
  if (!Number.isSafeInteger(year) || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysFromCivil(year, month + 1, 1) - daysFromCivil(year, month, 1)) return undefined;
  return daysFromCivil(year, month, day);
}

/** Micros of a clock reading; minutes and seconds must be < 60, hours ≤ `maxHours`. */
function clockMicros(h: number, mi: number, s: number, maxHours: number): bigint | undefined {
  if (h > maxHours || mi > 59 || s > 59) return undefined;
  return BigInt(h * 3600 + mi * 60 + s) * MICROS_PER_SECOND;
}

/** Fraction digits (up to 9) split into whole micros and the nanos below them. */
function fraction(digits: string): { micros: bigint; nanos: number } {
  const scaled = BigInt(`${digits}000000000`.slice(0, 9));
  return { micros: scaled / 1000n, nanos: Number(scaled % 1000n) };
}

/** Seconds east of UTC of `Z`, `±HH`, `±HH:MM`, `±HHMM`, `±HH:MM:SS`; undefined beyond ±18:59:59. */
function offsetSeconds(offset: string): number | undefined {
  if (/^z$/i.test(offset)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?:?(\d{2})?$/.exec(offset);
  if (!m) return undefined;
  const [hh, mm, ss] = [m[2], m[3], m[4]].map((part) => Number(part ?? 0)) as [number, number, number];
  if (hh > 18 || mm > 59 || ss > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
}
