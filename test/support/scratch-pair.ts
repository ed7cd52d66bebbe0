import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/config-loader.js';
import type { DbtwinConfig } from '../../src/config/dbtwin-config.js';
import { endpointsFromEnv } from '../../src/config/environment.js';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../src/engines/postgres/postgres-driver.js';
import type { SchemaField, TableFixture } from './debezium-fixtures.js';

/** The local stack's MariaDB and PostgreSQL, scratch databases (`dbtwin_scratch`). */
export const SCRATCH_MARIADB = { ...LOCAL_SIDES.mariadb.connection, database: 'dbtwin_scratch' };
export const SCRATCH_POSTGRES = { ...LOCAL_SIDES.postgres.connection, database: 'dbtwin_scratch' };

/** What a scratch pair's configuration holds beyond the two sides. */
export interface ScratchPairOptions {
  /** `kafka.groupPrefix`: the Redis namespace, deleted by `close`. */
  readonly prefix: string;
  /** The table both sides carry (created by the test). */
  readonly table: string;
  /** Topic prefixes of the sides; default `<prefix>m` and `<prefix>p`. */
  readonly topicPrefixes?: { readonly mariadb: string; readonly postgres: string };
  /** Links, default both ways. */
  readonly links?: readonly ('mariadb->postgres' | 'postgres->mariadb')[];
  /** Further top-level YAML lines (e.g. `rules: { heal: { enabled: true } }`), or a function of the directory. */
  readonly extra?: string | ((dir: string) => string);
}

/**
 * A configuration of two sides on the scratch databases, written to a temporary directory and
 * loaded as `dbtwin` loads it, with open drivers on both sides. `close` drops the table on both sides,
 * deletes the namespace's Redis keys and the directory.
 */
export class ScratchPair {
  private constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly config: DbtwinConfig,
    readonly mariadb: EngineDriver,
    readonly postgres: EngineDriver,
    private readonly options: ScratchPairOptions,
  ) {}

  static async open(options: ScratchPairOptions): Promise<ScratchPair> {
    const { redisUrl } = endpointsFromEnv();
    const M = SCRATCH_MARIADB;
    const P = SCRATCH_POSTGRES;
    const topics = options.topicPrefixes ?? { mariadb: `${options.prefix}m`, postgres: `${options.prefix}p` };
    const links = (options.links ?? ['mariadb->postgres', 'postgres->mariadb']).map((l) => {
      const [from, to] = l.split('->');
      return `  - { from: ${from}, to: ${to} }`;
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'dbtwin-scratch-'));
    const configFile = path.join(dir, 'dbtwin.yaml');
    await writeFile(
      configFile,
      `kafka: { brokers: [127.0.0.1:9092], groupPrefix: ${options.prefix} }
redis: { url: '${redisUrl}' }
${typeof options.extra === 'function' ? options.extra(dir) : (options.extra ?? '')}
sides:
  mariadb:
    engine: mysql
    connection: { host: ${M.host}, port: ${M.port}, user: ${M.user}, password: '${M.password}', database: dbtwin_scratch }
    topicPrefix: ${topics.mariadb}
    schema: dbtwin_scratch
    tables: [${options.table}]
  postgres:
    engine: postgres
    connection: { host: ${P.host}, port: ${P.port}, user: ${P.user}, password: '${P.password}', database: dbtwin_scratch }
    topicPrefix: ${topics.postgres}
    schema: public
    tables: [${options.table}]
links:
${links.join('\n')}
`,
    );
    const config = await loadConfig(configFile);
    const mariadb = await MysqlDriver.connect(M);
    const postgres = await PostgresDriver.connect(P).catch(async (error: unknown) => {
      await mariadb.close();
      throw error;
    });
    return new ScratchPair(dir, configFile, config, mariadb, postgres, options);
  }

  async close(): Promise<void> {
    await this.mariadb.query(`DROP TABLE IF EXISTS ${this.options.table}`).catch(() => undefined);
    await this.postgres.query(`DROP TABLE IF EXISTS ${this.options.table}`).catch(() => undefined);
    await this.mariadb.close();
    await this.postgres.close();
    const redis = new Redis(endpointsFromEnv().redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const keys = await redis.keys(`${this.options.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Debezium fixtures of a scratch pair's table, keyed by `id`: as MariaDB's connector reports it
 * (topic prefix `<prefix>m`) and as PostgreSQL's does (`<prefix>p`, schema `public`).
 */
export function scratchFixtures(
  prefix: string,
  table: string,
  columns: readonly SchemaField[],
): { readonly onMariadb: TableFixture; readonly onPostgres: TableFixture } {
  const common = { db: 'dbtwin_scratch', table, keyColumns: ['id'], columns };
  return {
    onMariadb: { connector: 'mariadb', prefix: `${prefix}m`, ...common },
    onPostgres: { connector: 'postgresql', prefix: `${prefix}p`, schema: 'public', ...common },
  };
}
