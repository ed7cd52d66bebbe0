/**
 * The connection extension point every engine implements (design §1: only `src/engines/<engine>/`
 * imports a database driver). Sessions are opened in UTC with strict modes, so values mean the same
 * whichever engine reads them.
 */
export interface EngineDriver {
  /** Runs one statement with bound parameters (never concatenated) and returns its rows, if any. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs `work` inside one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: EngineSession) => Promise<T>): Promise<T>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** One connection inside a transaction. */
export interface EngineSession {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
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
