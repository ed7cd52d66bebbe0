import type { CompiledStatement } from './dialect.js';

/**
 * The connection extension point every engine implements (design §1: only `src/engines/<engine>/`
 * imports a database driver). Sessions are opened in UTC with strict modes, so values mean the same
 * whichever engine reads them.
 */
export interface EngineDriver extends EngineSession {
  /** The server's version string (`10.11.19-MariaDB-…`, `8.4.3`, `15.20`, `23.5.0.24.07`), for the compiler's flavour. */
  serverVersion(): Promise<string>;
  /** Runs `work` inside one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** One connection (inside a transaction) or the pool (outside one). */
export interface EngineSession {
  /** Runs one statement with bound parameters (never concatenated) and returns its rows, if any. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Runs a compiled statement. Returns the rows a `single` SELECT produced (empty for DML) and the
   * affected-row count. For `many`, a failing bind row throws an error that names the failing row
   * indexes (Oracle `batchErrors`).
   */
  execute(statement: CompiledStatement): Promise<{ rows: Record<string, unknown>[]; affected: number }>;
}

/** Where and as whom to connect. `password` is redacted from logs (see core/logger.ts). */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Pool size; default 4. */
  readonly poolSize?: number;
  /**
   * How apply sessions mark their writes for capture-level exclusion (design §3.3). MySQL/MariaDB only;
   * other engines ignore it. Unset: sessions are not marked.
   */
  readonly applyTag?: ApplyTag;
}

/** Marks on dbtwin's own writes that the side's Debezium connector (or the reverse link) recognises. */
export interface ApplyTag {
  /** MariaDB: every session runs `SET SESSION gtid_domain_id = <n>`, excluded by the connector's `gtid.source.excludes`. */
  readonly gtidDomainId?: number;
  /** MySQL/MariaDB: every statement starts with the comment `/* <marker> *\/`, seen in the event's `source.query`. */
  readonly statementMarker?: string;
}

/**
 * Returns the driver once one round trip succeeded, so a wrong address or password fails at connect
 * time, not at the first batch; closes the pool when it did not.
 */
export async function probed<D extends EngineDriver>(driver: D): Promise<D> {
  try {
    await driver.query('SELECT 1');
    return driver;
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
}
