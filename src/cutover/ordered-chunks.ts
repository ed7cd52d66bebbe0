import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { valueToJson } from '../core/value-json.js';
import type { Value } from '../core/values.js';

/**
 * The rows of one side read so far in primary-key order and not yet compared. `done`: the side holds
 * no row past those in `rows` (its last read returned fewer rows than asked for).
 */
export interface OrderedBuffer<T> {
  rows: T[];
  done: boolean;
}

/**
 * Takes the next chunk off two buffers of integer-keyed rows, each sorted by key as its side's
 * database returned it (integers order alike on every engine, so the two orders agree): every row of
 * either side up to a bound both sides have read past, so a key missing on one side is known missing.
 * The bound is the smallest last key among the sides not done (or everything when both are done).
 * Rows taken leave the buffers; the rest stay for the next chunk.
 *
 * Precondition: a side that is not done has at least one row buffered (refill it first); otherwise the
 * bound is unknown and this throws InternalInvariant. Returns undefined when both sides are done and
 * empty. The chunk is never empty otherwise: the side holding the bound gives its whole buffer.
 */
export function takeOrderedChunk<T>(
  a: OrderedBuffer<T>,
  b: OrderedBuffer<T>,
  keyOf: (row: T) => readonly bigint[],
): { readonly a: T[]; readonly b: T[] } | undefined {
  if (a.done && b.done && a.rows.length === 0 && b.rows.length === 0) return undefined;
  let bound: readonly bigint[] | undefined;
  for (const side of [a, b]) {
    if (side.done) continue;
    const last = side.rows[side.rows.length - 1];
    if (last === undefined)
      throw new DbtwinError(
        ErrorCode.InternalInvariant,
        'verify: a side not read to its end has no rows buffered',
      );
    const key = keyOf(last);
    if (bound === undefined || compareIntegerKeys(key, bound) < 0) bound = key;
  }
  const take = (side: OrderedBuffer<T>): T[] => {
    if (bound === undefined) return side.rows.splice(0);
    const limit = bound;
    let n = 0;
    while (n < side.rows.length && compareIntegerKeys(keyOf(side.rows[n]!), limit) <= 0) n++;
    return side.rows.splice(0, n);
  };
  return { a: take(a), b: take(b) };
}

/** Lexicographic order of two integer keys of the same width. */
export function compareIntegerKeys(x: readonly bigint[], y: readonly bigint[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * An integer key value as a bigint, whatever form the codec gave it (number, bigint, a decimal of
 * scale ≤ 0 or with a zero fraction, decimal text). Throws InternalInvariant for anything else: the
 * column was taken for an integer column and is not one.
 */
export function integerOf(value: Value): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    value.type === 'decimal'
  ) {
    if (value.scale <= 0) return value.unscaled * 10n ** BigInt(-value.scale);
    const unit = 10n ** BigInt(value.scale);
    if (value.unscaled % unit === 0n) return value.unscaled / unit;
  }
  throw new DbtwinError(
    ErrorCode.InternalInvariant,
    `verify: key value ${JSON.stringify(valueToJson(value))} is not an integer`,
  );
}
