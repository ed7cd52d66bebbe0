import { LOCAL_SIDES } from '../../../src/config/local-stack.js';
import { postgresDialect } from '../../../src/engines/postgres/postgres-dialect.js';
import type { SchemaCase } from '../schema-contract.js';

const SCRATCH = 'dbtwin_scratch';

/**
 * PostgreSQL engine against the local server, database `dbtwin_scratch`, schema `public`. The parent's
 * id is GENERATED ALWAYS; a serial column `seq_no` shows the `by-default` of a `nextval` default.
 */
export const postgresSchemaCase: SchemaCase = {
  name: 'postgres (local PostgreSQL)',
  dialect: postgresDialect,
  connection: { ...LOCAL_SIDES.postgres.connection, database: SCRATCH },
  schema: LOCAL_SIDES.postgres.schema,
  async prepare() {
    const driver = await postgresDialect.createDriver({
      ...LOCAL_SIDES.postgres.connection,
      database: 'postgres',
    });
    try {
      const found = await driver.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [SCRATCH]);
      // CREATE DATABASE has no IF NOT EXISTS and runs outside a transaction (the pool autocommits).
      if (found.length === 0) await driver.query(`CREATE DATABASE ${SCRATCH}`);
    } finally {
      await driver.close();
    }
  },
  createTables: (n) => [
    `CREATE TABLE ${n.parent} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant varchar(20) NOT NULL,
      code varchar(30) NOT NULL,
      qty integer,
      total integer GENERATED ALWAYS AS (qty * 2) STORED,
      seq_no serial,
      CONSTRAINT ${n.uniqueKey} UNIQUE (tenant, code),
      CONSTRAINT ${n.check} CHECK (qty >= 0)
    )`,
    `COMMENT ON TABLE ${n.parent} IS 'parent table'`,
    `COMMENT ON COLUMN ${n.parent}.total IS 'twice the quantity'`,
    `CREATE TABLE ${n.child} (
      parent_id bigint NOT NULL,
      line integer NOT NULL,
      note varchar(50),
      created_at timestamp(6),
      CONSTRAINT ${n.childPrimaryKey} PRIMARY KEY (parent_id, line),
      CONSTRAINT ${n.foreignKey} FOREIGN KEY (parent_id) REFERENCES ${n.parent} (id)
        ON DELETE CASCADE ON UPDATE NO ACTION
    )`,
    `CREATE INDEX ${n.index} ON ${n.child} (note, created_at DESC)`,
  ],
  dropTables: (n) => [`DROP TABLE IF EXISTS ${n.child}`, `DROP TABLE IF EXISTS ${n.parent}`],
  expect: {
    identity: 'always',
    childPrimaryKeyName: (n) => n.childPrimaryKey,
    descendingIndexes: () => true,
    parentExtras: { seq_no: { identity: 'by-default', autoIncrement: true, nullable: false } },
  },
};
