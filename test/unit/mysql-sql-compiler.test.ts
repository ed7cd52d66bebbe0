import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbtwinError } from '../../src/core/dbtwin-error.js';
import { ErrorCode } from '../../src/core/error-codes.js';
import { MysqlSqlCompiler, usesRowAlias } from '../../src/engines/mysql/mysql-sql-compiler.js';
import { single, table } from '../support/table-fixtures.js';

const people = table(
  'shop',
  'people',
  [
    ['id', 'bigint'],
    ['name', 'varchar'],
    ['note', 'text'],
  ],
  ['id'],
);
const lines = table(
  'shop',
  'order_lines',
  [
    ['order_id', 'bigint'],
    ['line', 'int'],
    ['qty', 'int'],
  ],
  ['order_id', 'line'],
);

const dbtwinCode = (code: ErrorCode) => (e: unknown) => e instanceof DbtwinError && e.code === code;

describe('MysqlSqlCompiler', () => {
  it('picks the row alias on MySQL ≥ 8.0.20 and VALUES() on MariaDB and older MySQL', () => {
    for (const v of ['8.0.20', '8.0.36-commercial', '8.4.3', '9.1.0', undefined]) {
      assert.equal(usesRowAlias(v), true, String(v));
    }
    for (const v of [
      '10.11.19-MariaDB-0+deb12u1-log',
      '11.4.2-MariaDB',
      '5.5.5-10.6.12-MariaDB',
      '8.0.19',
      '5.7.44-log',
      'unknown',
    ]) {
      assert.equal(usesRowAlias(v), false, v);
    }
  });

  it('writes the row-alias upsert for MySQL 8', () => {
    const [statement, ...rest] = new MysqlSqlCompiler('8.4.3').upsert(
      people,
      ['id', 'name', 'note'],
      [
        [1, 'a', null],
        [2n, 'b', 'x'],
      ],
    );
    assert.equal(rest.length, 0);
    assert.deepEqual(single(statement!), {
      sql:
        'INSERT INTO `shop`.`people` (`id`, `name`, `note`) VALUES (?, ?, ?), (?, ?, ?) AS new ' +
        'ON DUPLICATE KEY UPDATE `name` = new.`name`, `note` = new.`note`',
      params: [1, 'a', null, 2n, 'b', 'x'],
    });
  });

  it('writes the VALUES() upsert for MariaDB', () => {
    const [statement] = new MysqlSqlCompiler('10.11.19-MariaDB').upsert(people, ['id', 'name'], [[1, 'a']]);
    assert.equal(
      single(statement!).sql,
      'INSERT INTO `shop`.`people` (`id`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)',
    );
  });

  it('makes a key-only upsert a no-op on existing rows, without INSERT IGNORE', () => {
    for (const version of ['8.4.3', '10.11.19-MariaDB']) {
      const [statement] = new MysqlSqlCompiler(version).upsert(lines, ['order_id', 'line'], [[1, 2]]);
      assert.equal(
        single(statement!).sql,
        'INSERT INTO `shop`.`order_lines` (`order_id`, `line`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `order_id` = `order_id`',
      );
    }
  });

  it('uses another alias for a table named new', () => {
    const t = table(
      's',
      'NEW',
      [
        ['id', 'int'],
        ['v', 'int'],
      ],
      ['id'],
    );
    assert.match(
      single(new MysqlSqlCompiler().upsert(t, ['id', 'v'], [[1, 2]])[0]!).sql,
      /AS new_row ON DUPLICATE KEY UPDATE `v` = new_row\.`v`$/,
    );
  });

  it('quotes identifiers with backticks, doubling embedded backticks', () => {
    const compiler = new MysqlSqlCompiler('8.4.3');
    assert.equal(compiler.quoteIdentifier('we`ird'), '`we``ird`');
    const t = table(
      'd`b',
      't`1',
      [
        ['k`ey', 'int'],
        ['v?', 'int'],
      ],
      ['k`ey'],
    );
    assert.equal(
      single(compiler.upsert(t, ['k`ey', 'v?'], [[1, 2]])[0]!).sql,
      'INSERT INTO `d``b`.`t``1` (`k``ey`, `v?`) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE `v?` = new.`v?`',
    );
  });

  it('selects and deletes by single and composite keys', () => {
    const compiler = new MysqlSqlCompiler('8.4.3');
    assert.deepEqual(single(compiler.selectByKeys(people, [[1], [2]])[0]!), {
      sql: 'SELECT `id`, `name`, `note` FROM `shop`.`people` WHERE `id` IN (?, ?)',
      params: [1, 2],
    });
    assert.deepEqual(
      single(
        compiler.deleteByKeys(lines, [
          [1, 1],
          [1, 2],
        ])[0]!,
      ),
      {
        sql: 'DELETE FROM `shop`.`order_lines` WHERE (`order_id`, `line`) IN ((?, ?), (?, ?))',
        params: [1, 1, 1, 2],
      },
    );
    assert.deepEqual(compiler.selectByKeys(people, []), []);
    assert.deepEqual(compiler.upsert(people, ['id'], []), []);
  });

  it('reads FLOAT columns as doubles, so a kept column is not written back with 6 digits', () => {
    const weights = table(
      'shop',
      'parcels',
      [
        ['id', 'bigint'],
        ['weight', 'float'],
      ],
      ['id'],
    );
    assert.deepEqual(single(new MysqlSqlCompiler('10.11.19-MariaDB').selectByKeys(weights, [[1]])[0]!), {
      sql: 'SELECT `id`, (`weight` + 0e0) AS `weight` FROM `shop`.`parcels` WHERE `id` IN (?)',
      params: [1],
    });
  });

  it('splits a batch so that no statement holds more than 65535 placeholders', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => [i, `n${i}`, null]);
    const statements = new MysqlSqlCompiler('8.4.3').upsert(people, ['id', 'name', 'note'], rows).map(single);
    assert.equal(statements.length, 2);
    for (const { sql, params } of statements) {
      assert.ok(params.length <= 65_535);
      assert.equal(sql.split('?').length - 1, params.length);
    }
    assert.deepEqual(
      statements.flatMap((s) => s.params),
      rows.flat(),
    );
  });

  it('splits a batch of large rows by the bound-data budget', () => {
    const big = 'x'.repeat(1024 * 1024);
    const statements = new MysqlSqlCompiler().upsert(
      people,
      ['id', 'note'],
      [
        [1, big],
        [2, big],
        [3, big],
      ],
    );
    assert.ok(statements.length >= 2, `${statements.length} statements`);
    assert.equal(statements.map(single).flatMap((s) => s.params).length, 6);
  });

  it('collapses rows with equal keys to the last one', () => {
    const [statement] = new MysqlSqlCompiler().upsert(
      lines,
      ['order_id', 'line', 'qty'],
      [
        [1, 1, 10],
        [1, 2, 20],
        [1, 1, 11],
      ],
    );
    assert.deepEqual(single(statement!).params, [1, 1, 11, 1, 2, 20]);
  });

  it('refuses tables without a key, unknown columns, missing key columns and ragged rows', () => {
    const compiler = new MysqlSqlCompiler();
    assert.throws(
      () => compiler.upsert({ ...people, primaryKey: [] }, ['id'], [[1]]),
      dbtwinCode(ErrorCode.TargetTableUnusable),
    );
    assert.throws(
      () => compiler.deleteByKeys({ ...people, primaryKey: [] }, [[1]]),
      dbtwinCode(ErrorCode.TargetTableUnusable),
    );
    assert.throws(
      () => compiler.upsert(people, ['id', 'nope'], [[1, 2]]),
      dbtwinCode(ErrorCode.ColumnNotMapped),
    );
    assert.throws(() => compiler.upsert(people, ['name'], [['a']]), dbtwinCode(ErrorCode.ColumnNotMapped));
    assert.throws(
      () => compiler.upsert(people, ['id', 'name'], [[1]]),
      dbtwinCode(ErrorCode.InternalInvariant),
    );
    assert.throws(() => compiler.selectByKeys(lines, [[1]]), dbtwinCode(ErrorCode.InternalInvariant));
  });
});
