import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, SourcePosition } from '../../src/core/change-event.js';
import type { CaptureExclusion } from '../../src/config/dbtwin-config.js';
import { ConfigInvalidError, formatConfigProblem, parseConfig } from '../../src/config/config-loader.js';
import { isOwnWriteAtCapture } from '../../src/echo/capture-exclusion.js';

/** A captured insert at `position`; the rest of the event does not matter to the capture check. */
function eventAt(position: SourcePosition): ChangeEvent {
  return {
    op: 'c',
    side: 'x',
    table: 'app.accounts',
    key: { id: 1n },
    before: null,
    after: { id: 1n },
    sourceTsMs: 0,
    captureTsMs: 0,
    position,
  };
}

const mariadb = (extra: { gtid?: string; query?: string }): ChangeEvent =>
  eventAt({ engine: 'mysql', connector: 'mariadb', file: 'mariadb-bin.000001', pos: 4, row: 0, ...extra });
const mysql = (extra: { gtid?: string; query?: string }): ChangeEvent =>
  eventAt({ engine: 'mysql', connector: 'mysql', file: 'mysql-bin.000001', pos: 4, row: 0, ...extra });
const oracle = (user?: string): ChangeEvent =>
  eventAt({ engine: 'oracle', scn: '123', ...(user === undefined ? {} : { user }) });
const postgres = eventAt({ engine: 'postgres', lsn: '1' });

describe('isOwnWriteAtCapture', () => {
  it('none recognises nothing', () => {
    const none: CaptureExclusion = { mode: 'none' };
    for (const e of [
      mariadb({ gtid: '77-1-5', query: '/* dbtwin:apply */ INSERT' }),
      oracle('DBTWIN'),
      postgres,
    ])
      assert.equal(isOwnWriteAtCapture(e, none), false);
  });

  describe('query-marker', () => {
    const marker: CaptureExclusion = { mode: 'query-marker', marker: 'dbtwin:apply' };

    it('recognises a statement that starts with the marker comment (MySQL and MariaDB)', () => {
      const sql = '/* dbtwin:apply */ INSERT INTO `app`.`accounts` (`id`) VALUES (1)';
      assert.equal(isOwnWriteAtCapture(mysql({ query: sql }), marker), true);
      assert.equal(isOwnWriteAtCapture(mariadb({ query: sql }), marker), true);
      assert.equal(isOwnWriteAtCapture(mysql({ query: `\n  ${sql}` }), marker), true, 'leading white space');
    });

    it('leaves application statements alone, and events without the statement text', () => {
      for (const query of [
        'INSERT INTO accounts (id) VALUES (1)',
        '/* dbtwin:apply2 */ INSERT INTO accounts (id) VALUES (1)',
        '/* other:apply */ INSERT INTO accounts (id) VALUES (1)',
        '/*dbtwin:apply*/ INSERT INTO accounts (id) VALUES (1)',
        // The marker text as a value is an application's write, not dbtwin's.
        "INSERT INTO notes (body) VALUES ('/* dbtwin:apply */')",
      ])
        assert.equal(isOwnWriteAtCapture(mysql({ query }), marker), false, query);
      assert.equal(isOwnWriteAtCapture(mysql({}), marker), false, 'no source.query (include.query off)');
      assert.equal(isOwnWriteAtCapture(oracle('DBTWIN'), marker), false);
      assert.equal(isOwnWriteAtCapture(postgres, marker), false);
    });
  });

  describe('username', () => {
    const user: CaptureExclusion = { mode: 'username', user: 'DBTWIN' };

    it('recognises the apply user as LogMiner reports it', () => {
      assert.equal(isOwnWriteAtCapture(oracle('DBTWIN'), user), true);
    });

    it('leaves other users, another case, and events without a user alone', () => {
      for (const name of ['APP', 'dbtwin', 'DBTWIN2', 'C##DBTWIN', ''])
        assert.equal(isOwnWriteAtCapture(oracle(name), user), false, name);
      assert.equal(isOwnWriteAtCapture(oracle(), user), false, 'no source.user_name');
      assert.equal(isOwnWriteAtCapture(mariadb({ query: 'DBTWIN' }), user), false);
    });
  });

  describe('gtid-domain', () => {
    const domain: CaptureExclusion = { mode: 'gtid-domain', domainId: 77 };

    it('recognises a MariaDB GTID in the domain', () => {
      assert.equal(isOwnWriteAtCapture(mariadb({ gtid: '77-1-1' }), domain), true);
      assert.equal(isOwnWriteAtCapture(mariadb({ gtid: '77-184054-99999999' }), domain), true);
    });

    it('leaves other domains, MySQL GTIDs and events without a GTID alone', () => {
      for (const gtid of ['0-1-77', '177-1-1', '7-77-1', '770-1-1'])
        assert.equal(isOwnWriteAtCapture(mariadb({ gtid }), domain), false, gtid);
      assert.equal(isOwnWriteAtCapture(mariadb({}), domain), false, 'no source.gtid');
      const uuidDomain: CaptureExclusion = { mode: 'gtid-domain', domainId: 12345678 };
      assert.equal(
        isOwnWriteAtCapture(mysql({ gtid: '12345678-1234-1234-1234-123456789abc:5' }), uuidDomain),
        false,
        'a MySQL uuid:n is not a MariaDB domain',
      );
      assert.equal(isOwnWriteAtCapture(oracle('77'), domain), false);
    });
  });
});

/** A one-side file with `capture` under the side (indented to sit at line 10). */
function fileWith(capture: string): string {
  return `sides:
  mariadb:
    engine: mysql
    connection: { host: 127.0.0.1, port: 3306, user: dbtwin, password: dbtwin, database: dbtwin }
    topicPrefix: mariadb
    schema: dbtwin
    tables: [accounts]
  oracle:
    engine: oracle
${capture}    connection: { host: oracle, port: 1521, user: DbTwin, password: x, database: FREEPDB1 }
    topicPrefix: oracle
    schema: APP
    tables: [ACCOUNTS]
`;
}

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'dbtwin.yaml', {});
  } catch (error) {
    assert.ok(error instanceof ConfigInvalidError, `expected ConfigInvalidError, got ${String(error)}`);
    return error.problems.map(formatConfigProblem);
  }
  assert.fail('the file loaded, but it should not');
}

describe('capture exclusion in the configuration', () => {
  const captureOf = (capture: string, side = 'oracle'): CaptureExclusion =>
    parseConfig(fileWith(capture), 'dbtwin.yaml', {}).sides[side]!.capture;

  it('defaults to none', () => {
    assert.deepEqual(captureOf(''), { mode: 'none' });
    assert.deepEqual(captureOf('', 'mariadb'), { mode: 'none' });
    assert.deepEqual(captureOf('    capture: { exclusion: none }\n'), { mode: 'none' });
  });

  it('gtid-domain carries its domain id', () => {
    assert.deepEqual(captureOf('    capture: { exclusion: gtid-domain, gtidDomainId: 77 }\n'), {
      mode: 'gtid-domain',
      domainId: 77,
    });
  });

  it('query-marker carries its marker, dbtwin:apply by default', () => {
    assert.deepEqual(captureOf('    capture: { exclusion: query-marker, marker: gw.1_a-b }\n'), {
      mode: 'query-marker',
      marker: 'gw.1_a-b',
    });
    assert.deepEqual(captureOf('    capture: { exclusion: query-marker }\n'), {
      mode: 'query-marker',
      marker: 'dbtwin:apply',
    });
  });

  it('username carries its user, by default the connection user in upper case (as LogMiner reports it)', () => {
    assert.deepEqual(captureOf('    capture: { exclusion: username, user: GATEWAY }\n'), {
      mode: 'username',
      user: 'GATEWAY',
    });
    assert.deepEqual(captureOf('    capture: { exclusion: username }\n'), {
      mode: 'username',
      user: 'DBTWIN',
    });
  });

  it('gtid-domain without gtidDomainId is an error at the capture key (file:line:col)', () => {
    const problems = problemsOf(fileWith('    capture:\n      exclusion: gtid-domain\n'));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0]!,
      /^dbtwin\.yaml:10:5: sides\.oracle\.capture\.gtidDomainId: is required with exclusion: gtid-domain/,
    );
  });

  it('refuses a marker that could leave its SQL comment, an unknown mode and a domain out of range', () => {
    const problems = problemsOf(
      fileWith("    capture: { exclusion: query-marker, marker: 'x */ DROP TABLE t; /*' }\n"),
    );
    assert.match(problems.join('\n'), /^dbtwin\.yaml:10:\d+: sides\.oracle\.capture\.marker: may hold only/m);
    assert.match(
      problemsOf(fileWith('    capture: { exclusion: sql-log-bin }\n')).join('\n'),
      /^dbtwin\.yaml:10:\d+: sides\.oracle\.capture\.exclusion: must be one of none, gtid-domain, query-marker, username/m,
    );
    assert.match(
      problemsOf(fileWith('    capture: { exclusion: gtid-domain, gtidDomainId: 4294967296 }\n')).join('\n'),
      /^dbtwin\.yaml:10:\d+: sides\.oracle\.capture\.gtidDomainId: must be between 0 and 4294967295/m,
    );
  });
});
