import type { ChangeEvent, SourcePosition } from '../core/change-event.js';
import type { Row } from '../core/values.js';
import { valueToJson } from '../core/value-json.js';

/** What conflict detection needs of the changes a key went through in one batch (design §4). */
interface History {
  /**
   * The row before the first change: null when the key's first change was an insert; undefined when
   * the source reported no before-image (a snapshot read; a PostgreSQL update without
   * `REPLICA IDENTITY FULL`), so nothing can be detected.
   */
  readonly before: Row | null | undefined;
  /** Source columns any of the changes touched (before ≠ after; every column of an insert or delete). */
  readonly touched: ReadonlySet<string>;
  /** Source commit time of the last change, ms since the epoch. */
  readonly commitMs: number;
  /** Source log position of the last change (positions are plain JSON). */
  readonly position: SourcePosition;
}

/** A key's last state, with its history: the whole row to write, or gone. */
type KeyState<M> = History &
  (
    | {
        readonly op: 'upsert';
        readonly key: Row;
        readonly row: Row;
        readonly message: M;
        readonly superseded: number;
      }
    | { readonly op: 'delete'; readonly key: Row; readonly message: M; readonly superseded: number }
  );

/**
 * The state one key ends a batch in: the whole row to write, or gone, with its history. `message` is
 * the last change's tag; `messages` tags every change collapsed into it, in order (the last is
 * `message`): what a committed write has taken effect for.
 */
export type FinalChange<M> = KeyState<M> & { readonly messages: readonly M[] };

/**
 * Collapses the changes of one table, in source order, to the last state of each key (design §6:
 * duplicate keys within a batch collapse to the last version). A key's final state is what its last
 * change says: `c`/`r`/`u` write the whole `after` row (a FULL row image), `d` deletes; earlier
 * changes of the same key are counted in `superseded` and need no statement. The before-image of the
 * first change and the union of touched columns are kept for conflict detection. `message` is
 * whatever the caller tags each change with (the Kafka message, for dead letters); the result keeps
 * the last. Output order is the order of each key's last change.
 */
export function collapseChanges<M>(
  changes: readonly { readonly event: ChangeEvent; readonly message: M }[],
): FinalChange<M>[] {
  const byKey = new Map<string, KeyState<M>>();
  const covered = new Map<string, M[]>();
  for (const { event, message } of changes) {
    const id = keyId(event.key);
    const tags = covered.get(id) ?? [];
    tags.push(message);
    covered.set(id, tags);
    const previous = byKey.get(id);
    const superseded = previous === undefined ? 0 : previous.superseded + 1;
    const history: History = {
      before: previous ? previous.before : beforeOf(event),
      touched: previous ? new Set([...previous.touched, ...touchedBy(event)]) : touchedBy(event),
      commitMs: event.sourceTsMs,
      position: event.position,
    };
    // Delete then re-insert: re-ordering keeps the map's iteration order equal to "last change" order.
    if (previous) byKey.delete(id);
    if (event.op === 'd') {
      byKey.set(id, { ...history, op: 'delete', key: event.key, message, superseded });
    } else if (event.after) {
      byKey.set(id, { ...history, op: 'upsert', key: event.key, row: event.after, message, superseded });
    }
  }
  return [...byKey].map(([id, change]) => ({ ...change, messages: covered.get(id)! }));
}

/**
 * Like {@link collapseChanges}, but never across a gap in a key's history: when a change's
 * before-image is not the previous change's after-image (a change the link did not apply came in
 * between: an echo of its own write it dropped, or a write it did not see), the key's later changes
 * go to the next round. Each round is applied after the one before it, so the before-image and the
 * touched columns of every collapsed change describe one unbroken run of changes — which conflict
 * detection, and `delta` in particular, rely on (an increment spanning an echo would count the
 * echo's own increment again).
 */
export function collapseInRounds<M>(
  changes: readonly { readonly event: ChangeEvent; readonly message: M }[],
): FinalChange<M>[][] {
  const rounds: { event: ChangeEvent; message: M }[][] = [];
  const state = new Map<string, { round: number; after: string }>();
  for (const change of changes) {
    const id = keyId(change.event.key);
    const previous = state.get(id);
    let round = previous?.round ?? 0;
    const before = change.event.before;
    if (previous && change.event.op !== 'c' && before && rowText(before) !== previous.after) round++;
    state.set(id, { round, after: change.event.after ? rowText(change.event.after) : '' });
    (rounds[round] ??= []).push(change);
  }
  return rounds.map((round) => collapseChanges(round));
}

function rowText(row: Row): string {
  return JSON.stringify(Object.entries(row).map(([column, value]) => [column, valueToJson(value)]));
}

/** A stable text identity of a key row (column order as given, values in their exact JSON form). */
export function keyId(key: Row): string {
  return JSON.stringify(Object.entries(key).map(([column, value]) => [column, valueToJson(value)]));
}

function beforeOf(event: ChangeEvent): Row | null | undefined {
  switch (event.op) {
    case 'c':
      return null;
    case 'u':
      return event.before ?? undefined;
    case 'd': {
      // PostgreSQL without REPLICA IDENTITY FULL reports a delete's before-image as the key with every
      // other column empty (NULL, or '' / 0 / false where the column is NOT NULL): that is no
      // before-image to compare against. (A real row that empty loses detection of this delete only.)
      const before = event.before;
      if (!before) return undefined;
      const empty = (v: unknown): boolean => v === null || v === '' || v === 0 || v === 0n || v === false;
      const keyOnly = Object.entries(before).every(([column, value]) => column in event.key || empty(value));
      return keyOnly && Object.keys(before).length > Object.keys(event.key).length ? undefined : before;
    }
    default:
      return undefined;
  }
}

function touchedBy(event: ChangeEvent): Set<string> {
  const after = event.after ?? {};
  const before = event.before;
  if (event.op !== 'u' || !before) return new Set([...Object.keys(after), ...Object.keys(before ?? {})]);
  const touched = new Set<string>();
  for (const [column, value] of Object.entries(after)) {
    const was = before[column];
    if (was === undefined || JSON.stringify(valueToJson(was)) !== JSON.stringify(valueToJson(value)))
      touched.add(column);
  }
  return touched;
}
