import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { PARTITIONS, STACK, TOPIC_PREFIX } from './bench-options.js';
import {
  OP_DELETE,
  OP_INSERT,
  changeValue,
  debeziumHeaders,
  partitionOfKey,
  rowOf,
  type CapturedTable,
  type Workload,
} from './workload.js';

export const kafka = new Kafka({
  clientId: 'dbtwin-apply-bench',
  brokers: [...STACK.brokers],
  logLevel: logLevel.NOTHING,
});

/** Messages per produce request: about 40 per partition (~250 KB record batches, well under a 1 MB fetch). */
const CHUNK = 120;

export async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics under the bench prefix left by earlier runs (never anything else). */
export async function deleteBenchTopics(except: readonly string[] = []): Promise<string[]> {
  return withAdmin(async (admin) => {
    const stale = (await admin.listTopics()).filter(
      (t) => t.startsWith(`${TOPIC_PREFIX}.`) && !except.includes(t),
    );
    if (stale.length > 0) await admin.deleteTopics({ topics: stale, timeout: 30_000 });
    return stale;
  });
}

export async function createTopics(topics: readonly string[]): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: 1,
        // As the local Debezium topics (topic.creation.default.max.message.bytes).
        configEntries: [{ name: 'max.message.bytes', value: '16777216' }],
      })),
    });
  });
}

/** High watermark per partition. */
export async function endOffsets(topic: string): Promise<number[]> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    const out = new Array<number>(PARTITIONS).fill(0);
    for (const o of offsets) out[o.partition] = Number(o.high);
    return out;
  });
}

/** Sum of the offsets a consumer group has committed on a topic (−1 = none yet counted as 0). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

export async function deleteGroups(groups: readonly string[]): Promise<void> {
  await withAdmin(async (admin) => {
    for (const groupId of groups) await admin.deleteGroups([groupId]).catch(() => undefined);
  });
}

/** What the pre-load wrote. */
export interface PreloadResult {
  readonly messages: number;
  readonly tombstones: number;
  readonly bytes: number;
  /** Average length of an `after` row image (JSON text), bytes. */
  readonly avgRowBytes: number;
  /** Average length of a change message value (envelope with schema), bytes. */
  readonly avgValueBytes: number;
  readonly perPartition: number[];
  readonly seconds: number;
}

/**
 * Produces the workload, then one sentinel insert per partition (the last message of each), each
 * message to the partition the Java producer would pick for its key, in order, one request at a
 * time (so per-partition order is the stream order, as Debezium's single task writes it).
 */
export async function preload(
  t: CapturedTable,
  workload: Workload,
  sentinels: readonly number[],
  progress: (done: number) => void,
): Promise<PreloadResult> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  await producer.connect();
  const started = Date.now();
  const partitionCache = new Map<number, number>();
  const partitionOf = (id: number): number => {
    let p = partitionCache.get(id);
    if (p === undefined) {
      p = partitionOfKey(t.topic, t.keyText(id));
      partitionCache.set(id, p);
    }
    return p;
  };
  const headers = debeziumHeaders();
  const perPartition = new Array<number>(PARTITIONS).fill(0);
  let bytes = 0;
  let rowBytes = 0;
  let rowImages = 0;
  let valueBytes = 0;
  let values = 0;
  let tombstones = 0;
  let gtidSeq = 1000;
  let txLeft = 0;
  let order = 0;
  let pos = 4;
  let commitMs = 0;
  const txSize = (i: number): number => 1 + (i % 4);
  let batch: { key: string; value: string | null; partition: number; headers: Record<string, string> }[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await send(producer, t.topic, batch);
    batch = [];
  };
  const total = workload.count;
  for (let i = 0; i < total; i++) {
    if (txLeft === 0) {
      gtidSeq++;
      txLeft = txSize(gtidSeq);
      order = 0;
      commitMs = Math.floor(Date.now() / 1000) * 1000;
    }
    txLeft--;
    order++;
    pos += 700;
    const id = workload.ids[i]!;
    const op = workload.ops[i]!;
    const version = workload.versions[i]!;
    const before = op === OP_INSERT ? null : rowOf(id, op === OP_DELETE ? version : workload.previous[i]!);
    const after = op === OP_DELETE ? null : rowOf(id, version);
    const value = changeValue(t, op === OP_INSERT ? 'c' : op === OP_DELETE ? 'd' : 'u', before, after, {
      gtidSeq,
      pos,
      order,
      commitMs,
      nowMicros: Date.now() * 1000 + (i % 1000),
    });
    const key = t.keyText(id);
    const partition = partitionOf(id);
    batch.push({ key, value, partition, headers });
    perPartition[partition]!++;
    bytes += key.length + value.length;
    valueBytes += value.length;
    values++;
    if (after) {
      rowBytes += JSON.stringify(after).length;
      rowImages++;
    }
    if (op === OP_DELETE) {
      batch.push({ key, value: null, partition, headers });
      perPartition[partition]!++;
      tombstones++;
      bytes += key.length;
    }
    if (batch.length >= CHUNK) await flush();
    if ((i + 1) % 50_000 === 0) progress(i + 1);
  }
  await flush();
  // Sentinels: after everything else, one per partition.
  for (const id of sentinels) {
    gtidSeq++;
    const value = changeValue(t, 'c', null, rowOf(id, 1), {
      gtidSeq,
      pos: (pos += 700),
      order: 1,
      commitMs: Math.floor(Date.now() / 1000) * 1000,
      nowMicros: Date.now() * 1000,
    });
    const partition = partitionOf(id);
    batch.push({ key: t.keyText(id), value, partition, headers });
    perPartition[partition]!++;
  }
  await flush();
  await producer.disconnect();
  return {
    messages: perPartition.reduce((a, b) => a + b, 0),
    tombstones,
    bytes,
    avgRowBytes: rowImages === 0 ? 0 : rowBytes / rowImages,
    avgValueBytes: values === 0 ? 0 : valueBytes / values,
    perPartition,
    seconds: (Date.now() - started) / 1000,
  };
}

export async function send(
  producer: Producer,
  topic: string,
  messages: { key: string; value: string | null; partition: number; headers: Record<string, string> }[],
): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
}

/**
 * Ceiling 1: a kafkajs consumer (fresh group, from the beginning, eachBatch doing nothing, the same
 * consumer settings dbtwin uses: kafkajs defaults, 3 partitions concurrently) reading the whole topic.
 * Seconds from `connect()` until every message was delivered.
 */
export async function noopConsume(
  topic: string,
  expected: number,
  timeoutS: number,
  options: { maxBytesPerPartition?: number } = {},
): Promise<{ seconds: number; messages: number; batches: number; avgBatch: number }> {
  const groupId = `applybench-noop-${Date.now()}`;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
  });
  const started = Date.now();
  let messages = 0;
  let batches = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      messages += batch.messages.length;
      batches++;
      if (messages >= expected) finish();
      await Promise.resolve();
    },
  });
  const timer = setTimeout(finish, timeoutS * 1000);
  await done;
  clearTimeout(timer);
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  await deleteGroups([groupId]);
  if (messages < expected)
    throw new Error(`no-op consumer read ${messages} of ${expected} messages in ${timeoutS} s`);
  return { seconds, messages, batches, avgBatch: messages / Math.max(1, batches) };
}
