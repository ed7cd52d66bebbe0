import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LATENCY_TABLE,
  ROWS_TABLE,
  SOURCE_DB,
  STACK,
  TOPIC_PREFIX,
  type BenchOptions,
  type TargetEngine,
} from './bench-options.js';
import { summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { committedTotal, deleteGroups, withAdmin } from './kafka-bench.js';
import { latencyPhase, waitForDrain, type DrainTiming, type LatencyResult } from './measure.js';
import { coresBetween, cpuSecondsOf, memoryOf, stackCpu } from './proc-stats.js';
import type { TargetDb } from './targets.js';
import type { CapturedTable } from './workload.js';

const CLI = path.resolve('dist/cli/dbtwin.js');

/** What one run of a system under test measured. */
export interface SystemRun {
  readonly drain: DrainTiming;
  /** Cores used per process group while draining (dbtwin, postgres, mariadb, kafka, connect). */
  readonly cores: Record<string, number>;
  readonly latency?: LatencyResult;
  /** dbtwin only. */
  readonly peakRssAfterDrainMiB?: number;
  readonly peakRssMiB?: number;
  readonly counters?: Record<string, number>;
  readonly profile?: ProfileSummary;
  readonly logFile?: string;
}

function sideName(engine: TargetEngine): string {
  return engine === 'postgres' ? 'pgtarget' : 'mariatarget';
}

/** A dbtwin configuration: side `mariadb` (the simulated capture) → the target side of `engine`. */
function dbtwinConfig(groupPrefix: string, rowsTable: string, latencyTable: string, heal: boolean): string {
  const pgc = STACK.postgres;
  const mc = STACK.mariadb;
  const conn = (c: { host: string; port: number; user: string; password: string; database: string }) =>
    `{ host: ${c.host}, port: ${c.port}, user: ${c.user}, password: ${c.password}, database: ${c.database} }`;
  const targetTables = `[${ROWS_TABLE}, ${LATENCY_TABLE}]`;
  const mapping = `{ ${rowsTable}: ${ROWS_TABLE}, ${latencyTable}: ${LATENCY_TABLE} }`;
  return `# Written by bench/apply-bench.ts for one run.
kafka:
  brokers: [${STACK.brokers.join(', ')}]
  groupPrefix: ${groupPrefix}
redis:
  url: ${STACK.redisUrl}
rules: { heal: { enabled: ${heal} } }
sides:
  mariadb:
    engine: mysql
    connection: ${conn(mc)}
    topicPrefix: ${TOPIC_PREFIX}
    schema: ${SOURCE_DB}
    tables: [${rowsTable}, ${latencyTable}]
  pgtarget:
    engine: postgres
    connection: ${conn(pgc)}
    topicPrefix: ${TOPIC_PREFIX}-pgtarget
    schema: public
    tables: ${targetTables}
  mariatarget:
    engine: mysql
    connection: ${conn(mc)}
    topicPrefix: ${TOPIC_PREFIX}-mariatarget
    schema: ${SOURCE_DB}
    tables: ${targetTables}
links:
  - from: mariadb
    to: pgtarget
    tables: ${mapping}
  - from: mariadb
    to: mariatarget
    tables: ${mapping}
`;
}

function fmtProgress(done: number, total: number, started: number): string {
  const s = (Date.now() - started) / 1000;
  return `${((100 * done) / Math.max(1, total)).toFixed(0)}% of messages committed, ${s.toFixed(0)} s`;
}

/**
 * dbtwin: `node dist/cli/dbtwin.js run --link mariadb-><target> --admin-port 0` as a child process with
 * a fresh consumer group, timed from spawn until the target holds every sentinel; then (same process)
 * the paced latency phase; its peak RSS (VmHWM) read from /proc before it is stopped.
 */
export async function runDbtwin(options: {
  engine: TargetEngine;
  db: TargetDb;
  rows: CapturedTable;
  latency: CapturedTable;
  totalMessages: number;
  workDir: string;
  bench: BenchOptions;
  log: (line: string) => void;
}): Promise<SystemRun> {
  const { engine, db, rows, latency, bench, log } = options;
  const groupPrefix = `${TOPIC_PREFIX}-${path.basename(options.workDir)}-${engine}`;
  const config = path.join(options.workDir, `dbtwin-${engine}.yaml`);
  await writeFile(config, dbtwinConfig(groupPrefix, rows.table, latency.table, bench.heal));
  const logFile = path.join(options.workDir, `dbtwin-${engine}.log`);
  const profileDir = path.join(options.workDir, `cpuprof-${engine}`);
  if (bench.cpuProfile) await mkdir(profileDir, { recursive: true });
  const link = `mariadb->${sideName(engine)}`;
  const group = `${groupPrefix}.mariadb-to-${sideName(engine)}`;
  const out = createWriteStream(logFile);
  const commitsBefore = await db.commits();
  const cpuBefore = stackCpu();
  const launchedAt = Date.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(bench.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      ...bench.dbtwinNodeFlags,
      CLI,
      'run',
      '--config',
      config,
      '--link',
      link,
      '--admin-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DBTWIN_LOG_LEVEL: 'info' } },
  );
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const pid = child.pid!;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const logTail = async (): Promise<string> =>
    (await readFile(logFile, 'utf8')).split('\n').slice(-30).join('\n');
  const check = async (): Promise<void> => {
    if (exited !== undefined) throw new Error(`dbtwin exited (${exited}) while running:\n${await logTail()}`);
  };
  let adminPort: number | undefined;
  const status = async (): Promise<Record<string, number>> => {
    if (adminPort === undefined) {
      const m = /"adminPort":(\d+)/.exec(await readFile(logFile, 'utf8').catch(() => ''));
      if (!m) return {};
      adminPort = Number(m[1]);
    }
    const response = await fetch(`http://127.0.0.1:${adminPort}/status`);
    const body = (await response.json()) as { links: { counters: Record<string, number> }[] };
    return body.links[0]?.counters ?? {};
  };
  try {
    const drain = await withAdmin((admin) =>
      waitForDrain(
        db,
        launchedAt,
        bench.drainTimeoutS,
        check,
        async () => {
          const done = await committedTotal(admin, group, rows.topic).catch(() => 0);
          const c: Record<string, number> = await status().catch(() => ({}));
          const mem = memoryOf(pid);
          log(
            `    dbtwin → ${engine}: ${fmtProgress(done, options.totalMessages, launchedAt)}; applied ${c['applied'] ?? '?'}, superseded ${c['superseded'] ?? '?'}, rss ${mem?.rssMiB.toFixed(0) ?? '?'} MiB`,
          );
        },
        commitsBefore,
      ),
    );
    const drainedAt = Date.now();
    const cores = coresBetween(cpuBefore, stackCpu(), (drainedAt - launchedAt) / 1000);
    cores['dbtwin'] = cpuSecondsOf(pid) / ((drainedAt - launchedAt) / 1000);
    const peakRssAfterDrainMiB = memoryOf(pid)?.peakMiB;
    const counters = await status();
    if ((counters['deadLettered'] ?? 0) > 0)
      log(`    !! dbtwin dead-lettered ${counters['deadLettered']} message(s)`);
    let latencyResult: LatencyResult | undefined;
    if (bench.latencySeconds > 0) {
      log(`    dbtwin → ${engine}: paced phase ${bench.latencyRate}/s for ${bench.latencySeconds} s`);
      latencyResult = await latencyPhase(db, latency, bench.latencyRate, bench.latencySeconds, check);
    }
    const peakRssMiB = memoryOf(pid)?.peakMiB;
    const finalCounters = await status();
    await stop(child, () => exited !== undefined);
    let profile: ProfileSummary | undefined;
    if (bench.cpuProfile) {
      const files = (await readdir(profileDir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
      if (files[0]) profile = await summariseProfile(path.join(profileDir, files[0]));
      else log('    (no CPU profile was written: dbtwin did not exit by itself after SIGTERM)');
    }
    return {
      drain,
      cores,
      ...(latencyResult ? { latency: latencyResult } : {}),
      ...(peakRssAfterDrainMiB !== undefined ? { peakRssAfterDrainMiB } : {}),
      ...(peakRssMiB !== undefined ? { peakRssMiB } : {}),
      counters: finalCounters,
      ...(profile ? { profile } : {}),
      logFile,
    };
  } finally {
    await stop(child, () => exited !== undefined);
    await deleteGroups([group]);
  }
}

/** SIGTERM, wait up to 30 s for a graceful exit, then SIGKILL (only this child). */
async function stop(child: ChildProcess, gone: () => boolean): Promise<void> {
  if (gone()) return;
  child.kill('SIGTERM');
  for (let i = 0; i < 300 && !gone(); i++) await sleep(100);
  if (!gone()) {
    child.kill('SIGKILL');
    for (let i = 0; i < 50 && !gone(); i++) await sleep(100);
  }
}

// ------------------------------------------------------------------------------------------------
// Debezium JDBC sink

async function connect(
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${STACK.connectUrl}${urlPath}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, json };
}

/** Deletes JDBC sink connectors a previous bench run left behind (names starting with bench-jdbc-sink). */
export async function deleteStaleSinks(): Promise<string[]> {
  const { json } = await connect('GET', '/connectors');
  const names = Array.isArray(json) ? (json as string[]).filter((n) => n.startsWith('bench-jdbc-sink')) : [];
  for (const name of names) await connect('DELETE', `/connectors/${name}`);
  return names;
}

function sinkConfig(
  engine: TargetEngine,
  topic: string,
  table: string,
  tasks: number,
): Record<string, string> {
  const target =
    engine === 'postgres'
      ? {
          'connection.url': `jdbc:postgresql://${STACK.postgres.host}:${STACK.postgres.port}/${STACK.postgres.database}`,
          'connection.username': STACK.postgres.user,
          'connection.password': STACK.postgres.password,
        }
      : {
          'connection.url': `jdbc:mariadb://${STACK.mariadb.host}:${STACK.mariadb.port}/${STACK.mariadb.database}`,
          'connection.username': STACK.mariadb.user,
          'connection.password': STACK.mariadb.password,
        };
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': String(tasks),
    topics: topic,
    ...target,
    'insert.mode': 'upsert',
    'delete.enabled': 'true',
    'primary.key.mode': 'record_key',
    'batch.size': '1000',
    'schema.evolution': 'none',
    'table.name.format': table,
    'collection.name.format': table,
    'consumer.override.auto.offset.reset': 'earliest',
    'consumer.override.max.poll.records': '1000',
  };
}

async function failureOf(name: string): Promise<string | undefined> {
  const { status, json } = await connect('GET', `/connectors/${name}/status`);
  if (status === 404) return undefined; // not there yet
  const s = json as {
    connector?: { state: string; trace?: string };
    tasks?: { id: number; state: string; trace?: string }[];
  };
  if (s.connector?.state === 'FAILED') return `connector FAILED: ${s.connector.trace ?? '(no trace)'}`;
  const failed = (s.tasks ?? []).find((t) => t.state === 'FAILED');
  return failed ? `task ${failed.id} FAILED: ${failed.trace ?? '(no trace)'}` : undefined;
}

async function putSink(name: string, config: Record<string, string>): Promise<void> {
  const { status, json } = await connect('PUT', `/connectors/${name}/config`, config);
  if (status >= 300) throw new Error(`Kafka Connect refused ${name} (${status}): ${JSON.stringify(json)}`);
}

async function deleteSink(name: string): Promise<void> {
  await connect('DELETE', `/connectors/${name}`);
  for (let i = 0; i < 100; i++) {
    if ((await connect('GET', `/connectors/${name}`)).status === 404) return;
    await sleep(200);
  }
}

/**
 * The Debezium JDBC sink connector (`insert.mode=upsert`, `delete.enabled=true`, `batch.size=1000`,
 * …) on the same topic and target table, registered through Connect's REST API, timed from the PUT
 * until the target holds every sentinel; then deleted. The paced phase uses a second connector on the
 * latency topic. Any FAILED connector or task ends the run with its trace.
 */
export async function runJdbcSink(options: {
  engine: TargetEngine;
  db: TargetDb;
  rows: CapturedTable;
  latency: CapturedTable;
  totalMessages: number;
  tag: string;
  bench: BenchOptions;
  log: (line: string) => void;
}): Promise<SystemRun> {
  const { engine, db, rows, latency, bench, log } = options;
  const name = `bench-jdbc-sink-${engine}-${options.tag}`;
  const latencyName = `${name}-lat`;
  const check = (n: string) => async (): Promise<void> => {
    const failure = await failureOf(n);
    if (failure) throw new Error(`Debezium JDBC sink ${n}: ${failure.split('\n').slice(0, 12).join('\n')}`);
  };
  const commitsBefore = await db.commits();
  const cpuBefore = stackCpu();
  const launchedAt = Date.now();
  try {
    await putSink(name, sinkConfig(engine, rows.topic, ROWS_TABLE, bench.jdbcTasks));
    const drain = await withAdmin((admin) =>
      waitForDrain(
        db,
        launchedAt,
        bench.drainTimeoutS,
        check(name),
        async () => {
          const done = await committedTotal(admin, `connect-${name}`, rows.topic).catch(() => 0);
          log(`    JDBC sink → ${engine}: ${fmtProgress(done, options.totalMessages, launchedAt)}`);
        },
        commitsBefore,
      ),
    );
    const cores = coresBetween(cpuBefore, stackCpu(), (Date.now() - launchedAt) / 1000);
    await deleteSink(name);
    let latencyResult: LatencyResult | undefined;
    if (bench.latencySeconds > 0) {
      log(
        `    JDBC sink → ${engine}: paced phase ${bench.latencyRate}/s for ${bench.latencySeconds} s (own connector)`,
      );
      await putSink(latencyName, sinkConfig(engine, latency.topic, LATENCY_TABLE, bench.jdbcTasks));
      latencyResult = await latencyPhase(
        db,
        latency,
        bench.latencyRate,
        bench.latencySeconds,
        check(latencyName),
      );
    }
    return { drain, cores, ...(latencyResult ? { latency: latencyResult } : {}) };
  } finally {
    await deleteSink(name).catch(() => undefined);
    await deleteSink(latencyName).catch(() => undefined);
    await deleteGroups([`connect-${name}`, `connect-${latencyName}`]);
  }
}
