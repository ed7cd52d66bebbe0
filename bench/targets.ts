import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  LATENCY_ID_STRIDE,
  LATENCY_TABLE,
  PARTITIONS,
  ROWS_TABLE,
  SENTINEL_BASE,
  STACK,
  type TargetEngine,
} from './bench-options.js';
import {
  COLUMNS,
  OP_DELETE,
  canonicalLine,
  canonicalLineOf,
  datetimeText,
  decimalText,
  rowOf,
  type BenchRow,
  type Workload,
} from './workload.js';

/** A target database as the benchmark uses it: plain drivers, nothing of dbtwin. */
export interface TargetDb {
  readonly engine: TargetEngine;
  readonly label: string;
  /** Drops and creates the bench tables, so every run starts from the same empty state. */
  recreateTables(): Promise<void>;
  /** Sentinel rows present in `bench_rows`. */
  sentinelsPresent(): Promise<number>;
  /** Whether `bench_rows` holds any row. */
  anyRow(): Promise<boolean>;
  /** Highest latency-phase id per partition in `bench_latency` (0 = none). */
  latencyMaxima(): Promise<number[]>;
  /** Committed transactions so far (PostgreSQL: this database; MariaDB: server-wide Com_commit). */
  commits(): Promise<number>;
  /** The canonical lines of `bench_rows`, by id. */
  rows(): Promise<string[]>;
  close(): Promise<void>;
}

const PG_COLUMNS = `id bigint PRIMARY KEY, account_no varchar(32) NOT NULL, name varchar(100) NOT NULL,
  email varchar(120), status varchar(16) NOT NULL, balance numeric(14,2) NOT NULL,
  score double precision NOT NULL, version bigint NOT NULL, note varchar(400), updated_at timestamp(6) NOT NULL`;
const MARIA_COLUMNS = `id BIGINT NOT NULL PRIMARY KEY, account_no VARCHAR(32) NOT NULL, name VARCHAR(100) NOT NULL,
  email VARCHAR(120) NULL, status VARCHAR(16) NOT NULL, balance DECIMAL(14,2) NOT NULL,
  score DOUBLE NOT NULL, version BIGINT NOT NULL, note VARCHAR(400) NULL, updated_at DATETIME(6) NOT NULL`;

interface TextRow {
  id: string;
  account_no: string;
  name: string;
  email: string | null;
  status: string;
  balance: string;
  score: number;
  version: string;
  note: string | null;
  updated_at: string;
}

function lineOf(r: TextRow): string {
  return canonicalLine({
    id: r.id,
    accountNo: r.account_no,
    name: r.name,
    email: r.email,
    status: r.status,
    balance: r.balance,
    score: Number(r.score),
    version: r.version,
    note: r.note,
    updatedAt: r.updated_at,
  });
}

function latencyRanges(): [number, number][] {
  return Array.from({ length: PARTITIONS }, (_, p) => [
    (p + 1) * LATENCY_ID_STRIDE,
    (p + 2) * LATENCY_ID_STRIDE,
  ]);
}

export async function openTarget(engine: TargetEngine): Promise<TargetDb> {
  return engine === 'postgres' ? openPostgres() : openMariadb();
}

async function openPostgres(): Promise<TargetDb> {
  const client = new pg.Client({ ...STACK.postgres });
  await client.connect();
  const ranges = latencyRanges();
  return {
    engine: 'postgres',
    label: 'PostgreSQL',
    async recreateTables() {
      for (const table of [ROWS_TABLE, LATENCY_TABLE]) {
        await client.query(`DROP TABLE IF EXISTS public.${table}`);
        await client.query(`CREATE TABLE public.${table} (${PG_COLUMNS})`);
      }
    },
    async sentinelsPresent() {
      const r = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM public.${ROWS_TABLE} WHERE id >= $1`,
        [SENTINEL_BASE],
      );
      return r.rows[0]?.n ?? 0;
    },
    async anyRow() {
      const r = await client.query(`SELECT 1 FROM public.${ROWS_TABLE} LIMIT 1`);
      return (r.rowCount ?? 0) > 0;
    },
    async latencyMaxima() {
      const parts = ranges.map(
        ([lo, hi], i) =>
          `(SELECT coalesce(max(id), 0)::text FROM public.${LATENCY_TABLE} WHERE id >= ${lo} AND id < ${hi}) AS p${i}`,
      );
      const r = await client.query<Record<string, string>>(`SELECT ${parts.join(', ')}`);
      const row = r.rows[0] ?? {};
      return ranges.map((_, i) => Number(row[`p${i}`] ?? 0));
    },
    async commits() {
      const r = await client.query<{ n: string }>(
        `SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()`,
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    async rows() {
      const r = await client.query<TextRow>(
        `SELECT id::text AS id, account_no, name, email, status, balance::text AS balance, score,
                version::text AS version, note, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') AS updated_at
           FROM public.${ROWS_TABLE} ORDER BY ${ROWS_TABLE}.id`,
      );
      return r.rows.map(lineOf);
    },
    close: () => client.end(),
  };
}

async function openMariadb(): Promise<TargetDb> {
  const conn = await mysql.createConnection({ ...STACK.mariadb });
  const ranges = latencyRanges();
  return {
    engine: 'mariadb',
    label: 'MariaDB',
    async recreateTables() {
      for (const table of [ROWS_TABLE, LATENCY_TABLE]) {
        await conn.query(`DROP TABLE IF EXISTS ${table}`);
        await conn.query(`CREATE TABLE ${table} (${MARIA_COLUMNS}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      }
    },
    async sentinelsPresent() {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT count(*) AS n FROM ${ROWS_TABLE} WHERE id >= ?`,
        [SENTINEL_BASE],
      );
      return Number(rows[0]?.['n'] ?? 0);
    },
    async anyRow() {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT 1 FROM ${ROWS_TABLE} LIMIT 1`);
      return rows.length > 0;
    },
    async latencyMaxima() {
      const parts = ranges.map(
        ([lo, hi], i) =>
          `(SELECT CAST(coalesce(max(id), 0) AS CHAR) FROM ${LATENCY_TABLE} WHERE id >= ${lo} AND id < ${hi}) AS p${i}`,
      );
      const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT ${parts.join(', ')}`);
      const row: Record<string, unknown> = rows[0] ?? {};
      return ranges.map((_, i) => Number(row[`p${i}`] ?? 0));
    },
    async commits() {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(`SHOW GLOBAL STATUS LIKE 'Com_commit'`);
      return Number(rows[0]?.['Value'] ?? 0);
    },
    async rows() {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT CAST(id AS CHAR) AS id, account_no, name, email, status, CAST(balance AS CHAR) AS balance, score,
                CAST(version AS CHAR) AS version, note,
                DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS updated_at
           FROM ${ROWS_TABLE} ORDER BY ${ROWS_TABLE}.id`,
      );
      return (rows as unknown as TextRow[]).map(lineOf);
    },
    close: () => conn.end(),
  };
}

// ------------------------------------------------------------------------------------------------
// Verification

export interface Verification {
  readonly ok: boolean;
  readonly rows: number;
  readonly expectedRows: number;
  readonly checksum: string;
  readonly expectedChecksum: string;
  /** Keys that differ (missing, extra or other values), and up to five of them described. */
  readonly differing: number;
  readonly examples: readonly string[];
}

/** Compares `bench_rows` with the final state the generator knows: row count, checksum, differing keys. */
export async function verifyTarget(
  db: TargetDb,
  workload: Workload,
  sentinels: readonly number[],
  expected: { rows: number; checksum: string },
): Promise<Verification> {
  const actual = await db.rows();
  const hash = createHash('sha256');
  for (const line of actual) hash.update(`${line}\n`);
  const checksum = hash.digest('hex');
  const wanted: [number, number][] = [];
  for (let id = 1; id < workload.finalVersion.length; id++) {
    const v = workload.finalVersion[id]!;
    if (v !== 0) wanted.push([id, v]);
  }
  for (const id of [...sentinels].sort((a, b) => a - b)) wanted.push([id, 1]);
  let differing = 0;
  const examples: string[] = [];
  const note = (text: string): void => {
    differing++;
    if (examples.length < 5) examples.push(text);
  };
  let i = 0;
  let j = 0;
  while (i < wanted.length || j < actual.length) {
    const [wid, wv] = wanted[i] ?? [Number.POSITIVE_INFINITY, 0];
    const line = actual[j];
    const aid = line === undefined ? Number.POSITIVE_INFINITY : Number(line.slice(0, line.indexOf('\t')));
    if (wid < aid) {
      note(`id ${wid}: missing (expected version ${wv})`);
      i++;
    } else if (aid < wid) {
      note(`id ${aid}: present but should not be (${line!.slice(0, 120)})`);
      j++;
    } else {
      const want = canonicalLineOf(rowOf(wid, wv));
      if (want !== line) note(`id ${wid}: expected ${want.slice(0, 160)} | got ${line!.slice(0, 160)}`);
      i++;
      j++;
    }
  }
  return {
    ok: differing === 0 && actual.length === expected.rows && checksum === expected.checksum,
    rows: actual.length,
    expectedRows: expected.rows,
    checksum,
    expectedChecksum: expected.checksum,
    differing,
    examples,
  };
}

// ------------------------------------------------------------------------------------------------
// Ceiling 2: driver-only batched upserts

/** One transaction's worth: keys to delete and rows to upsert (each key at most once, last change wins). */
interface DriverBatch {
  readonly deletes: number[];
  readonly upserts: readonly unknown[][];
  readonly events: number;
}

function paramsOf(row: BenchRow): unknown[] {
  return [
    row.id,
    row.accountNo,
    row.name,
    row.email,
    row.status,
    decimalText(row.balanceCents),
    row.score,
    row.version,
    row.note,
    datetimeText(row.updatedAtMicros),
  ];
}

/**
 * The workload split by partition (in stream order, as the topic holds it), cut into batches of
 * `batchEvents` events, each collapsed to the last change per key: exactly the writes an ideal
 * consumer of the topic with that batch size has to make. Rows are built here, before timing.
 */
export function driverBatches(
  workload: Workload,
  partitionOf: (id: number) => number,
  sentinels: readonly number[],
  batchEvents: number,
): DriverBatch[][] {
  const perPartition: number[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < workload.count; i++) perPartition[partitionOf(workload.ids[i]!)]!.push(i);
  return perPartition.map((indexes, p) => {
    const batches: DriverBatch[] = [];
    for (let from = 0; from < indexes.length; from += batchEvents) {
      const last = new Map<number, number>();
      const slice = indexes.slice(from, from + batchEvents);
      for (const i of slice) {
        const id = workload.ids[i]!;
        last.delete(id);
        last.set(id, i);
      }
      const deletes: number[] = [];
      const upserts: unknown[][] = [];
      // In key order: concurrent transactions then take their row locks in the same order.
      for (const [id, i] of [...last].sort((a, b) => a[0] - b[0])) {
        if (workload.ops[i] === OP_DELETE) deletes.push(id);
        else upserts.push(paramsOf(rowOf(id, workload.versions[i]!)));
      }
      batches.push({ deletes, upserts, events: slice.length });
    }
    const sentinel = sentinels.find((id) => partitionOf(id) === p);
    if (sentinel !== undefined)
      batches.push({ deletes: [], upserts: [paramsOf(rowOf(sentinel, 1))], events: 1 });
    return batches;
  });
}

const COLUMN_LIST = COLUMNS.join(', ');
const UPDATABLE = COLUMNS.filter((c) => c !== 'id');

/**
 * Applies the batches with plain `pg`/`mysql2`: one connection per partition, all partitions at once,
 * each batch one transaction of a DELETE … IN (…) and one multi-row upsert (PostgreSQL `INSERT … ON
 * CONFLICT (id) DO UPDATE`, MariaDB `INSERT … ON DUPLICATE KEY UPDATE c = VALUES(c)`), rows in key
 * order, READ COMMITTED on both engines; a deadlock is rolled back and retried at once. Seconds of wall time, and how many deadlocks were retried.
 */
export async function runDriverCeiling(
  engine: TargetEngine,
  batches: DriverBatch[][],
): Promise<{ seconds: number; deadlocks: number }> {
  let deadlocks = 0;
  if (engine === 'postgres') {
    const clients = await Promise.all(
      batches.map(async () => {
        const c = new pg.Client({ ...STACK.postgres });
        await c.connect();
        return c;
      }),
    );
    const set = UPDATABLE.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
    const started = Date.now();
    await Promise.all(
      batches.map(async (list, p) => {
        const c = clients[p]!;
        for (const b of list) {
          for (;;) {
            try {
              await c.query('BEGIN');
              if (b.deletes.length > 0)
                await c.query(`DELETE FROM public.${ROWS_TABLE} WHERE id = ANY($1::bigint[])`, [b.deletes]);
              if (b.upserts.length > 0) {
                const tuples = b.upserts.map(
                  (_, r) => `(${Array.from({ length: 10 }, (__, k) => `$${r * 10 + k + 1}`).join(', ')})`,
                );
                await c.query(
                  `INSERT INTO public.${ROWS_TABLE} (${COLUMN_LIST}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO UPDATE SET ${set}`,
                  b.upserts.flat(),
                );
              }
              await c.query('COMMIT');
              break;
            } catch (error) {
              if ((error as { code?: string }).code !== '40P01') throw error;
              deadlocks++;
              await c.query('ROLLBACK').catch(() => undefined);
            }
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.end()));
    return { seconds, deadlocks };
  }
  const conns = await Promise.all(batches.map(() => mysql.createConnection({ ...STACK.mariadb })));
  // PostgreSQL's default isolation; InnoDB's default (REPEATABLE READ) takes gap locks that make the
  // partitions' concurrent upserts deadlock each other about once per transaction.
  for (const c of conns) await c.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  const set = UPDATABLE.map((c) => `${c} = VALUES(${c})`).join(', ');
  const started = Date.now();
  await Promise.all(
    batches.map(async (list, p) => {
      const c = conns[p]!;
      for (const b of list) {
        for (;;) {
          try {
            await c.query('BEGIN');
            if (b.deletes.length > 0) await c.query(`DELETE FROM ${ROWS_TABLE} WHERE id IN (?)`, [b.deletes]);
            if (b.upserts.length > 0)
              await c.query(
                `INSERT INTO ${ROWS_TABLE} (${COLUMN_LIST}) VALUES ? ON DUPLICATE KEY UPDATE ${set}`,
                [b.upserts],
              );
            await c.query('COMMIT');
            break;
          } catch (error) {
            // InnoDB deadlocks between the partitions' transactions (next-key locks taken by the
            // multi-row upserts and deletes): roll back and retry at once, as any client must.
            const errno = (error as { errno?: number }).errno;
            if (errno !== 1213 && errno !== 1205) throw error;
            deadlocks++;
            await c.query('ROLLBACK').catch(() => undefined);
          }
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(conns.map((c) => c.end()));
  return { seconds, deadlocks };
}
