import { createHash } from 'node:crypto';
import type { ChangeEvent, KafkaCoordinates } from '../core/change-event.js';
import { rowToJson } from '../core/value-json.js';
import type { SideConfig } from '../config/dbtwin-config.js';
import type { ApplyGuard, WriteIntent } from '../pipeline/target-applier.js';
import type { TableRoute } from '../pipeline/table-router.js';
import type { EchoLayer, EchoStore } from './echo-store.js';
import type { RowStates } from '../rules/row-states.js';
import type { RowVersion, RowVersionStore } from '../rules/row-version-store.js';
import type { FlipVerdict, PingPongBreaker } from './ping-pong-breaker.js';
import {
  afterState,
  canonicalValue,
  rowFingerprint,
  type ColumnValue,
  type RowFingerprint,
} from './row-fingerprint.js';

/**
 * Loop protection as one link uses it. Incoming: the fingerprint of each captured change in the
 * source side's canonical form, consumed from the echo store (an echo of the reverse link's write is
 * dropped). Outgoing (as the apply stage's {@link ApplyGuard}): the breaker's verdict on each write,
 * then the fingerprints of the writes that go ahead, recorded before the target commits.
 */
export class LinkLoopGuard implements ApplyGuard {
  constructor(
    private readonly linkName: string,
    private readonly from: SideConfig,
    private readonly to: SideConfig,
    private readonly echoes: EchoStore,
    private readonly breaker: PingPongBreaker,
    private readonly versions: RowVersionStore,
    /** Where the states met are noted for the convergence check; absent while it is off. */
    private readonly states?: RowStates,
  ) {}

  /**
   * The fingerprint of a captured change as the source side's Debezium reported it: key and mapped
   * columns (those the link writes to the target) with the source catalog's types. Undefined when the
   * route has no source catalog information (then the change cannot be recognised as an echo).
   */
  fingerprintOf(event: ChangeEvent, route: TableRoute): RowFingerprint | undefined {
    const info = route.sourceInfo;
    if (!info) return undefined;
    const byName = new Map(info.columns.map((c) => [c.name, c]));
    const key: ColumnValue[] = [];
    for (const name of info.primaryKey) {
      const column = byName.get(name);
      const value = event.key[name];
      if (!column || value === undefined) return undefined;
      key.push({ column, value });
    }
    const mapped = (image: Readonly<Record<string, ChangeEvent['key'][string]>>): ColumnValue[] => {
      const out: ColumnValue[] = [];
      for (const [name, value] of Object.entries(image)) {
        const column = byName.get(name);
        if (column && route.column(name)) out.push({ column, value });
      }
      return out;
    };
    const row = event.op === 'd' ? null : mapped(event.after ?? {});
    // An insert replaced no row; an update or delete without a before-image: unknown.
    const before = event.op === 'c' ? null : event.before ? mapped(event.before) : undefined;
    return rowFingerprint(this.from.name, this.from.engine, `${info.schema}.${info.name}`, key, row, before);
  }

  /**
   * Takes the pending fingerprints among these; per fingerprint, the layer that knew it, or null.
   * `coordinates` (the Kafka position of each change) make the verdict stick until the offset is
   * committed, so a change read again after a rebalance is still recognised.
   */
  consume(
    fingerprints: readonly RowFingerprint[],
    coordinates?: readonly (KafkaCoordinates | undefined)[],
  ): Promise<(EchoLayer | null)[]> {
    return this.echoes.consume(fingerprints, coordinates);
  }

  /**
   * Notes the states of changes read from the source side (echoes included), for the convergence
   * check: the row's state the links have met (`RowStates`). Never throws; nothing while it is off.
   */
  noteRead(fingerprints: readonly RowFingerprint[]): Promise<void> {
    return this.states
      ? this.states.note(fingerprints.map((f) => ({ rowKey: f.rowKey, state: afterState(f.state) })))
      : Promise.resolve();
  }

  /** The offsets below `nextOffset` of a source partition are committed: their echo verdicts go. */
  committed(topic: string, partition: number, nextOffset: string): Promise<void> {
    return this.echoes.committed(topic, partition, nextOffset);
  }

  /**
   * Notes the commit times of native changes read from the source side (for `lww` by commit time):
   * the reverse link's applier compares them with the rows it reads there.
   */
  noteSeen(
    changes: readonly { readonly fingerprint: RowFingerprint; readonly commitMs: number }[],
  ): Promise<void> {
    return this.versions.seen(
      changes.map((c) => ({
        rowKey: c.fingerprint.rowKey,
        commitMs: c.commitMs,
        state: afterState(c.fingerprint.state),
      })),
    );
  }

  versionsOf(rowKeys: readonly string[]): Promise<(RowVersion | undefined)[]> {
    return this.versions.get(rowKeys);
  }

  async beforeWrite<M>(route: TableRoute, writes: readonly WriteIntent<M>[]): Promise<FlipVerdict[]> {
    const table = `${route.target.schema}.${route.target.name}`;
    const verdicts = await this.breaker.observe(
      this.linkName,
      writes.map((w) => ({
        rowId: this.rowId(route, w.key),
        coordinate: coordinateOf(w.change.message),
        state: w.fingerprint.state,
        table,
        key: rowToJson(Object.fromEntries(w.key.map((k) => [k.column.name, k.value]))) ?? {},
      })),
    );
    // With capture-level exclusion on the target side, its echoes never arrive (or arrive marked and
    // are dropped before the fingerprint check): a fingerprint would only linger and could swallow a
    // later genuine change to the same row state.
    const going = writes.filter((_, i) => verdicts[i] === 'apply');
    if (this.to.capture.mode === 'none')
      await this.echoes.record(going.filter((w) => this.recordsEcho(w)).map((w) => w.fingerprint));
    await this.states?.note(
      going.map((w) => ({ rowKey: w.fingerprint.rowKey, state: afterState(w.fingerprint.state) })),
    );
    await this.versions.written(
      going
        .filter((w) => w.versionMs !== undefined)
        .map((w) => ({
          rowKey: w.fingerprint.rowKey,
          commitMs: w.versionMs!,
          state: afterState(w.fingerprint.state),
        })),
    );
    return verdicts;
  }

  async afterRollback<M>(writes: readonly WriteIntent<M>[]): Promise<void> {
    await this.echoes.release(writes.filter((w) => this.recordsEcho(w)).map((w) => w.fingerprint));
  }

  /**
   * Whether a write's fingerprint is recorded: always, except a write settling a conflict while the
   * echo store is degraded (WriteIntent.settlesConflict). Outside degraded mode its capture must be
   * dropped: the writing side's next changes build on it, and a bounced copy would be collapsed
   * with them into a change whose before-image the other side never held.
   */
  private recordsEcho<M>(w: WriteIntent<M>): boolean {
    return !w.settlesConflict || this.echoes.state().state !== 'degraded';
  }

  /**
   * The same id for a row whichever link sees it: both tables (side-qualified, sorted) and the key's
   * canonical values in the target's key order.
   */
  private rowId(route: TableRoute, key: readonly ColumnValue[]): string {
    const ends = [
      `${this.from.name}:${route.source.toLowerCase()}`,
      `${this.to.name}:${route.target.schema.toLowerCase()}.${route.target.name.toLowerCase()}`,
    ].sort();
    const values = key.map((k) => canonicalValue(k.value, k.column, this.to.engine));
    // Hex, not base64url: operators pass this id to `dbtwin breaker release`, and an id beginning
    // with '-' would be read there as an option.
    return createHash('sha256')
      .update(JSON.stringify([ends, values]))
      .digest('hex')
      .slice(0, 32);
  }
}

/** `topic/partition/offset` of a change's Kafka message; `-` when it did not come from Kafka. */
function coordinateOf(message: unknown): string {
  const m = message as { topic?: unknown; partition?: unknown; offset?: unknown } | null;
  return m && typeof m.topic === 'string' ? `${m.topic}/${String(m.partition)}/${String(m.offset)}` : '-';
}
