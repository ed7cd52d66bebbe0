import type { DecimalValue, Value } from '../core/values.js';

/**
 * Exact conversions between numeric values and their text, shared by the engine codecs. Nothing here
 * passes through a float except where the value already is one (a JS `number`).
 */

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

/**
 * The exact decimal a plain or scientific text spells (`-12.50`, `1e-7`, `.5`), with a scale ≥ 0
 * (`1.2e3` → unscaled 1200, scale 0); undefined when the text is no decimal number.
 */
export function parseDecimal(text: string): DecimalValue | undefined {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  if (whole === '' && fraction === '') return undefined;
  let unscaled = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { type: 'decimal', unscaled: sign === '-' ? -unscaled : unscaled, scale };
}

/**
 * The same number at another scale, or undefined when that would drop non-zero digits: `12.340`
 * rescales to scale 2 (`12.34`) but `12.345` does not.
 */
export function rescaleDecimal(value: DecimalValue, scale: number): DecimalValue | undefined {
  if (value.scale === scale) return value;
  if (value.scale < scale) {
    return { type: 'decimal', unscaled: value.unscaled * 10n ** BigInt(scale - value.scale), scale };
  }
  const factor = 10n ** BigInt(value.scale - scale);
  if (value.unscaled % factor !== 0n) return undefined;
  return { type: 'decimal', unscaled: value.unscaled / factor, scale };
}

/** Count of digits of |n| (0 has none, so it fits any precision). */
export function digitCount(n: bigint): number {
  return n === 0n ? 0 : (n < 0n ? -n : n).toString().length;
}

/**
 * A value as an exact decimal when it is a number of any kind (decimal, bigint, integer or finite
 * `number` by its shortest round-trip text, numeric text, boolean as 0/1); undefined otherwise.
 */
export function toDecimal(value: Value): DecimalValue | undefined {
  switch (typeof value) {
    case 'bigint':
      return { type: 'decimal', unscaled: value, scale: 0 };
    case 'number':
      return Number.isFinite(value) ? parseDecimal(String(value)) : undefined;
    case 'boolean':
      return { type: 'decimal', unscaled: value ? 1n : 0n, scale: 0 };
    case 'string':
      return parseDecimal(value);
    default:
      return value !== null && !(value instanceof Uint8Array) && value.type === 'decimal' ? value : undefined;
  }
}

/** A value as an exact integer when it is one (a decimal with a zero fraction counts); undefined otherwise. */
export function toInteger(value: Value): bigint | undefined {
  if (typeof value === 'number' && !Number.isInteger(value)) return undefined;
  const decimal = toDecimal(value);
  if (decimal === undefined) return undefined;
  return rescaleDecimal(decimal, 0)?.unscaled;
}

/** An integer as the JS type that holds it exactly: `number` when safe, else `bigint`. */
export function compactInteger(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
