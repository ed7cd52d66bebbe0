import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineName } from '../../src/core/change-event.js';
import type { SchemaTable } from '../../src/engines/dialect.js';
import type { EngineDriver } from '../../src/engines/engine-driver.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../src/engines/postgres/postgres-driver.js';
import {
  type TranslatedSchema,
  type TranslateOptions,
  translateSchema,
} from '../../src/translate/schema-translator.js';
import {
  REPRESENTATIVE_MYSQL_SCHEMA,
  REPRESENTATIVE_ORACLE_SCHEMA,
  REPRESENTATIVE_POSTGRES_SCHEMA,
} from '../support/representative-schema.js';

/**
 * The MySQL and PostgreSQL DDL that `translateSchema` generates for the representative schemas runs
 * for real, after-data foreign keys included: on MariaDB (database `dbtwin_scratch`, tables prefixed
 * `ddlc_` so nothing else there is touched) and on PostgreSQL (database `dbtwin_scratch`, a schema of
 * its own). Both are created when missing; everything created is dropped again. A few rows then show
 * that the added checks, defaults and identities behave.
 */

const SCRATCH = 'dbtwin_scratch';
const PG_SCHEMA = `ddlc_${process.pid}`;

const MARIADB = {
  host: process.env['MARIADB_HOST'] ?? '127.0.0.1',
  port: Number(process.env['MARIADB_PORT'] ?? 3306),
  user: process.env['MARIADB_ADMIN_USER'] ?? 'root',
  password: process.env['MARIADB_ADMIN_PASSWORD'] ?? '',
};
const POSTGRES = {
  host: process.env['POSTGRES_HOST'] ?? '127.0.0.1',
  port: Number(process.env['POSTGRES_PORT'] ?? 5432),
  user: process.env['POSTGRES_USER'] ?? 'postgres',
  password: process.env['POSTGRES_PASSWORD'] ?? 'postgres',
};

const SOURCES: Readonly<Record<EngineName, readonly SchemaTable[]>> = {
  mysql: REPRESENTATIVE_MYSQL_SCHEMA,
  oracle: REPRESENTATIVE_ORACLE_SCHEMA,
  postgres: REPRESENTATIVE_POSTGRES_SCHEMA,
};

/**
 * The tables with every schema-wide name (tables, keys, indexes, checks, foreign keys) prefixed, in the
 * source's case, so that MariaDB's per-database foreign key names cannot meet anyone else's.
 */
function prefixed(tables: readonly SchemaTable[], from: EngineName): SchemaTable[] {
  const p = (name: string): string => `${from === 'oracle' ? 'DDLC_' : 'ddlc_'}${name}`;
  return tables.map((t) => ({
    ...t,
    name: p(t.name),
    ...(t.primaryKeyName === undefined || t.primaryKeyName === 'PRIMARY'
      ? {}
      : { primaryKeyName: p(t.primaryKeyName) }),
    uniqueKeyInfo: t.uniqueKeyInfo.map((k) => ({ ...k, name: p(k.name) })),
    foreignKeys: t.foreignKeys.map((fk) => ({ ...fk, name: p(fk.name), refTable: p(fk.refTable) })),
    indexes: t.indexes.map((i) => ({ ...i, name: p(i.name) })),
    checks: t.checks.map((c) => ({ ...c, name: p(c.name) })),
  }));
}

async function run(driver: EngineDriver, statements: readonly string[]): Promise<void> {
  for (const sql of statements) {
    try {
      await driver.query(sql);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${sql}`, { cause: error });
    }
  }
}

/** Rejects with a CHECK violation (MariaDB 4025, PostgreSQL 23514). */
async function assertCheckFails(
  driver: EngineDriver,
  sql: string,
  params: readonly unknown[] = [],
): Promise<void> {
  await assert.rejects(driver.query(sql, params), /CONSTRAINT .* failed|violates check constraint/i, sql);
}

describe('generated MySQL DDL runs on MariaDB', () => {
  let driver: MysqlDriver;
  const created: string[] = [];

  before(async () => {
    driver = await MysqlDriver.connect({ ...MARIADB, database: 'mysql', poolSize: 1 });
    await driver.query(`CREATE DATABASE IF NOT EXISTS ${SCRATCH}`);
  });

  after(async () => {
    if (created.length > 0) {
      // One connection (poolSize 1), so the session setting holds for the drop.
      await driver.query('SET FOREIGN_KEY_CHECKS = 0');
      await driver.query(`DROP TABLE IF EXISTS ${created.join(', ')}`);
      await driver.query('SET FOREIGN_KEY_CHECKS = 1');
    }
    await driver.close();
  });

  async function translateAndRun(
    from: EngineName,
    options: Partial<TranslateOptions> = {},
  ): Promise<TranslatedSchema> {
    const result = translateSchema(prefixed(SOURCES[from], from), {
      from,
      to: 'mysql',
      targetSchema: SCRATCH,
      ...options,
    });
    const tables = result.tables.map((t) => `${SCRATCH}.\`${t.target}\``);
    await driver.query('SET FOREIGN_KEY_CHECKS = 0');
    await driver.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
    await driver.query('SET FOREIGN_KEY_CHECKS = 1');
    created.push(...tables);
    await run(driver, result.statements);
    await run(driver, result.afterData);
    const [fks] = await driver.query(
      `SELECT COUNT(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`,
      [SCRATCH, ...result.tables.map((t) => t.target)],
    );
    assert.equal(
      Number(fks?.['n']),
      result.afterData.filter((s) => /FOREIGN KEY/.test(s)).length,
      'every foreign key exists',
    );
    return result;
  }

  it('MySQL → MySQL: the catalog declarations as they are, every table and foreign key', async () => {
    const result = await translateAndRun('mysql');
    assert.equal(result.tables.length, REPRESENTATIVE_MYSQL_SCHEMA.length);
    await driver.query(
      `INSERT INTO ${SCRATCH}.ddlc_customers (email, name, tags, profile) VALUES ('a@example.com', 'Ann', 'vip,b2b', '{"a":1}')`,
    );
    const [row] = await driver.query(`SELECT id, status, is_active FROM ${SCRATCH}.ddlc_customers`);
    assert.deepEqual([Number(row?.['id']), row?.['status'], Number(row?.['is_active'])], [1, 'active', 1]);
  });

  it('Oracle → MySQL: integer widths, byte limits, booleans and JSON recognised, checks enforced', async () => {
    const result = await translateAndRun('oracle');
    const accounts = `${SCRATCH}.ddlc_accounts`;
    await driver.query(
      `INSERT INTO ${accounts} (code, active, hundreds, doc, small) VALUES ('A1', 1, 200, '{"x":[1,2]}', 999)`,
    );
    await assertCheckFails(driver, `INSERT INTO ${accounts} (code, active) VALUES ('A2', 2)`);
    await assertCheckFails(driver, `INSERT INTO ${accounts} (code, active, hundreds) VALUES ('A3', 1, 150)`);
    await assertCheckFails(driver, `INSERT INTO ${accounts} (code, active, small) VALUES ('A4', 1, 1000)`);
    // VARCHAR2(30 BYTE): 30 characters, but not 30 two-byte ones.
    await assertCheckFails(driver, `INSERT INTO ${accounts} (code, active) VALUES (?, 1)`, ['é'.repeat(20)]);
    await assertCheckFails(
      driver,
      `INSERT INTO ${accounts} (code, active, doc) VALUES ('A5', 1, 'not json')`,
    );
    const [row] = await driver.query(`SELECT id, grade, opened IS NOT NULL AS opened FROM ${accounts}`);
    assert.deepEqual([Number(row?.['id']), row?.['grade'], Number(row?.['opened'])], [1, 'A', 1]);
    const mixed = result.tables.find((t) => t.source === 'DDLC_Mixed Case');
    assert.equal(mixed?.target, 'DDLC_Mixed Case', 'a quoted mixed-case Oracle name is kept');
  });

  it('PostgreSQL → MySQL: text keys shortened, UUID default and pattern, enum, boolean', async () => {
    const result = await translateAndRun('postgres');
    const devices = `${SCRATCH}.ddlc_devices`;
    await driver.query(`INSERT INTO ${devices} (serial_no, mood) VALUES ('S1', 'tired')`);
    const [row] = await driver.query(`SELECT uid, enabled, state, status FROM ${devices}`);
    assert.match(String(row?.['uid']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual([Number(row?.['enabled']), row?.['state'], row?.['status']], [1, '{}', 'new']);
    await assertCheckFails(driver, `INSERT INTO ${devices} (serial_no, uid) VALUES ('S2', 'NOT-A-UUID')`);
    await assertCheckFails(driver, `INSERT INTO ${devices} (serial_no, enabled) VALUES ('S3', 2)`);
    assert.ok(result.warnings.some((w) => /unsupported: ddlc_Tags\.tags/.test(w)));
  });
});

describe('generated PostgreSQL DDL runs on PostgreSQL', () => {
  let driver: PostgresDriver;

  before(async () => {
    const admin = await PostgresDriver.connect({ ...POSTGRES, database: 'postgres', poolSize: 1 });
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [SCRATCH]);
      if (found.length === 0) await admin.query(`CREATE DATABASE ${SCRATCH}`);
    } finally {
      await admin.close();
    }
    driver = await PostgresDriver.connect({ ...POSTGRES, database: SCRATCH, poolSize: 2 });
    await driver.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await driver.query(`CREATE SCHEMA ${PG_SCHEMA}`);
  });

  after(async () => {
    await driver.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
    await driver.close();
  });

  async function translateAndRun(
    from: EngineName,
    load: () => Promise<void> = async () => {},
    options: Partial<TranslateOptions> = {},
    source: readonly SchemaTable[] = SOURCES[from],
  ): Promise<TranslatedSchema> {
    const result = translateSchema(prefixed(source, from), {
      from,
      to: 'postgres',
      targetSchema: PG_SCHEMA,
      ...options,
    });
    await run(driver, result.statements);
    await load();
    await run(driver, result.afterData);
    const [fks] = await driver.query(
      `SELECT COUNT(*)::int AS n FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND c.contype = 'f' AND t.relname = ANY($2::text[])`,
      [PG_SCHEMA, result.tables.map((t) => t.target)],
    );
    assert.equal(
      Number(fks?.['n']),
      result.afterData.filter((s) => /FOREIGN KEY/.test(s)).length,
      'every foreign key exists',
    );
    return result;
  }

  it('MySQL → PostgreSQL: every table; identities follow the loaded keys; checks keep the MySQL domain', async () => {
    const customers = `${PG_SCHEMA}.ddlc_customers`;
    const result = await translateAndRun('mysql', async () => {
      // The data load writes explicit keys; the after-data setval must move the identity past them.
      await driver.query(
        `INSERT INTO ${customers} (id, email, name) VALUES (1, 'a@example.com', 'Ann'), (41, 'b@example.com', 'Bob')`,
      );
    });
    assert.equal(result.tables.length, REPRESENTATIVE_MYSQL_SCHEMA.length);
    const [next] = await driver.query(
      `INSERT INTO ${customers} (email, name, tags) VALUES ('c@example.com', 'Cy', 'vip,b2b') RETURNING id, is_active, status`,
    );
    // The driver returns every column as the server's text.
    assert.deepEqual([Number(next?.['id']), next?.['is_active'], next?.['status']], [42, 't', 'active']);
    await assertCheckFails(
      driver,
      `INSERT INTO ${customers} (email, name, tags) VALUES ('d@example.com', 'Di', 'vip,nope')`,
    );
    await assertCheckFails(
      driver,
      `INSERT INTO ${customers} (email, name, created_at) VALUES ('e@example.com', 'Ed', '2040-01-01T00:00:00Z')`,
    );
    const numbers = `${PG_SCHEMA}.ddlc_number_samples`;
    await driver.query(
      `INSERT INTO ${numbers} (i8, u64, flag, bit5) VALUES (127, 18446744073709551615, true, B'00101')`,
    );
    await assertCheckFails(driver, `INSERT INTO ${numbers} (i8) VALUES (128)`);
    await assertCheckFails(driver, `INSERT INTO ${numbers} (u8) VALUES (-1)`);
    await assertCheckFails(driver, `INSERT INTO ${numbers} (u64) VALUES (18446744073709551616)`);
    const temporal = `${PG_SCHEMA}.ddlc_temporal_samples`;
    await driver.query(`INSERT INTO ${temporal} (id, t6, y) VALUES (1, '23:59:59.999999', 2024)`);
    await assertCheckFails(driver, `INSERT INTO ${temporal} (id, y) VALUES (2, 1900)`);
    const [defaults] = await driver.query(`SELECT d::text AS d, dt_default::text AS dt FROM ${temporal}`);
    assert.deepEqual([defaults?.['d'], defaults?.['dt']], ['2000-01-01', '2024-02-29 12:34:56.123456']);
  });

  it('Oracle → PostgreSQL: NUMBER forms, negative scale, JSON and boolean recognised', async () => {
    await translateAndRun('oracle', async () => {
      await driver.query(`INSERT INTO ${PG_SCHEMA}.ddlc_accounts (id, code, active) VALUES (7, 'A', true)`);
    });
    const accounts = `${PG_SCHEMA}.ddlc_accounts`;
    const [row] = await driver.query(
      `INSERT INTO ${accounts} (code, active, hundreds, doc) VALUES ('B', false, 12345, '{"b":1}') RETURNING id, hundreds::text AS hundreds`,
    );
    assert.deepEqual([Number(row?.['id']), row?.['hundreds']], [8, '12300']);
    await assertCheckFails(driver, `INSERT INTO ${accounts} (code, active) VALUES ($1, true)`, [
      'é'.repeat(20),
    ]);
    await assertCheckFails(
      driver,
      `INSERT INTO ${accounts} (code, active, balance) VALUES ('C', true, -2000)`,
    );
  });

  it('PostgreSQL → PostgreSQL: the declarations as they are (the enum type through an override)', async () => {
    await driver.query(`CREATE TYPE ${PG_SCHEMA}.mood AS ENUM ('ok', 'tired', 'broken')`);
    // The enum lives in a schema off the search path, so the catalog shows its default qualified.
    const source = REPRESENTATIVE_POSTGRES_SCHEMA.map((t) => ({
      ...t,
      columns: t.columns.map((c) =>
        c.name === 'mood' ? { ...c, defaultValue: `'ok'::${PG_SCHEMA}.mood` } : c,
      ),
    }));
    const result = await translateAndRun(
      'postgres',
      async () => {},
      { overrides: { tables: { ddlc_devices: { columns: { mood: { type: `${PG_SCHEMA}.mood` } } } } } },
      source,
    );
    assert.deepEqual(result.warnings, []);
    const [row] = await driver.query(
      `INSERT INTO ${PG_SCHEMA}.ddlc_devices (serial_no) VALUES ('S') RETURNING id, mood::text AS mood, status, uid IS NOT NULL AS has_uid`,
    );
    assert.deepEqual(
      [Number(row?.['id']), row?.['mood'], row?.['status'], row?.['has_uid']],
      [1, 'ok', 'new', 't'],
    );
  });
});
