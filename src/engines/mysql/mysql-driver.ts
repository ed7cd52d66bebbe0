import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { probed, type ConnectionOptions, type EngineDriver, type EngineSession } from '../engine-driver.js';

/**
 * Session settings for every pooled connection: UTC, and strict modes so a value that does not fit is
 * an error instead of a silent truncation (design §5).
 */
const SESSION_SETUP =
  "SET SESSION time_zone = '+00:00', SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

/** mysql2 pool for MySQL 8 and MariaDB. Big numbers come back as strings, dates as strings: never lossy. */
export class MysqlDriver implements EngineDriver {
  /** Connections (by their underlying socket connection) whose session is already set up. */
  private readonly prepared = new WeakSet<object>();

  private constructor(private readonly pool: Pool) {}

  /** Opens a pool and makes one round trip (see {@link probed}). */
  static async connect(options: ConnectionOptions): Promise<MysqlDriver> {
    const pool = createPool({
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database,
      connectionLimit: options.poolSize ?? 4,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
      charset: 'utf8mb4',
    });
    return probed(new MysqlDriver(pool));
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const conn = await this.acquire();
    try {
      return await run(conn, sql, params);
    } finally {
      conn.release();
    }
  }

  async transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      await conn.beginTransaction();
      const result = await work({ query: (sql, params = []) => run(conn, sql, params) });
      await conn.commit();
      return result;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * A pooled connection whose session is set up. Done here rather than in the pool's `connection`
   * event because that event hands out the callback-style connection, whose errors would go unheard.
   */
  private async acquire(): Promise<PoolConnection> {
    const conn = await this.pool.getConnection();
    if (!this.prepared.has(conn.connection)) {
      try {
        await conn.query(SESSION_SETUP);
      } catch (error) {
        conn.release();
        throw error;
      }
      this.prepared.add(conn.connection);
    }
    return conn;
  }
}

async function run(
  target: Pool | PoolConnection,
  sql: string,
  params: readonly unknown[],
): Promise<Record<string, unknown>[]> {
  const [rows] = await target.query<RowDataPacket[]>(sql, [...params]);
  return Array.isArray(rows) ? rows : [];
}
