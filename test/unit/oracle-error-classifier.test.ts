import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { OracleBatchError } from '../../src/engines/oracle/oracle-driver.js';
import { OracleErrorClassifier } from '../../src/engines/oracle/oracle-error-classifier.js';

const classifier = new OracleErrorClassifier();

/** An error shaped as node-oracledb raises a database error: `code` `ORA-nnnnn`, `errorNum`, message. */
function ora(num: number, text: string): Error {
  const code = `ORA-${String(num).padStart(5, '0')}`;
  return Object.assign(
    new Error(`${code}: ${text}\nHelp: https://docs.oracle.com/error-help/db/ora-${code.slice(4)}/`),
    {
      code,
      errorNum: num,
      offset: 0,
    },
  );
}

/** An error shaped as node-oracledb Thin raises its own errors: `code` `NJS-nnn`, no errorNum. */
function njs(num: number, text: string): Error {
  const code = `NJS-${String(num).padStart(3, '0')}`;
  return Object.assign(new Error(`${code}: ${text}`), { code });
}

describe('OracleErrorClassifier: retriable database errors', () => {
  const cases: [number, string][] = [
    [60, 'deadlock detected while waiting for resource'],
    [54, 'resource busy and acquire with NOWAIT specified or timeout expired'],
    [30006, 'resource busy; acquire with WAIT timeout expired'],
    [3113, 'end-of-file on communication channel'],
    [3114, 'not connected to ORACLE'],
    [3135, 'connection lost contact'],
    [12514, 'Cannot connect to database. Service FREEPDB1 is not registered with the listener'],
    [12541, 'Cannot connect. No listener at host db port 1521.'],
    [12170, 'Cannot connect. TCP connect timeout of 20s'],
    [12537, 'TNS:connection closed'],
    [12528, 'TNS:listener: all appropriate instances are blocking new connections'],
    [1033, 'ORACLE initialization or shutdown in progress'],
    [1034, 'The Oracle instance is not available for use. Start the instance.'],
    [1089, 'Immediate shutdown or close in progress - no operations are permitted'],
    [1090, 'shutdown in progress - connection is not permitted'],
    [25408, 'can not safely replay call'],
  ];
  for (const [num, text] of cases) {
    it(`ORA-${String(num).padStart(5, '0')} is retriable`, () => {
      const verdict = classifier.classify(ora(num, text));
      assert.equal(verdict.class, 'retriable');
      assert.equal(verdict.vendorCode, `ORA-${String(num).padStart(5, '0')}`);
      assert.match(verdict.reason, new RegExp(`^ORA-\\d{5}: ${text.slice(0, 10)}`));
    });
  }
});

describe('OracleErrorClassifier: node-oracledb Thin and socket errors', () => {
  it('NJS-500/501/503/510/521 are retriable', () => {
    for (const [num, text] of [
      [500, 'connection to Oracle Database was closed or broken'],
      [501, 'connection to host db port 1521 terminated unexpectedly. (CONNECTION_ID=x)'],
      [503, 'connection to host db port 1521 could not be established. (CONNECTION_ID=x)'],
      [510, 'connection to host db port 1521 timed out. Request exceeded "connectTimeout" of 60 seconds.'],
      [521, 'connection to host db port 1521 received end-of-file on communication channel.'],
    ] as const) {
      const verdict = classifier.classify(njs(num, text));
      assert.equal(verdict.class, 'retriable', `NJS-${num}`);
      assert.equal(verdict.vendorCode, `NJS-${num}`);
    }
  });

  it('NJS-500 wrapping ORA-03113 (how Thin reports a dropped session) is retriable', () => {
    const error = Object.assign(
      new Error(
        'NJS-500: connection to Oracle Database was closed or broken\nORA-03113: end-of-file on communication channel',
      ),
      { code: 'NJS-500', errorNum: 3113 },
    );
    const verdict = classifier.classify(error);
    assert.equal(verdict.class, 'retriable');
    assert.equal(verdict.vendorCode, 'NJS-500');
    assert.equal(verdict.reason, 'NJS-500: connection to Oracle Database was closed or broken');
  });

  it('ECONNREFUSED / ECONNRESET / ETIMEDOUT are retriable, also as the cause of a driver error', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) {
      const verdict = classifier.classify(
        Object.assign(new Error(`connect ${code} 10.0.0.1:1521`), { code }),
      );
      assert.deepEqual([verdict.class, verdict.vendorCode], ['retriable', code]);
    }
    const wrapped = new Error('could not reach the database', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    assert.deepEqual(
      [classifier.classify(wrapped).class, classifier.classify(wrapped).vendorCode],
      ['retriable', 'ECONNRESET'],
    );
  });

  it('errors without any vendor code follow the shared policy: poison (one change dead-lettered, replayable)', () => {
    const verdict = classifier.classify(new Error('something unexpected'));
    assert.equal(verdict.class, 'poison');
    assert.equal(verdict.vendorCode, 'unknown');
    assert.equal(verdict.reason, 'something unexpected');
    assert.equal(classifier.classify('a string').class, 'poison');
  });

  it('socket errors inside an AggregateError (a connect that tried several addresses) are retriable', () => {
    const error = new AggregateError([
      Object.assign(new Error('connect ECONNREFUSED ::1:1521'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1521'), { code: 'ECONNREFUSED' }),
    ]);
    assert.deepEqual(
      [classifier.classify(error).class, classifier.classify(error).vendorCode],
      ['retriable', 'ECONNREFUSED'],
    );
  });

  it('unknown NJS codes are driver rejections of the statement: poison', () => {
    const verdict = classifier.classify(njs(105, 'invalid bind'));
    assert.deepEqual([verdict.class, verdict.vendorCode], ['poison', 'NJS-105']);
  });
});

describe('OracleErrorClassifier: poison database errors', () => {
  const cases: [number, string][] = [
    [1, 'unique constraint (APP.ORDERS_UK) violated'],
    [2291, 'integrity constraint (APP.FK) violated - parent key not found'],
    [2292, 'integrity constraint (APP.FK) violated - child record found'],
    [1400, 'cannot insert NULL into ("APP"."ORDERS"."NAME")'],
    [12899, 'value too large for column "APP"."ORDERS"."NAME" (actual: 120, maximum: 100)'],
    [1438, 'value larger than specified precision allowed for this column'],
    [1722, 'invalid number'],
    [1843, 'not a valid month'],
    [1861, 'literal does not match format string'],
    [2290, 'check constraint (APP.CK) violated'],
    [942, 'table or view does not exist'],
    [904, '"NOPE": invalid identifier'],
  ];
  for (const [num, text] of cases) {
    it(`ORA-${String(num).padStart(5, '0')} is poison`, () => {
      const verdict = classifier.classify(ora(num, text));
      assert.equal(verdict.class, 'poison');
      assert.equal(verdict.vendorCode, `ORA-${String(num).padStart(5, '0')}`);
      assert.equal(verdict.reason, `ORA-${String(num).padStart(5, '0')}: ${text}`);
    });
  }

  it('a database error with an unknown code is poison', () => {
    const verdict = classifier.classify(ora(20001, 'custom trigger rejection'));
    assert.deepEqual([verdict.class, verdict.vendorCode], ['poison', 'ORA-20001']);
  });

  it('finds the code from errorNum or the message when `code` is missing', () => {
    assert.equal(classifier.classify({ errorNum: 60, message: 'deadlock' }).class, 'retriable');
    assert.deepEqual(
      [classifier.classify(new Error('ORA-00001: unique constraint violated')).class],
      ['poison'],
    );
  });
});

describe('OracleErrorClassifier: executeMany batchErrors', () => {
  it('a batch whose failing rows are all poison is poison, naming the rows and the first code', () => {
    const error = new OracleBatchError(
      [
        { index: 4, code: 'ORA-00001', message: 'ORA-00001: unique constraint (APP.UK) violated' },
        { index: 1, code: 'ORA-12899', message: 'ORA-12899: value too large for column' },
      ],
      10,
    );
    assert.deepEqual(error.indexes, [1, 4]);
    assert.equal(error.code, 'ORA-00001');
    const verdict = classifier.classify(error);
    assert.equal(verdict.class, 'poison');
    assert.equal(verdict.vendorCode, 'ORA-00001');
    assert.match(verdict.reason, /^2 of 10 rows failed \(rows 1, 4\): ORA-00001: unique constraint/);
  });

  it('a batch with any retriable failure is retriable', () => {
    const error = new OracleBatchError(
      [
        { index: 0, code: 'ORA-00001', message: 'ORA-00001: unique constraint violated' },
        { index: 2, code: 'ORA-00060', message: 'ORA-00060: deadlock detected' },
      ],
      3,
    );
    const verdict = classifier.classify(error);
    assert.deepEqual([verdict.class, verdict.vendorCode], ['retriable', 'ORA-00060']);
  });

  it('its message lists the failing rows', () => {
    const error = new OracleBatchError(
      [{ index: 3, code: 'ORA-01400', message: 'ORA-01400: cannot insert NULL' }],
      5,
    );
    assert.equal(error.message, '1 of 5 bind rows failed: row 3: ORA-01400: cannot insert NULL');
    assert.ok(error instanceof Error);
  });
});

describe('OracleErrorClassifier: dbtwin errors', () => {
  it('follows the error kind: abort → retriable, steering → poison', () => {
    assert.equal(
      classifier.classify(new DbtwinError(ErrorCode.TargetUnavailable, 'down')).class,
      'retriable',
    );
    const verdict = classifier.classify(new DbtwinError(ErrorCode.ValueDoesNotFit, 'too long'));
    assert.deepEqual([verdict.class, verdict.vendorCode], ['poison', 'DBT3001']);
  });
});
