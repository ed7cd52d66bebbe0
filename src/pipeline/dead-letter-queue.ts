import { isUtf8 } from 'node:buffer';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isConnectionError, redisAddress } from '../core/redis-connection.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { JsonRow } from '../core/value-json.js';
import type { LinkConfig } from '../config/dbtwin-config.js';
import { deadLetterJobId, deadLetterQueueName, QUEUE_PREFIX } from '../core/redis-keys.js';

/** Header naming the side a message comes from (design §3.1). */
const ORIGIN_HEADER = 'dbtwin-origin';
/** Header counting how many times dbtwin has carried a change from one side to another. */
const HOP_HEADER = 'dbtwin-hop';

/**
 * A Kafka message that a link could not apply, kept whole for an operator (`dbtwin dlq`). Plain JSON:
 * it is stored as a BullMQ job's data.
 */
export interface DeadLetter {
  /** The link, `<from>-><to>`. */
  readonly link: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string (64-bit). */
  readonly offset: string;
  /** The raw Kafka key as UTF-8 text, or base64 when `keyBase64` (bytes that are not UTF-8); null when absent. */
  readonly key: string | null;
  readonly keyBase64: boolean;
  /** The raw Kafka value, as `key`; null for a tombstone. */
  readonly value: string | null;
  readonly valueBase64: boolean;
  /**
   * The message's Kafka headers as UTF-8 text; a value that is not UTF-8 is base64 and its name is in
   * `base64Headers`. A repeated header keeps its last value, as the pipeline reads it.
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly base64Headers: readonly string[];
  readonly code: ErrorCode;
  /** Why, naming the field where one is at fault; the message itself is named by topic/partition/offset. */
  readonly reason: string;
  /** Source table (`schema.table`) when the message was decoded that far, else null. */
  readonly table: string | null;
  /** Primary key of the row when known, else null. */
  readonly primaryKey: JsonRow | null;
  /** When it was dead-lettered, ISO 8601 in UTC. */
  readonly at: string;
  /** The `dbtwin-origin` header dbtwin attaches to what it produces: the link's source side. */
  readonly origin: string;
  /** The `dbtwin-hop` header dbtwin attaches to what it produces: the message's own hop + 1, or 1. */
  readonly hop: number;
}

/** A dead letter as stored, with its id (`<topic>/<partition>/<offset>`). */
export interface StoredDeadLetter extends DeadLetter {
  readonly id: string;
}

/** A Kafka header value as kafkajs gives it, or already flattened to text. */
export type HeaderInput = string | Uint8Array | readonly (string | Uint8Array)[] | undefined;

/**
 * What the pipeline knows about a message it gives up on. Structurally the pipeline's dead-letter
 * draft (a SourceMessage plus code, reason, table and key), so it converts without glue.
 */
export interface DeadLetterInput {
  readonly message: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
    readonly key: Uint8Array | null;
    readonly value: Uint8Array | null;
    readonly headers: Readonly<Record<string, HeaderInput>>;
  };
  readonly code: ErrorCode;
  readonly reason: string;
  readonly table?: string;
  readonly key?: JsonRow;
}

/** Builds the dead letter of a message for `link`, stamped `at` (default now). */
export function toDeadLetter(
  link: Pick<LinkConfig, 'name' | 'from'>,
  input: DeadLetterInput,
  at: Date = new Date(),
): DeadLetter {
  const { message } = input;
  const key = bytesToText(message.key);
  const value = bytesToText(message.value);
  const headers: Record<string, string> = {};
  const base64Headers: string[] = [];
  for (const [name, raw] of Object.entries(message.headers)) {
    // InsertHeader appends, so the last value of a repeated header is the one that counts.
    const last = typeof raw === 'string' || raw instanceof Uint8Array || raw === undefined ? raw : raw.at(-1);
    if (last === undefined) continue;
    const text = typeof last === 'string' ? { text: last, base64: false } : bytesToText(last);
    if (!text) continue;
    headers[name] = text.text;
    if (text.base64) base64Headers.push(name);
  }
  const incomingHop = base64Headers.includes(HOP_HEADER) ? undefined : headers[HOP_HEADER];
  const hop = incomingHop !== undefined && /^\d+$/.test(incomingHop) ? Number(incomingHop) + 1 : 1;
  return {
    link: link.name,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key?.text ?? null,
    keyBase64: key?.base64 ?? false,
    value: value?.text ?? null,
    valueBase64: value?.base64 ?? false,
    headers,
    base64Headers,
    code: input.code,
    reason: input.reason,
    table: input.table ?? null,
    primaryKey: input.key ?? null,
    at: at.toISOString(),
    origin: link.from,
    hop,
  };
}

/** The raw bytes of a stored key or value (inverse of what `toDeadLetter` did); null stays null. */
export function deadLetterBytes(text: string | null, base64: boolean): Buffer | null {
  if (text === null) return null;
  return Buffer.from(text, base64 ? 'base64' : 'utf8');
}

/** The `dbtwin-origin` and `dbtwin-hop` headers of anything produced from a dead letter. */
export function dbtwinHeaders(letter: Pick<DeadLetter, 'origin' | 'hop'>): Record<string, string> {
  return { [ORIGIN_HEADER]: letter.origin, [HOP_HEADER]: String(letter.hop) };
}

/** Options of a dead-letter queue. */
export interface DeadLetterQueueOptions {
  /** `redis://` URL; the config's `redis.url`. */
  readonly redisUrl: string;
  readonly link: Pick<LinkConfig, 'name' | 'from' | 'to'>;
  /** The deployment's namespace (`kafka.groupPrefix`); default `dbtwin`. */
  readonly namespace?: string;
  /**
   * Longest wait for one Redis operation before it fails with ServiceUnreachable; default 10000 ms.
   * Without it a command would wait forever for a Redis that is down (BullMQ requires
   * `maxRetriesPerRequest: null`, which queues commands until the connection comes back).
   */
  readonly timeoutMs?: number;
}

/**
 * The dead-letter queue of one link: a BullMQ queue (`dbtwin-dlq-<from>-to-<to>`) holding the messages
 * the link could not apply, for an operator to inspect, replay or drop (`dbtwin dlq`). No worker
 * consumes it: every job stays waiting until it is removed.
 *
 * Invariants: one job per Kafka message (job id `<topic>/<partition>/<offset>`), so adding the same
 * message twice keeps one entry (the first); `list` returns the oldest first.
 */
export class DeadLetterQueue {
  /** The BullMQ queue name. */
  readonly name: string;
  private readonly redis: Redis;
  private readonly queue: Queue<DeadLetter, void, string>;
  private readonly timeoutMs: number;
  private readonly where: string;
  private lastError: Error | undefined;

  constructor(private readonly options: DeadLetterQueueOptions) {
    this.name = deadLetterQueueName(options.namespace ?? 'dbtwin', options.link.from, options.link.to);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.where = redisAddress(options.redisUrl);
    this.redis = new Redis(options.redisUrl, {
      maxRetriesPerRequest: null,
      // Nothing connects until the first operation (a CLI that fails earlier opens no socket).
      lazyConnect: true,
      // A socket that never connected does not report its close, and ioredis then holds the process
      // for this long (default 2 s) after disconnect.
      disconnectTimeout: 200,
    });
    // Connection errors surface through the bounded operations below; without listeners the emitters
    // would print them (ioredis) or throw them as uncaught (BullMQ).
    this.redis.on('error', (error: Error) => (this.lastError = error));
    this.queue = new Queue<DeadLetter, void, string>(this.name, {
      connection: this.redis,
      prefix: QUEUE_PREFIX,
    });
    this.queue.on('error', (error: Error) => {
      // BullMQ relays the socket error, then reports "Connection is closed": keep the one with the cause.
      if (!/connection is closed/i.test(error.message) || this.lastError === undefined)
        this.lastError = error;
    });
  }

  /** The queue of `link` in `config` (Redis from `config.redis.url`, namespace `config.kafka.groupPrefix`). */
  static forLink(
    config: { readonly redis: { readonly url: string }; readonly kafka: { readonly groupPrefix: string } },
    link: Pick<LinkConfig, 'name' | 'from' | 'to'>,
    timeoutMs?: number,
  ): DeadLetterQueue {
    return new DeadLetterQueue({
      redisUrl: config.redis.url,
      link,
      namespace: config.kafka.groupPrefix,
      timeoutMs,
    });
  }

  /**
   * Stores dead letters in one round trip (a Redis pipeline). Resolves with their ids once Redis has
   * them. A letter whose message is already queued is not added again.
   */
  async add(letters: readonly DeadLetter[]): Promise<string[]> {
    if (letters.length === 0) return [];
    for (const letter of letters) {
      if (letter.link !== this.options.link.name) {
        throw new DbtwinError(
          ErrorCode.InternalInvariant,
          `dead letter of link ${letter.link} offered to the queue of ${this.options.link.name}`,
        );
      }
    }
    const jobs = await this.bounded(
      'storing dead letters',
      this.queue.addBulk(
        letters.map((letter) => ({
          name: letter.code,
          data: letter,
          opts: { jobId: deadLetterJobId(letter.topic, letter.partition, letter.offset) },
        })),
      ),
    );
    return jobs.map((job) => job.id ?? '');
  }

  /** `toDeadLetter` + `add`: the pipeline's dead-letter sink. */
  async addAll(inputs: readonly DeadLetterInput[]): Promise<void> {
    const at = new Date();
    await this.add(inputs.map((input) => toDeadLetter(this.options.link, input, at)));
  }

  /** Dead letters, oldest first; `limit` default 100, `offset` default 0. */
  async list(
    options: { readonly limit?: number; readonly offset?: number } = {},
  ): Promise<StoredDeadLetter[]> {
    const limit = options.limit ?? 100;
    const offset = options.offset ?? 0;
    if (limit <= 0) return [];
    // getWaiting pages from the oldest end of the wait list (BullMQ pushes new jobs at its head), so
    // offset 0 is the first message that was dead-lettered and pages stay stable while letters arrive.
    const jobs = await this.bounded(
      'listing dead letters',
      this.queue.getWaiting(offset, offset + limit - 1),
    );
    return jobs.map((job) => ({ ...job.data, id: job.id ?? '' }));
  }

  /** One dead letter by id, or undefined. */
  async get(id: string): Promise<StoredDeadLetter | undefined> {
    const job = await this.bounded('reading a dead letter', this.queue.getJob(id));
    return job ? { ...job.data, id } : undefined;
  }

  /** Removes a dead letter; false when there was none with that id. */
  async remove(id: string): Promise<boolean> {
    // BullMQ's remove answers 1 for an id it never had, so look first.
    const job = await this.bounded('reading a dead letter', this.queue.getJob(id));
    if (!job) return false;
    return (await this.bounded('removing a dead letter', this.queue.remove(id))) === 1;
  }

  /** How many dead letters the queue holds. */
  async count(): Promise<number> {
    return this.bounded('counting dead letters', this.queue.getJobCountByTypes('waiting'));
  }

  /** Closes the queue and its Redis connection. Bounded like every operation; safe to call twice. */
  async close(): Promise<void> {
    try {
      await this.bounded('closing the dead-letter queue', this.queue.close());
    } finally {
      this.redis.disconnect();
    }
  }

  /**
   * Runs one Redis operation, failing with ServiceUnreachable (an `abort` error: retry later) when
   * Redis does not answer within the timeout or the connection fails, instead of waiting forever.
   */
  private async bounded<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const unreachable = (cause: unknown): DbtwinError =>
      new DbtwinError(
        ErrorCode.ServiceUnreachable,
        `Redis at ${this.where} is unreachable while ${what} of link ${this.options.link.name}: ${
          cause instanceof Error ? cause.message : `no answer within ${this.timeoutMs} ms`
        }`,
        { hint: 'check redis.url in the configuration; locally, npm run stack:up starts Redis', cause },
      );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unreachable(this.lastError)), this.timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      // "Connection is closed" says less than the socket error that closed it.
      throw error instanceof DbtwinError || !isConnectionError(error)
        ? error
        : unreachable(this.lastError ?? error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function bytesToText(bytes: Uint8Array | null): { text: string; base64: boolean } | null {
  if (bytes === null) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer)
    ? { text: buffer.toString('utf8'), base64: false }
    : { text: buffer.toString('base64'), base64: true };
}
