import { Kafka, logLevel, type Producer } from 'kafkajs';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { rowToJson, type JsonRow } from '../core/value-json.js';
import type { SourcePosition } from '../core/change-event.js';
import type { Row } from '../core/values.js';
import type { MetConflict } from '../pipeline/target-applier.js';
import type { SourceMessage } from '../source/kafka-change-source.js';
import type { ConflictRecord } from './conflict-resolver.js';

/** One conflict as the ledger topic holds it (JSON value; key = `link/table/key`). */
export interface LedgerEntry {
  /** `<link>|<topic>/<partition>/<offset>`: one entry per conflicting message and link. */
  readonly id: string;
  readonly at: string;
  readonly link: string;
  /** The target table, `schema.name`. */
  readonly table: string;
  readonly key: JsonRow;
  readonly type: ConflictRecord['type'];
  readonly rule: string;
  /**
   * How the conflict ended; `resolved` only on a resolution entry (`dbtwin conflicts resolve`), which
   * decides an earlier `manual` entry named by `resolves`.
   */
  readonly outcome: ConflictRecord['outcome'] | 'resolved';
  readonly columns: readonly string[];
  /** The incoming change's before-image; null for an insert; absent when the source sent none. */
  readonly base?: JsonRow | null;
  readonly incoming: JsonRow | null;
  readonly current: JsonRow | null;
  /** Where the incoming change came from: its source side, log position, commit time and Kafka message. */
  readonly incomingPosition: {
    readonly side: string;
    readonly source: SourcePosition;
    readonly commitMs: number;
    readonly kafka: string;
  };
  /** The target side (its current row was read in the apply transaction). */
  readonly targetSide: string;
  /**
   * Resolution entries only: the id of the `manual` conflict decided. Such an entry repeats the
   * conflict's link, table, key, type, columns and incoming position; its `incoming` is the row both
   * sides hold afterwards (null: deleted), its `current` the target's row just before, and its id is
   * `<resolves>#resolved`.
   */
  readonly resolves?: string;
  /** Resolution entries only: what the operator decided. */
  readonly decision?: LedgerDecision;
  /** Resolution entries only: who decided (`dbtwin conflicts resolve --by`, default `<user>@<host>`). */
  readonly by?: string;
}

/** How an operator decided a `manual` conflict (`dbtwin conflicts resolve`). */
export interface LedgerDecision {
  /** `take`: the current row of `side` won (`--take`); `row`: the operator gave the row (`--row`). */
  readonly kind: 'take' | 'row';
  /** With `take`: the side whose row won. */
  readonly side?: string;
  /** What both sides hold for the key afterwards: the entry's `incoming` row, or no row. */
  readonly result: 'upsert' | 'delete';
  /** Ids of the dead letters removed from the link's queue (the conflict's held change). */
  readonly deadLetters: readonly string[];
}

/** A conflict looked up by id, with its resolution when it has one and every entry read. */
export interface LedgerLookup {
  /** The first entry with the id that is not a resolution; undefined when the ledger has none. */
  readonly conflict: LedgerEntry | undefined;
  /** The first resolution entry that `resolves` the id, if any. */
  readonly resolution: LedgerEntry | undefined;
  /** Every entry of the topic, as {@link ConflictLedger.readAll} returns them. */
  readonly entries: readonly LedgerEntry[];
}

/** The ledger topic of a deployment: `<groupPrefix>.conflicts`. */
export function ledgerTopic(groupPrefix: string): string {
  return `${groupPrefix}.conflicts`;
}

/**
 * The conflict ledger (design §4): every conflict, whatever its outcome, as a structured record on a
 * Kafka topic, written before the batch's offsets are committed (at-least-once: a retried batch may
 * write an entry twice, with the same id). Every message carries `dbtwin-origin` (the link's source
 * side) and `dbtwin-hop` headers, so no link ever mistakes it for a change.
 */
export class ConflictLedger {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;

  constructor(
    brokers: readonly string[],
    readonly topic: string,
  ) {
    this.kafka = new Kafka({ clientId: 'dbtwin-ledger', brokers: [...brokers], logLevel: logLevel.NOTHING });
  }

  /** Creates the topic when missing and connects. Throws ServiceUnreachable naming the topic when Kafka fails. */
  async open(): Promise<void> {
    try {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const topics = await admin.listTopics();
        if (!topics.includes(this.topic))
          await admin.createTopics({
            topics: [{ topic: this.topic, numPartitions: 3 }],
            waitForLeaders: true,
          });
      } finally {
        await admin.disconnect();
      }
      this.producer = this.kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await this.producer.connect();
    } catch (cause) {
      throw new DbtwinError(
        ErrorCode.ServiceUnreachable,
        `cannot open the conflict ledger topic ${this.topic}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { hint: 'check kafka.brokers in the configuration; locally, npm run stack:up starts Kafka', cause },
      );
    }
  }

  /** Writes the conflicts of one batch of `link`; throws ServiceUnreachable (the batch is retried) when Kafka fails. */
  async publish(
    link: { readonly name: string; readonly from: string; readonly to: string },
    conflicts: readonly MetConflict<SourceMessage>[],
  ): Promise<void> {
    if (!this.producer) throw new Error('ConflictLedger.publish before open()');
    const entries = conflicts.map((c) => entryOf(link, c));
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: entries.map((e) => ({
          key: `${e.link}|${e.table}|${JSON.stringify(e.key)}`,
          value: JSON.stringify(e),
          headers: { 'dbtwin-origin': link.from, 'dbtwin-hop': '1' },
        })),
      });
    } catch (cause) {
      throw new DbtwinError(
        ErrorCode.ServiceUnreachable,
        `link ${link.name}: cannot write ${entries.length} conflict(s) to the ledger topic ${this.topic}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { hint: 'the batch is retried once Kafka answers; nothing is lost', cause },
      );
    }
  }

  /**
   * Writes a resolution entry (`resolves` set), keyed like the conflict's own entry so it lands in the
   * same partition, after it. Throws ServiceUnreachable when Kafka fails.
   */
  async publishResolution(entry: LedgerEntry): Promise<void> {
    if (!this.producer) throw new Error('ConflictLedger.publishResolution before open()');
    if (entry.resolves === undefined || entry.outcome !== 'resolved')
      throw new Error('ConflictLedger.publishResolution: not a resolution entry');
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: [
          {
            key: `${entry.link}|${entry.table}|${JSON.stringify(entry.key)}`,
            value: JSON.stringify(entry),
            headers: { 'dbtwin-origin': entry.incomingPosition.side, 'dbtwin-hop': '1' },
          },
        ],
      });
    } catch (cause) {
      throw new DbtwinError(
        ErrorCode.ServiceUnreachable,
        `cannot write the resolution of ${entry.resolves} to the ledger topic ${this.topic}: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          hint: 'the rows are written and the dead letter removed; run the same resolve again once Kafka answers',
          cause,
        },
      );
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }

  /** The conflict with this id and its resolution, if any (reads the whole topic, as {@link readAll}). */
  async lookup(id: string, timeoutMs?: number): Promise<LedgerLookup> {
    const entries = await this.readAll(timeoutMs);
    return {
      conflict: entries.find((e) => e.id === id && e.resolves === undefined),
      resolution: entries.find((e) => e.resolves === id),
      entries,
    };
  }

  /**
   * Every entry on the topic now, oldest first per partition (entries of one row share a partition,
   * so a row's history is in order). Reads up to the end offsets taken at the start, without a
   * consumer group: listing leaves no trace. An empty list when the topic does not exist yet.
   */
  async readAll(timeoutMs = 30_000): Promise<LedgerEntry[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      if (!(await admin.listTopics()).includes(this.topic)) return [];
      ends = new Map((await admin.fetchTopicOffsets(this.topic)).map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
    const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
    if (pending.size === 0) return [];
    const entries: LedgerEntry[] = [];
    const consumer = this.kafka.consumer({ groupId: `dbtwin-ledger-reader-${process.pid}-${Date.now()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${this.topic} took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
        void consumer
          .run({
            autoCommit: false,
            eachMessage: ({ partition, message }) => {
              if (message.value) entries.push(JSON.parse(message.value.toString('utf8')) as LedgerEntry);
              if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return entries;
  }
}

function entryOf(
  link: { readonly name: string; readonly from: string; readonly to: string },
  c: MetConflict<SourceMessage>,
): LedgerEntry {
  const m = c.change.message;
  const json = (row: Row | null): JsonRow | null => (row === null ? null : (rowToJson(row) ?? {}));
  return {
    id: `${link.name}|${m.topic}/${m.partition}/${m.offset}`,
    at: new Date().toISOString(),
    link: link.name,
    table: c.table,
    key: rowToJson(c.change.key) ?? {},
    type: c.record.type,
    rule: c.record.rule,
    outcome: c.record.outcome,
    columns: c.record.columns,
    ...(c.base === undefined ? {} : { base: json(c.base) }),
    incoming: json(c.incoming),
    current: json(c.current),
    incomingPosition: {
      side: link.from,
      source: c.change.position,
      commitMs: c.change.commitMs,
      kafka: `${m.topic}/${m.partition}/${m.offset}`,
    },
    targetSide: link.to,
  };
}
