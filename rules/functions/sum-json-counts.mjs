/**
 * dbtwin merge function: merges a JSON object of integer counters key by key, like the built-in
 * `delta` strategy does for one number: result[k] = current[k] + (incoming[k] − base[k]).
 *
 * For a column such as `{"warehouse-a": 12, "warehouse-b": 3}` or per-reaction counts, where both
 * sides increment different (or the same) keys concurrently: a `function` column strategy with
 * module `functions/sum-json-counts.mjs`:
 *
 *   columns:
 *     stock_by_site: { function: functions/sum-json-counts.mjs, timeoutMs: 100 }
 *
 * - A key missing from a document counts as 0; NULL counts as `{}`.
 * - The result holds the keys of `current` and `incoming` (a key both sides removed stays removed),
 *   sorted, written with `JSON.stringify` — the same text on both sides, byte for byte.
 * - Counts must be integers within ±2^53 (a JSON number beyond that is not exact in JavaScript);
 *   anything else throws, and the conflict goes to `manual` with the message.
 * - An insert that met an existing row has no before-image (`base` undefined), so there is no
 *   increment to apply: that throws too, as `delta` does.
 *
 * Why symmetric and deterministic: link A→B computes b + (a − base) and link B→A computes
 * a + (b − base) from the same base (the row both sides started from), so both links write the same
 * document; sorting the keys makes the texts equal too, not just the numbers. Both sides must reach
 * the same value, or the tables never converge.
 *
 * @param {{ column: string, base: unknown, incoming: unknown, current: unknown,
 *           incomingSide: string, targetSide: string }} input
 * @returns {{ type: 'json', text: string } | null}
 */
export default function sumJsonCounts({ column, base, incoming, current }) {
  if (base === undefined)
    throw new Error(`${column}: the change has no before-image (an insert), so no increment to apply`);
  if (current === null && incoming === null) return null;
  const now = counts(current, column, 'current');
  const next = counts(incoming, column, 'incoming');
  const before = counts(base, column, 'base');
  const keys = [...new Set([...Object.keys(now), ...Object.keys(next)])].sort();
  const merged = keys.map((key) => {
    const value = count(now, key) + count(next, key) - count(before, key);
    if (!Number.isSafeInteger(value)) throw new RangeError(`${column}.${key}: ${value} is out of range`);
    return [key, value];
  });
  // fromEntries defines own properties, so a key such as "__proto__" stays an ordinary key.
  return { type: 'json', text: JSON.stringify(Object.fromEntries(merged)) };
}

/** A key's count, 0 when absent (own keys only: "constructor" is not inherited from Object). */
function count(doc, key) {
  return Object.hasOwn(doc, key) ? doc[key] : 0;
}

/** A JSON column value as `{ key: integer }`; NULL as `{}`. */
function counts(value, column, which) {
  if (value === null) return {};
  if (typeof value !== 'object' || value.type !== 'json')
    throw new TypeError(`sum-json-counts works on JSON columns; ${column} (${which}) is not JSON`);
  const doc = JSON.parse(value.text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new TypeError(`${column} (${which}) is not a JSON object of counts`);
  for (const [key, n] of Object.entries(doc))
    if (!Number.isSafeInteger(n))
      throw new TypeError(`${column}.${key} (${which}) is not an integer: ${JSON.stringify(n)}`);
  return doc;
}
