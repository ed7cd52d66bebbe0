import type { DbtwinConfig, LinkConfig, SideConfig } from '../config/dbtwin-config.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { createLogger } from '../core/logger.js';
import { rowToJson, valueToJson, type JsonRow, type JsonScalar } from '../core/value-json.js';
import type { Row, Value } from '../core/values.js';
import { LoopGuard } from '../echo/loop-guard.js';
import type { ColumnInfo, TableInfo, TypeCodec } from '../engines/dialect.js';
import { parseDecimal } from '../engines/numeric-text.js';
import { retyped, valueFromJson, type JsonInput } from '../translate/json-values.js';
import type { FinalChange } from '../pipeline/change-collapser.js';
import { DeadLetterQueue } from '../pipeline/dead-letter-queue.js';
import { decidedChange, DecidedRowWriter } from '../pipeline/decided-row-writer.js';
import { TableRouter, type TableRoute } from '../pipeline/table-router.js';
import { openTargetSide, type TargetSide } from '../pipeline/target-side.js';
import { ConflictLedger, ledgerTopic, type LedgerDecision, type LedgerEntry } from './conflict-ledger.js';

/**
 * What the operator decided for a held conflict:
 * - `take`: the current row of that side (one of the conflict's two sides) wins; absent there, the
 *   row is deleted on the other side too;
 * - `rowJson`: this row (a JSON object, keyed by the columns of the conflict's target table, values as
 *   `dbtwin conflicts list --json` shows them) is written to both sides.
 */
export type ManualDecision = { readonly take: string } | { readonly rowJson: string };

/** What one side went through while a conflict was resolved. */
export interface SideWrite {
  readonly side: string;
  /** `schema.table` on that side. */
  readonly table: string;
  /** `unchanged`: the side already held the decided row (nothing written). */
  readonly action: 'upserted' | 'deleted' | 'unchanged';
}

/** The outcome of {@link resolveManualConflict}. */
export interface ManualResolution {
  /** The resolution entry published to the ledger (outcome `resolved`). */
  readonly entry: LedgerEntry;
  /** Per side, in the order written. */
  readonly writes: readonly SideWrite[];
  /** Dead letters of this conflict removed from the link's queue (usually one). */
  readonly removedDeadLetters: readonly string[];
  /** Why the conflict's dead letter was not removed (already dropped or replayed), if it was not. */
  readonly deadLetterNote?: string;
  /**
   * Other `manual` conflicts of the same row still waiting (on this link or the reverse one: when both
   * sides changed the row at once, both links hold it). The sides agree now; their dead letters stay
   * until they are resolved too.
   */
  readonly otherOpen: readonly string[];
}

/** Options of {@link resolveManualConflict}. */
export interface ManualResolutionOptions {
  /** Who decides, recorded in the ledger; never a secret. */
  readonly by: string;
}

/**
 * Decides a conflict the rules held for an operator (`dbtwin conflicts resolve`, design §4 `manual`),
 * so that both sides hold the same row for its key afterwards.
 *
 * Invariants:
 * - The conflict must be a `manual` entry of the ledger not resolved yet (ConfigInvalid otherwise);
 *   the configuration must hold both links between its sides.
 * - Every identifier comes from the configuration and the catalogs; the operator's JSON keys only
 *   select among the target table's catalog columns (unknown ones are refused, all named at once).
 * - Values travel as the links carry them: read by the side's codec, routed by the link's table
 *   router, encoded and written by the link's TargetApplier (bound values, one transaction per side,
 *   no-op when the side already holds the row), with the fingerprint of each write recorded for echo
 *   suppression as the apply stage does (design §3.2). The ping-pong breaker is not consulted: an
 *   operator's decision is not a flip to hold back.
 * - `rowJson` is written to the conflict's target side first, then that side's stored row is taken
 *   to the other side, so the two hold the same values even where the target normalises them. Both
 *   rows are encoded (validated) before anything is written. Two databases cannot share a transaction:
 *   a failure between the two writes leaves the conflict unresolved, and running the command again
 *   completes it (every write is idempotent).
 * - Only then is the conflict's dead letter (job id = the entry's `incomingPosition.kafka`, with the
 *   code ConflictHeld and the same key) removed from the link's queue and the resolution published to
 *   the ledger topic; a crash before that leaves the conflict open, to be resolved again.
 */
export async function resolveManualConflict(
  config: DbtwinConfig,
  id: string,
  decision: ManualDecision,
  options: ManualResolutionOptions,
): Promise<ManualResolution> {
  const ledger = new ConflictLedger(config.kafka.brokers, ledgerTopic(config.kafka.groupPrefix));
  const found = await ledger.lookup(id);
  const conflict = found.conflict;
  if (!conflict) {
    throw new DbtwinError(ErrorCode.ConfigInvalid, `no conflict ${id} in the ledger topic ${ledger.topic}`, {
      hint: 'dbtwin conflicts list --outcome manual shows the ids of the conflicts waiting for a decision',
    });
  }
  if (conflict.outcome !== 'manual') {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `conflict ${id} was decided by the rules (outcome ${conflict.outcome}: ${conflict.rule}); only manual conflicts wait for an operator`,
      { hint: 'dbtwin conflicts list --outcome manual shows the conflicts waiting for a decision' },
    );
  }
  if (found.resolution) {
    const r = found.resolution;
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `conflict ${id} is already resolved (${r.at} by ${r.by ?? 'unknown'}: ${decisionText(r.decision)})`,
      { hint: 'dbtwin conflicts list shows it; a row edited since then replicates as any change does' },
    );
  }

  const pair = linksOf(config, conflict);
  const from = config.sides[pair.link.from]!;
  const to = config.sides[pair.link.to]!;
  if ('take' in decision && decision.take !== from.name && decision.take !== to.name) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `--take ${decision.take}: conflict ${id} is between ${from.name} and ${to.name}`,
      { hint: `--take ${from.name} or --take ${to.name}` },
    );
  }
  const opened: TargetSide[] = [];
  const open = async (name: string): Promise<TargetSide> => {
    const side = await openTargetSide(config, name);
    opened.push(side);
    return side;
  };
  let loop: LoopGuard | undefined;
  const queue = DeadLetterQueue.forLink(config, pair.link);
  try {
    // Looked at before anything is written, so a Redis that is down stops the command first.
    const held = await heldLetter(queue, pair.link, conflict);
    const source = await open(from.name);
    const target = await open(to.name);
    const routes = await routesOf(pair, from, to, source, target, conflict);
    const keys = keysOf(conflict, routes, source.codec, target.codec);
    loop = LoopGuard.open(config, createLogger('dbtwin-resolve', 'error'));
    await loop.ready();
    const echoes = loop.echoes;

    const writer = (side: SideConfig, resources: TargetSide, linkName: string, incoming: string) => {
      const decided = new DecidedRowWriter(config, side, resources, linkName, incoming, echoes);
      return async (route: TableRoute, change: FinalChange<null>): Promise<SideWrite> => {
        const outcome = await decided.write(route, [change]);
        const rejected = outcome.rejected[0];
        if (rejected) throw rejected.error;
        const table = `${route.target.schema}.${route.target.name}`;
        if (outcome.applied === 0) return { side: side.name, table, action: 'unchanged' };
        return { side: side.name, table, action: change.op === 'delete' ? 'deleted' : 'upserted' };
      };
    };
    const toTarget = writer(to, target, pair.link.name, from.name);
    const toSource = writer(from, source, pair.reverse.name, to.name);
    const position = conflict.incomingPosition.source;
    const targetBefore = await readRow(target, routes.targetInfo, keys.target);

    const writes: SideWrite[] = [];
    let kind: LedgerDecision['kind'];
    let takeSide: string | undefined;
    if ('take' in decision) {
      kind = 'take';
      takeSide = decision.take;
      if (takeSide === from.name) {
        const row = await readRow(source, routes.sourceInfo, keys.source);
        writes.push(await toTarget(routes.forward, decidedChange(keys.source, row, position)));
      } else {
        const row = await readRow(target, routes.targetInfo, keys.target);
        writes.push(await toSource(routes.backward, decidedChange(keys.target, row, position)));
      }
    } else {
      kind = 'row';
      const row = operatorRow(decision.rowJson, routes, keys.target, target.codec, source.codec, to.name);
      writes.push(
        await toTarget(identityRoute(routes.targetInfo), decidedChange(keys.target, row, position)),
      );
      // The target's stored row goes to the source, so both hold what the target made of the values.
      const stored = await readRow(target, routes.targetInfo, keys.target);
      writes.push(await toSource(routes.backward, decidedChange(keys.target, stored, position)));
    }

    // What both sides now hold, in the target table's columns (the form of the ledger's rows).
    const decided = await readRow(target, routes.targetInfo, keys.target);
    let note = 'note' in held ? held.note : undefined;
    const removed: string[] = [];
    if ('id' in held) {
      if (await queue.remove(held.id)) removed.push(held.id);
      else note = `dead letter ${held.id} of link ${pair.link.name} was removed meanwhile`;
    }
    const entry: LedgerEntry = {
      id: `${conflict.id}#resolved`,
      at: new Date().toISOString(),
      link: conflict.link,
      table: conflict.table,
      key: conflict.key,
      type: conflict.type,
      rule: `dbtwin conflicts resolve ${kind === 'take' ? `--take ${takeSide}` : '--row'}`,
      outcome: 'resolved',
      columns: conflict.columns,
      incoming: decided === null ? null : (rowToJson(decided) ?? {}),
      current: targetBefore === null ? null : (rowToJson(targetBefore) ?? {}),
      incomingPosition: conflict.incomingPosition,
      targetSide: conflict.targetSide,
      resolves: conflict.id,
      decision: {
        kind,
        ...(takeSide === undefined ? {} : { side: takeSide }),
        result: decided === null ? 'delete' : 'upsert',
        deadLetters: removed,
      },
      by: options.by,
    };
    await ledger.open();
    try {
      await ledger.publishResolution(entry);
    } finally {
      await ledger.close();
    }
    return {
      entry,
      writes,
      removedDeadLetters: removed,
      ...(note === undefined ? {} : { deadLetterNote: note }),
      otherOpen: otherOpenConflicts(found.entries, conflict, routes, keys),
    };
  } finally {
    await loop?.close();
    for (const side of opened) await side.close();
    await queue.close();
  }
}

/** The decision of a resolution entry in a few words, for messages. */
function decisionText(d: LedgerDecision | undefined): string {
  if (!d) return 'no decision recorded';
  const how = d.kind === 'take' ? `took ${d.side ?? '?'}` : 'operator row';
  return `${how}, ${d.result === 'delete' ? 'deleted' : 'row written'}`;
}

interface LinkPair {
  /** The link that held the conflict (source → target). */
  readonly link: LinkConfig;
  /** The link in the other direction (target → source). */
  readonly reverse: LinkConfig;
}

function linksOf(config: DbtwinConfig, conflict: LedgerEntry): LinkPair {
  const link = config.links.find((l) => l.name === conflict.link);
  if (!link) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `conflict ${conflict.id} was held by link ${conflict.link}, which ${config.file} no longer has`,
      { hint: `links: ${config.links.map((l) => l.name).join(', ') || 'none'}` },
    );
  }
  const reverse = config.links.find((l) => l.from === link.to && l.to === link.from);
  if (!reverse) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `${config.file} has no link ${link.to}->${link.from}: resolving conflict ${conflict.id} writes both sides, through both links`,
      { hint: `add { from: ${link.to}, to: ${link.from} } to links` },
    );
  }
  return { link, reverse };
}

interface Routes {
  /** Source table → target table, as the conflict's link routes it. */
  readonly forward: TableRoute;
  /** Target table → source table, as the reverse link routes it. */
  readonly backward: TableRoute;
  readonly sourceInfo: TableInfo;
  readonly targetInfo: TableInfo;
}

/** The conflict's table on both sides, from the configuration and the catalogs. */
async function routesOf(
  pair: LinkPair,
  from: SideConfig,
  to: SideConfig,
  source: TargetSide,
  target: TargetSide,
  conflict: LedgerEntry,
): Promise<Routes> {
  const dot = conflict.table.indexOf('.');
  const targetName = (dot < 0 ? conflict.table : conflict.table.slice(dot + 1)).toLowerCase();
  // Configured names are matched as catalogs fold them (Oracle upper case, PostgreSQL lower case).
  const sourceName = Object.keys(pair.link.tables).find(
    (s) => pair.link.tables[s]!.toLowerCase() === targetName,
  );
  const backName = Object.keys(pair.reverse.tables).find(
    (s) =>
      s.toLowerCase() === targetName && pair.reverse.tables[s]!.toLowerCase() === sourceName?.toLowerCase(),
  );
  if (sourceName === undefined || backName === undefined) {
    throw new DbtwinError(
      ErrorCode.TableNotMapped,
      `conflict ${conflict.id}: table ${conflict.table} is not mapped both ways between ${from.name} and ${to.name} in the configuration`,
      { hint: `map it in both links (${pair.link.name}, ${pair.reverse.name}) and in both sides' tables` },
    );
  }
  const forward = await new TableRouter(pair.link, from, to, target.introspector, source.introspector).route(
    `${from.schema}.${sourceName}`,
  );
  const backward = await new TableRouter(
    pair.reverse,
    to,
    from,
    source.introspector,
    target.introspector,
  ).route(`${to.schema}.${backName}`);
  const sourceInfo = forward.sourceInfo;
  if (!sourceInfo || !backward.sourceInfo) {
    throw new DbtwinError(
      ErrorCode.TargetTableUnusable,
      `table ${from.schema}.${sourceName} does not exist on ${from.name}`,
    );
  }
  return { forward, backward, sourceInfo, targetInfo: forward.target };
}

interface Keys {
  /** The conflict's key in the source table's catalog columns, as the source side's codec reads it. */
  readonly source: Row;
  /** The same key in the target table's columns, as the target side's codec reads it. */
  readonly target: Row;
}

/** The ledger's key (source columns, JSON) as values of both tables. */
function keysOf(conflict: LedgerEntry, routes: Routes, sourceCodec: TypeCodec, targetCodec: TypeCodec): Keys {
  const source: Record<string, Value> = {};
  const target: Record<string, Value> = {};
  for (const [name, json] of Object.entries(conflict.key)) {
    const column = columnOf(routes.sourceInfo, name);
    const mapped = routes.forward.column(name);
    if (!column || !mapped) {
      throw new DbtwinError(
        ErrorCode.ColumnNotMapped,
        `conflict ${conflict.id}: key column ${name} is not a column of ${routes.sourceInfo.schema}.${routes.sourceInfo.name} mapped to ${conflict.table}`,
        { hint: 'the table changed since the conflict; resolve it with dbtwin dlq replay or drop' },
      );
    }
    const value = valueFromJson(sourceCodec, column, json);
    source[column.name] = value;
    target[mapped.name] = retyped(targetCodec, mapped, value);
  }
  for (const [info, key] of [
    [routes.sourceInfo, source],
    [routes.targetInfo, target],
  ] as const) {
    const missing = info.primaryKey.filter((pk) => !(pk in key));
    if (missing.length > 0) {
      throw new DbtwinError(
        ErrorCode.ColumnNotMapped,
        `conflict ${conflict.id}: its key ${JSON.stringify(conflict.key)} has no value for ${info.schema}.${info.name}'s primary-key column(s) ${missing.join(', ')}`,
        { hint: 'the primary key changed since the conflict; resolve it with dbtwin dlq replay or drop' },
      );
    }
  }
  return { source, target };
}

/** The row a side holds for a key (table order, values as its codec reads them), or null. */
async function readRow(side: TargetSide, info: TableInfo, key: Row): Promise<Row | null> {
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  const values = info.primaryKey.map((pk) => side.codec.encode(key[pk] ?? null, byName.get(pk)!));
  for (const statement of side.compiler.selectByKeys(info, [values])) {
    const { rows } = await side.driver.execute(statement);
    const raw = rows[0];
    if (raw) return Object.fromEntries(info.columns.map((c) => [c.name, side.codec.decode(raw[c.name], c)]));
  }
  return null;
}

/** A route writing a table's own columns to itself (the operator's row, in the target's columns). */
function identityRoute(info: TableInfo): TableRoute {
  return {
    source: `${info.schema}.${info.name}`,
    target: info,
    sourceInfo: info,
    column: (name) => columnOf(info, name),
  };
}

/** A catalog column by name: exact first, then ignoring case when that is unambiguous (as the router does). */
function columnOf(info: TableInfo, name: string): ColumnInfo | undefined {
  const exact = info.columns.find((c) => c.name === name);
  if (exact) return exact;
  const folded = info.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

/**
 * The operator's row (`--row`) as values of the target table: every key a catalog column of it
 * (unknown ones refused, all named), every column the reverse link carries present, the primary key
 * that of the conflict (filled in when left out), and every value storable on both sides.
 */
function operatorRow(
  text: string,
  routes: Routes,
  key: Row,
  targetCodec: TypeCodec,
  sourceCodec: TypeCodec,
  targetSide: string,
): Row {
  const info = routes.targetInfo;
  const where = `${info.schema}.${info.name} on ${targetSide}`;
  const given = parseRow(text);
  const unknown = Object.keys(given).filter((name) => !columnOf(info, name));
  if (unknown.length > 0) {
    throw new DbtwinError(
      ErrorCode.ColumnNotMapped,
      `--row: ${where} has no column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}`,
      { hint: `its columns: ${info.columns.map((c) => c.name).join(', ')}` },
    );
  }
  const row: Record<string, Value> = {};
  for (const [name, json] of Object.entries(given)) {
    const column = columnOf(info, name)!;
    if (column.name in row)
      throw new DbtwinError(ErrorCode.ConfigInvalid, `--row: column ${column.name} is given twice`);
    row[column.name] = valueFromJson(targetCodec, column, json);
  }
  for (const pk of info.primaryKey) {
    const expected = key[pk] ?? null;
    if (!(pk in row)) row[pk] = expected;
    else if (valueToJson(row[pk]!) !== valueToJson(expected)) {
      throw new DbtwinError(
        ErrorCode.ConfigInvalid,
        `--row: ${pk} is ${JSON.stringify(valueToJson(row[pk]!))}, but the conflict is about the row with ${pk} ${JSON.stringify(valueToJson(expected))}`,
        { hint: 'the key cannot change here; leave the key columns out or give their values as they are' },
      );
    }
  }
  // Columns the reverse link carries must all be given, or the two sides could keep different values.
  const missing = info.columns.filter((c) => !(c.name in row) && routes.backward.column(c.name));
  if (missing.length > 0) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `--row: give every column both sides share; missing: ${missing.map((c) => c.name).join(', ')}`,
      { hint: 'dbtwin conflicts list --json shows the conflict’s rows whole: copy one and edit it' },
    );
  }
  // Refused values fail here, before either side is written.
  for (const [name, value] of Object.entries(row)) {
    const back = routes.backward.column(name);
    if (back) sourceCodec.encode(value, back);
  }
  return Object.fromEntries(info.columns.filter((c) => c.name in row).map((c) => [c.name, row[c.name]!]));
}

/** A JSON scalar of the operator's row; numbers stay exact decimals (never through a float). */

/**
 * Parses `--row`: a JSON object of scalars. Numbers are kept as the exact decimals their text spells
 * (a JSON number through `JSON.parse` would lose digits of a DECIMAL(30,10) or a BIGINT UNSIGNED).
 */
function parseRow(text: string): Record<string, JsonInput> {
  const marker = `\u0000n${Math.random().toString(36).slice(2)}:`;
  let quoted = '';
  const number = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      quoted += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      number.lastIndex = i;
      const m = number.exec(text);
      const token = m ? m[0] : ch;
      quoted += m ? JSON.stringify(marker + token) : ch;
      i += token.length;
    } else {
      quoted += ch;
      i++;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoted);
  } catch (cause) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `--row is not JSON: ${cause instanceof Error ? cause.message.replaceAll(marker, '') : String(cause)}`,
      { hint: `a JSON object of column: value, e.g. '{"id": 1, "name": "x"}'` },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DbtwinError(ErrorCode.ConfigInvalid, '--row must be a JSON object of column: value', {
      hint: `e.g. '{"id": 1, "name": "x"}'`,
    });
  }
  const out: Record<string, JsonInput> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string' && value.startsWith(marker)) {
      out[name] = parseDecimal(value.slice(marker.length))!;
    } else if (value === null || typeof value === 'boolean' || typeof value === 'string') {
      out[name] = value;
    } else {
      throw new DbtwinError(ErrorCode.ConfigInvalid, `--row: the value of ${name} is not a JSON scalar`, {
        hint: 'values as dbtwin conflicts list --json shows them: JSON documents as text, bytes as hex',
      });
    }
  }
  return out;
}

/**
 * The conflict's dead letter in the link's queue: the job of the held message (its Kafka position),
 * and only when it is the held change of this key, so nothing else is ever removed; else why not.
 */
async function heldLetter(
  queue: DeadLetterQueue,
  link: LinkConfig,
  conflict: LedgerEntry,
): Promise<{ id: string } | { note: string }> {
  const id = conflict.incomingPosition.kafka;
  const letter = await queue.get(id);
  if (!letter)
    return { note: `dead letter ${id} is no longer in the queue of link ${link.name} (dropped or replayed)` };
  if (letter.code !== ErrorCode.ConflictHeld || !sameJson(letter.primaryKey, conflict.key)) {
    return {
      note: `dead letter ${id} of link ${link.name} is not this conflict's held change (${letter.code}, key ${JSON.stringify(letter.primaryKey)}); left in the queue`,
    };
  }
  return { id };
}

function sameJson(a: JsonRow | null, b: JsonRow): boolean {
  return a !== null && keyText(a) === keyText(b);
}

/**
 * The ids of other `manual` conflicts of the same row, not resolved: on this link (same table and key)
 * and on the reverse one (the source table, the key in the target's columns: a change each side made
 * at once is held by both links).
 */
function otherOpenConflicts(
  entries: readonly LedgerEntry[],
  conflict: LedgerEntry,
  routes: Routes,
  keys: Keys,
): string[] {
  const resolved = new Set(entries.map((e) => e.resolves).filter((r): r is string => r !== undefined));
  const reverseTable = `${routes.sourceInfo.schema}.${routes.sourceInfo.name}`.toLowerCase();
  const sameLinkKey = keyText(conflict.key);
  const reverseKey = keyText(rowToJson(keys.target) ?? {});
  return [
    ...new Set(
      entries
        .filter((e) => e.outcome === 'manual' && e.id !== conflict.id && !resolved.has(e.id))
        .filter((e) =>
          e.link === conflict.link
            ? e.table === conflict.table && keyText(e.key) === sameLinkKey
            : e.targetSide === conflict.incomingPosition.side &&
              e.table.toLowerCase() === reverseTable &&
              keyText(e.key) === reverseKey,
        )
        .map((e) => e.id),
    ),
  ];
}

/** A key's identity whatever the case of its column names (catalogs fold them differently). */
function keyText(key: JsonRow): string {
  return JSON.stringify(
    Object.entries(key)
      .map(([k, v]): [string, JsonScalar] => [k.toLowerCase(), v])
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  );
}
