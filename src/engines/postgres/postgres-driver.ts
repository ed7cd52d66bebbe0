import pg from 'pg';
import { probed, type ConnectionOptions, type EngineDriver, type EngineSession } from '../engine-driver.js';

/**
 * node-postgres pool. Every connection runs in UTC; int8, numeric and temporal values come back as
 * the server's text (pg's default for those types), so nothing passes through a float or a Date.
 */
export class PostgresDriver implements EngineDriver {
  private constructor(private readonly pool: pg.Pool) {}

  /** Opens a pool and makes one round trip (see {@link probed}). */
  static async connect(options: ConnectionOptions): Promise<PostgresDriver> {
    const pool = new pg.Pool({
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database,
      max: options.poolSize ?? 4,
      options: '-c TimeZone=UTC -c DateStyle=ISO',
      types: {
        getTypeParser: (_oid: number, format?: string) => (format === 'binary' ? (v: Buffer) => v : rawText),
      },
    });
    return probed(new PostgresDriver(pool));
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.pool.query(sql, [...params]);
    return result.rows as Record<string, unknown>[];
  }

  async transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async (sql, params = []) =>
          (await client.query(sql, [...params])).rows as Record<string, unknown>[],
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
