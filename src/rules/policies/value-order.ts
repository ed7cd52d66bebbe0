import type { Value } from '../../core/values.js';
import { toDecimal } from '../../engines/numeric-text.js';

/**
 * Compares two values of the same column for `max`, `min` and `lww` by column: numbers by value
 * (exactly, any kind), temporal values by instant, text and bytes by code point / byte. NULL is lower
 * than everything. Undefined when the two cannot be ordered (different kinds).
 */
export function compareValues(a: Value, b: Value): -1 | 0 | 1 | undefined {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const da = typeof a === 'string' ? undefined : toDecimal(a);
  const db = typeof b === 'string' ? undefined : toDecimal(b);
  if (da && db) {
    const scale = Math.max(da.scale, db.scale);
    const ua = da.unscaled * 10n ** BigInt(scale - da.scale);
    const ub = db.unscaled * 10n ** BigInt(scale - db.scale);
    return ua < ub ? -1 : ua > ub ? 1 : 0;
  }
  const ka = instant(a);
  const kb = instant(b);
  if (ka !== undefined && kb !== undefined) return ka < kb ? -1 : ka > kb ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const c = Buffer.compare(Buffer.from(a), Buffer.from(b));
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return undefined;
}

/** A temporal value as a number that orders like it (nanoseconds or days). */
function instant(v: Value): bigint | undefined {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return undefined;
  switch (v.type) {
    case 'timestamp':
    case 'timestamptz':
      return v.micros * 1000n + BigInt(v.nanos);
    case 'date':
      return BigInt(v.days) * 86_400_000_000_000n;
    case 'time':
      return v.micros * 1000n;
    default:
      return undefined;
  }
}
