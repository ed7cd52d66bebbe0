import { Kafka, logLevel, type Admin } from 'kafkajs';

/** One partition of a topic as a consumer group stands on it. */
export interface PartitionOffsets {
  /** The next offset to be written. */
  readonly end: bigint;
  /** The group's committed offset (the next to read); -1 when it never committed. */
  readonly committed: bigint;
  /** `end − committed`, or `end − earliest` before the first commit (a new group reads from the start). */
  readonly lag: bigint;
}

/** Offsets by group, topic and partition. */
export type GroupOffsets = ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<number, PartitionOffsets>>>;

/** A consumer group and the topics whose lag counts for it. */
export interface GroupTopics {
  readonly group: string;
  readonly topics: readonly string[];
}

/**
 * Consumer-group lag in Kafka, the one measure every reader of lag uses (`dbtwin status`, the
 * dashboard's history, the cutover gates, the convergence check): per partition of a group's topics,
 * end offset minus committed offset (minus the earliest offset before the group's first commit: the
 * links start a new group at the beginning). Topics that do not exist yet count 0. Lag is measured
 * from Kafka, not asked of the processes, so it holds for the whole group, and for a process that died.
 *
 * Keeps one admin connection between measurements; after a failure it reconnects at the next one.
 * Requests are short (3 s connect, 5 s request, one retry): a Kafka that is down costs a measurement,
 * not its caller.
 */
export class ConsumerLag {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;

  /** @param clientId the Kafka client id the broker logs, e.g. `dbtwin-status` */
  constructor(brokers: readonly string[], clientId = 'dbtwin-lag') {
    this.kafka = new Kafka({
      clientId,
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 1, initialRetryTime: 200 },
    });
  }

  /** Offsets of every partition of each group's topics; rejects when Kafka does not answer. */
  async partitions(groups: readonly GroupTopics[]): Promise<GroupOffsets> {
    const admin = await this.connected();
    try {
      const existing = new Set(await admin.listTopics());
      const ends = new Map<string, Awaited<ReturnType<Admin['fetchTopicOffsets']>>>();
      const out = new Map<string, Map<string, Map<number, PartitionOffsets>>>();
      for (const { group, topics } of groups) {
        const byTopic = out.get(group) ?? new Map<string, Map<number, PartitionOffsets>>();
        out.set(group, byTopic);
        const present = topics.filter((t) => existing.has(t));
        if (present.length === 0) continue;
        const committed = await admin.fetchOffsets({ groupId: group, topics: present });
        for (const topic of present) {
          if (!ends.has(topic)) ends.set(topic, await admin.fetchTopicOffsets(topic));
          const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
          const partitions = new Map<number, PartitionOffsets>();
          byTopic.set(topic, partitions);
          for (const o of ends.get(topic)!) {
            const end = BigInt(o.high);
            const at = BigInt(done.find((d) => d.partition === o.partition)?.offset ?? '-1');
            const from = at >= 0n ? at : BigInt(o.low);
            partitions.set(o.partition, { end, committed: at, lag: end > from ? end - from : 0n });
          }
        }
      }
      return out;
    } catch (error) {
      // The connection may be what failed: start afresh next time.
      await this.close();
      throw error;
    }
  }

  /** Lag by group, summed over its topics' partitions; rejects when Kafka does not answer. */
  async measure(groups: readonly GroupTopics[]): Promise<Map<string, number>> {
    const offsets = await this.partitions(groups);
    const out = new Map<string, number>();
    for (const [group, topics] of offsets) {
      let lag = 0n;
      for (const partitions of topics.values()) for (const p of partitions.values()) lag += p.lag;
      out.set(group, Number(lag));
    }
    return out;
  }

  /** Closes the admin connection; the next measurement opens a new one. */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async connected(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
    this.admin = admin;
    return admin;
  }
}
