import {
  createPool,
  type Pool,
  type PoolConnection,
  type ResultSetHeader,
  type RowDataPacket,
} from 'mysql2/promise';
import { DbtwinError } from '../../core/dbtwin-error.js';
import { ErrorCode } from '../../core/error-codes.js';
import { runCompiled, type StatementResult } from '../compiled-statement-runner.js';
import type { CompiledStatement } from '../dialect.js';
import {
  probed,
  type ApplyTag,
  type ConnectionOptions,
  type EngineDriver,
  type EngineSession,
} from '../engine-driver.js';

/**
 * Session settings for every pooled connection: UTC, and strict modes so a value that does not fit is
 * an error instead of a silent truncation (design §5).
 */
const SESSION_SETUP =
  "SET SESSION time_zone = '+00:00', SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

/**
 * READ COMMITTED for apply sessions: InnoDB's default REPEATABLE READ takes gap locks on every
 * upsert, and batches of different partitions then deadlock each other (bench: 98 deadlocks in 54
 * transactions, 1 under READ COMMITTED). Applying whole rows by key needs no repeatable snapshot.
 */
const SESSION_ISOLATION = 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED';

/**
 * What a statement marker may hold: it is pasted into a SQL comment, so nothing that could end the
 * comment (`*\/`) or make it executable (`/*!`). The config loader enforces the same rule; the driver
 * checks again because it is the one that concatenates.
 */
const MARKER = /^[A-Za-z0-9:_.-]+$/;

/** MariaDB's gtid_domain_id is a 32-bit unsigned integer. */
const MAX_GTID_DOMAIN_ID = 4_294_967_295;

/** ER_SPECIFIC_ACCESS_DENIED_ERROR: "you need (at least one of) the SUPER, BINLOG REPLAY privilege(s)". */
const ER_SPECIFIC_ACCESS_DENIED = 1227;
/** ER_UNKNOWN_SYSTEM_VARIABLE: MySQL has no gtid_domain_id. */
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * mysql2 pool for MySQL 8 and MariaDB. Big numbers, dates and JSON come back as strings: never lossy.
 *
 * With `applyTag` (design §3.3) every session, and so every write, is marked for capture-level
 * exclusion: `gtidDomainId` puts the session's transactions in that MariaDB GTID domain;
 * `statementMarker` starts every statement the driver sends with the comment `/* <marker> *\/`.
 * Without it sessions are unmarked.
 */
export class MysqlDriver implements EngineDriver {
  /** Connections (by their underlying socket connection) whose session is already set up. */
  private readonly prepared = new WeakSet<object>();

  private constructor(
    private readonly pool: Pool,
    private readonly tag: ApplyTag,
    private readonly user: string,
  ) {}

  /**
   * Opens a pool and makes one round trip (see {@link probed}), so a session setup the server refuses
   * (the gtid_domain_id privilege) fails here, at connect time. Throws ConfigInvalid for an
   * `applyTag` outside its range or character set.
   */
  static async connect(options: ConnectionOptions): Promise<MysqlDriver> {
    // Only the connection fields: an unknown option makes mysql2 print a warning per connection.
    const { host, port, user, password, database, poolSize = 4, applyTag = {} } = options;
    checkApplyTag(applyTag);
    const pool = createPool({
      host,
      port,
      user,
      password,
      database,
      connectionLimit: poolSize,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
      // JSON as the server's text: JSON.parse would lose big integers and the spelling of numbers.
      jsonStrings: true,
      charset: 'utf8mb4',
    });
    return probed(new MysqlDriver(pool, applyTag, user));
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const conn = await this.acquire();
    try {
      return await run(conn, this.marked(sql), params);
    } finally {
      conn.release();
    }
  }

  async execute(
    statement: CompiledStatement,
  ): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    const conn = await this.acquire();
    try {
      return await execute(conn, statement, (sql) => this.marked(sql));
    } finally {
      conn.release();
    }
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.query('SELECT VERSION() AS v');
    return String(row?.['v']);
  }

  async transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    const mark = (sql: string): string => this.marked(sql);
    try {
      // The statements beginTransaction()/commit() would send, marked like every other one.
      await conn.query(mark('START TRANSACTION'));
      const result = await work({
        query: (sql, params = []) => run(conn, mark(sql), params),
        execute: (statement) => execute(conn, statement, mark),
      });
      await conn.query(mark('COMMIT'));
      return result;
    } catch (error) {
      await conn.query(mark('ROLLBACK')).catch(() => undefined);
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
        await conn.query(this.marked(SESSION_SETUP));
        await conn.query(this.marked(SESSION_ISOLATION));
        if (this.tag.gtidDomainId !== undefined) await this.setGtidDomain(conn, this.tag.gtidDomainId);
      } catch (error) {
        conn.release();
        throw error;
      }
      this.prepared.add(conn.connection);
    }
    return conn;
  }

  /**
   * Puts the session's transactions in GTID domain `domainId`, which the side's connector excludes
   * (`gtid.source.excludes`). Set once per connection, outside any transaction (MariaDB refuses it
   * inside one). MariaDB ≥ 10.5.2 requires BINLOG REPLAY (or SUPER) for the session value: without it
   * the error names the privilege instead of surfacing as a bare access-denied on the first batch.
   */
  private async setGtidDomain(conn: PoolConnection, domainId: number): Promise<void> {
    try {
      await conn.query(this.marked('SET SESSION gtid_domain_id = ?'), [domainId]);
    } catch (error) {
      const errno = (error as { errno?: unknown }).errno;
      if (errno === ER_SPECIFIC_ACCESS_DENIED) {
        throw new DbtwinError(
          ErrorCode.ConfigInvalid,
          `the apply user ${this.user} may not set the session gtid_domain_id: capture.exclusion: gtid-domain needs the BINLOG REPLAY privilege (MariaDB 10.5.2 and later; SUPER before)`,
          {
            hint: `GRANT BINLOG REPLAY ON *.* TO '${this.user}'@'<host>', or set capture.exclusion to none or query-marker for this side`,
            cause: error,
          },
        );
      }
      if (errno === ER_UNKNOWN_SYSTEM_VARIABLE) {
        throw new DbtwinError(
          ErrorCode.ConfigInvalid,
          'the server has no gtid_domain_id: capture.exclusion: gtid-domain works on MariaDB only',
          { hint: 'on MySQL use capture.exclusion: query-marker', cause: error },
        );
      }
      throw error;
    }
  }

  /** `sql` with the statement marker in front when the driver has one; `sql` unchanged otherwise. */
  private marked(sql: string): string {
    const marker = this.tag.statementMarker;
    return marker === undefined ? sql : `/* ${marker} */ ${sql}`;
  }
}

/** Refuses an apply tag the driver could not put into SQL safely. */
function checkApplyTag(tag: ApplyTag): void {
  const { gtidDomainId, statementMarker } = tag;
  if (
    gtidDomainId !== undefined &&
    !(Number.isSafeInteger(gtidDomainId) && gtidDomainId >= 0 && gtidDomainId <= MAX_GTID_DOMAIN_ID)
  ) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `applyTag.gtidDomainId ${String(gtidDomainId)} is not an integer from 0 to ${MAX_GTID_DOMAIN_ID}`,
    );
  }
  if (statementMarker !== undefined && !MARKER.test(statementMarker)) {
    throw new DbtwinError(
      ErrorCode.ConfigInvalid,
      `applyTag.statementMarker ${JSON.stringify(statementMarker)} may hold only letters, digits and ":_.-"`,
    );
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

/**
 * mysql2's `query` binds parameters on the client (each value escaped by the driver, never pasted in
 * by dbtwin): one round trip for a multi-row upsert and no prepared-statement cache growing with
 * every batch size.
 */
function execute(
  conn: PoolConnection,
  statement: CompiledStatement,
  mark: (sql: string) => string,
): Promise<StatementResult> {
  return runCompiled(statement, async (sql, params) => {
    const [result] = await conn.query<RowDataPacket[] | ResultSetHeader>(mark(sql), params);
    return Array.isArray(result)
      ? { rows: result, affected: 0 }
      : { rows: [], affected: result.affectedRows };
  });
}
