/**
 * Settings of `npm run bench:apply`, from the environment (every one has a default), and the fixed
 * addresses of the local stack. Everything the benchmark writes lives in the `dbtwin_scratch`
 * databases and in topics under its own prefix, so no Debezium source connector sees it.
 */

export type TargetEngine = 'postgres' | 'mariadb';

export interface BenchOptions {
  /** Change events in the pre-loaded topic (tombstones after deletes not counted). */
  readonly events: number;
  /** Size of the key space. */
  readonly keys: number;
  readonly seed: number;
  /** Skew exponent: an update/delete picks live key number ⌊n·u^skew⌋ (u uniform); 1 = uniform. */
  readonly skew: number;
  readonly targets: readonly TargetEngine[];
  /** Run the Debezium JDBC sink comparison. */
  readonly jdbc: boolean;
  /** tasks.max of the JDBC sink connector (its default is 1). */
  readonly jdbcTasks: number;
  /** Paced phase: events per second and seconds. 0 seconds skips it. */
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Longest wait for one drain, in seconds. */
  readonly drainTimeoutS: number;
  /** Write a V8 CPU profile of each dbtwin run and print its top frames. */
  readonly cpuProfile: boolean;
  /** Leave the bench topics in Kafka at the end (they are deleted otherwise). */
  readonly keepTopics: boolean;
  /** BENCH_HEAL: run dbtwin with the convergence check on (`rules.heal`), to see what it costs. Default off. */
  readonly heal: boolean;
  /**
   * BENCH_DBTWIN_NODE_FLAGS: V8/Node flags for the dbtwin process only (space-separated, e.g.
   * `--max-old-space-size=160 --max-semi-space-size=8`), to see what a heap cap costs. Default none.
   */
  readonly dbtwinNodeFlags: readonly string[];
}

function intEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw}: expected a number ≥ ${min}`);
  return value;
}

function flagEnv(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return !/^(0|false|no|off)$/i.test(raw.trim());
}

export function readOptions(): BenchOptions {
  const targets = (process.env['BENCH_TARGETS'] ?? 'postgres,mariadb')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const t of targets) {
    if (t !== 'postgres' && t !== 'mariadb') throw new Error(`BENCH_TARGETS: unknown target ${t}`);
  }
  return {
    events: Math.floor(intEnv('BENCH_EVENTS', 500_000, 1000)),
    keys: Math.floor(intEnv('BENCH_KEYS', 100_000, 100)),
    seed: Math.floor(intEnv('BENCH_SEED', 20_240_601)),
    skew: intEnv('BENCH_SKEW', 3, 1),
    targets: targets as TargetEngine[],
    jdbc: flagEnv('BENCH_JDBC', true),
    jdbcTasks: Math.floor(intEnv('BENCH_JDBC_TASKS', 1, 1)),
    latencyRate: intEnv('BENCH_LAT_RATE', 1000, 1),
    latencySeconds: intEnv('BENCH_LAT_SECONDS', 15),
    drainTimeoutS: intEnv('BENCH_DRAIN_TIMEOUT_S', 900, 10),
    cpuProfile: flagEnv('BENCH_CPU_PROF', false),
    keepTopics: flagEnv('BENCH_KEEP_TOPICS', false),
    heal: flagEnv('BENCH_HEAL', false),
    dbtwinNodeFlags: (process.env['BENCH_DBTWIN_NODE_FLAGS'] ?? '').split(/\s+/).filter((f) => f !== ''),
  };
}

/** The local stack (compose/local/stack.sh). 127.0.0.1 only. */
export const STACK = {
  brokers: ['127.0.0.1:9092'],
  connectUrl: 'http://127.0.0.1:8083',
  redisUrl: 'redis://127.0.0.1:6379',
  postgres: {
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    password: 'postgres',
    database: 'dbtwin_scratch',
  },
  mariadb: { host: '127.0.0.1', port: 3306, user: 'dbtwin', password: 'dbtwin', database: 'dbtwin_scratch' },
} as const;

/** Topic prefix of the bench's pre-loaded topics: `<prefix>.dbtwin_scratch.<table>`. */
export const TOPIC_PREFIX = 'applybench';
/** The database the simulated MariaDB connector captured (MySQL: database = schema in topic names). */
export const SOURCE_DB = 'dbtwin_scratch';
/** Target tables, in `dbtwin_scratch` (MariaDB) and `dbtwin_scratch`.`public` (PostgreSQL). */
export const ROWS_TABLE = 'bench_rows';
export const LATENCY_TABLE = 'bench_latency';
/** Sentinel ids (one per partition, the last message of each): the drain is over when all are in. */
export const SENTINEL_BASE = 900_000_000;
/** Ids of the paced phase: partition p uses (p+1)·LATENCY_ID_STRIDE + sequence. */
export const LATENCY_ID_STRIDE = 1_000_000_000;
export const PARTITIONS = 3;
