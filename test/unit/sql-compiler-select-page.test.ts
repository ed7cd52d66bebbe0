// SqlCompiler.selectPage and countRows (dbtwin verify): the keyset page each engine reads a table
// with (bound values, catalog identifiers, the predicate each engine turns into an index range, the
// apply stage's column list).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlCompiler, TableInfo } from '../../src/engines/dialect.js';
import { MysqlSqlCompiler } from '../../src/engines/mysql/mysql-sql-compiler.js';
import { OracleSqlCompiler } from '../../src/engines/oracle/oracle-sql-compiler.js';
import { PostgresSqlCompiler } from '../../src/engines/postgres/postgres-sql-compiler.js';
import { column, single, table } from '../support/table-fixtures.js';
import { formatPlsqlErrors, plsqlSyntaxErrors } from '../support/plsql-grammar.js';

const mysql = new MysqlSqlCompiler('10.11.19-MariaDB');
const postgres = new PostgresSqlCompiler();
const oracle = new OracleSqlCompiler('23.5.0.24.07');

const accounts = table(
  'dbtwin',
  'accounts',
  [
    ['id', 'bigint'],
    ['name', 'varchar'],
    ['ratio', 'float'],
  ],
  ['id'],
);
const pairs = table(
  'public',
  'pairs',
  [
    ['region', 'text'],
    ['id', 'integer'],
    ['n', 'integer'],
    ['m', 'integer'],
  ],
  ['region', 'id', 'n'],
);
const orders: TableInfo = {
  schema: 'APP',
  name: 'ORDERS',
  columns: [
    column('ID', 'number', { columnType: 'NUMBER(19,0)', precision: 19, scale: 0, nullable: false }),
    column('CREATED', 'date', { columnType: 'DATE' }),
  ],
  primaryKey: ['ID'],
  uniqueKeys: [],
};

function assertParsesAsPlsql(sql: string): void {
  const errors = plsqlSyntaxErrors(sql);
  assert.deepEqual(errors, [], formatPlsqlErrors(sql, errors));
}

/** The column list between `SELECT ` and ` FROM `: identifiers here hold no ` FROM `. */
function selectList(sql: string): string {
  return sql.slice('SELECT '.length, sql.indexOf(' FROM '));
}

describe('SqlCompiler.selectPage', () => {
  it('MySQL/MariaDB: first page, then the expanded key predicate (range-scanned), FLOAT read exactly', () => {
    assert.deepEqual(single(mysql.selectPage(accounts, { limit: 500 })), {
      sql: 'SELECT `id`, `name`, (`ratio` + 0e0) AS `ratio` FROM `dbtwin`.`accounts` ORDER BY `id` LIMIT ?',
      params: [500],
    });
    assert.deepEqual(single(mysql.selectPage(pairs, { limit: 2, after: ['eu', 7, 1] })), {
      sql:
        'SELECT `region`, `id`, `n`, `m` FROM `public`.`pairs` WHERE (`region` > ?) OR (`region` = ? AND `id` > ?) ' +
        'OR (`region` = ? AND `id` = ? AND `n` > ?) ORDER BY `region`, `id`, `n` LIMIT ?',
      params: ['eu', 'eu', 7, 'eu', 7, 1, 2],
    });
  });

  it('PostgreSQL: a row comparison (an index condition there)', () => {
    assert.deepEqual(single(postgres.selectPage(pairs, { limit: 10, after: ['eu', 7, 1] })), {
      sql:
        'SELECT "region", "id", "n", "m" FROM "public"."pairs" WHERE ("region", "id", "n") > ($1, $2, $3) ' +
        'ORDER BY "region", "id", "n" LIMIT $4',
      params: ['eu', 7, 1, 10],
    });
    assert.deepEqual(single(postgres.selectPage(accounts, { limit: 10, after: [5n] })), {
      sql: 'SELECT "id", "name", "ratio" FROM "dbtwin"."accounts" WHERE "id" > $1 ORDER BY "id" LIMIT $2',
      params: [5n, 10],
    });
  });

  it('reads only the key columns with keyOnly', () => {
    assert.deepEqual(single(postgres.selectPage(pairs, { limit: 3, keyOnly: true })), {
      sql: 'SELECT "region", "id", "n" FROM "public"."pairs" ORDER BY "region", "id", "n" LIMIT $1',
      params: [3],
    });
    assert.deepEqual(single(oracle.selectPage(orders, { limit: 3, keyOnly: true })), {
      sql: 'SELECT "ID" FROM "APP"."ORDERS" ORDER BY "ID" FETCH FIRST :1 ROWS ONLY',
      params: [3],
    });
  });

  it('Oracle: binds through the codec’s conversions, reads temporals through TO_CHAR, FETCH FIRST; parses', () => {
    const statement = single(oracle.selectPage(orders, { limit: 100, after: ['41'] }));
    assert.match(
      statement.sql,
      /^SELECT "ID", TO_CHAR\("CREATED", .+\) AS "CREATED" FROM "APP"\."ORDERS" WHERE "ID" > TO_NUMBER\(:1\) ORDER BY "ID" FETCH FIRST :2 ROWS ONLY$/,
    );
    assert.deepEqual(statement.params, ['41', 100]);
    assertParsesAsPlsql(statement.sql);
  });

  it('Oracle: a composite key gets the expanded predicate, each value bound through its column', () => {
    const lines: TableInfo = {
      schema: 'APP',
      name: 'LINES',
      columns: [
        column('ORDER_ID', 'number', {
          columnType: 'NUMBER(19,0)',
          precision: 19,
          scale: 0,
          nullable: false,
        }),
        column('CODE', 'varchar2', { columnType: 'VARCHAR2(10 CHAR)', length: 10, nullable: false }),
      ],
      primaryKey: ['ORDER_ID', 'CODE'],
      uniqueKeys: [],
    };
    const statement = single(oracle.selectPage(lines, { limit: 5, after: ['41', 'x'] }));
    assert.deepEqual(statement, {
      sql:
        'SELECT "ORDER_ID", "CODE" FROM "APP"."LINES" WHERE ("ORDER_ID" > TO_NUMBER(:1)) ' +
        'OR ("ORDER_ID" = TO_NUMBER(:2) AND "CODE" > :3) ORDER BY "ORDER_ID", "CODE" FETCH FIRST :4 ROWS ONLY',
      params: ['41', '41', 'x', 5],
    });
    assertParsesAsPlsql(statement.sql);
  });

  it('reads the columns exactly as selectByKeys does, on every engine', () => {
    const cases: [SqlCompiler, TableInfo][] = [
      [mysql, accounts],
      [postgres, pairs],
      [oracle, orders],
    ];
    for (const [compiler, t] of cases) {
      const [byKeys] = compiler.selectByKeys(t, [t.primaryKey.map(() => '1')]);
      assert.equal(
        selectList(single(compiler.selectPage(t, { limit: 1 })).sql),
        selectList(single(byKeys!).sql),
      );
    }
  });

  it('refuses a key of the wrong width and a page size that is not a positive integer', () => {
    for (const compiler of [mysql, postgres, oracle]) {
      assert.throws(() => compiler.selectPage(pairs, { limit: 1, after: ['eu'] }), /3 key columns/);
      assert.throws(() => compiler.selectPage(pairs, { limit: 0 }), /positive integer/);
      assert.throws(() => compiler.selectPage(pairs, { limit: 1.5 }), /positive integer/);
    }
  });

  it('refuses a table without a primary key', () => {
    for (const compiler of [mysql, postgres, oracle]) {
      assert.throws(() => compiler.selectPage({ ...pairs, primaryKey: [] }, { limit: 1 }), /no primary key/);
    }
  });
});

describe('SqlCompiler.countRows', () => {
  it('counts into a column named n, quoted so every engine returns that name', () => {
    assert.deepEqual(single(mysql.countRows(accounts)), {
      sql: 'SELECT COUNT(*) AS `n` FROM `dbtwin`.`accounts`',
      params: [],
    });
    assert.deepEqual(single(postgres.countRows(accounts)), {
      sql: 'SELECT COUNT(*) AS "n" FROM "dbtwin"."accounts"',
      params: [],
    });
    const statement = single(oracle.countRows(orders));
    assert.deepEqual(statement, { sql: 'SELECT COUNT(*) AS "n" FROM "APP"."ORDERS"', params: [] });
    assertParsesAsPlsql(statement.sql);
  });
});
