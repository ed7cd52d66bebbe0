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
  /**
   * How long the group waits for a silent member before giving its partitions to the others, ms.
   * Default `SESSION_TIMEOUT_MS`. A member stays alive by heartbeating (see `BatchControl.heartbeat`).
   */
  readonly sessionTimeoutMs?: number;
  /** How often the consumer heartbeats, ms; below a third of the session timeout. Default `HEARTBEAT_INTERVAL_MS`. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Called with the partitions this member holds: after each join of the group (kafkajs GROUP_JOIN),
   * and with `{}` when it gives them up (rebalance, stop, crash).
   */
  readonly onAssignment?: (assignment: PartitionAssignment) => void;
  /** Called after a batch's offsets were committed, with the next offset to read. Must not throw. */
  readonly onCommitted?: (topic: string, partition: number, nextOffset: string) => Promise<void>;
  readonly logger: Logger;
}

/** Partitions held, by topic: `{ "mariadb.dbtwin.t": [0, 2] }`. */
export type PartitionAssignment = Readonly<Record<string, readonly number[]>>;

/**
 * Default session timeout: a member killed without leaving the group (SIGKILL, a lost host) loses its
 * partitions to the others after this long, plus the rebalance (design §7: within 30 s). kafkajs's own
 * default is 30 s. A longer apply heartbeats between chunks and while it waits (LinkRunner).
 */
export const SESSION_TIMEOUT_MS = 10_000;

/** Default heartbeat interval: a third of the session timeout, as Kafka recommends. */
export const HEARTBEAT_INTERVAL_MS = 3000;

/**
 * Longest wait of a fetch that finds nothing new, ms (kafkajs default 5 s). Data is returned as soon as
 * it arrives either way; a shorter idle wait makes a pause settle and a resume start sooner.
 */
const FETCH_MAX_WAIT_MS = 1000;

/**
 * Consumes Debezium topics with kafkajs for one link: per-partition order, manual offset commits after
 * the handler, kafkajs logs routed to pino. The whole source can be paused (`pause`): the batch in
 * flight finishes and commits, then nothing more is fetched until `resume`, which goes on from the
 * committed offsets.
 */
export class KafkaChangeSource {
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private assignment: PartitionAssignment = {};
  private paused = false;
  /**
   * Partitions a handler paused while it waits for its target (`BatchControl.pause`), by
   * `topic\0partition`. Kept apart from `paused` so that resuming one does not undo the other.
   */
  private readonly held = new Map<string, { topic: string; partition: number }>();
  /** Batches being handled or committed now. */
  private inFlight = 0;
  /** True from `pause` until a fetch starts with no batch in flight: the pause has taken hold. */
  private settling = false;

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
      sessionTimeout: this.options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      // Synchronous, before the first fetch of the new generation: a paused source fetches nothing.
      if (this.paused) this.pauseConsumer();
      this.assigned(event.payload.memberAssignment);
    });
    consumer.on(consumer.events.REBALANCING, () => this.assigned({}));
    consumer.on(consumer.events.STOP, () => this.assigned({}));
    consumer.on(consumer.events.CRASH, () => this.assigned({}));
    // The fetcher starts a fetch only once every batch of the last one was handled: a fetch that starts
    // with nothing in flight after a pause means nothing fetched before the pause is left to apply.
    consumer.on(consumer.events.FETCH_START, () => {
      if (this.inFlight === 0) this.settling = false;
    });
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
        this.inFlight++;
        try {
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
            pause: () => this.hold(batch.topic, batch.partition),
          });
          const last = messages[messages.length - 1]!;
          payload.resolveOffset(last.offset);
          const next = (BigInt(last.offset) + 1n).toString();
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
          await this.options.onCommitted?.(batch.topic, batch.partition, next);
          await payload.heartbeat();
        } finally {
          this.inFlight--;
        }
      },
    });
  }

  /**
   * Stops fetching every partition of the source, now held and any assigned later, until `resume`.
   * Batches already fetched are still handled and committed (`settled` tells when they are). May be
   * called before `start`: the consumer then joins paused.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.settling = true;
    this.pauseConsumer();
  }

  /** Fetches again from the committed offsets; partitions a handler holds stay held. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.settling = false;
    const consumer = this.consumer;
    if (!consumer) return;
    try {
      consumer.resume(this.topicNames().map((topic) => ({ topic })));
      if (this.held.size > 0) consumer.pause(byTopic(this.held.values()));
    } catch {
      // Not running yet: the next join starts unpaused.
    }
  }

  /** True when paused, no batch is being handled, and nothing fetched before the pause is left. */
  settled(): boolean {
    if (!this.paused || this.inFlight > 0) return false;
    return !this.settling || Object.keys(this.assignment).length === 0;
  }

  /** The partitions this member holds now (`{}` while rebalancing or stopped). */
  partitions(): PartitionAssignment {
    return this.assignment;
  }

  /** Leaves the group cleanly (the current batch finishes first). Safe to call twice. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.disconnect();
    this.assigned({});
  }

  private assigned(assignment: PartitionAssignment): void {
    const same =
      JSON.stringify(Object.entries(assignment).sort()) ===
      JSON.stringify(Object.entries(this.assignment).sort());
    this.assignment = assignment;
    if (same) return;
    try {
      this.options.onAssignment?.(assignment);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'assignment listener failed');
    }
  }

  /** `BatchControl.pause`: one partition, while its handler waits; the returned function releases it. */
  private hold(topic: string, partition: number): () => void {
    const id = `${topic}\0${partition}`;
    const hold = { topic, partition };
    this.held.set(id, hold);
    // kafkajs forgets a whole-topic pause when one partition of it is paused: while the source is
    // paused, the hold is only noted (and applied again on resume).
    if (!this.paused) this.consumer?.pause([{ topic, partitions: [partition] }]);
    return () => {
      // Idempotent, and a late call cannot release a newer hold of the same partition.
      if (this.held.get(id) !== hold) return;
      this.held.delete(id);
      if (!this.paused) this.consumer?.resume([{ topic, partitions: [partition] }]);
    };
  }

  private pauseConsumer(): void {
    try {
      this.consumer?.pause(this.topicNames().map((topic) => ({ topic })));
    } catch {
      // `consumer.run` has not created the group yet: GROUP_JOIN pauses it.
    }
  }

  /** The topics by name: those subscribed by name and those of the assignment (patterns). */
  private topicNames(): string[] {
    const names = new Set(this.options.topics.filter((t): t is string => typeof t === 'string'));
    for (const topic of Object.keys(this.assignment)) names.add(topic);
    return [...names];
  }
}

function byTopic(
  partitions: Iterable<{ topic: string; partition: number }>,
): { topic: string; partitions: number[] }[] {
  const out = new Map<string, number[]>();
  for (const p of partitions) out.set(p.topic, [...(out.get(p.topic) ?? []), p.partition]);
  return [...out].map(([topic, list]) => ({ topic, partitions: list }));
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
