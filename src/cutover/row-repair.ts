import type { DbtwinConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { valueToJson } from '../core/value-json.js';
import type { Row } from '../core/values.js';
import type { EchoStore } from '../echo/echo-store.js';
import type { FinalChange } from '../pipeline/change-collapser.js';
import { decidedChange, DecidedRowWriter, noLogPosition } from '../pipeline/decided-row-writer.js';
import { TableRouter, type TableRoute } from '../pipeline/table-router.js';
import type { RowDiff } from './chunk-diff.js';
import type { PairSideId, SideRow, TablePair } from './table-pair.js';

/** Rows written per target transaction. */
const REPAIR_BATCH_ROWS = 500;

/** What a repair did with the divergent rows of one table. */
export interface RepairOutcome {
  /** Rows written (upserted or deleted) on the non-authoritative side. */
  readonly written: number;
  /** Rows the non-authoritative side already held as the authority does (converged meanwhile). */
  readonly unchanged: number;
  /** Rows the non-authoritative side refused, with why. */
  readonly failures: readonly { readonly diff: RowDiff<SideRow>; readonly error: string }[];
  /** With `ifUnchanged`: rows left alone because the non-authoritative side's row moved since the diff. */
  readonly moved: readonly RowDiff<SideRow>[];
}

/** Options of {@link repairRows}. */
export interface RepairOptions {
  /**
   * Write each row only over the row the diff saw on the non-authoritative side (compare-and-set in
   * the write's transaction); rows that moved meanwhile are listed in `moved`. Default false: the
   * authority's row is written whatever the other side holds (`dbtwin verify --repair`, an operator's
   * decision).
   */
  readonly ifUnchanged?: boolean;
}

/**
 * Makes the non-authoritative side hold, for each divergent key, what the authoritative side holds
 * now: its current row, read again here, is upserted; a key it does not hold is deleted. The writes go
 * through the link that carries that direction (the pair's link when the authority is its source side,
 * the configuration's reverse link otherwise): its table and column routing, the target's codec and
 * idempotent statements, and echo fingerprints recorded before each transaction commits, so the
 * reverse link drops their capture (`DecidedRowWriter`, shared with `dbtwin conflicts resolve`).
 *
 * Columns the routing does not carry, and generated columns of the written side, are left as they are.
 * Throws ConfigInvalid when the authority is the link's target side and the configuration has no link
 * back.
 */
export async function repairRows(
  config: DbtwinConfig,
  pair: TablePair,
  authority: PairSideId,
  echoes: EchoStore,
  diffs: readonly RowDiff<SideRow>[],
  options: RepairOptions = {},
): Promise<RepairOutcome> {
  if (diffs.length === 0) return { written: 0, unchanged: 0, failures: [], moved: [] };
  const x = pair.side(authority);
  const y = pair.side(authority === 'a' ? 'b' : 'a');
  const { route, linkName } = await routeOf(config, pair, authority);
  const ifUnchanged = options.ifUnchanged ?? false;
  const writer = new DecidedRowWriter(
    config,
    y.config,
    y.resources,
    linkName,
    x.config.name,
    echoes,
    ifUnchanged,
  );
  const position = noLogPosition(x.config.engine);
  const writable = x.info.columns.filter((c) => {
    const target = route.column(c.name);
    return target !== undefined && target.generatedAs === undefined;
  });

  let written = 0;
  let unchanged = 0;
  const failures: { diff: RowDiff<SideRow>; error: string }[] = [];
  const moved: RowDiff<SideRow>[] = [];
  for (let start = 0; start < diffs.length; start += REPAIR_BATCH_ROWS) {
    const batch = diffs.slice(start, start + REPAIR_BATCH_ROWS);
    const current = await currentRows(pair, authority, batch);
    const collisions = await collidingKeys(
      pair,
      y.id,
      batch.filter((d) => current.has(d.key) && d.kind !== 'differs'),
    );
    const byChange = new Map<FinalChange<null>, RowDiff<SideRow>>();
    for (const diff of batch) {
      const found = current.get(diff.key);
      const collision = collisions.get(diff.key);
      if (found && collision !== undefined) {
        failures.push({
          diff,
          error: `${y.config.name} holds the key ${collision} for this key under its collation (case or trailing spaces): writing the row would overwrite that one`,
        });
        continue;
      }
      // What the diff saw on the other side, in the authority's column names (the route's source).
      const seen = rowOn(diff, y.id);
      const before = !ifUnchanged
        ? undefined
        : seen === undefined
          ? null
          : Object.fromEntries(x.columns.map((c, i) => [c.name, seen.decoded[i] ?? null]));
      let change: FinalChange<null>;
      if (found) {
        const row = Object.fromEntries(writable.map((c) => [c.name, found[c.name] ?? null]));
        const key = Object.fromEntries(x.key.map((c) => [c.name, found[c.name] ?? null]));
        change = decidedChange(key, row, position, before);
      } else {
        // The authority holds no such row: delete it on the other side, by that side's key values.
        const holder = diff.kind === 'only-b' ? diff.b : diff.kind === 'only-a' ? diff.a : diff[y.id];
        const key = Object.fromEntries(x.key.map((c, i) => [c.name, holder.keyValues[i] ?? null]));
        change = decidedChange(key, null, position, before);
      }
      byChange.set(change, diff);
    }
    const outcome = await writer.write(route, [...byChange.keys()]);
    written += outcome.applied;
    unchanged += outcome.noOps;
    for (const r of outcome.rejected)
      failures.push({ diff: byChange.get(r.change)!, error: r.error.describe() });
    for (const c of outcome.conflicts) moved.push(byChange.get(c.change)!);
  }
  return { written, unchanged: unchanged - moved.length, failures, moved };
}

/** The row a diff saw on side `id`, if that side held one. */
function rowOn(diff: RowDiff<SideRow>, id: PairSideId): SideRow | undefined {
  if (diff.kind === 'differs') return diff[id];
  if (diff.kind === 'only-a') return id === 'a' ? diff.a : undefined;
  return id === 'b' ? diff.b : undefined;
}

/** The route writing the authority's table to the other side, and the link it belongs to. */
async function routeOf(
  config: DbtwinConfig,
  pair: TablePair,
  authority: PairSideId,
): Promise<{ route: TableRoute; linkName: string }> {
  if (authority === 'a') return { route: pair.route, linkName: pair.link.name };
  const link = pair.link;
  const reverse = config.links.find((l) => l.from === link.to && l.to === link.from);
  if (!reverse) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `--authority ${link.to}: ${config.file} has no link ${link.to}->${link.from} to write ${link.from} through`,
      {
        hint: `add { from: ${link.to}, to: ${link.from} } to links, or repair with --authority ${link.from}`,
      },
    );
  }
  const route = await new TableRouter(
    reverse,
    pair.b.config,
    pair.a.config,
    pair.a.resources.introspector,
    pair.b.resources.introspector,
  ).route(`${pair.b.config.schema}.${pair.b.info.name}`);
  const target = route.target;
  if (target.schema !== pair.a.info.schema || target.name !== pair.a.info.name) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `link ${reverse.name} routes ${pair.b.info.schema}.${pair.b.info.name} to ${target.schema}.${target.name}, not back to ${pair.a.info.schema}.${pair.a.info.name}`,
      { hint: `map the table the same way in both links (${link.name}, ${reverse.name})` },
    );
  }
  return { route, linkName: reverse.name };
}

/** The authority's current rows (every column, decoded) for the diffs' keys, by canonical key. */
async function currentRows(
  pair: TablePair,
  authority: PairSideId,
  diffs: readonly RowDiff<SideRow>[],
): Promise<Map<string, Row>> {
  const s = pair.side(authority);
  const binds = diffs
    .map((d) => pair.keyBinds(authority, (d.kind === 'only-b' ? d.b : d.a).keyValues))
    .filter((k): k is unknown[] => k !== undefined);
  const out = new Map<string, Row>();
  if (binds.length === 0) return out;
  const wanted = new Set(diffs.map((d) => d.key));
  for (const statement of s.resources.compiler.selectByKeys(s.info, binds)) {
    for (const raw of await pair.read(authority, statement)) {
      const key = pair.rowOf(authority, raw, true).key;
      if (!wanted.has(key)) continue;
      out.set(
        key,
        Object.fromEntries(s.info.columns.map((c) => [c.name, s.resources.codec.decode(raw[c.name], c)])),
      );
    }
  }
  return out;
}

/**
 * Keys the side `id` would take for other keys it holds: MariaDB's case-insensitive, PAD SPACE
 * collations find `alpha` for `ALPHA`, so an upsert of `ALPHA` would overwrite the `alpha` row (design
 * §5). Returns, per diff key that collides, the key the side holds instead (as JSON text). One lookup
 * for all keys; only when some key collides, one lookup per key to tell which.
 */
async function collidingKeys(
  pair: TablePair,
  id: PairSideId,
  diffs: readonly RowDiff<SideRow>[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const keysOf = async (batch: readonly RowDiff<SideRow>[]): Promise<SideRow[]> => {
    const s = pair.side(id);
    const binds = batch
      .map((d) => pair.keyBinds(id, (d.kind === 'only-b' ? d.b : d.a).keyValues))
      .filter((k): k is unknown[] => k !== undefined);
    if (binds.length === 0) return [];
    const table = { ...s.info, columns: [...s.key] };
    const rows: SideRow[] = [];
    for (const statement of s.resources.compiler.selectByKeys(table, binds)) {
      for (const raw of await pair.read(id, statement)) rows.push(pair.rowOf(id, raw, true));
    }
    return rows;
  };
  const wanted = new Set(diffs.map((d) => d.key));
  const found = await keysOf(diffs);
  if (found.every((r) => wanted.has(r.key))) return out;
  for (const diff of diffs) {
    const other = (await keysOf([diff])).find((r) => r.key !== diff.key);
    if (other) out.set(diff.key, JSON.stringify(other.keyValues.map((v) => valueToJson(v))));
  }
  return out;
}
