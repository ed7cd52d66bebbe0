/**
 * dbtwin merge function: keeps the longer text of the two conflicting values.
 *
 * Use it for free-text columns where a longer value is a more complete one (a description edited on
 * both sides, a note appended to): a `function` column strategy with module
 * `functions/longest-text.mjs` (relative to the rules directory):
 *
 *   columns:
 *     description: { function: functions/longest-text.mjs, timeoutMs: 50 }
 *
 * Length is counted in Unicode code points, so an emoji counts once on both engines. On equal length
 * the lexicographically larger text (by UTF-16 code units, as `<` compares) wins. NULL loses to any
 * text; two NULLs stay NULL.
 *
 * Why symmetric and deterministic: each link merges the other side's change into its own row, so
 * link A→B computes f(current = b, incoming = a) while link B→A computes f(current = a, incoming = b).
 * The two sides only converge if both calls return the same value, so the result depends on the two
 * values alone — never on which one is `current`, on the side names, on the clock or on randomness.
 * A tie broken by "keep current" would leave each side with its own text, forever different.
 *
 * @param {{ column: string, base: unknown, incoming: unknown, current: unknown,
 *           incomingSide: string, targetSide: string }} input
 * @returns {string | null}
 */
export default function longestText({ column, incoming, current }) {
  if (current === null) return incoming === null ? null : text(incoming, column);
  if (incoming === null) return text(current, column);
  const a = text(current, column);
  const b = text(incoming, column);
  const la = [...a].length;
  const lb = [...b].length;
  if (la !== lb) return la > lb ? a : b;
  return a > b ? a : b;
}

/** The value itself when it is text; a clear error otherwise (the conflict goes to `manual`). */
function text(value, column) {
  if (typeof value !== 'string')
    throw new TypeError(`longest-text works on text columns; ${column} holds ${typeof value}`);
  return value;
}
