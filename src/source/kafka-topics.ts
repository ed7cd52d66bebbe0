import { Kafka, logLevel } from 'kafkajs';

/**
 * Topic look-ups the consumer needs before it starts: a regex subscription only sees topics that
 * exist, and "print only what is new" needs the end offsets first.
 */
export class KafkaTopics {
  private readonly kafka: Kafka;

  constructor(brokers: readonly string[]) {
    this.kafka = new Kafka({ clientId: 'dbtwin-topics', brokers: [...brokers], logLevel: logLevel.NOTHING });
  }

  /** The topics, of those named, that exist. */
  async existing(topics: readonly string[]): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const all = new Set(await admin.listTopics());
      return topics.filter((t) => all.has(t));
    } finally {
      await admin.disconnect();
    }
  }

  /** The topics, of those named, that exist and hold at least one message. */
  async withData(topics: readonly string[]): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const out: string[] = [];
      for (const topic of topics.filter((t) => existing.has(t))) {
        const offsets = await admin.fetchTopicOffsets(topic);
        if (offsets.some((o) => BigInt(o.high) > 0n)) out.push(topic);
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Waits until every topic exists (Debezium creates a table's topic on its first change) and, with
   * `withData`, until each holds a message — so end offsets read afterwards lie past that first change.
   */
  async waitForTopics(topics: readonly string[], timeoutMs: number, withData = false): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const missing: string[] = [];
        try {
          const existing = new Set(await admin.listTopics());
          for (const t of topics) {
            if (!existing.has(t)) missing.push(t);
            else if (withData && !(await admin.fetchTopicOffsets(t)).some((o) => BigInt(o.high) > 0n))
              missing.push(t);
          }
        } catch (error) {
          // A topic created a moment ago may have no leader yet ("not the leader for that
          // topic-partition"): ask again.
          // kafkajs marks such errors `retriable` (its error classes are not ESM exports).
          if ((error as { retriable?: unknown }).retriable !== true) throw error;
          missing.push(...topics);
        }
        if (missing.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(
            `topics not created within ${timeoutMs} ms: ${missing.join(', ')} (is the Debezium connector RUNNING?)`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** The next offset to be written, per partition, of each topic: `topic → partition → offset`. */
  async endOffsets(topics: readonly string[]): Promise<Map<string, Map<number, bigint>>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const out = new Map<string, Map<number, bigint>>();
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        out.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }
}
