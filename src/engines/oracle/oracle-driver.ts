import { createRequire } from 'node:module';
import type { CompiledStatement } from '../dialect.js';
import type { ConnectionOptions, EngineDriver, EngineSession } from '../engine-driver.js';

/**
 * Session settings run once per new pooled session (the pool's `sessionCallback`): UTC, and fixed
 * ISO-like NLS formats with `.` as the decimal character, so any implicit conversion the server does
 * is the same everywhere. dbtwin's own SQL does not rely on them: it binds and reads through explicit
 * `TO_NUMBER`/`TO_TIMESTAMP`/`TO_CHAR` masks (see oracle-type-codec.ts).
 */
export const ORACLE_SESSION_SETUP =
  `ALTER SESSION SET TIME_ZONE = '+00:00'` +
  ` NLS_DATE_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS'` +
  ` NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF9'` +
  ` NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF9TZH:TZM'` +
  ` NLS_NUMERIC_CHARACTERS = '.,'`;

/** Oracle has no `SELECT 1` without a table. */
export const ORACLE_PROBE = 'SELECT 1 FROM dual';

/** One bind row of an `executeMany` that the database refused. */
export interface OracleBatchFailure {
  /** 0-based index of the bind row in the statement's `rows`. */
  readonly index: number;
  /** `ORA-00001`, or `ORA-?????` when the message carried no code. */
  readonly code: string;
  /** The database's message, first line. */
  readonly message: string;
}

/**
 * Thrown by {@link OracleDriver} when `executeMany(…, { batchErrors: true })` reports failing rows.
 * The rows that succeeded are not committed: the enclosing transaction rolls back. The classifier
 * (oracle-error-classifier.ts) reads `failures` to decide retriable or poison.
 */
export class OracleBatchError extends Error {
  /** The first failure's code, so tools that only look at `code` still see one. */
  readonly code: string;

  constructor(
    readonly failures: readonly OracleBatchFailure[],
    readonly rowCount: number,
  ) {
    const shown = failures
      .slice(0, 5)
      .map((f) => `row ${f.index}: ${f.message}`)
      .join('; ');
    const more = failures.length > 5 ? `; and ${failures.length - 5} more` : '';
    super(`${failures.length} of ${rowCount} bind rows failed: ${shown}${more}`);
    this.name = 'OracleBatchError';
    this.code = failures[0]?.code ?? 'ORA-?????';
  }

  /** The failing bind-row indexes, ascending. */
  get indexes(): number[] {
    return this.failures.map((f) => f.index).sort((a, b) => a - b);
  }
}

// ---------------------------------------------------------------------------------------------------
// The slice of node-oracledb 6 (Thin mode) that dbtwin uses. oracledb ships no type declarations.

interface OracleDbType {
  readonly name: string;
}

interface FetchMetadata {
  readonly dbType?: OracleDbType;
}

interface BindDef {
  readonly type: OracleDbType;
  readonly maxSize?: number;
}

interface OracleResult {
  readonly rows?: Record<string, unknown>[];
  readonly rowsAffected?: number;
  readonly batchErrors?: readonly { message?: string; offset?: number; errorNum?: number }[];
}

interface OracleConnection {
  readonly oracleServerVersionString: string;
  execute(sql: string, binds: unknown[], options: Record<string, unknown>): Promise<OracleResult>;
  executeMany(sql: string, binds: unknown[][], options: Record<string, unknown>): Promise<OracleResult>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(options?: { drop: boolean }): Promise<void>;
}

interface OraclePool {
  getConnection(): Promise<OracleConnection>;
  close(drainTime?: number): Promise<void>;
}

interface OracleDb {
  createPool(attributes: Record<string, unknown>): Promise<OraclePool>;
  readonly OUT_FORMAT_OBJECT: number;
  readonly DB_TYPE_NUMBER: OracleDbType;
  readonly DB_TYPE_VARCHAR: OracleDbType;
  readonly DB_TYPE_RAW: OracleDbType;
  readonly DB_TYPE_CLOB: OracleDbType;
  readonly DB_TYPE_NCLOB: OracleDbType;
  readonly DB_TYPE_BLOB: OracleDbType;
}

let loaded: OracleDb | undefined;

/** node-oracledb, loaded on first connect (CommonJS, Thin mode: no Oracle Client libraries). */
function oracledb(): OracleDb {
  loaded ??= createRequire(import.meta.url)('oracledb') as OracleDb;
  return loaded;
}

/** Binds over this many bytes go as CLOB/BLOB: a longer VARCHAR2/RAW bind would be a LONG in SQL. */
const MAX_VARCHAR_BIND_BYTES = 4000;
const MAX_RAW_BIND_BYTES = 2000;

/**
 * node-oracledb Thin pool. Reads are exact: NUMBER is fetched as the driver's exact text, CLOB/NCLOB
 * as strings, BLOB as Buffers, RAW natively as Buffers. DATE/TIMESTAMP are *not* fetched as strings
 * here: Thin mode makes them JS Dates first (milliseconds only), so the compiler reads them through
 * `TO_CHAR` instead. `many` statements run with `executeMany(…, { batchErrors: true })`; failing rows
 * throw {@link OracleBatchError}. Statements outside `transaction` run in a transaction of their own.
 */
export class OracleDriver implements EngineDriver {
  private version: string | undefined;

  private constructor(
    private readonly db: OracleDb,
    private readonly pool: OraclePool,
  ) {}

  /** Opens a pool (`host:port/service`, the service being `options.database`) and probes it with `SELECT 1 FROM dual`. */
  static async connect(options: ConnectionOptions): Promise<OracleDriver> {
    const db = oracledb();
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const pool = await db.createPool({
      user: options.user,
      password: options.password,
      connectString: `${host}:${options.port}/${options.database}`,
      poolMin: 0,
      poolMax: options.poolSize ?? 4,
      poolIncrement: 1,
      sessionCallback: setUpSession,
    });
    const driver = new OracleDriver(db, pool);
    try {
      await driver.query(ORACLE_PROBE);
      return driver;
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.withConnection(async (conn) => {
      const result = await conn.execute(sql, params.map(toBind), this.queryOptions(true));
      return result.rows ?? [];
    });
  }

  async execute(
    statement: CompiledStatement,
  ): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    return this.transaction((tx) => tx.execute(statement));
  }

  async serverVersion(): Promise<string> {
    this.version ??= await this.withConnection((conn) => Promise.resolve(conn.oracleServerVersionString));
    return this.version;
  }

  async transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      const result = await work({
        query: async (sql, params = []) =>
          (await conn.execute(sql, params.map(toBind), this.queryOptions(false))).rows ?? [],
        execute: (statement) => this.run(conn, statement),
      });
      await conn.commit();
      return result;
    } catch (error) {
      // A session that cannot even roll back is not given back to the pool.
      await conn.rollback().catch(() => (broken = true));
      throw error;
    } finally {
      await conn.close({ drop: broken }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.close(10);
  }

  private async withConnection<T>(work: (conn: OracleConnection) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      return await work(conn);
    } finally {
      await conn.close().catch(() => undefined);
    }
  }

  private queryOptions(autoCommit: boolean): Record<string, unknown> {
    const db = this.db;
    return {
      autoCommit,
      outFormat: db.OUT_FORMAT_OBJECT,
      fetchTypeHandler: (meta: FetchMetadata) => {
        switch (meta.dbType) {
          case db.DB_TYPE_NUMBER:
          case db.DB_TYPE_CLOB:
          case db.DB_TYPE_NCLOB:
            return { type: db.DB_TYPE_VARCHAR };
          case db.DB_TYPE_BLOB:
            return { type: db.DB_TYPE_RAW };
          default:
            return undefined;
        }
      },
    };
  }

  private async run(
    conn: OracleConnection,
    statement: CompiledStatement,
  ): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    if (statement.kind === 'single') {
      const result = await conn.execute(
        statement.sql,
        statement.params.map(toBind),
        this.queryOptions(false),
      );
      return { rows: result.rows ?? [], affected: result.rowsAffected ?? 0 };
    }
    if (statement.rows.length === 0) return { rows: [], affected: 0 };
    const rows = statement.rows.map((r) => r.map(toBind));
    const result = await conn.executeMany(statement.sql, rows, {
      autoCommit: false,
      batchErrors: true,
      bindDefs: bindDefsFor(this.db, rows),
    });
    if (result.batchErrors && result.batchErrors.length > 0) {
      throw new OracleBatchError(
        result.batchErrors.map((e, i) => batchFailure(e, i)),
        rows.length,
      );
    }
    return { rows: [], affected: result.rowsAffected ?? 0 };
  }
}

/** The pool's session callback: runs once for each new session before it is handed out. */
function setUpSession(conn: OracleConnection, _requestedTag: string, done: (error?: unknown) => void): void {
  conn.execute(ORACLE_SESSION_SETUP, [], {}).then(
    () => done(),
    (error: unknown) => done(error),
  );
}

/** A bind value node-oracledb takes: Buffers for bytes, text for bigints (exact), the rest as is. */
function toBind(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

/**
 * Bind types per position for `executeMany`, from every row (node-oracledb would otherwise guess from
 * the first row): text as VARCHAR2 sized to the longest value, or CLOB past 4000 bytes; bytes as RAW,
 * or BLOB past 2000 bytes; numbers as NUMBER; all-NULL positions as a 1-byte VARCHAR2. A position
 * mixing numbers and text gets its numbers turned into text in `rows` (the codec never mixes them).
 */
function bindDefsFor(db: OracleDb, rows: unknown[][]): BindDef[] {
  const width = rows[0]?.length ?? 0;
  const defs: BindDef[] = [];
  for (let i = 0; i < width; i++) {
    let textBytes = -1;
    let rawBytes = -1;
    let numbers = false;
    for (const row of rows) {
      const v = row[i];
      if (typeof v === 'string') textBytes = Math.max(textBytes, Buffer.byteLength(v, 'utf8'));
      else if (Buffer.isBuffer(v)) rawBytes = Math.max(rawBytes, v.length);
      else if (typeof v === 'number') numbers = true;
    }
    if (textBytes >= 0) {
      // Numbers mixed with text in one position are bound as their text.
      if (numbers) for (const row of rows) if (typeof row[i] === 'number') row[i] = String(row[i]);
      defs.push(
        textBytes > MAX_VARCHAR_BIND_BYTES
          ? { type: db.DB_TYPE_CLOB }
          : { type: db.DB_TYPE_VARCHAR, maxSize: Math.max(1, textBytes) },
      );
    } else if (rawBytes >= 0) {
      defs.push(
        rawBytes > MAX_RAW_BIND_BYTES
          ? { type: db.DB_TYPE_BLOB }
          : { type: db.DB_TYPE_RAW, maxSize: Math.max(1, rawBytes) },
      );
    } else if (numbers) {
      defs.push({ type: db.DB_TYPE_NUMBER });
    } else {
      defs.push({ type: db.DB_TYPE_VARCHAR, maxSize: 1 });
    }
  }
  return defs;
}

function batchFailure(
  e: { message?: string; offset?: number; errorNum?: number },
  i: number,
): OracleBatchFailure {
  const message = (e.message ?? '').split('\n')[0] ?? '';
  const fromMessage = /\bORA-\d{5}\b/.exec(message)?.[0];
  const fromNum = typeof e.errorNum === 'number' ? `ORA-${String(e.errorNum).padStart(5, '0')}` : undefined;
  // Thin mode builds each batch error as `new Error(<code number>)` before the text arrives.
  const numericMessage = /^\d+$/.test(message) ? `ORA-${message.padStart(5, '0')}` : undefined;
  return {
    index: e.offset ?? i,
    code: fromMessage ?? fromNum ?? numericMessage ?? 'ORA-?????',
    message: message || (fromNum ?? 'unknown error'),
  };
}
