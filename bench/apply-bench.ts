/**
 * `npm run bench:apply`: how fast dbtwin applies Debezium change events, against two ceilings and
 * against the Debezium JDBC sink connector, on the local stack.
 *
 *  1. A topic (3 partitions) is pre-loaded with BENCH_EVENTS (default 500 000) change events in the
 *     exact JSON format of the stack's Debezium MariaDB connector: ~70% updates, ~20% inserts, ~10%
 *     deletes (each followed by its tombstone) over BENCH_KEYS (100 000) keys, power-law skewed, rows
 *     of about 500 bytes, and last one sentinel insert per partition.
 *  2. Ceiling: kafkajs with a no-op eachBatch handler reading the whole topic.
 *  3. Per target (PostgreSQL, MariaDB; tables in the `dbtwin_scratch` databases, recreated before
 *     every run): the driver-only ceiling (the same writes, pre-built in memory, with plain pg/mysql2
 *     multi-row upserts, 1000 events per transaction, one connection per partition); dbtwin (`dbtwin
 *     run` child process, fresh consumer group); the Debezium JDBC sink connector. Each is timed from
 *     launch until every sentinel is committed in the target, then the target is compared with the
 *     final state the generator knows (row count, checksum, differing keys): a wrong result fails.
 *     dbtwin and the JDBC sink then go through a paced phase (BENCH_LAT_RATE/s inserts for
 *     BENCH_LAT_SECONDS s) for latency percentiles.
 *  4. A table of figures, the ratios against the targets, and bench-results/apply-<timestamp>.json.
 *
 * Everything runs against 127.0.0.1. Settings: see bench/bench-options.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readOptions, STACK, type BenchOptions, type TargetEngine } from './bench-options.js';
import {
  createTopics,
  deleteBenchTopics,
  endOffsets,
  noopConsume,
  preload,
  type PreloadResult,
} from './kafka-bench.js';
import { coresBetween, loadAverage, stackCpu } from './proc-stats.js';
import { deleteStaleSinks, runDbtwin, runJdbcSink, type SystemRun } from './systems.js';
import { driverBatches, openTarget, runDriverCeiling, verifyTarget, type Verification } from './targets.js';
import {
  capturedTable,
  expectedState,
  generateWorkload,
  partitionOfKey,
  sentinelIds,
  type CapturedTable,
} from './workload.js';

/** Goals from the issue. */
const GOALS = { vsJdbc: 2, vsDriver: 0.5, peakRssMiB: 300 } as const;

interface RunRecord {
  readonly system: 'driver-only' | 'dbtwin' | 'jdbc-sink';
  readonly target: TargetEngine;
  readonly eventsPerSecond?: number;
  readonly seconds?: number;
  /** Driver-only: deadlocks rolled back and retried. */
  readonly deadlocks?: number;
  readonly run?: SystemRun;
  readonly verification?: Verification;
  readonly error?: string;
}

const started = Date.now();
function log(line: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[${s}s] ${line}`);
}

function fixed(n: number | undefined, digits = 0): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<number> {
  const bench = readOptions();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const tag = Date.now().toString(36);
  const resultsDir = path.resolve('bench-results');
  const workDir = path.join(resultsDir, `apply-${stamp}`);
  await mkdir(workDir, { recursive: true });
  log(
    `bench:apply — ${bench.events} events over ${bench.keys} keys (skew ${bench.skew}, seed ${bench.seed}), targets ${bench.targets.join(', ')}, JDBC sink ${bench.jdbc ? `on (tasks.max=${bench.jdbcTasks})` : 'off'}`,
  );
  log(
    `machine: ${os.cpus().length} cores, load average ${loadAverage().toFixed(2)}, node ${process.version}; logs in ${workDir}`,
  );

  const staleSinks = await deleteStaleSinks();
  const staleTopics = await deleteBenchTopics();
  if (staleSinks.length + staleTopics.length > 0)
    log(`removed leftovers of earlier runs: ${[...staleSinks, ...staleTopics].join(', ')}`);

  // ---- Workload and topic
  const rows = capturedTable(`rows_${tag}`);
  const latencyTopics = new Map<string, CapturedTable>();
  for (const engine of bench.targets)
    for (const system of ['dbtwin', 'jdbc'])
      latencyTopics.set(`${engine}/${system}`, capturedTable(`lat_${tag}_${engine}_${system}`));
  await createTopics([rows.topic, ...[...latencyTopics.values()].map((t) => t.topic)]);
  let t0 = Date.now();
  const workload = generateWorkload(bench);
  const sentinels = sentinelIds(rows);
  const expected = expectedState(workload, sentinels);
  log(
    `generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${workload.mix.updates} updates, ${workload.mix.inserts} inserts, ${workload.mix.deletes} deletes; hottest 1% of live keys take ${(100 * workload.hotShare).toFixed(0)}% of updates/deletes; final state ${expected.rows} rows (incl. ${sentinels.length} sentinels)`,
  );
  log(`pre-loading ${rows.topic} …`);
  const loaded: PreloadResult = await preload(rows, workload, sentinels, (n) =>
    log(`  produced ${n} events`),
  );
  const offsets = await endOffsets(rows.topic);
  const inTopic = offsets.reduce((a, b) => a + b, 0);
  if (inTopic !== loaded.messages)
    throw new Error(`topic holds ${inTopic} messages, ${loaded.messages} were produced`);
  log(
    `pre-loaded ${loaded.messages} messages (${workload.count} change events + ${loaded.tombstones} tombstones + ${sentinels.length} sentinels; per partition ${loaded.perPartition.join('/')}) = ${(loaded.bytes / 2 ** 20).toFixed(0)} MiB in ${loaded.seconds.toFixed(1)} s; avg row image ${loaded.avgRowBytes.toFixed(0)} B, avg message value ${loaded.avgValueBytes.toFixed(0)} B`,
  );
  const events = workload.count + sentinels.length;

  // ---- Ceiling 1: kafkajs no-op
  log('ceiling: kafkajs no-op consumer over the whole topic …');
  const cpu0 = stackCpu();
  t0 = Date.now();
  const noop = await noopConsume(rows.topic, loaded.messages, bench.drainTimeoutS);
  const noopCores = coresBetween(cpu0, stackCpu(), (Date.now() - t0) / 1000);
  log(
    `  ${noop.seconds.toFixed(1)} s, ${fixed(events / noop.seconds)} events/s (${fixed(loaded.messages / noop.seconds)} messages/s, ${fixed(loaded.bytes / 2 ** 20 / noop.seconds, 1)} MiB/s), avg batch ${noop.avgBatch.toFixed(0)} messages`,
  );

  // ---- Per target
  const partitionCache = new Map<number, number>();
  const partitionOf = (id: number): number => {
    let p = partitionCache.get(id);
    if (p === undefined) partitionCache.set(id, (p = partitionOfKey(rows.topic, rows.keyText(id))));
    return p;
  };
  const records: RunRecord[] = [];
  for (const engine of bench.targets) {
    const db = await openTarget(engine);
    try {
      // Driver-only ceiling
      log(`${db.label}: driver-only ceiling (batched upserts, 1000 events per transaction) …`);
      try {
        await db.recreateTables();
        const batches = driverBatches(workload, partitionOf, sentinels, 1000);
        const { seconds, deadlocks } = await runDriverCeiling(engine, batches);
        const verification = await verifyTarget(db, workload, sentinels, expected);
        records.push({
          system: 'driver-only',
          target: engine,
          seconds,
          eventsPerSecond: events / seconds,
          deadlocks,
          verification,
        });
        log(
          `  ${seconds.toFixed(1)} s, ${fixed(events / seconds)} events/s, ${batches.reduce((n, b) => n + b.length, 0)} transactions, ${deadlocks} deadlocks retried; ${verdict(verification)}`,
        );
      } catch (error) {
        records.push({ system: 'driver-only', target: engine, error: errorText(error) });
        log(`  FAILED: ${errorText(error)}`);
      }

      /** Runs one system against an empty target, checks the target, records and prints the figures. */
      const measureSystem = async (
        system: 'dbtwin' | 'jdbc-sink',
        title: string,
        drain: () => Promise<SystemRun>,
      ): Promise<void> => {
        log(title);
        try {
          await db.recreateTables();
          const run = await drain();
          const verification = await verifyTarget(db, workload, sentinels, expected);
          records.push({
            system,
            target: engine,
            seconds: run.drain.seconds,
            eventsPerSecond: events / run.drain.seconds,
            run,
            verification,
          });
          log(`  ${describeRun(run, events)}; ${verdict(verification)}`);
          if (run.profile) printProfile(run);
        } catch (error) {
          records.push({ system, target: engine, error: errorText(error) });
          log(`  FAILED: ${errorText(error)}`);
        }
      };

      await measureSystem('dbtwin', `${db.label}: dbtwin run …`, () =>
        runDbtwin({
          engine,
          db,
          rows,
          latency: latencyTopics.get(`${engine}/dbtwin`)!,
          totalMessages: loaded.messages,
          workDir,
          bench,
          log,
        }),
      );
      if (bench.jdbc) {
        await measureSystem('jdbc-sink', `${db.label}: Debezium JDBC sink connector …`, () =>
          runJdbcSink({
            engine,
            db,
            rows,
            latency: latencyTopics.get(`${engine}/jdbc`)!,
            totalMessages: loaded.messages,
            tag,
            bench,
            log,
          }),
        );
      }
    } finally {
      await db.close();
    }
  }

  // ---- Report
  const summary = report(bench, events, loaded, noop, records);
  const file = path.join(resultsDir, `apply-${stamp}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        startedAt: new Date(started).toISOString(),
        seconds: (Date.now() - started) / 1000,
        machine: { cores: os.cpus().length, node: process.version, loadAverageAtEnd: loadAverage() },
        stack: { kafka: STACK.brokers, connect: STACK.connectUrl },
        options: bench,
        definitions: DEFINITIONS,
        workload: {
          events: workload.count,
          sentinels: sentinels.length,
          mix: workload.mix,
          hotShare: workload.hotShare,
          finalRows: expected.rows,
          finalChecksum: expected.checksum,
          topic: rows.topic,
          messages: loaded.messages,
          tombstones: loaded.tombstones,
          bytes: loaded.bytes,
          avgRowBytes: loaded.avgRowBytes,
          avgValueBytes: loaded.avgValueBytes,
          preloadSeconds: loaded.seconds,
        },
        noopCeiling: { ...noop, eventsPerSecond: events / noop.seconds, cores: noopCores },
        runs: records,
        summary,
      },
      null,
      2,
    )}\n`,
  );
  log(`results written to ${path.relative(process.cwd(), file)}`);

  if (!bench.keepTopics) {
    await deleteBenchTopics();
  }
  const failed = records.some((r) => r.error !== undefined || r.verification?.ok === false);
  return failed ? 1 : 0;
}

const DEFINITIONS = {
  events: 'change events in the topic (plus 3 sentinel inserts); tombstones are extra messages, not events',
  eventsPerSecond:
    'events ÷ seconds from launch (dbtwin process spawn / connector PUT / consumer connect) until the target holds every sentinel (the last message of each partition, applied in partition order, committed)',
  firstRowSeconds: 'launch → first row visible in the target: start-up, group join, first batch',
  latency:
    'paced phase after the drain, system still running: fresh-key inserts at the given rate into an empty topic; latency = first 20 ms poll of the target that shows the row committed − time the event was handed to the Kafka producer (= its simulated source commit); the JDBC sink runs it as a second connector on its own topic',
  peakRss: 'VmHWM of the dbtwin process (whole life: drain + paced phase)',
  driverOnly:
    'plain pg / mysql2, rows pre-built in memory, per partition in stream order, 1000 events per transaction collapsed to the last change per key, DELETE … IN + one multi-row upsert in key order, READ COMMITTED (MariaDB sessions set to it), deadlocks retried at once, one connection per partition, 3 at once',
  noop: 'kafkajs consumer, fresh group, kafkajs default fetch sizes (as dbtwin), partitionsConsumedConcurrently 3, eachBatch does nothing',
  commits:
    'transactions committed in the target while draining: PostgreSQL pg_stat_database.xact_commit of dbtwin_scratch minus the poller, MariaDB server-wide Com_commit (other sessions on the server count too)',
  cores: 'CPU seconds ÷ wall seconds per process group while draining, from /proc',
};

function verdict(v: Verification): string {
  if (v.ok) return `verified: ${v.rows} rows, checksum matches`;
  return `WRONG RESULT: ${v.rows} rows (expected ${v.expectedRows}), ${v.differing} keys differ: ${v.examples.join(' ; ')}`;
}

function describeRun(run: SystemRun, events: number): string {
  const d = run.drain;
  const cores = Object.entries(run.cores)
    .filter(([, c]) => c >= 0.01)
    .map(([k, c]) => `${k} ${c.toFixed(2)}`)
    .join(', ');
  const lat = run.latency
    ? `; latency p50 ${fixed(run.latency.p50Ms)} ms, p99 ${fixed(run.latency.p99Ms)} ms (${run.latency.applied}/${run.latency.produced} at ${run.latency.rate}/s)`
    : '';
  const rss =
    run.peakRssMiB !== undefined
      ? `; peak RSS ${run.peakRssMiB.toFixed(0)} MiB (${fixed(run.peakRssAfterDrainMiB)} MiB at the end of the drain)`
      : '';
  const c = run.counters;
  const counters = c
    ? `; applied ${c['applied']}, superseded ${c['superseded']}, retries ${c['retries']}, dead-lettered ${c['deadLettered']}`
    : '';
  return (
    `${d.seconds.toFixed(1)} s (first row after ${d.firstRowSeconds.toFixed(1)} s), ${fixed(events / d.seconds)} events/s, ` +
    `${d.commits} commits (~${fixed(events / Math.max(1, d.commits))} events each); cores: ${cores}${counters}${lat}${rss}`
  );
}

function printProfile(run: SystemRun): void {
  const p = run.profile!;
  console.log(`    CPU profile of dbtwin (${p.seconds.toFixed(0)} s, self time), by origin:`);
  for (const o of p.byOrigin.slice(0, 10))
    console.log(`      ${(100 * o.share).toFixed(1).padStart(5)}%  ${o.origin}`);
  console.log('    top frames:');
  for (const f of p.topFrames.slice(0, 15))
    console.log(`      ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.frame}`);
}

interface TargetSummary {
  readonly target: TargetEngine;
  readonly dbtwinEventsPerSecond?: number;
  readonly jdbcEventsPerSecond?: number;
  readonly driverEventsPerSecond?: number;
  readonly vsJdbc?: number;
  readonly vsDriver?: number;
  readonly peakRssMiB?: number;
  readonly goals: { readonly vsJdbc?: boolean; readonly vsDriver?: boolean; readonly peakRss?: boolean };
}

function report(
  bench: BenchOptions,
  events: number,
  loaded: PreloadResult,
  noop: { seconds: number },
  records: readonly RunRecord[],
): TargetSummary[] {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (s: string, n: number) => s.padStart(n);
  console.log('');
  console.log(
    `Results — ${events} events (${loaded.messages} messages, ${(loaded.bytes / 2 ** 20).toFixed(0)} MiB; rows ~${loaded.avgRowBytes.toFixed(0)} B), 3 partitions, ${os.cpus().length} cores (load ${loadAverage().toFixed(1)})`,
  );
  const header = `${pad('', 34)}${num('events/s', 10)}${num('seconds', 9)}${num('p50 ms', 8)}${num('p99 ms', 8)}${num('peak RSS', 10)}  result`;
  console.log(header);
  console.log('-'.repeat(header.length + 10));
  console.log(
    `${pad('kafkajs no-op consumer (ceiling)', 34)}${num(fixed(events / noop.seconds), 10)}${num(noop.seconds.toFixed(1), 9)}`,
  );
  const summaries: TargetSummary[] = [];
  for (const target of bench.targets) {
    const label = target === 'postgres' ? 'PostgreSQL' : 'MariaDB';
    console.log(label);
    const names = {
      'driver-only': 'driver-only upserts (ceiling)',
      dbtwin: 'dbtwin',
      'jdbc-sink': 'Debezium JDBC sink',
    } as const;
    for (const r of records.filter((x) => x.target === target)) {
      if (r.error !== undefined) {
        console.log(
          `  ${pad(names[r.system], 32)}${num('FAILED', 10)}  ${r.error.split('\n')[0]!.slice(0, 160)}`,
        );
        continue;
      }
      const lat = r.run?.latency;
      const rss = r.run?.peakRssMiB;
      console.log(
        `  ${pad(names[r.system], 32)}${num(fixed(r.eventsPerSecond), 10)}${num(fixed(r.seconds, 1), 9)}${num(fixed(lat?.p50Ms), 8)}${num(fixed(lat?.p99Ms), 8)}${num(rss === undefined ? '–' : `${rss.toFixed(0)} MiB`, 10)}  ${r.verification?.ok ? 'verified' : 'WRONG RESULT'}`,
      );
    }
    const ok = (system: RunRecord['system']) =>
      records.find(
        (x) => x.target === target && x.system === system && x.error === undefined && x.verification?.ok,
      );
    const d = ok('dbtwin');
    const j = ok('jdbc-sink');
    const c = ok('driver-only');
    const vsJdbc = d && j ? d.eventsPerSecond! / j.eventsPerSecond! : undefined;
    const vsDriver = d && c ? d.eventsPerSecond! / c.eventsPerSecond! : undefined;
    const peak = d?.run?.peakRssMiB;
    const mark = (pass: boolean | undefined) => (pass === undefined ? 'n/a' : pass ? 'PASS' : 'FAIL');
    const goals = {
      ...(vsJdbc !== undefined ? { vsJdbc: vsJdbc >= GOALS.vsJdbc } : {}),
      ...(vsDriver !== undefined ? { vsDriver: vsDriver >= GOALS.vsDriver } : {}),
      ...(peak !== undefined ? { peakRss: peak <= GOALS.peakRssMiB } : {}),
    };
    console.log(
      `  dbtwin ÷ JDBC sink   ${num(vsJdbc === undefined ? '–' : `${vsJdbc.toFixed(2)}×`, 7)}  (goal ≥ ${GOALS.vsJdbc}×)     ${mark(goals.vsJdbc)}`,
    );
    console.log(
      `  dbtwin ÷ driver-only ${num(vsDriver === undefined ? '–' : `${vsDriver.toFixed(2)}×`, 7)}  (goal ≥ ${GOALS.vsDriver}×)   ${mark(goals.vsDriver)}`,
    );
    console.log(
      `  dbtwin peak RSS      ${num(peak === undefined ? '–' : `${peak.toFixed(0)} MiB`, 7)}  (goal ≤ ${GOALS.peakRssMiB} MiB) ${mark(goals.peakRss)}`,
    );
    summaries.push({
      target,
      ...(d ? { dbtwinEventsPerSecond: d.eventsPerSecond! } : {}),
      ...(j ? { jdbcEventsPerSecond: j.eventsPerSecond! } : {}),
      ...(c ? { driverEventsPerSecond: c.eventsPerSecond! } : {}),
      ...(vsJdbc !== undefined ? { vsJdbc } : {}),
      ...(vsDriver !== undefined ? { vsDriver } : {}),
      ...(peak !== undefined ? { peakRssMiB: peak } : {}),
      goals,
    });
  }
  console.log('');
  console.log(
    "events/s: events ÷ (launch → every partition's last event committed in the target); latency: paced phase, producer hand-off → first 20 ms poll showing the row.",
  );
  return summaries;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
