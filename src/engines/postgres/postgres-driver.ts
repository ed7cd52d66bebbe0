import pg from 'pg';
import { runCompiled, type StatementResult } from '../compiled-statement-runner.js';
import type { CompiledStatement } from '../dialect.js';
import { probed, type ConnectionOptions, type EngineDriver, type EngineSession } from '../engine-driver.js';

/**
 * node-postgres pool. Every connection runs in UTC; int8, numeric and temporal values come back as
 * the server's text (pg's default for those types), so nothing passes through a float or a Date.
 */
export class PostgresDriver implements EngineDriver {
  private constructor(private readonly pool: pg.Pool) {}

  /** Opens a pool and makes one round trip (see {@link probed}). */
  static async connect(options: ConnectionOptions): Promise<PostgresDriver> {
    const { host, port, user, password, database, poolSize = 4 } = options;
    const pool = new pg.Pool({
      host,
      port,
      user,
      password,
      database,
      max: poolSize,
      // ISO dates and ISO-8601 intervals: one spelling the codec reads exactly, whatever the server's defaults.
      options: '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601',
      types: {
        getTypeParser: (_oid: number, format?: string) => (format === 'binary' ? (v: Buffer) => v : rawText),
      },
    });
    // An idle client whose server went away (restart, failover) is reported here; unheard, the event
    // would crash the process. The pool drops that client and the next query reconnects; the error
    // that matters surfaces on that query, where the classifier sees it.
    pool.on('error', () => undefined);
    return probed(new PostgresDriver(pool));
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.pool.query(sql, [...params]);
    return result.rows as Record<string, unknown>[];
  }

  async execute(
    statement: CompiledStatement,
  ): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    return execute(this.pool, statement);
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.query('SHOW server_version');
    return String(row?.['server_version']);
  }

  async transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async (sql, params = []) =>
          (await client.query(sql, [...params])).rows as Record<string, unknown>[],
        execute: (statement) => execute(client, statement),
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// Every value as the server's text: the codec (not the driver) decides how to read it exactly.
function rawText(value: string): string {
  return value;
}

function execute(target: pg.Pool | pg.PoolClient, statement: CompiledStatement): Promise<StatementResult> {
  return runCompiled(statement, async (sql, params) => {
    const result = await target.query(sql, params);
    return { rows: result.rows as Record<string, unknown>[], affected: result.rowCount ?? 0 };
  });
}
