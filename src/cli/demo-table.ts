import type { EngineDriver } from '../engines/engine-driver.js';

/** The demo's table, on both sides of the example `dbtwin.yaml` (and named by `rules/demo_accounts.yaml`). */
export const DEMO_TABLE = 'demo_accounts';

/**
 * Creates the demo table on MariaDB and PostgreSQL when it is missing (idempotent), with the full
 * replica identity PostgreSQL needs for Debezium to report before-images of updates and deletes.
 */
export async function createDemoTable(mariadb: EngineDriver, postgres: EngineDriver): Promise<void> {
  await mariadb.query(
    `CREATE TABLE IF NOT EXISTS ${DEMO_TABLE} (id INT PRIMARY KEY, owner VARCHAR(64) NOT NULL, balance DECIMAL(14,2) NOT NULL, updated_at DATETIME(6) NOT NULL)`,
  );
  await postgres.query(
    `CREATE TABLE IF NOT EXISTS ${DEMO_TABLE} (id int PRIMARY KEY, owner varchar(64) NOT NULL, balance numeric(14,2) NOT NULL, updated_at timestamp(6) NOT NULL)`,
  );
  await postgres.query(`ALTER TABLE ${DEMO_TABLE} REPLICA IDENTITY FULL`);
}
