import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import type { Dialect } from '../../src/engines/dialect.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { dialectFor } from '../../src/engines/dialect-registry.js';
import { canonicalRow, tableChecksum } from '../../src/translate/canonical-row.js';
import { CLI } from './run-cli.js';
import { typesTableDdl } from './types-table.js';

/**
 * Writes a dbtwin configuration for the local stack carrying `tables` (same names on both sides) in
 * both directions, with a consumer-group prefix of its own so each test run starts from scratch.
 */
export async function writeLocalConfig(
  tables: readonly string[],
  extra: {
    groupPrefix?: string;
    batchMaxRows?: number;
    breaker?: { maxFlips: number; windowSeconds: number };
    /** `capture:` of the MariaDB side, as flow YAML: `{ exclusion: gtid-domain, gtidDomainId: 77 }`. */
    mariadbCapture?: string;
    /** `rules.heal.enabled` (the convergence check); default: not written (the product’s default, on). */
    heal?: boolean;
  } = {},
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-e2e-'));
  const file = path.join(dir, 'dbtwin.yaml');
  const list = `[${tables.join(', ')}]`;
  const m = LOCAL_SIDES.mariadb.connection;
  const p = LOCAL_SIDES.postgres.connection;
  await writeFile(
    file,
    `kafka:
  brokers: [127.0.0.1:9092]
  groupPrefix: ${extra.groupPrefix ?? `e2e-${Date.now()}`}
${extra.breaker ? `breaker: { maxFlips: ${extra.breaker.maxFlips}, windowSeconds: ${extra.breaker.windowSeconds} }\n` : ''}${extra.heal === undefined ? '' : `rules: { heal: { enabled: ${extra.heal} } }\n`}sides:
  mariadb:
    engine: mysql
    connection: { host: ${m.host}, port: ${m.port}, user: ${m.user}, password: '\${MARIADB_PASSWORD:-${m.password}}', database: ${m.database} }
    topicPrefix: mariadb
    schema: dbtwin
    tables: ${list}
${extra.mariadbCapture ? `    capture: ${extra.mariadbCapture}\n` : ''}  postgres:
    engine: postgres
    connection: { host: ${p.host}, port: ${p.port}, user: ${p.user}, password: '\${POSTGRES_PASSWORD:-${p.password}}', database: ${p.database} }
    topicPrefix: postgres
    schema: public
    tables: ${list}
links:
  - from: mariadb
    to: postgres
    batchMaxRows: ${extra.batchMaxRows ?? 2000}
    retry: { initialMs: 200, maxMs: 2000 }
  - from: postgres
    to: mariadb
    batchMaxRows: ${extra.batchMaxRows ?? 2000}
    retry: { initialMs: 200, maxMs: 2000 }
`,
  );
  return file;
}

/** One side of a configuration written by {@link writeSidesConfig}. */
export interface ConfigSideSpec {
  readonly name: string;
  readonly engine: 'mysql' | 'postgres';
  readonly connection: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly database: string;
  };
  readonly topicPrefix: string;
  readonly schema: string;
  readonly tables: readonly string[];
}

/** The two links of the local configuration (`writeLocalConfig`), by name. */
export const M2P = 'mariadb->postgres';
export const P2M = 'postgres->mariadb';

/**
 * A side on the local stack's MariaDB or PostgreSQL carrying `tables`, under another name, schema or
 * database when `overrides` say so (a MariaDB database the connector does not capture, for instance).
 */
export function localSide(
  base: 'mariadb' | 'postgres',
  tables: readonly string[],
  overrides: { name?: string; schema?: string; database?: string; topicPrefix?: string } = {},
): ConfigSideSpec {
  const local = LOCAL_SIDES[base];
  return {
    name: overrides.name ?? base,
    engine: local.engine,
    connection: { ...local.connection, database: overrides.database ?? local.connection.database },
    topicPrefix: overrides.topicPrefix ?? local.topicPrefix,
    schema: overrides.schema ?? local.schema,
    tables,
  };
}

/**
 * Writes a dbtwin configuration with any sides and links, for tests that need more than the local
 * pair of {@link writeLocalConfig} (three sides, one link, a database of their own). The file is
 * JSON, which YAML reads as it is, so no value needs quoting; it goes into `dir` (a new temporary
 * directory when absent) as `file` (default `dbtwin.yaml`). Returns its path.
 */
export async function writeSidesConfig(options: {
  readonly sides: readonly ConfigSideSpec[];
  readonly links: readonly { readonly from: string; readonly to: string }[];
  readonly groupPrefix?: string;
  readonly dir?: string;
  readonly file?: string;
  readonly echoTtlSeconds?: number;
  readonly batchMaxRows?: number;
}): Promise<string> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'dbtwin-e2e-')));
  const file = path.join(dir, options.file ?? 'dbtwin.yaml');
  const doc = {
    kafka: { brokers: ['127.0.0.1:9092'], groupPrefix: options.groupPrefix ?? `e2e-${Date.now()}` },
    ...(options.echoTtlSeconds === undefined ? {} : { echo: { ttlSeconds: options.echoTtlSeconds } }),
    sides: Object.fromEntries(
      options.sides.map((s) => [
        s.name,
        {
          engine: s.engine,
          connection: { ...s.connection },
          topicPrefix: s.topicPrefix,
          schema: s.schema,
          tables: [...s.tables],
        },
      ]),
    ),
    links: options.links.map((l) => ({
      from: l.from,
      to: l.to,
      batchMaxRows: options.batchMaxRows ?? 2000,
      retry: { initialMs: 200, maxMs: 2000 },
    })),
  };
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/** One link in `/status`, as the tests read it. */
export interface LinkStatusDoc {
  readonly link: string;
  readonly state: string;
  readonly counters: Record<string, number>;
  readonly echo?: { readonly state: string; readonly reason?: string; readonly since?: string };
}

/** A `dbtwin run` child process, its logs in a file, its admin port read from its first log lines. */
export class DbtwinProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
    readonly adminPort: number,
  ) {}

  /** `dbtwin run` of these links, with `args` after the usual ones (`--shadow <dir>`). */
  static async start(
    config: string,
    links: readonly string[],
    args: readonly string[] = [],
  ): Promise<DbtwinProcess> {
    const logFile = path.join(path.dirname(config), `dbtwin-${Date.now()}.log`);
    const log = createWriteStream(logFile);
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--config', config, '--admin-port', '0', ...links.flatMap((l) => ['--link', l]), ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DBTWIN_LOG_LEVEL: 'info' },
      },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      const match = /"adminPort":(\d+)/.exec(text);
      if (match && /running/.test(text)) return new DbtwinProcess(child, logFile, Number(match[1]));
      if (child.exitCode !== null) throw new Error(`dbtwin run exited with ${child.exitCode}:\n${text}`);
      if (Date.now() > deadline) throw new Error(`dbtwin run did not start within 60 s:\n${text}`);
      await sleep(200);
    }
  }

  /** The `/status` document of the admin endpoint. */
  async status(): Promise<{ links: LinkStatusDoc[]; convergenceCheck?: Record<string, number> }> {
    const response = await fetch(`http://127.0.0.1:${this.adminPort}/status`);
    return (await response.json()) as { links: LinkStatusDoc[]; convergenceCheck?: Record<string, number> };
  }

  /** The counters of one link of this process (throws when the process does not run it). */
  async counters(link: string): Promise<Record<string, number>> {
    const found = (await this.status()).links.find((l) => l.link === link);
    if (!found) throw new Error(`this dbtwin process does not run ${link}`);
    return found.counters;
  }

  async logs(): Promise<string> {
    return readFile(this.logFile, 'utf8');
  }

  /** SIGTERM and wait for a graceful exit (or SIGKILL with `hard`). */
  async stop(hard = false): Promise<number | null> {
    // A process killed by a signal keeps exitCode null and sets signalCode instead.
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill(hard ? 'SIGKILL' : 'SIGTERM');
    return exited;
  }
}

/** A table read whole and turned into canonical rows (src/translate/canonical-row.ts), with its key columns. */
async function readCanonical(
  dialect: Dialect,
  driver: EngineDriver,
  schema: string,
  table: string,
): Promise<{ rows: Record<string, string | null>[]; primaryKey: readonly string[] }> {
  const info = await dialect.createIntrospector(driver).table(schema, table);
  if (!info) throw new Error(`no table ${schema}.${table}`);
  const codec = dialect.createCodec();
  const compiler = dialect.createCompiler();
  const cols = info.columns.map((c) => compiler.quoteIdentifier(c.name)).join(', ');
  const raw = await driver.query(
    `SELECT ${cols} FROM ${compiler.quoteIdentifier(info.schema)}.${compiler.quoteIdentifier(info.name)}`,
  );
  const rows = raw.map((r) =>
    canonicalRow(
      Object.fromEntries(info.columns.map((c) => [c.name, codec.decode(r[c.name], c)])),
      info.columns,
    ),
  );
  return { rows, primaryKey: info.primaryKey };
}

/** Canonical rows of a table by key text, for pointing at the rows that differ. */
export async function canonicalRowsOf(
  dialect: Dialect,
  driver: EngineDriver,
  schema: string,
  table: string,
): Promise<Map<string, Record<string, string | null>>> {
  const { rows, primaryKey } = await readCanonical(dialect, driver, schema, table);
  return new Map(rows.map((row) => [JSON.stringify(primaryKey.map((k) => row[k.toLowerCase()])), row]));
}

/** Up to `max` differences between two tables' canonical rows, one line each. */
export async function describeDifferences(
  a: { dialect: Dialect; driver: EngineDriver; schema: string },
  b: { dialect: Dialect; driver: EngineDriver; schema: string },
  table: string,
  max = 5,
): Promise<string[]> {
  const left = await canonicalRowsOf(a.dialect, a.driver, a.schema, table);
  const right = await canonicalRowsOf(b.dialect, b.driver, b.schema, table);
  const out: string[] = [];
  for (const key of new Set([...left.keys(), ...right.keys()])) {
    const l = left.get(key);
    const r = right.get(key);
    if (!l || !r) out.push(`key ${key}: only on the ${l ? 'first' : 'second'} side`);
    else {
      const cols = Object.keys(l).filter((c) => l[c] !== r[c]);
      if (cols.length > 0)
        out.push(
          `key ${key}: ${cols.map((c) => `${c} ${JSON.stringify(l[c])} ≠ ${JSON.stringify(r[c])}`).join(', ')}`,
        );
    }
    if (out.length >= max) break;
  }
  return out;
}

/** The checksum of a table over canonical values (see src/translate/canonical-row.ts), and its row count. */
export async function checksumOf(
  dialect: Dialect,
  driver: EngineDriver,
  schema: string,
  table: string,
): Promise<{ rows: number; checksum: string }> {
  const { rows, primaryKey } = await readCanonical(dialect, driver, schema, table);
  return { rows: rows.length, checksum: tableChecksum(rows, primaryKey) };
}

/** Polls `probe` until it returns true or the timeout passes; returns whether it did. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 1000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** A pool on the local stack's MariaDB or PostgreSQL side, as dbtwin's apply user. */
export async function connectLocal(side: 'mariadb' | 'postgres'): Promise<EngineDriver> {
  const config = LOCAL_SIDES[side];
  return dialectFor(config.engine).createDriver(config.connection);
}

/**
 * Waits up to `timeoutMs` for `table` to hold the same data in MariaDB (`dbtwin`) and PostgreSQL
 * (`public`), by checksum over canonical values; `last` describes the last comparison.
 */
export async function convergeLocal(
  table: string,
  mariadb: EngineDriver,
  postgres: EngineDriver,
  timeoutMs: number,
): Promise<{ converged: boolean; last: string }> {
  let last = '';
  const converged = await eventually(
    async () => {
      const left = await checksumOf(dialectFor('mysql'), mariadb, 'dbtwin', table);
      const right = await checksumOf(dialectFor('postgres'), postgres, 'public', table);
      last = `mariadb ${left.rows} rows ${left.checksum.slice(0, 12)}, postgres ${right.rows} rows ${right.checksum.slice(0, 12)}`;
      return left.checksum === right.checksum && left.rows === right.rows;
    },
    timeoutMs,
    2000,
  );
  return { converged, last };
}

/** The rows of `table` that differ between the local MariaDB and PostgreSQL, one per line. */
export async function localDifferences(
  table: string,
  mariadb: EngineDriver,
  postgres: EngineDriver,
): Promise<string> {
  const lines = await describeDifferences(
    { dialect: dialectFor('mysql'), driver: mariadb, schema: 'dbtwin' },
    { dialect: dialectFor('postgres'), driver: postgres, schema: 'public' },
    table,
  );
  return lines.join('\n');
}

/**
 * Pools on both local sides plus the tables a test created on them, dropped again by `close`. Each
 * e2e file opens one in `before` and closes it in `after`.
 */
export class LocalPair {
  private readonly created: string[] = [];

  private constructor(
    readonly mariadb: EngineDriver,
    readonly postgres: EngineDriver,
  ) {}

  static async open(): Promise<LocalPair> {
    return new LocalPair(await connectLocal('mariadb'), await connectLocal('postgres'));
  }

  /**
   * `database` on both servers, which no connector captures, with MariaDB's writes kept out of the
   * binlog (root's `sql_log_bin`; one connection, so the session setting covers every query), so a
   * running local stack never sees a bulk load.
   */
  static async scratch(database: string): Promise<LocalPair> {
    const mariadb = await dialectFor('mysql').createDriver({
      ...LOCAL_SIDES.mariadb.connection,
      database,
      user: process.env['MARIADB_ROOT_USER'] ?? 'root',
      password: process.env['MARIADB_ROOT_PASSWORD'] ?? '',
      poolSize: 1,
    });
    await mariadb.query('SET SESSION sql_log_bin = 0');
    const postgres = await dialectFor('postgres').createDriver({
      ...LOCAL_SIDES.postgres.connection,
      database,
    });
    return new LocalPair(mariadb, postgres);
  }

  /** Creates the types table (`test/support/types-table.ts`) on both sides. */
  async createTypesTable(table: string): Promise<void> {
    this.created.push(table);
    for (const ddl of typesTableDdl('mariadb', table)) await this.mariadb.query(ddl);
    for (const ddl of typesTableDdl('postgres', table)) await this.postgres.query(ddl);
  }

  /**
   * Runs each side's statements in order, both sides at once (a bulk load takes as long as the
   * slower side, not both), and drops the table in `close`.
   */
  async createTable(
    table: string,
    mariadbSql: readonly string[],
    postgresSql: readonly string[],
  ): Promise<void> {
    this.created.push(table);
    const runAll = async (driver: EngineDriver, statements: readonly string[]): Promise<void> => {
      for (const sql of statements) await driver.query(sql);
    };
    await Promise.all([runAll(this.mariadb, mariadbSql), runAll(this.postgres, postgresSql)]);
  }

  async close(): Promise<void> {
    for (const t of this.created) {
      await this.mariadb.query(`DROP TABLE IF EXISTS ${t}`);
      await this.postgres.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await this.mariadb.close();
    await this.postgres.close();
  }
}
