import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import type { EngineName } from '../../src/core/change-event.js';
import type { TableInfo } from '../../src/engines/dialect.js';
import { dialectFor } from '../../src/engines/dialect-registry.js';
import type { ConnectionOptions, EngineDriver } from '../../src/engines/engine-driver.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { PostgresDriver } from '../../src/engines/postgres/postgres-driver.js';
import {
  checkSchema,
  type CheckOptions,
  type CheckReport,
  type RoundTripProblem,
} from '../../src/translate/schema-checker.js';

/**
 * `checkSchema` against real MariaDB and PostgreSQL (database dbtwin_scratch on both, created when
 * missing; nothing captures it): problems planted in the data are found and named with table, column
 * and key. Oracle is a target only here (its scanning SQL is unit-tested).
 */
const SCRATCH = 'dbtwin_scratch';
const MARIADB_ROOT: ConnectionOptions = {
  ...LOCAL_SIDES.mariadb.connection,
  user: 'root',
  password: process.env['MARIADB_ROOT_PASSWORD'] ?? '',
  database: SCRATCH,
};
const POSTGRES: ConnectionOptions = { ...LOCAL_SIDES.postgres.connection, database: SCRATCH };
const run = `${Date.now() % 1_000_000}_${Math.floor(Math.random() * 1000)}`;
const t = (name: string): string => `sc_${name}_${run}`;

let mariadb: MysqlDriver;
let postgres: PostgresDriver;
const created: { engine: EngineName; table: string }[] = [];

async function ensureDatabases(): Promise<void> {
  const server = await MysqlDriver.connect({ ...MARIADB_ROOT, database: '' });
  try {
    await server.query(`CREATE DATABASE IF NOT EXISTS ${SCRATCH}`);
  } finally {
    await server.close();
  }
  const pg = await PostgresDriver.connect({ ...POSTGRES, database: 'postgres' });
  try {
    const found = await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [SCRATCH]);
    if (found.length === 0) await pg.query(`CREATE DATABASE ${SCRATCH}`);
  } finally {
    await pg.close();
  }
}

async function create(engine: EngineName, table: string, ...statements: string[]): Promise<void> {
  const driver = engine === 'mysql' ? mariadb : postgres;
  created.push({ engine, table });
  for (const sql of statements) await driver.query(sql);
}

async function describeTable(engine: EngineName, table: string): Promise<TableInfo> {
  const driver = engine === 'mysql' ? mariadb : postgres;
  const info = await dialectFor(engine)
    .createIntrospector(driver)
    .table(engine === 'mysql' ? SCRATCH : 'public', table);
  assert.ok(info, `table ${table} exists`);
  return info;
}

async function check(
  engine: EngineName,
  table: string,
  options: Omit<CheckOptions, 'from'>,
): Promise<CheckReport> {
  const driver: EngineDriver = engine === 'mysql' ? mariadb : postgres;
  const schema = engine === 'mysql' ? SCRATCH : 'public';
  return checkSchema(driver, schema, [await describeTable(engine, table)], {
    from: engine,
    ...(engine === 'mysql' ? { fromFlavor: 'mariadb' as const } : {}),
    ...options,
  });
}

function only(report: CheckReport, match: Partial<RoundTripProblem>): RoundTripProblem {
  const found = report.problems.filter((p) =>
    Object.entries(match).every(
      ([k, v]) => JSON.stringify(p[k as keyof RoundTripProblem]) === JSON.stringify(v),
    ),
  );
  assert.equal(
    found.length,
    1,
    `one problem ${JSON.stringify(match)} in:\n${report.problems.map((p) => `${p.severity} ${p.kind} ${p.message}`).join('\n')}`,
  );
  return found[0]!;
}

describe('schema check on real MariaDB and PostgreSQL', () => {
  before(async () => {
    await ensureDatabases();
    mariadb = await MysqlDriver.connect(MARIADB_ROOT);
    postgres = await PostgresDriver.connect(POSTGRES);
  });

  after(async () => {
    for (const { engine, table } of created.reverse()) {
      const driver = engine === 'mysql' ? mariadb : postgres;
      await driver.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
    await mariadb?.close();
    await postgres?.close();
  });

  it('PostgreSQL → MySQL: keys distinct by case, accent or trailing space collide (keyset pages of 2 rows)', async () => {
    const users = t('users');
    await create(
      'postgres',
      users,
      `CREATE TABLE ${users} (email varchar(100) PRIMARY KEY, code varchar(10) NOT NULL, nick varchar(10), CONSTRAINT ${users}_code UNIQUE (code))`,
      `INSERT INTO ${users} VALUES ('Alice@x.org', 'e', 'a'), ('alice@x.org', 'é', 'b'), ('bob@x.org', 'f', 'x'),
        ('carol@x.org', 'g', 'x '), ('dave@x.org', 'h', NULL), ('erin@x.org', 'i', NULL), ('ALICE@X.ORG', 'j', NULL)`,
      `CREATE UNIQUE INDEX ${users}_nick ON ${users} (nick)`,
    );
    const report = await check('postgres', users, { to: 'mysql', toFlavor: 'mariadb', pageSize: 2 });
    assert.equal(report.safe, false);
    assert.deepEqual(report.scanned, { tables: 1, rows: 7 });

    const pk = only(report, { kind: 'key-collision', key: ['email'] });
    assert.equal(pk.severity, 'blocker');
    assert.equal(pk.table, users);
    assert.equal(pk.rows, 3, 'Alice@x.org, alice@x.org and ALICE@X.ORG are one key');
    assert.deepEqual([...(pk.values ?? [])].sort(), ['ALICE@X.ORG', 'Alice@x.org', 'alice@x.org']);
    assert.match(
      pk.message,
      new RegExp(
        `^${users}: primary key \\(email\\) collides on mariadb \\(case- and accent-insensitive, PAD SPACE: utf8mb4_general_ci\\)`,
      ),
    );
    // In primary-key order (PostgreSQL's collation here is C: upper case first).
    assert.match(pk.message, /: 'ALICE@X\.ORG' and 'Alice@x\.org' and 'alice@x\.org'; /);

    const code = only(report, { kind: 'key-collision', key: ['code'] });
    assert.equal(code.severity, 'blocker');
    assert.equal(code.rows, 2);
    assert.match(code.message, new RegExp(`unique key \\(code\\) collides .*'e' and 'é'`));

    const nick = only(report, { kind: 'key-collision', key: ['nick'] });
    assert.equal(nick.severity, 'blocker', "'x' and 'x ' are one key under PAD SPACE; NULLs never collide");
    assert.equal(nick.rows, 2);
    assert.match(nick.message, /'x' and 'x '/);
  });

  it('PostgreSQL → MySQL with a binary NO PAD collision-free collation: no key scan, safe', async () => {
    const users = t('users_bin');
    await create(
      'postgres',
      users,
      `CREATE TABLE ${users} (email varchar(100) PRIMARY KEY)`,
      `INSERT INTO ${users} VALUES ('Alice'), ('alice'), ('x'), ('x ')`,
    );
    const report = await check('postgres', users, { to: 'mysql', targetCollation: 'utf8mb4_0900_bin' });
    assert.equal(report.safe, true, report.problems.map((p) => p.message).join('\n'));
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.scanned, { tables: 0, rows: 0 });
  });

  it('MariaDB → PostgreSQL: zero dates and TIME outside a day, with their values', async () => {
    const events = t('events');
    await create(
      'mysql',
      events,
      `CREATE TABLE ${events} (id BIGINT PRIMARY KEY, day DATE NOT NULL, at DATETIME(6) NULL, took TIME(0) NULL)`,
    );
    // Zero dates need a session without NO_ZERO_DATE/NO_ZERO_IN_DATE/strict: the driver's sessions have them.
    await mariadb.transaction(async (tx) => {
      await tx.query("SET SESSION sql_mode = ''");
      await tx.query(
        `INSERT INTO ${events} VALUES (1, '0000-00-00', '2024-01-01 10:00:00', '-01:00:00'),
          (2, '2020-00-15', '0000-00-00 00:00:00', '30:00:00'), (3, '2024-02-29', NULL, '12:00:00'),
          (4, '2024-03-01', '2024-03-01 00:00:00.5', '24:00:00')`,
      );
      await tx.query(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
      );
    });
    const report = await check('mysql', events, { to: 'postgres' });
    assert.equal(report.safe, false);
    assert.deepEqual(report.scanned, { tables: 1, rows: 4 });

    const day = only(report, { kind: 'zero-date', column: 'day' });
    assert.equal(day.severity, 'blocker');
    assert.equal(day.rows, 2);
    assert.deepEqual([...(day.values ?? [])].sort(), ['0000-00-00', '2020-00-15']);
    assert.match(day.message, new RegExp(`^${events}\\.day \\(date\\): MariaDB zero dates`));
    assert.match(day.message, /2 such rows, e\.g\. /);

    const at = only(report, { kind: 'zero-date', column: 'at' });
    assert.equal(at.rows, 1);
    assert.deepEqual(at.values, ['0000-00-00 00:00:00.000000']);

    const took = only(report, { kind: 'time-range', column: 'took' });
    assert.equal(took.severity, 'blocker');
    assert.equal(took.rows, 2, "'24:00:00' fits PostgreSQL time");
    assert.deepEqual([...(took.values ?? [])].sort(), ['-01:00:00', '30:00:00']);
    assert.match(took.message, new RegExp(`^${events}\\.took \\(time\\): MariaDB TIME holds`));
  });

  it("MariaDB → PostgreSQL: YEAR 0000, NUL in text and a 4-byte ENUM member the catalog shows as '?'", async () => {
    const odd = t('odd');
    await create(
      'mysql',
      odd,
      `CREATE TABLE ${odd} (id INT PRIMARY KEY, y YEAR NULL, note TEXT NULL, mood ENUM('ok', '😀') NULL) CHARACTER SET utf8mb4`,
    );
    await mariadb.transaction(async (tx) => {
      await tx.query("SET SESSION sql_mode = ''");
      await tx.query(
        `INSERT INTO ${odd} VALUES (1, 0, CONCAT('a', CHAR(0), 'b'), '😀'), (2, 2001, 'plain', 'ok'), (3, NULL, NULL, NULL)`,
      );
    });
    const report = await check('mysql', odd, { to: 'postgres' });
    assert.equal(report.safe, false);
    const year = only(report, { kind: 'zero-date', column: 'y' });
    assert.equal(year.severity, 'blocker');
    assert.equal(year.rows, 1);
    const nul = only(report, { kind: 'nul-character', column: 'note' });
    assert.equal(nul.severity, 'blocker');
    assert.equal(nul.rows, 1);
    const mood = only(report, { kind: 'catalog-charset', column: 'mood' });
    assert.equal(mood.severity, 'blocker');
    assert.equal(mood.rows, 1);
  });

  it('MariaDB → Oracle: empty strings, composite unique keys with NULLs, long names (BIGINT keys above 2^53 paged)', async () => {
    const people = t('people');
    const longName = 'a_column_name_that_is_far_too_long_for_oracle_11g';
    await create(
      'mysql',
      people,
      `CREATE TABLE ${people} (id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL, nick VARCHAR(20) NULL,
        team INT NOT NULL, badge VARCHAR(10) NULL, ${longName} INT NULL, UNIQUE KEY team_badge (team, badge))`,
      `INSERT INTO ${people} VALUES (9007199254740993, '', '', 1, NULL, 1), (9007199254740994, 'Bo', NULL, 1, NULL, 2),
        (9007199254740995, 'Cy', 'c', 2, '', 3), (9007199254740996, 'Di', 'd', 2, NULL, 4), (9007199254740997, 'Ed', '', 3, 'x', 5)`,
    );
    const report = await check('mysql', people, { to: 'oracle', oracleMaxIdentifierLength: 30, pageSize: 2 });
    assert.equal(report.safe, false);
    assert.deepEqual(report.scanned, { tables: 1, rows: 5 });

    const name = only(report, { kind: 'empty-string', column: 'name' });
    assert.equal(name.severity, 'blocker', "'' in a NOT NULL column cannot be written to Oracle");
    assert.equal(name.rows, 1);
    assert.match(
      name.message,
      new RegExp(
        `^${people}\\.name \\(varchar\\(50\\)\\): Oracle stores '' as NULL and the column is NOT NULL`,
      ),
    );

    const nick = only(report, { kind: 'empty-string', column: 'nick' });
    assert.equal(nick.severity, 'warning', "'' becomes NULL in a nullable column");
    assert.equal(nick.rows, 2);

    const long = only(report, { kind: 'identifier-length', column: longName });
    assert.equal(long.severity, 'warning');
    assert.match(
      long.message,
      new RegExp(
        `^${people}: the column name '${longName}' is ${longName.length} characters long; Oracle allows 30 bytes`,
      ),
    );

    const key = only(report, { kind: 'key-collision', key: ['team', 'badge'] });
    assert.equal(key.severity, 'blocker');
    assert.equal(key.rows, 4, "(1, NULL) twice, and (2, '') with (2, NULL)");
    assert.match(key.message, new RegExp(`^${people}: unique key \\(team, badge\\) collides on oracle`));
    assert.deepEqual(key.values, ['(1, NULL)', '(1, NULL)', "(2, '')", '(2, NULL)']);
    assert.match(key.message, /\(1, NULL\) and \(1, NULL\)/);
    assert.match(key.message, /\(2, ''\) and \(2, NULL\)/);
  });

  it('keyset pages over composite primary keys of mixed types, one row per page, miss no row', async () => {
    const pgLog = t('pg_log');
    await create(
      'postgres',
      pgLog,
      `CREATE TABLE ${pgLog} (who text, at timestamptz, n numeric(20,5), tag varchar(10), PRIMARY KEY (who, at, n), UNIQUE (tag))`,
      `INSERT INTO ${pgLog} VALUES ('b', '2024-01-01 00:00:00.000001+00', 1.5, 'X'), ('b', '2024-01-01 00:00:00.000001+00', 1.25, 'y'),
        ('a', '2024-01-01 00:00:00.000002+00', 99999999999999.99999, 'x'), ('a', '2024-01-01 00:00:00.000001+00', 2, 'Y'), ('c', '1999-12-31 23:59:59+00', -1, NULL)`,
    );
    const pgReport = await check('postgres', pgLog, { to: 'mysql', pageSize: 1 });
    assert.deepEqual(pgReport.scanned, { tables: 1, rows: 5 });
    const tag = only(pgReport, { kind: 'key-collision', key: ['tag'] });
    assert.equal(tag.rows, 4);
    assert.deepEqual(
      tag.values,
      ['Y', 'y', 'x', 'X'],
      'groups in the order they collide, reading by primary key: (a, …01) Y, (a, …02) x, (b, 1.25) y, (b, 1.5) X',
    );

    const myLog = t('my_log');
    await create(
      'mysql',
      myLog,
      `CREATE TABLE ${myLog} (kind ENUM('zeta', 'alpha') NOT NULL, at DATETIME(6) NOT NULL, n DECIMAL(20,5) NOT NULL,
        team INT NULL, badge VARCHAR(5) NULL, PRIMARY KEY (kind, at, n), UNIQUE KEY team_badge (team, badge))`,
      `INSERT INTO ${myLog} VALUES ('zeta', '2024-01-01 00:00:00.000001', 1.5, 1, NULL), ('zeta', '2024-01-01 00:00:00.000001', 1.25, 2, NULL),
        ('alpha', '2024-01-01 00:00:00.000002', 2, 1, NULL), ('alpha', '2024-01-01 00:00:00.000001', 99999999999999.99999, 3, 'q')`,
    );
    const myReport = await check('mysql', myLog, { to: 'oracle', pageSize: 1 });
    assert.deepEqual(myReport.scanned, { tables: 1, rows: 4 });
    const teamBadge = only(myReport, { kind: 'key-collision', key: ['team', 'badge'] });
    assert.equal(teamBadge.rows, 2);
    assert.deepEqual(teamBadge.values, ['(1, NULL)', '(1, NULL)']);
  });

  it('clean tables report safe: true', async () => {
    const clean = t('clean');
    await create(
      'mysql',
      clean,
      `CREATE TABLE ${clean} (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, born DATE NULL, took TIME NULL, amount DECIMAL(12,2))`,
      `INSERT INTO ${clean} VALUES (1, 'Ann', '1990-05-01', '08:30:00', 12.50), (2, 'Ben', NULL, NULL, NULL)`,
    );
    const report = await check('mysql', clean, { to: 'postgres' });
    assert.equal(report.safe, true, report.problems.map((p) => p.message).join('\n'));
    assert.ok(
      report.problems.every((p) => p.severity === 'warning' && p.rows === 0),
      'only catalog warnings, none found in the data',
    );
    assert.deepEqual(report.scanned, { tables: 1, rows: 2 });

    const pgClean = t('pg_clean');
    await create(
      'postgres',
      pgClean,
      `CREATE TABLE ${pgClean} (id bigint PRIMARY KEY, name varchar(50) NOT NULL, at timestamp, amount numeric(12,2), ratio double precision)`,
      `INSERT INTO ${pgClean} VALUES (1, 'Ann', '2024-01-01 10:00:00', 1.5, 0.25), (2, 'ann', NULL, NULL, NULL)`,
    );
    const pgReport = await check('postgres', pgClean, { to: 'mysql' });
    assert.equal(pgReport.safe, true, pgReport.problems.map((p) => p.message).join('\n'));
    assert.deepEqual(
      pgReport.problems,
      [],
      'NaN and infinite dates are only reported when the data holds them',
    );
  });
});
