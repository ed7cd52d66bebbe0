import { createHash } from 'node:crypto';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';

/**
 * One row of one side reduced to what verification compares: its key and the values of the columns
 * both sides share, each in the canonical form the echo layer compares (`canonicalValue`), so that the
 * same logical row gives the same canonical row on either engine.
 */
export interface CanonicalRow {
  /** The canonical key values as one text (a JSON array, in the pair's key order): equal keys, equal text. */
  readonly key: string;
  /** Canonical values of the compared columns, in the pair's column order (null for SQL NULL). */
  readonly values: readonly (string | null)[];
}

/** How one key differs between side A and side B. */
export type RowDiff<R extends CanonicalRow> =
  | { readonly kind: 'only-a'; readonly key: string; readonly a: R }
  | { readonly kind: 'only-b'; readonly key: string; readonly b: R }
  | {
      readonly kind: 'differs';
      readonly key: string;
      readonly a: R;
      readonly b: R;
      /** Indexes (in the pair's column order) of the columns whose values differ; never empty. */
      readonly columns: readonly number[];
    };

/**
 * The digest of a chunk of canonical rows, in the order given: equal digests mean equal keys, values
 * and order. Rows are framed unambiguously (JSON), so no two different chunks share a text.
 */
export function chunkDigest(rows: readonly CanonicalRow[]): string {
  const hash = createHash('sha256');
  for (const row of rows) {
    hash.update(row.key);
    hash.update('\u0000');
    hash.update(JSON.stringify(row.values));
    hash.update('\n');
  }
  return hash.digest('base64url');
}

/**
 * The rows of two chunks that differ, by key: rows only in `a`, only in `b`, and rows in both whose
 * values differ (with the differing columns). Output: `a`'s order, then the rows only in `b` in `b`'s
 * order. With `onlyA` (b was read by a's keys), rows of `b` whose key `a` does not hold are not
 * reported: another pass owns them.
 *
 * Invariant: keys are unique within each chunk (a primary key); a repeated key would shadow the
 * earlier row, so it throws InternalInvariant instead.
 */
export function diffChunk<R extends CanonicalRow>(
  a: readonly R[],
  b: readonly R[],
  options: { readonly onlyA?: boolean } = {},
): RowDiff<R>[] {
  const bByKey = byKey(b, 'b');
  const seen = new Set<string>();
  const out: RowDiff<R>[] = [];
  for (const row of a) {
    if (seen.has(row.key)) throw repeated(row.key, 'a');
    seen.add(row.key);
    const other = bByKey.get(row.key);
    if (!other) {
      out.push({ kind: 'only-a', key: row.key, a: row });
      continue;
    }
    const columns = differingColumns(row.values, other.values);
    if (columns.length > 0) out.push({ kind: 'differs', key: row.key, a: row, b: other, columns });
  }
  if (!options.onlyA) {
    for (const row of b) if (!seen.has(row.key)) out.push({ kind: 'only-b', key: row.key, b: row });
  }
  return out;
}

/** Indexes where two value lists differ (a missing value counts as different). */
export function differingColumns(a: readonly (string | null)[], b: readonly (string | null)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

function byKey<R extends CanonicalRow>(rows: readonly R[], name: string): Map<string, R> {
  const map = new Map<string, R>();
  for (const row of rows) {
    if (map.has(row.key)) throw repeated(row.key, name);
    map.set(row.key, row);
  }
  return map;
}

function repeated(key: string, chunk: string): DbtwinError {
  return new DbtwinError(ErrorCode.InternalInvariant, `verify: chunk ${chunk} holds key ${key} twice`);
}
