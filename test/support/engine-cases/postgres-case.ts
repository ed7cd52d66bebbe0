import { LOCAL_SIDES } from '../../../src/config/local-stack.js';
import { postgresDialect } from '../../../src/engines/postgres/postgres-dialect.js';
import type { EngineCase } from '../engine-contract.js';

/**
 * PostgreSQL engine against the local server, database `dbtwin_scratch`, schema `public`: outside what
 * the Debezium connector captures (its publication is per database).
 */
export const postgresCase: EngineCase = {
  name: 'postgres (local PostgreSQL)',
  dialect: postgresDialect,
  connection: { ...LOCAL_SIDES.postgres.connection, database: 'dbtwin_scratch' },
  schema: LOCAL_SIDES.postgres.schema,
  createTable: (table, shape) =>
    shape === 'wide'
      ? [
          `CREATE TABLE ${table} (
            id bigint PRIMARY KEY,
            name varchar(100) NOT NULL,
            code varchar(20) UNIQUE,
            amount numeric(30,10),
            big numeric(20,0),
            ratio double precision,
            flag boolean,
            born date,
            seen_at timestamp(6),
            at_tz timestamptz(6),
            span time(6),
            doc jsonb,
            payload bytea
          )`,
        ]
      : [
          `CREATE TABLE ${table} (tenant varchar(20) NOT NULL, seq integer NOT NULL, label varchar(50),
            PRIMARY KEY (tenant, seq))`,
        ],
  dropTable: (table) => [`DROP TABLE IF EXISTS ${table}`],
  param: (n) => `$${n}`,
  dataTypes: {
    id: 'bigint',
    name: 'character varying',
    code: 'character varying',
    amount: 'numeric',
    big: 'numeric',
    ratio: 'double precision',
    flag: 'boolean',
    born: 'date',
    seen_at: 'timestamp without time zone',
    at_tz: 'timestamp with time zone',
    span: 'time without time zone',
    doc: 'jsonb',
    payload: 'bytea',
  },
  vendorCodes: { duplicate: '23505', deadlock: '40P01' },
  // A boolean column holds booleans: the 0/1 of a MySQL TINYINT(1) reads back as false/true.
  canonical: (column, value) => (column === 'flag' && typeof value === 'number' ? value !== 0 : value),
};
