import { LOCAL_SIDES, localTopic } from '../../src/config/local-stack.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../src/engines/postgres/postgres-driver.js';

/**
 * One side of the local stack as the per-engine suites see it: how to connect, how to spell the
 * engine's SQL for the suites' tables, and where Debezium publishes the changes.
 */
export interface LocalEngine {
  readonly side: 'mariadb' | 'postgres';
  /** `schema.table` as Debezium reports it. */
  qualified(table: string): string;
  topic(table: string): string;
  connect(): Promise<EngineDriver>;
  /** Bound-parameter placeholder number `n` (1-based). */
  param(n: number): string;
  /** DDL creating a table with the suites' common columns, ready for Debezium (PostgreSQL: full replica identity). */
  createTable(table: string): string[];
}

export const LOCAL_ENGINES: readonly LocalEngine[] = [
  {
    side: 'mariadb',
    qualified: (t) => `${LOCAL_SIDES.mariadb.schema}.${t}`,
    topic: (t) => localTopic('mariadb', t),
    connect: () => MysqlDriver.connect(LOCAL_SIDES.mariadb.connection),
    param: () => '?',
    createTable: (t) => [
      `CREATE TABLE ${t} (id BIGINT PRIMARY KEY, name VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL, amount DECIMAL(30,10), born DATE, seen_at DATETIME(6), big BIGINT UNSIGNED, payload BLOB)`,
    ],
  },
  {
    side: 'postgres',
    qualified: (t) => `${LOCAL_SIDES.postgres.schema}.${t}`,
    topic: (t) => localTopic('postgres', t),
    connect: () => PostgresDriver.connect(LOCAL_SIDES.postgres.connection),
    param: (n) => `$${n}`,
    createTable: (t) => [
      `CREATE TABLE ${t} (id bigint PRIMARY KEY, name varchar(100) NOT NULL, amount numeric(30,10), born date, seen_at timestamp(6), big numeric(20,0), payload bytea)`,
      `ALTER TABLE ${t} REPLICA IDENTITY FULL`,
    ],
  },
];
