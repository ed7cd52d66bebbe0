import { parse as parseLossless } from 'lossless-json';

/**
 * A JSON value parsed without losing numeric information.
 *
 * Numbers are `number` whenever the double is exactly the number written; integers beyond 2^53 are
 * `bigint`; any other number a double cannot hold exactly (a decimal with 17+ significant digits, an
 * exponent out of double range) is a {@link JsonNumberText} carrying the text as written.
 */
export type ExactJson =
  null | boolean | number | bigint | string | JsonNumberText | ExactJsonArray | ExactJsonObject;

/** A JSON array of exact values. */
export type ExactJsonArray = readonly ExactJson[];

/** A JSON object of exact values. */
export interface ExactJsonObject {
  readonly [key: string]: ExactJson;
}

/**
 * A non-integer JSON number whose value no double holds exactly, kept as its JSON text.
 * Invariant: `text` matches the JSON number grammar.
 */
export class JsonNumberText {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

/** An exact decimal: `unscaled × 10^-scale`. */
export interface DecimalParts {
  readonly unscaled: bigint;
  readonly scale: number;
}

const INTEGER_TEXT = /^-?\d+$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
// A bound on |scale| so that a hostile exponent cannot make later formatting allocate gigabytes.
const MAX_ABS_SCALE = 100_000;

/**
 * Parses JSON text exactly. Integers that are safe come back as `number`, unsafe ones as `bigint`;
 * see {@link ExactJson}. Duplicate object keys keep the last value, as `JSON.parse` does.
 *
 * How: one scan finds the number tokens a double could round (16+ mantissa digits, or a 3-digit
 * exponent: every decimal of at most 15 significant digits in double range survives a double round
 * trip). Without any, the text goes to `JSON.parse` as is. With some (every Debezium 3 envelope has
 * `ts_ns`), each is swapped for a `"\u0000<n>"` placeholder string, the text goes to `JSON.parse`,
 * and the placeholders are put back as exact values. A placeholder cannot collide with real data,
 * because a string starting with U+0000 can only be written with a `\u0000` escape and any text
 * containing one goes to `lossless-json` instead.
 *
 * @throws SyntaxError when the text is not JSON.
 */
export function parseExactJson(text: string): ExactJson {
  const scan = scanRoundedNumbers(text);
  if (scan === undefined) {
    return parseLossless(text, null, {
      parseNumber: exactNumber,
      onDuplicateKey: ({ newValue }) => newValue,
    }) as ExactJson;
  }
  if (scan.length === 0) return JSON.parse(text) as ExactJson;
  const exact: (number | bigint | JsonNumberText)[] = [];
  let patched = '';
  let from = 0;
  for (let i = 0; i < scan.length; i += 2) {
    const start = scan[i] ?? 0;
    const end = scan[i + 1] ?? 0;
    patched += `${text.slice(from, start)}"\\u0000${exact.length}"`;
    exact.push(exactNumber(text.slice(start, end)));
    from = end;
  }
  patched += text.slice(from);
  return restore(JSON.parse(patched) as ExactJson, exact);
}

/**
 * Start/end offsets of the number tokens `JSON.parse` could round, as a flat list; undefined when
 * the text contains a `\u0000` escape (the placeholder trick would not be safe). Malformed number
 * tokens are left alone so that `JSON.parse` reports them.
 */
function scanRoundedNumbers(text: string): number[] | undefined {
  const found: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, noting \u0000 escapes.
      i += 1;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          if (text.charCodeAt(i + 1) === 0x75 && text.startsWith('0000', i + 2)) return undefined;
          i += 2;
        } else if (d === 0x22) {
          break;
        } else {
          i += 1;
        }
      }
      i += 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let digits = 0;
      let exponentDigits = 0;
      let inExponent = false;
      for (; i < n; i += 1) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) {
          if (inExponent) exponentDigits += 1;
          else digits += 1;
        } else if (d === 0x65 || d === 0x45) {
          inExponent = true;
        } else if (d !== 0x2e && d !== 0x2b && d !== 0x2d) {
          break;
        }
      }
      if ((digits >= 16 || exponentDigits >= 3) && JSON_NUMBER.test(text.slice(start, i))) {
        found.push(start, i);
      }
    } else {
      i += 1;
    }
  }
  return found;
}

function restore(value: ExactJson, exact: readonly (number | bigint | JsonNumberText)[]): ExactJson {
  if (typeof value === 'string') {
    return value.charCodeAt(0) === 0 ? (exact[Number(value.slice(1))] ?? value) : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  // Freshly parsed by JSON.parse, so mutating in place is safe and saves a copy.
  if (Array.isArray(value)) {
    const array = value as ExactJson[];
    for (let i = 0; i < array.length; i += 1) array[i] = restore(array[i] ?? null, exact);
    return array;
  }
  const object = value as Record<string, ExactJson>;
  for (const key of Object.keys(object)) object[key] = restore(object[key] ?? null, exact);
  return object;
}

function exactNumber(text: string): number | bigint | JsonNumberText {
  if (INTEGER_TEXT.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  const n = Number(text);
  if (Number.isFinite(n)) {
    const written = parseDecimalText(text);
    const held = parseDecimalText(String(n));
    if (written && held && sameDecimal(written, held)) return n;
  }
  return new JsonNumberText(text);
}

/**
 * The exact value of a decimal number text (`-12.340`, `1.5E-7`, `42`): its digits as an unscaled
 * bigint and its scale (fraction digits minus exponent). Trailing zeros are kept (`12.340` → scale 3).
 * Returns undefined when the text is not a decimal number or its scale exceeds ±100000.
 */
export function parseDecimalText(text: string): DecimalParts | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return undefined;
  const [, sign = '', intDigits = '', fracDigits = '', exponent] = m;
  if (intDigits.length === 0 && fracDigits.length === 0) return undefined;
  const scale = fracDigits.length - (exponent === undefined ? 0 : Number(exponent));
  if (!Number.isSafeInteger(scale) || Math.abs(scale) > MAX_ABS_SCALE) return undefined;
  const unscaled = BigInt(`${sign === '-' ? '-' : ''}${intDigits}${fracDigits}` || '0');
  return { unscaled, scale };
}

function sameDecimal(a: DecimalParts, b: DecimalParts): boolean {
  const x = stripTrailingZeros(a);
  const y = stripTrailingZeros(b);
  return x.unscaled === y.unscaled && x.scale === y.scale;
}

function stripTrailingZeros(d: DecimalParts): DecimalParts {
  if (d.unscaled === 0n) return { unscaled: 0n, scale: 0 };
  let { unscaled, scale } = d;
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale -= 1;
  }
  return { unscaled, scale };
}

/**
 * Writes an exact JSON value back as JSON text without losing digits: bigints as their digits,
 * {@link JsonNumberText} as written. Object key order is kept.
 */
export function exactJsonText(value: ExactJson): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // JSON has no NaN/Infinity; parsing never produces them, so this only guards hand-made input.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'string':
      return JSON.stringify(value);
    default:
      break;
  }
  if (value instanceof JsonNumberText) return value.text;
  if (isExactJsonArray(value)) return `[${value.map(exactJsonText).join(',')}]`;
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${exactJsonText(v)}`);
  return `{${parts.join(',')}}`;
}

/** True for a JSON array (narrows the readonly array type, which `Array.isArray` does not). */
export function isExactJsonArray(value: ExactJson | undefined): value is ExactJsonArray {
  return Array.isArray(value);
}

/** True for a JSON object (not null, not an array, not a number text). */
export function isExactJsonObject(value: ExactJson | undefined): value is ExactJsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumberText)
  );
}
