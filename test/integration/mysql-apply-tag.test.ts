import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_SIDES } from '../../src/config/local-stack.js';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import type { ApplyTag, ConnectionOptions } from '../../src/engines/engine-driver.js';
import { MysqlDriver } from '../../src/engines/mysql/mysql-driver.js';
import { MysqlErrorClassifier } from '../../src/engines/mysql/mysql-error-classifier.js';

/**
 * The marks MysqlDriver puts on its writes for capture-level exclusion (design §3.3), read back from
 * the real MariaDB binlog: the session's GTID domain and the statement comment in the annotate event.
 * Database dbtwin_scratch: nothing captures it.
 */
const SCRATCH: ConnectionOptions = { ...LOCAL_SIDES.mariadb.connection, database: 'dbtwin_scratch' };
/** root can read the binlog (BINLOG MONITOR) and create the probe user; the apply user cannot. */
const ROOT: ConnectionOptions = {
  ...SCRATCH,
  user: 'root',
  password: process.env['MARIADB_ROOT_PASSWORD'] ?? '',
};
const DOMAIN = 77;
const MARKER = 'dbtwin:apply';
const run = `${Date.now() % 1_000_000}_${Math.floor(Math.random() * 1000)}`;
const TABLE = `apply_tag_${run}`;

/** The transaction group of each binlog row event on `table`: its GTID and its annotate (statement) text. */
interface BinlogWrite {
  readonly gtid: string;
  readonly annotate: string | undefined;
}

/** The binlog position to read from: current file and offset. */
async function binlogEnd(root: MysqlDriver): Promise<{ file: string; pos: number }> {
  const [status] = await root.query('SHOW MASTER STATUS');
  assert.ok(status, 'the binlog is on (SHOW MASTER STATUS returned nothing)');
  return { file: String(status['File']), pos: Number(status['Position']) };
}

/**
 * Row events on `dbtwin_scratch.<table>` written since `from`, with the GTID of their transaction and
 * the annotate event before them. Reads every binlog file from `from.file` on (a rotation may happen).
 */
async function writesSince(
  root: MysqlDriver,
  from: { file: string; pos: number },
  table: string,
): Promise<BinlogWrite[]> {
  const files = (await root.query('SHOW BINARY LOGS'))
    .map((r) => String(r['Log_name']))
    .filter((f) => f >= from.file);
  const out: BinlogWrite[] = [];
  let gtid = '';
  let annotate: string | undefined;
  for (const file of files) {
    const events =
      file === from.file
        ? await root.query(`SHOW BINLOG EVENTS IN '${file}' FROM ${from.pos}`)
        : await root.query(`SHOW BINLOG EVENTS IN '${file}'`);
    for (const e of events) {
      const type = String(e['Event_type']);
      const info = String(e['Info']);
      if (type === 'Gtid') {
        gtid = /GTID (\d+-\d+-\d+)/.exec(info)?.[1] ?? '';
        annotate = undefined;
      } else if (type === 'Annotate_rows') {
        annotate = info;
      } else if (type === 'Table_map' && info.endsWith(`(dbtwin_scratch.${table})`)) {
        out.push({ gtid, annotate });
      }
    }
  }
  return out;
}

async function tagged(tag: ApplyTag, options: ConnectionOptions = SCRATCH): Promise<MysqlDriver> {
  return MysqlDriver.connect({ ...options, applyTag: tag });
}

describe('MysqlDriver apply tag on MariaDB (real binlog)', () => {
  let root: MysqlDriver;
  let plain: MysqlDriver;

  before(async () => {
    root = await MysqlDriver.connect(ROOT);
    plain = await MysqlDriver.connect(SCRATCH);
    await plain.query(`CREATE TABLE ${TABLE} (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)`);
  });

  after(async () => {
    await plain?.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await plain?.close();
    await root?.close();
  });

  it('gtidDomainId: every pooled session is in the domain, and the write is logged in it', async (t) => {
    const [version] = await root.query('SELECT VERSION() AS v, @@global.gtid_domain_id AS d');
    if (!/MariaDB/i.test(String(version?.['v'])))
      return t.skip(`not MariaDB (${String(version?.['v'])}): no GTID domains`);
    assert.notEqual(Number(version?.['d']), DOMAIN, 'the server default domain must not be the apply domain');

    const driver = await tagged({ gtidDomainId: DOMAIN }, { ...SCRATCH, poolSize: 3 });
    try {
      // Three at once hold three pooled connections: each must have been set up.
      const sessions = await Promise.all(
        [1, 2, 3].map(() =>
          driver.query('SELECT CONNECTION_ID() AS c, @@session.gtid_domain_id AS d, SLEEP(0.2) AS s'),
        ),
      );
      assert.equal(new Set(sessions.map(([r]) => String(r?.['c']))).size, 3, 'three distinct sessions');
      for (const [r] of sessions) assert.equal(Number(r?.['d']), DOMAIN);

      const from = await binlogEnd(root);
      await driver.transaction((tx) =>
        tx.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?), (?, ?)`, [1, 'tagged', 2, 'tagged']),
      );
      await plain.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [3, 'plain']);

      const writes = await writesSince(root, from, TABLE);
      assert.equal(writes.length, 2, `two row events on ${TABLE}: ${JSON.stringify(writes)}`);
      assert.match(writes[0]!.gtid, new RegExp(`^${DOMAIN}-\\d+-\\d+$`), 'the tagged write is in domain 77');
      assert.match(writes[1]!.gtid, /^0-\d+-\d+$/, 'the plain write stays in the server default domain');
      const [pos] = await root.query('SELECT @@global.gtid_binlog_pos AS p');
      assert.ok(
        String(pos?.['p'])
          .split(',')
          .some((g) => g.startsWith(`${DOMAIN}-`)),
        `@@gtid_binlog_pos lists domain ${DOMAIN}: ${String(pos?.['p'])}`,
      );
    } finally {
      await driver.close();
    }
  });

  it('statementMarker: the annotate event of the write starts with the marker comment', async () => {
    const [vars] = await root.query(
      'SELECT @@global.binlog_annotate_row_events AS a, @@global.binlog_format AS f',
    );
    assert.equal(
      Number(vars?.['a']),
      1,
      'binlog_annotate_row_events is ON (MariaDB 10.11 default, and stack.sh checks it)',
    );
    assert.equal(String(vars?.['f']), 'ROW');

    const driver = await tagged({ statementMarker: MARKER });
    try {
      const from = await binlogEnd(root);
      await driver.transaction((tx) =>
        tx.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [10, 'marked in a transaction']),
      );
      await driver.query(`UPDATE ${TABLE} SET note = ? WHERE id = ?`, ['marked, autocommit', 10]);
      await plain.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [
        11,
        '/* dbtwin:apply */ as a value',
      ]);

      const writes = await writesSince(root, from, TABLE);
      assert.equal(writes.length, 3, JSON.stringify(writes));
      assert.ok(writes[0]!.annotate?.startsWith(`/* ${MARKER} */ INSERT INTO ${TABLE}`), writes[0]!.annotate);
      assert.ok(writes[1]!.annotate?.startsWith(`/* ${MARKER} */ UPDATE ${TABLE}`), writes[1]!.annotate);
      assert.ok(writes[2]!.annotate?.startsWith(`INSERT INTO ${TABLE}`), 'the plain write carries no marker');
    } finally {
      await driver.close();
    }
  });

  it('both marks at once', async () => {
    const driver = await tagged({ gtidDomainId: DOMAIN, statementMarker: MARKER });
    try {
      const from = await binlogEnd(root);
      await driver.query(`INSERT INTO ${TABLE} (id, note) VALUES (?, ?)`, [20, 'both']);
      const [write] = await writesSince(root, from, TABLE);
      assert.ok(write);
      assert.ok(write.gtid.startsWith(`${DOMAIN}-`), write.gtid);
      assert.ok(write.annotate?.startsWith(`/* ${MARKER} */ `), write.annotate);
    } finally {
      await driver.close();
    }
  });

  it('an apply user without BINLOG REPLAY gets an error naming the privilege and capture.exclusion, not retried', async () => {
    const user = `dbtwin_noreplay_${run}`.slice(0, 32);
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'probe'`);
    try {
      await root.query(`GRANT ALL PRIVILEGES ON dbtwin_scratch.* TO '${user}'@'%'`);
      const options = { ...SCRATCH, user, password: 'probe' };
      // Without the tag the same user connects: only the session setup needs the privilege.
      await (await MysqlDriver.connect(options)).close();
      let caught: unknown;
      await tagged({ gtidDomainId: DOMAIN }, options).then(
        (d) => d.close(),
        (error: unknown) => (caught = error),
      );
      assert.ok(caught instanceof DbtwinError, `expected a DbtwinError, got ${String(caught)}`);
      assert.equal(caught.code, ErrorCode.ConfigInvalid);
      assert.match(caught.message, /BINLOG REPLAY privilege/);
      assert.match(caught.message, /capture\.exclusion: gtid-domain/);
      assert.match(caught.message, new RegExp(user));
      assert.match(caught.hint ?? '', /GRANT BINLOG REPLAY ON \*\.\*/);
      assert.equal(
        (caught.cause as { errno?: number }).errno,
        1227,
        'the server said ER_SPECIFIC_ACCESS_DENIED_ERROR',
      );
      assert.equal(new MysqlErrorClassifier().classify(caught).class, 'poison', 'not retriable');
      // The bare server error is not retriable either.
      assert.deepEqual(new MysqlErrorClassifier().classify(caught.cause).class, 'poison');
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
    }
  });

  it('refuses a tag it could not put into SQL safely, before connecting', async () => {
    for (const applyTag of [
      { statementMarker: 'x */ DROP TABLE t; /*' },
      { statementMarker: '' },
      { gtidDomainId: -1 },
      { gtidDomainId: 1.5 },
      { gtidDomainId: 4_294_967_296 },
    ]) {
      await assert.rejects(
        MysqlDriver.connect({ ...SCRATCH, port: 1, applyTag }),
        (e: unknown) => e instanceof DbtwinError && e.code === ErrorCode.ConfigInvalid,
        JSON.stringify(applyTag),
      );
    }
  });
});
