import type { ChangeEvent } from '../core/change-event.js';
import type { Row } from '../core/values.js';
import { valueToJson } from '../core/value-json.js';

/** The state one key ends a batch in: the whole row to write, or gone. */
export type FinalChange<M> =
  | {
      readonly op: 'upsert';
      readonly key: Row;
      readonly row: Row;
      readonly message: M;
      readonly superseded: number;
    }
  | { readonly op: 'delete'; readonly key: Row; readonly message: M; readonly superseded: number };

/**
 * Collapses the changes of one table, in source order, to the last state of each key (design §6:
 * duplicate keys within a batch collapse to the last version). A key's final state is what its last
 * change says: `c`/`r`/`u` write the whole `after` row (a FULL row image), `d` deletes; earlier
 * changes of the same key are counted in `superseded` and need no statement. `message` is whatever
 * the caller tags each change with (the Kafka message, for dead letters); the result keeps the last.
 * Output order is the order of each key's last change.
 */
export function collapseChanges<M>(
  changes: readonly { readonly event: ChangeEvent; readonly message: M }[],
): FinalChange<M>[] {
  const byKey = new Map<string, FinalChange<M>>();
  for (const { event, message } of changes) {
    const id = keyId(event.key);
    const previous = byKey.get(id);
    const superseded = previous === undefined ? 0 : previous.superseded + 1;
    // Delete then re-insert: re-ordering keeps the map's iteration order equal to "last change" order.
    if (previous) byKey.delete(id);
    if (event.op === 'd') {
      byKey.set(id, { op: 'delete', key: event.key, message, superseded });
    } else if (event.after) {
      byKey.set(id, { op: 'upsert', key: event.key, row: event.after, message, superseded });
    }
  }
  return [...byKey.values()];
}

/** A stable text identity of a key row (column order as given, values in their exact JSON form). */
export function keyId(key: Row): string {
  return JSON.stringify(Object.entries(key).map(([column, value]) => [column, valueToJson(value)]));
}
