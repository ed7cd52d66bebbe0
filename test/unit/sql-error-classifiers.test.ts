import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { MysqlErrorClassifier } from '../../src/engines/mysql/mysql-error-classifier.js';
import { PostgresErrorClassifier } from '../../src/engines/postgres/postgres-error-classifier.js';

/** An error shaped like the driver's: message plus the driver's fields. */
function driverError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('MysqlErrorClassifier', () => {
  const classifier = new MysqlErrorClassifier();
  const verdict = (fields: Record<string, unknown>, message = 'x') =>
    classifier.classify(driverError(message, fields));

  it('retries deadlocks, lock waits, lost and refused connections, shutdowns and killed connections', () => {
    for (const [errno, code] of [
      [1213, 'ER_LOCK_DEADLOCK'],
      [1205, 'ER_LOCK_WAIT_TIMEOUT'],
      [1040, 'ER_CON_COUNT_ERROR'],
      [1053, 'ER_SERVER_SHUTDOWN'],
      [1927, 'ER_CONNECTION_KILLED'],
      [2013, 'CR_SERVER_LOST'],
      [2006, 'CR_SERVER_GONE_ERROR'],
    ] as const) {
      assert.deepEqual(verdict({ errno, code }, 'boom\nsecond line'), {
        class: 'retriable',
        vendorCode: `${code}/${errno}`,
        reason: 'boom',
      });
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST']) {
      assert.equal(verdict({ code, errno: -111, fatal: true }).class, 'retriable', code);
    }
    assert.equal(classifier.classify(new Error('Pool is closed.')).class, 'retriable');
  });

  it('dead-letters constraint and data errors, and unknown server errors', () => {
    for (const errno of [1062, 1452, 1451, 1406, 1264, 1366, 1292, 1048, 3819, 4025, 1146, 1054]) {
      assert.equal(verdict({ errno, code: 'ER_X' }).class, 'poison', String(errno));
    }
    const unknown = verdict({ errno: 9999, code: 'ER_NEW_THING' }, 'what');
    assert.deepEqual(unknown, {
      class: 'poison',
      vendorCode: 'ER_NEW_THING/9999',
      reason: 'unlisted error: what',
    });
  });

  it('follows DbtwinError kinds, looks inside AggregateError, and calls anything else poison', () => {
    assert.equal(
      classifier.classify(new DbtwinError(ErrorCode.TargetUnavailable, 'down')).class,
      'retriable',
    );
    assert.deepEqual(classifier.classify(new DbtwinError(ErrorCode.ValueDoesNotFit, 'a: too long')), {
      class: 'poison',
      vendorCode: 'DBT3001',
      reason: 'a: too long',
    });
    const aggregate = new AggregateError([driverError('refused', { code: 'ECONNREFUSED' })], '');
    assert.deepEqual(classifier.classify(aggregate), {
      class: 'retriable',
      vendorCode: 'ECONNREFUSED',
      reason: 'refused',
    });
    assert.equal(classifier.classify(new TypeError('bug')).class, 'poison');
    assert.equal(classifier.classify('a string').class, 'poison');
  });
});

describe('PostgresErrorClassifier', () => {
  const classifier = new PostgresErrorClassifier();
  const verdict = (code: string) =>
    classifier.classify(driverError(`error ${code}`, { code, severity: 'ERROR' }));

  it('retries serialization failures, deadlocks, connection and resource errors, shutdowns, lock timeouts', () => {
    for (const code of [
      '40001',
      '40P01',
      '08006',
      '08001',
      '57P01',
      '57P02',
      '57P03',
      '53300',
      '53100',
      '55P03',
      '57014',
    ]) {
      assert.deepEqual(verdict(code), { class: 'retriable', vendorCode: code, reason: `error ${code}` });
    }
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated',
      'timeout exceeded when trying to connect',
    ]) {
      assert.equal(classifier.classify(new Error(message)).class, 'retriable', message);
    }
    assert.equal(
      classifier.classify(driverError('connect ECONNREFUSED', { code: 'ECONNREFUSED' })).class,
      'retriable',
    );
  });

  it('dead-letters integrity, data and syntax errors, and unknown SQLSTATEs', () => {
    for (const code of [
      '23505',
      '23503',
      '23502',
      '23514',
      '22001',
      '22003',
      '22P02',
      '42P01',
      '42703',
      '42601',
    ]) {
      assert.equal(verdict(code).class, 'poison', code);
    }
    assert.equal(verdict('ZZ999').reason, 'unlisted error: error ZZ999');
    // Missing grants are an operator's fix, not the row's fault.
    assert.equal(verdict('42501').class, 'retriable');
  });
});
