import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { chunkDigest, diffChunk, type RowDiff } from './chunk-diff.js';
import { keyColumns } from './keyset-query.js';
import { takeOrderedChunk, type OrderedBuffer } from './ordered-chunks.js';
import type { PairSide, PairSideId, SideRow, TablePair } from './table-pair.js';

/** How far the scan of one table is. */
export interface TableProgress {
  /** Rows (or keys) read so far, both sides together. */
  readonly read: number;
  /** Rows to read: both sides' COUNT(*) added up (counted beside the scan); undefined until known. */
  readonly estimated?: number;
  /** Divergent rows found so far (before re-checks). */
  readonly divergent: number;
  /** In key-list mode, the pass: 1 reads A's rows and looks them up on B, 2 looks B's keys up on A. */
  readonly pass?: 1 | 2;
}

/** What the scan of one table found. */
export interface TableScan {
  /** Distinct keys compared (rows of either side). */
  readonly checked: number;
  readonly diffs: readonly RowDiff<SideRow>[];
}

/**
 * Compares one table on both sides of a pair in chunks of primary keys, and lists exactly the keys
 * that differ (design §7 verification).
 *
 * Two ways to chunk, because text keys do not sort alike on every engine or collation (MariaDB's
 * `utf8mb4_general_ci` puts `alpha` before `Beta`, PostgreSQL's `C` after), and a range of keys on one
 * side would not be the same set of keys on the other:
 * - **ranges** (every key column an integer on both sides, same key order): both sides are paged in
 *   key order at once and cut at a key both have read past, so each chunk is the same key range on
 *   both; a chunk whose digests are equal is done, one that differs is narrowed to its rows. One read
 *   of each side.
 * - **key lists** (any other key): pass 1 pages side A in A's own order and fetches exactly those keys
 *   from B (`selectByKeys`), so correctness never depends on B ordering keys as A does; pass 2 pages
 *   B's keys only (its own order) and looks them up on A, catching rows only B holds. Costs a second
 *   read of B's keys and a lookup on A.
 * Keys are matched by their canonical form, so a key a case-insensitive collation returns for another
 * spelling (`ABC` for `abc`) is not taken for it. Paging binds every value; identifiers come from the
 * catalogs.
 */
export class TableVerifier {
  constructor(
    private readonly pair: TablePair,
    /** Rows per page and chunk; a positive integer. */
    private readonly chunkRows: number,
  ) {}

  /** The comparison mode: `ranges` for integer keys, `key-lists` otherwise. */
  get mode(): 'ranges' | 'key-lists' {
    return this.pair.ranged ? 'ranges' : 'key-lists';
  }

  /** Reads both sides through and returns every divergent key, calling `onProgress` after each chunk. */
  async scan(onProgress: (progress: TableProgress) => void = () => undefined): Promise<TableScan> {
    const estimate = { value: undefined as number | undefined };
    // The count runs beside the scan: a progress estimate must not delay the comparison.
    const counting = this.estimate()
      .then((n) => (estimate.value = n))
      .catch(() => undefined);
    const report = (read: number, divergent: number, pass?: 1 | 2): void =>
      onProgress({
        read,
        divergent,
        ...(estimate.value === undefined ? {} : { estimated: estimate.value }),
        ...(pass === undefined ? {} : { pass }),
      });
    const result = this.pair.ranged ? await this.scanRanges(report) : await this.scanKeyLists(report);
    await counting;
    return result;
  }

  /**
   * Reads the rows of these keys again on both sides and returns those still divergent, classified
   * afresh (a row changed in flight may have converged, or diverge otherwise now).
   */
  async reread(diffs: readonly RowDiff<SideRow>[]): Promise<RowDiff<SideRow>[]> {
    if (diffs.length === 0) return [];
    const wanted = new Set(diffs.map((d) => d.key));
    const keys = diffs.map((d) => ('a' in d ? d.a : d.b).keyValues);
    const [a, b] = await Promise.all([this.readKeys('a', keys), this.readKeys('b', keys)]);
    return diffChunk(
      a.filter((r) => wanted.has(r.key)),
      b.filter((r) => wanted.has(r.key)),
    );
  }

  /**
   * The rows side `id` holds for keys given as decoded values in the pair's key order (from either
   * side), read as the apply stage reads current rows. Keys the side's columns cannot hold are skipped.
   */
  async readKeys(id: PairSideId, keys: readonly SideRow['keyValues'][], keyOnly = false): Promise<SideRow[]> {
    const s = this.pair.side(id);
    const binds = keys.map((k) => this.pair.keyBinds(id, k)).filter((k): k is unknown[] => k !== undefined);
    if (binds.length === 0) return [];
    const table = keyOnly ? { ...s.info, columns: keyColumns(s.info) } : s.info;
    // By canonical key: a case-insensitive collation can return one row for two keys asked in
    // different statements of a long list.
    const out = new Map<string, SideRow>();
    for (const statement of s.resources.compiler.selectByKeys(table, binds)) {
      for (const raw of await this.pair.read(id, statement)) {
        const row = this.pair.rowOf(id, raw, keyOnly);
        if (!out.has(row.key)) out.set(row.key, row);
      }
    }
    return [...out.values()];
  }

  private async scanRanges(report: (read: number, divergent: number) => void): Promise<TableScan> {
    const a = new SidePager(this.pair, 'a', this.chunkRows);
    const b = new SidePager(this.pair, 'b', this.chunkRows);
    const diffs: RowDiff<SideRow>[] = [];
    let checked = 0;
    let read = 0;
    await Promise.all([a.fill(), b.fill()]);
    for (;;) {
      const chunk = takeOrderedChunk(a.buffer, b.buffer, (r) => r.intKey!);
      if (!chunk) break;
      // The next pages are read while this chunk is compared.
      const next = Promise.all([a.fill(), b.fill()]);
      if (chunkDigest(chunk.a) === chunkDigest(chunk.b)) {
        checked += chunk.a.length;
      } else {
        const found = diffChunk(chunk.a, chunk.b);
        diffs.push(...found);
        checked += chunk.a.length + found.filter((d) => d.kind === 'only-b').length;
      }
      read += chunk.a.length + chunk.b.length;
      await next;
      report(read, diffs.length);
    }
    return { checked, diffs };
  }

  private async scanKeyLists(
    report: (read: number, divergent: number, pass: 1 | 2) => void,
  ): Promise<TableScan> {
    const diffs: RowDiff<SideRow>[] = [];
    let checked = 0;
    let read = 0;
    // Pass 1: A's rows in A's order, the same keys fetched from B.
    const a = new SidePager(this.pair, 'a', this.chunkRows);
    let page = a.next();
    for (let rows = await page; rows.length > 0; rows = await page) {
      page = a.next();
      const onB = await this.readKeys(
        'b',
        rows.map((r) => r.keyValues),
      );
      const byKey = new Map(onB.map((r) => [r.key, r]));
      const matched = rows.map((r) => byKey.get(r.key)).filter((r) => r !== undefined);
      if (matched.length !== rows.length || chunkDigest(rows) !== chunkDigest(matched))
        diffs.push(...diffChunk(rows, onB, { onlyA: true }));
      checked += rows.length;
      read += rows.length;
      report(read, diffs.length, 1);
    }
    // Pass 2: B's keys in B's order, looked up on A: the rows only B holds.
    const b = new SidePager(this.pair, 'b', this.chunkRows, true);
    page = b.next();
    for (let keys = await page; keys.length > 0; keys = await page) {
      page = b.next();
      const onA = new Set(
        (
          await this.readKeys(
            'a',
            keys.map((r) => r.keyValues),
            true,
          )
        ).map((r) => r.key),
      );
      for (const row of keys) {
        if (onA.has(row.key)) continue;
        diffs.push({ kind: 'only-b', key: row.key, b: row });
        checked++;
      }
      read += keys.length;
      report(read, diffs.length, 2);
    }
    return { checked, diffs };
  }

  /** Both sides' row counts added up: what the scan reads, for progress only. */
  private async estimate(): Promise<number> {
    const count = async (s: PairSide): Promise<number> => {
      const rows = await this.pair.read(s.id, s.resources.compiler.countRows(s.info));
      return Number(rows[0]?.['n'] ?? 0);
    };
    const [a, b] = await Promise.all([count(this.pair.a), count(this.pair.b)]);
    return a + b;
  }
}

/** Pages one side through in its own primary-key order. */
class SidePager {
  readonly buffer: OrderedBuffer<SideRow> = { rows: [], done: false };
  private after: unknown[] | undefined;

  constructor(
    private readonly pair: TablePair,
    private readonly id: PairSideId,
    private readonly pageRows: number,
    private readonly keyOnly = false,
  ) {}

  /** The next page (empty once the side is read through). */
  async next(): Promise<SideRow[]> {
    if (this.buffer.done) return [];
    const s = this.pair.side(this.id);
    const statement = s.resources.compiler.selectPage(s.info, {
      limit: this.pageRows,
      keyOnly: this.keyOnly,
      ...(this.after ? { after: this.after } : {}),
    });
    const rows = await this.pair.read(this.id, statement);
    const out = rows.map((raw) => this.pair.rowOf(this.id, raw, this.keyOnly));
    if (out.length < this.pageRows) this.buffer.done = true;
    const last = out[out.length - 1];
    if (last) {
      // The cursor is the side's own last key, bound by its own codec (which always holds it).
      this.after = this.pair.keyBinds(this.id, last.keyValues);
      if (!this.after)
        throw new DbtwinError(
          ErrorCode.InternalInvariant,
          `verify: ${s.info.schema}.${s.info.name} on ${s.config.name}: its own key ${last.key} does not bind`,
        );
    }
    return out;
  }

  /** Tops the buffer up with a page when it holds less than one and the side is not read through. */
  async fill(): Promise<void> {
    if (this.buffer.done || this.buffer.rows.length >= this.pageRows) return;
    for (const row of await this.next()) this.buffer.rows.push(row);
  }
}
