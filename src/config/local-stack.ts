import type { ConnectionOptions } from '../engines/engine-driver.js';

/**
 * The local stack's two sides as `compose/local/stack.sh` and `compose/connectors/local` set them up:
 * MariaDB database `dbtwin` (side `mariadb`, topics `mariadb.dbtwin.<table>`) and PostgreSQL database
 * `dbtwin`, schema `public` (side `postgres`, topics `postgres.public.<table>`). Used by the demo and
 * the tests; a deployment names its sides in its own configuration.
 */
export const LOCAL_SIDES = {
  mariadb: {
    side: 'mariadb',
    engine: 'mysql',
    schema: 'dbtwin',
    topicPrefix: 'mariadb',
    connection: {
      host: process.env['MARIADB_HOST'] ?? '127.0.0.1',
      port: Number(process.env['MARIADB_PORT'] ?? 3306),
      user: process.env['MARIADB_USER'] ?? 'dbtwin',
      password: process.env['MARIADB_PASSWORD'] ?? 'dbtwin',
      database: 'dbtwin',
    } satisfies ConnectionOptions,
  },
  postgres: {
    side: 'postgres',
    engine: 'postgres',
    schema: 'public',
    topicPrefix: 'postgres',
    connection: {
      host: process.env['POSTGRES_HOST'] ?? '127.0.0.1',
      port: Number(process.env['POSTGRES_PORT'] ?? 5432),
      user: process.env['POSTGRES_USER'] ?? 'postgres',
      password: process.env['POSTGRES_PASSWORD'] ?? 'postgres',
      database: 'dbtwin',
    } satisfies ConnectionOptions,
  },
} as const;

/** The Debezium topic of a local table. */
export function localTopic(side: keyof typeof LOCAL_SIDES, table: string): string {
  const s = LOCAL_SIDES[side];
  return `${s.topicPrefix}.${s.schema}.${table}`;
}
