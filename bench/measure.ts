import { setTimeout as sleep } from 'node:timers/promises';
import { LATENCY_ID_STRIDE, PARTITIONS } from './bench-options.js';
import { kafka } from './kafka-bench.js';
import type { TargetDb } from './targets.js';
import { changeValue, debeziumHeaders, rowOf, type CapturedTable } from './workload.js';

/** How often the target is polled while draining, and during the paced phase. */
const DRAIN_POLL_MS = 200;
const LATENCY_POLL_MS = 20;

export interface DrainTiming {
  /** Launch (process spawn / connector PUT) → every sentinel row committed in the target. */
  readonly seconds: number;
  /** Launch → first row visible in the target (start-up, group join, first batch). */
  readonly firstRowSeconds: number;
  /** Target transactions committed while draining (see TargetDb.commits), less the poller's own. */
  readonly commits: number;
}

/**
 * Polls the target until the three sentinels (the last message of each partition) are in, i.e. the
 * whole topic has been applied and committed. `check` is called every poll and may throw (the system
 * under test died); `progress` every few seconds.
 */
export async function waitForDrain(
  db: TargetDb,
  launchedAt: number,
  timeoutS: number,
  check: () => Promise<void>,
  progress: () => Promise<void>,
  commitsAtLaunch: number,
): Promise<DrainTiming> {
  let firstRowAt: number | undefined;
  let lastProgress = Date.now();
  let polls = 0;
  for (;;) {
    const now = Date.now();
    if (firstRowAt === undefined) {
      polls++;
      if (await db.anyRow()) firstRowAt = Date.now();
    }
    if (firstRowAt !== undefined) {
      polls++;
      if ((await db.sentinelsPresent()) >= PARTITIONS) {
        const doneAt = Date.now();
        await sleep(1500); // PostgreSQL flushes its statistics about every second.
        const commits = (await db.commits()) - commitsAtLaunch - (db.engine === 'postgres' ? polls + 1 : 0);
        return {
          seconds: (doneAt - launchedAt) / 1000,
          firstRowSeconds: (firstRowAt - launchedAt) / 1000,
          commits,
        };
      }
    }
    await check();
    if (now - lastProgress >= 5000) {
      lastProgress = now;
      await progress();
    }
    if (now - launchedAt > timeoutS * 1000) throw new Error(`not drained within ${timeoutS} s`);
    await sleep(DRAIN_POLL_MS);
  }
}

export interface LatencyResult {
  readonly rate: number;
  readonly seconds: number;
  readonly produced: number;
  readonly applied: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Seconds from the first warm-up message until the target showed it (includes start-up of a new connector). */
  readonly warmupSeconds: number;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * The paced phase: while the system under test runs, produce `rate` inserts per second for `seconds`
 * into the (empty until now) latency topic, each a fresh key, spread round-robin over the partitions
 * with ids that grow per partition. A poller reads the highest id per partition in the target every
 * 20 ms; since each partition is applied in order and each batch commits as one transaction, an event
 * counts as committed at the first poll that shows its id or a later one of its partition.
 * Latency = that poll time − the time the event was handed to the producer (the source commit in
 * this simulation). Resolution: the poll interval plus one poll query (a few ms).
 */
export async function latencyPhase(
  db: TargetDb,
  t: CapturedTable,
  rate: number,
  seconds: number,
  check: () => Promise<void>,
): Promise<LatencyResult> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  await producer.connect();
  const headers = debeziumHeaders();
  const sentAt: number[][] = Array.from({ length: PARTITIONS }, () => []);
  const seenAt: number[][] = Array.from({ length: PARTITIONS }, () => []);
  let gtid = 5_000_000;
  const message = (p: number, seq: number, now: number) => {
    const id = (p + 1) * LATENCY_ID_STRIDE + seq;
    return {
      key: t.keyText(id),
      value: changeValue(t, 'c', null, rowOf(id, 1), {
        gtidSeq: ++gtid,
        pos: gtid * 10,
        order: 1,
        commitMs: Math.floor(now / 1000) * 1000,
        nowMicros: now * 1000,
      }),
      partition: p,
      headers,
    };
  };
  let polling = true;
  let pollError: Error | undefined;
  const poll = async (): Promise<void> => {
    while (polling) {
      let maxima: number[];
      try {
        maxima = await db.latencyMaxima();
      } catch (error) {
        pollError = error instanceof Error ? error : new Error(String(error));
        return;
      }
      const now = Date.now();
      for (let p = 0; p < PARTITIONS; p++) {
        const visible = maxima[p]! === 0 ? 0 : maxima[p]! - (p + 1) * LATENCY_ID_STRIDE;
        const seen = seenAt[p]!;
        while (seen.length < Math.min(visible, sentAt[p]!.length)) seen.push(now);
      }
      await sleep(LATENCY_POLL_MS);
    }
  };
  const poller = poll();
  const checkAll = async (): Promise<void> => {
    if (pollError !== undefined) throw pollError;
    await check();
  };
  try {
    // Warm-up: one message per partition, and wait until all three are in.
    const warmStart = Date.now();
    const warm = Array.from({ length: PARTITIONS }, (_, p) => message(p, 1, warmStart));
    await producer.send({ topic: t.topic, acks: -1, messages: warm });
    for (let p = 0; p < PARTITIONS; p++) sentAt[p]!.push(warmStart);
    while (seenAt.some((s) => s.length < 1)) {
      await checkAll();
      if (Date.now() - warmStart > 180_000) throw new Error('latency warm-up not applied within 180 s');
      await sleep(50);
    }
    const warmupSeconds = (Date.now() - warmStart) / 1000;
    // Paced phase.
    const start = Date.now();
    let sent = 0;
    const total = Math.round(rate * seconds);
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
      if (due > sent) {
        const now = Date.now();
        const batch = [];
        for (; sent < due; sent++) {
          const p = sent % PARTITIONS;
          batch.push(message(p, sentAt[p]!.length + 1, now));
          sentAt[p]!.push(now);
        }
        await producer.send({ topic: t.topic, acks: -1, messages: batch });
      }
      if (pollError !== undefined) throw pollError;
      await sleep(10);
    }
    const deadline = Date.now() + 120_000;
    while (seenAt.some((s, p) => s.length < sentAt[p]!.length) && Date.now() < deadline) {
      await checkAll();
      await sleep(100);
    }
    const latencies: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let k = 1; k < sentAt[p]!.length; k++) {
        const seen = seenAt[p]![k];
        if (seen !== undefined) latencies.push(seen - sentAt[p]![k]!);
      }
    }
    latencies.sort((a, b) => a - b);
    return {
      rate,
      seconds,
      produced: total,
      applied: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p90Ms: percentile(latencies, 0.9),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
      warmupSeconds,
    };
  } finally {
    polling = false;
    await poller;
    await producer.disconnect();
  }
}
