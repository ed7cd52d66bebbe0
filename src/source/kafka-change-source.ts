import { Kafka, logLevel, type Consumer, type EachBatchPayload, type IHeaders, type LogEntry } from 'kafkajs';
import type { Logger } from '../core/logger.js';

/** One Kafka message as dbtwin's stages see it: raw bytes plus headers flattened to strings. */
export interface SourceMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string (64-bit). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Header name → last value as UTF-8 (Kafka allows repeats; the last one wins, as InsertHeader appends). */
  readonly headers: Readonly<Record<string, string>>;
  /** Broker/producer timestamp in ms. */
  readonly timestampMs: number;
}

/**
 * The handler of one fetched batch (one topic-partition, in offset order). Its offsets are committed
 * only after the returned promise resolves, so a crash before then re-delivers the batch
 * (at-least-once; apply is idempotent). A rejected promise leaves the offsets uncommitted and the
 * batch is fetched again after the consumer's retry.
 */
export type BatchHandler = (messages: readonly SourceMessage[], batch: BatchControl) => Promise<void>;

/** What a handler may do while it holds a batch (for instance while it waits for a target to come back). */
export interface BatchControl {
  readonly topic: string;
  readonly partition: number;
  /** Keeps the group membership alive during a long wait; call at least every few seconds. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was taken away: give up without committing. */
  isRunning(): boolean;
  /** Stops fetching this partition until the returned function is called. */
  pause(): () => void;
}

/** Options of a change source. */
export interface ChangeSourceOptions {
  readonly brokers: readonly string[];
  /** Consumer group: one per link, shared by every instance of that link (design §7). */
  readonly groupId: string;
  readonly clientId?: string;
  /** Topics by exact name or pattern. A pattern matches topics that exist when the consumer starts. */
  readonly topics: readonly (string | RegExp)[];
  /** Where a group without committed offsets starts. Default false (only new messages). */
  readonly fromBeginning?: boolean;
  /** Partitions handled in parallel; default 1. Order within a partition always holds. */
  readonly concurrency?: number;
  readonly logger: Logger;
}

/**
 * Consumes Debezium topics with kafkajs for one link: per-partition order, manual offset commits after
 * the handler, kafkajs logs routed to pino.
 */
export class KafkaChangeSource {
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;

  constructor(private readonly options: ChangeSourceOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: options.clientId ?? `dbtwin-${options.groupId}`,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        const level =
          entry.level <= logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
        log[level]({ namespace: entry.namespace, ...extra }, message);
      },
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
  }

  /** Joins the group and starts delivering batches to `handler`. Resolves once the consumer runs. */
  async start(handler: BatchHandler): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      // New partitions of the Debezium topics are picked up without a restart.
      metadataMaxAge: 10_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topics: [...this.options.topics],
      fromBeginning: this.options.fromBeginning ?? false,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 1,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        if (batch.messages.length === 0) return;
        const messages = batch.messages.map((m): SourceMessage => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
          headers: flattenHeaders(m.headers),
          timestampMs: Number(m.timestamp),
        }));
        await handler(messages, {
          topic: batch.topic,
          partition: batch.partition,
          heartbeat: () => payload.heartbeat(),
          isRunning: () => payload.isRunning() && !payload.isStale(),
          pause: () => payload.pause(),
        });
        const last = messages[messages.length - 1]!;
        payload.resolveOffset(last.offset);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
        await payload.heartbeat();
      },
    });
  }

  /** Leaves the group cleanly (the current batch finishes first). Safe to call twice. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.disconnect();
  }
}

/** Header values as UTF-8 strings; a repeated header keeps its last value. */
export function flattenHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    out[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return out;
}
