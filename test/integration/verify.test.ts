// `dbtwin verify` as operators run it (the built CLI) against real MariaDB and PostgreSQL (and Redis for
// --repair's echo fingerprints): planted differences are listed exactly, repaired, rows in flight are
// not reported, and a 1,000,000-row pair is compared in one go.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VerifyReport } from '../../src/cutover/verify-report.js';
import { LocalPair, localSide, writeLocalConfig, writeSidesConfig } from '../support/replication-harness.js';
import { CLI, type CliResult } from '../support/run-cli.js';
import { brief, reportOf, tableOf, verifyCli, withRedis } from '../support/verify-cli.js';

const run = randomUUID().slice(0, 8);
const groupPrefix = `verify-${run}`;
const NUM = `vf_num_${run}`;
const COMP = `vf_comp_${run}`;
const TEXT = `vf_text_${run}`;
const FLIGHT = `vf_flight_${run}`;
const RULED = `vf_ruled_${run}`;
const BIG = `vf_big_${run}`;

describe('dbtwin verify (built CLI; real MariaDB, PostgreSQL, Redis)', () => {
  let pair: LocalPair;
  let config: string;
  let verify: (...args: string[]) => Promise<CliResult>;
  // Two rows a chunk, so every table spans several chunks and text keys cross chunk boundaries.
  const chunked = [
    '--tables',
    `${NUM},${COMP},${TEXT}`,
    '--chunk',
    '2',
    '--recheck',
    '1',
    '--recheck-delay-ms',
    '100',
  ];
  /** What was planted in TEXT: found by the first verify, repaired by --repair. */
  const textPlanted = [
    'differs {"code":"gamma"} qty',
    'extra-on-postgres {"code":"epsilon"}',
    'missing-on-postgres {"code":"delta"}',
  ];

  before(async () => {
    pair = await LocalPair.open();
    config = await writeLocalConfig([NUM, COMP, TEXT, FLIGHT, RULED], { groupPrefix });
    // RULED's conflicts go by lww on `ver`: the row with the larger ver is right.
    await mkdir(path.join(path.dirname(config), 'rules'), { recursive: true });
    await writeFile(
      path.join(path.dirname(config), 'rules', `${RULED}.yaml`),
      `tables: [${RULED}]\npolicy: lww\nlww: { by: column, column: ver }\n`,
    );
    verify = verifyCli(config);
    // Every common kind of value, equal on both sides in different spellings (1.5 / 1.50, JSON key
    // order, TINYINT(1) / boolean), so only the planted rows differ.
    await pair.createTable(
      NUM,
      [
        `CREATE TABLE ${NUM} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2), flag TINYINT(1), seen_at DATETIME(6), doc JSON, code CHAR(4))`,
        `INSERT INTO ${NUM} VALUES
           (1, 'one', 1.50, 1, '2024-05-01 10:00:00.123456', '{"b": 1, "a": [1, 2]}', 'ab'),
           (2, 'two', 2.00, 0, NULL, NULL, NULL),
           (3, 'three', 3.00, 1, '2024-05-03 00:00:00', NULL, 'c'),
           (4, 'four', NULL, NULL, NULL, '{}', NULL),
           (5, 'five', 5.55, 0, '1999-12-31 23:59:59.999999', NULL, 'five')`,
      ],
      [
        `CREATE TABLE ${NUM} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount NUMERIC(12,2), flag BOOLEAN, seen_at TIMESTAMP(6), doc JSONB, code CHAR(4))`,
        `INSERT INTO ${NUM} VALUES
           (1, 'one', 1.5, true, '2024-05-01 10:00:00.123456', '{"a": [1, 2], "b": 1}', 'ab'),
           (2, 'TWO', 2, false, NULL, NULL, NULL),
           (4, 'four', NULL, NULL, NULL, '{}', NULL),
           (5, 'five', 5.55, false, '1999-12-31 23:59:59.999999', NULL, 'five'),
           (7, 'seven', 7, true, NULL, NULL, NULL)`,
      ],
    );
    await pair.createTable(
      COMP,
      [
        `CREATE TABLE ${COMP} (a INT NOT NULL, b INT NOT NULL, v VARCHAR(10), PRIMARY KEY (a, b))`,
        `INSERT INTO ${COMP} VALUES (1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z'), (2, 2, 'w')`,
      ],
      [
        `CREATE TABLE ${COMP} (a INT NOT NULL, b INT NOT NULL, v VARCHAR(10), PRIMARY KEY (a, b))`,
        `INSERT INTO ${COMP} VALUES (1, 1, 'x'), (1, 2, 'Y'), (2, 2, 'w'), (3, 1, 'q')`,
      ],
    );
    // Text keys that MariaDB (utf8mb4_general_ci) and PostgreSQL (C) order differently.
    await pair.createTable(
      TEXT,
      [
        `CREATE TABLE ${TEXT} (code VARCHAR(20) PRIMARY KEY, qty INT NOT NULL)`,
        `INSERT INTO ${TEXT} VALUES ('alpha', 1), ('Beta', 2), ('gamma', 3), ('delta', 4), ('Zeta', 6)`,
      ],
      [
        `CREATE TABLE ${TEXT} (code VARCHAR(20) PRIMARY KEY, qty INT NOT NULL)`,
        `INSERT INTO ${TEXT} VALUES ('alpha', 1), ('Beta', 2), ('gamma', 30), ('epsilon', 5), ('Zeta', 6)`,
      ],
    );
    await pair.createTable(
      RULED,
      [
        `CREATE TABLE ${RULED} (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, ver INT NOT NULL)`,
        `INSERT INTO ${RULED} VALUES (1, 'mariadb old', 5), (2, 'mariadb new', 7), (3, 'only mariadb', 1), (4, 'same', 1)`,
      ],
      [
        `CREATE TABLE ${RULED} (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, ver INT NOT NULL)`,
        `INSERT INTO ${RULED} VALUES (1, 'postgres new', 9), (2, 'postgres old', 3), (4, 'same', 1)`,
      ],
    );
    await pair.createTable(
      FLIGHT,
      [
        `CREATE TABLE ${FLIGHT} (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)`,
        `INSERT INTO ${FLIGHT} VALUES (1, 'a'), (2, 'b'), (3, 'c')`,
      ],
      [
        `CREATE TABLE ${FLIGHT} (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)`,
        `INSERT INTO ${FLIGHT} VALUES (1, 'a'), (2, 'b'), (3, 'c')`,
      ],
    );
  });

  after(async () => {
    await pair?.close();
    // The echo fingerprints --repair recorded under this run's prefix.
    await withRedis(async (redis) => {
      const keys = await redis.keys(`${groupPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    });
  });

  it('lists exactly the planted keys (a changed value, a row missing, an extra row; composite and text keys), exit 4', async () => {
    const result = await verify(...chunked, '--json');
    assert.equal(result.code, 4, result.stderr);
    const report = reportOf(result);
    assert.equal(report.link, 'mariadb->postgres');
    assert.equal(report.authority, 'mariadb');
    assert.deepEqual(brief(tableOf(report, NUM).divergent), [
      'differs {"id":"2"} name',
      'extra-on-postgres {"id":"7"}',
      'missing-on-postgres {"id":"3"}',
    ]);
    assert.deepEqual(brief(tableOf(report, COMP).divergent), [
      'differs {"a":1,"b":2} v',
      'extra-on-postgres {"a":3,"b":1}',
      'missing-on-postgres {"a":2,"b":1}',
    ]);
    assert.deepEqual(brief(tableOf(report, TEXT).divergent), textPlanted);
    assert.equal(tableOf(report, NUM).mode, 'ranges');
    assert.equal(tableOf(report, COMP).mode, 'ranges');
    assert.equal(tableOf(report, TEXT).mode, 'key-lists');
    const differs = tableOf(report, NUM).divergent.find((r) => r.kind === 'differs');
    assert.deepEqual(differs?.values, { mariadb: { name: 'two' }, postgres: { name: 'TWO' } });
    assert.deepEqual([report.rows, report.divergent], [6 + 5 + 6, 9]);
    assert.match(result.stderr, /^verify: 3 tables, 17 rows, 9 divergent$/m);
  });

  it('prints the same as text, with the summary line on stdout', async () => {
    const result = await verify('--tables', COMP, '--recheck', '0');
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stdout, /^ {2}differs {2}\{"a":1,"b":2\} {2}v: mariadb "y" ≠ postgres "Y"$/m);
    assert.match(result.stdout, /^verify: 1 tables, 5 rows, 3 divergent$/m);
  });

  it('--repair writes the source side’s rows through the link (with echo fingerprints); a second verify exits 0', async () => {
    const result = await verify(...chunked, '--repair', '--json');
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result);
    assert.deepEqual([report.divergent, report.repaired], [0, 9]);
    assert.deepEqual(brief(tableOf(report, TEXT).repaired ?? []), textPlanted);

    const again = await verify('--tables', `${NUM},${COMP},${TEXT}`, '--recheck', '0');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^verify: 3 tables, 14 rows, 0 divergent$/m);
    // PostgreSQL holds MariaDB's rows now, values bound as replication binds them.
    const rows = await pair.postgres.query(
      `SELECT id::text, name, amount::text, flag, to_char(seen_at, 'YYYY-MM-DD HH24:MI:SS.US') AS seen_at, code FROM ${NUM} ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => Object.values(r).join('|')),
      [
        '1|one|1.50|t|2024-05-01 10:00:00.123456|ab  ',
        '2|two|2.00|f||',
        '3|three|3.00|t|2024-05-03 00:00:00.000000|c   ',
        '4|four||||',
        '5|five|5.55|f|1999-12-31 23:59:59.999999|five',
      ],
    );
    // One fingerprint per row written, waiting for the reverse link to meet its echo.
    const echoes = await withRedis((redis) => redis.keys(`${groupPrefix}:echo:row:*`));
    assert.equal(echoes.length, 9);
  });

  it('--authority postgres copies the other way, and refuses a key MariaDB’s collation would merge into another row', async () => {
    await pair.postgres.query(`UPDATE ${NUM} SET name = 'uno' WHERE id = 1`);
    await pair.postgres.query(`INSERT INTO ${TEXT} VALUES ('ALPHA', 9)`);
    const result = await verify(
      '--tables',
      `${NUM},${TEXT}`,
      '--recheck',
      '0',
      '--repair',
      '--authority',
      'postgres',
      '--json',
    );
    assert.equal(result.code, 4, result.stderr);
    const report = reportOf(result);
    assert.equal(report.authority, 'postgres');
    assert.deepEqual(brief(tableOf(report, NUM).repaired ?? []), ['differs {"id":"1"} name']);
    assert.deepEqual(brief(tableOf(report, TEXT).divergent), ['missing-on-mariadb {"code":"ALPHA"}']);
    assert.match(tableOf(report, TEXT).repairFailures?.[0]?.error ?? '', /mariadb holds the key \["alpha"\]/);
    const [one] = await pair.mariadb.query(`SELECT name FROM ${NUM} WHERE id = 1`);
    assert.equal(one?.['name'], 'uno');
    // The row the collation matches was left alone.
    const [alpha] = await pair.mariadb.query(`SELECT code, qty FROM ${TEXT} WHERE code = 'alpha'`);
    assert.deepEqual(alpha, { code: 'alpha', qty: 1 });
    await pair.postgres.query(`DELETE FROM ${TEXT} WHERE code = 'ALPHA'`);
  });

  it('--authority rules settles each row by its table’s rules (lww by ver: the larger ver wins, a missing row wins)', async () => {
    const result = await verify(
      '--tables',
      RULED,
      '--recheck',
      '0',
      '--repair',
      '--authority',
      'rules',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result);
    assert.equal(report.authority, 'rules');
    assert.deepEqual(brief(tableOf(report, RULED).repaired ?? []), [
      'differs {"id":1} v,ver',
      'differs {"id":2} v,ver',
      'missing-on-postgres {"id":3}',
    ]);
    assert.match(result.stderr, /each side's version by its table's rules/);
    const rows = async (db: typeof pair.mariadb): Promise<unknown[]> =>
      (await db.query(`SELECT id, v, ver FROM ${RULED} ORDER BY id`)).map((r) => [
        Number(r['id']),
        r['v'],
        Number(r['ver']),
      ]);
    const expected = [
      [1, 'postgres new', 9],
      [2, 'mariadb new', 7],
      [4, 'same', 1],
    ];
    assert.deepEqual(await rows(pair.mariadb), expected);
    assert.deepEqual(await rows(pair.postgres), expected);
  });

  it('does not report a row changed on one side and, 500 ms later, on the other (within the re-check window)', async () => {
    await pair.mariadb.query(`UPDATE ${FLIGHT} SET v = 'in flight' WHERE id = 2`);
    const changed = Date.now();
    const child = spawn(process.execPath, [CLI, 'verify', '--config', config, '--tables', FLIGHT, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const recheckAnnounced = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        if (/re-checking in 2000 ms \(1\/3\)/.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The verify has seen the row differ (it announces the re-check); the change then arrives on the other side.
    await Promise.race([recheckAnnounced, exited]);
    await sleep(Math.max(0, 500 - (Date.now() - changed)));
    await pair.postgres.query(`UPDATE ${FLIGHT} SET v = 'in flight' WHERE id = 2`);
    const code = await exited;
    assert.match(
      stderr,
      /verify: 1 divergent row\(s\); re-checking in 2000 ms \(1\/3\)/,
      'the row was seen divergent',
    );
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as VerifyReport;
    assert.deepEqual([report.rows, report.divergent, tableOf(report, FLIGHT).divergent], [3, 0, []]);
  });
});

describe('dbtwin verify of 1,000,000 rows (real MariaDB and PostgreSQL)', () => {
  // A database no connector captures, and writes kept out of the binlog and the WAL where the server
  // allows it (root's sql_log_bin; an UNLOGGED table), so a running local stack never sees the load.
  const database = 'dbtwin_scratch';
  let tables: LocalPair;
  let config: string;
  let built = 0;

  before(async () => {
    const started = Date.now();
    tables = await LocalPair.scratch(database);
    const { postgres } = tables;
    await tables.createTable(
      BIG,
      [
        `CREATE TABLE ${BIG} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2), created_at DATETIME(6), flag TINYINT(1))`,
        `INSERT INTO ${BIG} SELECT seq, CONCAT('row-', seq), seq / 100, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2 FROM seq_1_to_1000000`,
      ],
      [
        `CREATE UNLOGGED TABLE ${BIG} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount NUMERIC(12,2), created_at TIMESTAMP(6), flag BOOLEAN)`,
        `INSERT INTO ${BIG} SELECT g, 'row-' || g, g / 100.0, TIMESTAMP '2024-01-01 00:00:00' + g * INTERVAL '1 second', g % 2 = 1 FROM generate_series(1, 1000000) g`,
      ],
    );
    // The three planted differences.
    await postgres.query(`UPDATE ${BIG} SET name = 'changed' WHERE id = 500000`);
    await postgres.query(`DELETE FROM ${BIG} WHERE id = 700000`);
    await postgres.query(`INSERT INTO ${BIG} VALUES (1000001, 'extra', 1, NULL, false)`);
    await postgres.query(`ANALYZE ${BIG}`);
    built = Date.now() - started;
    config = await writeSidesConfig({
      sides: [
        localSide('mariadb', [BIG], { database, schema: database }),
        localSide('postgres', [BIG], { database }),
      ],
      links: [{ from: 'mariadb', to: 'postgres' }],
      groupPrefix,
    });
  });

  after(async () => {
    await tables?.close();
  });

  it('finishes, prints progress on stderr and finds exactly the 3 planted differences', async () => {
    const started = Date.now();
    const result = await verifyCli(config, { timeoutMs: 600_000 })('--recheck-delay-ms', '200', '--json');
    const elapsed = Date.now() - started;
    assert.equal(result.code, 4, result.stderr);
    const report = reportOf(result);
    assert.deepEqual(brief(tableOf(report, BIG).divergent), [
      'differs {"id":"500000"} name',
      'extra-on-postgres {"id":"1000001"}',
      'missing-on-postgres {"id":"700000"}',
    ]);
    assert.equal(report.rows, 1_000_001);
    const progress = result.stderr.split('\n').filter((l) => /rows read \(\d+%\)/.test(l));
    assert.ok(progress.length > 0, `no progress lines on stderr:\n${result.stderr}`);
    console.log(
      `# 1M rows: tables built in ${(built / 1000).toFixed(1)} s; verify took ${(elapsed / 1000).toFixed(1)} s ` +
        `(${((2 * 1_000_000) / (report.elapsedMs / 1000)).toFixed(0)} rows/s over both sides, ${progress.length} progress lines, 3 re-checks of 200 ms)`,
    );
  });
});
