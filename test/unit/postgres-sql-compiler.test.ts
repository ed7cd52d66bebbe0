import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostgresSqlCompiler } from '../../src/engines/postgres/postgres-sql-compiler.js';
import { single, table } from '../support/table-fixtures.js';

const docs = table(
  'public',
  'docs',
  [
    ['id', 'bigint'],
    ['title', 'character varying'],
    ['body', 'json'],
  ],
  ['id'],
);
const pairs = table(
  'public',
  'pairs',
  [
    ['a', 'text'],
    ['b', 'integer'],
  ],
  ['a', 'b'],
);
const compiler = new PostgresSqlCompiler();

describe('PostgresSqlCompiler', () => {
  it('writes ON CONFLICT DO UPDATE that skips rows already equal (json compared as text)', () => {
    const [statement, ...rest] = compiler.upsert(
      docs,
      ['id', 'title', 'body'],
      [
        [1, 't', '{}'],
        [2, 'u', null],
      ],
    );
    assert.equal(rest.length, 0);
    assert.deepEqual(single(statement!), {
      sql:
        'INSERT INTO "public"."docs" AS "dbtwin_target" ("id", "title", "body") VALUES ($1, $2, $3), ($4, $5, $6) ' +
        'ON CONFLICT ("id") DO UPDATE SET "title" = EXCLUDED."title", "body" = EXCLUDED."body" ' +
        'WHERE ("dbtwin_target"."title", "dbtwin_target"."body"::text) IS DISTINCT FROM (EXCLUDED."title", EXCLUDED."body"::text)',
      params: [1, 't', '{}', 2, 'u', null],
    });
  });

  it('writes DO NOTHING when every written column is a key column', () => {
    assert.equal(
      single(compiler.upsert(pairs, ['a', 'b'], [['x', 1]])[0]!).sql,
      'INSERT INTO "public"."pairs" AS "dbtwin_target" ("a", "b") VALUES ($1, $2) ON CONFLICT ("a", "b") DO NOTHING',
    );
  });

  it('quotes identifiers with double quotes, doubling embedded quotes', () => {
    assert.equal(compiler.quoteIdentifier('Mixed"Case'), '"Mixed""Case"');
    const t = table('my"schema', 'T', [['K"1', 'integer']], ['K"1']);
    assert.equal(
      single(compiler.deleteByKeys(t, [[1]])[0]!).sql,
      'DELETE FROM "my""schema"."T" WHERE "K""1" IN ($1)',
    );
  });

  it('selects and deletes by composite keys with row constructors', () => {
    assert.deepEqual(
      single(
        compiler.selectByKeys(pairs, [
          ['x', 1],
          ['y', 2],
        ])[0]!,
      ),
      {
        sql: 'SELECT "a", "b" FROM "public"."pairs" WHERE ("a", "b") IN (($1, $2), ($3, $4))',
        params: ['x', 1, 'y', 2],
      },
    );
    assert.equal(
      single(compiler.deleteByKeys(pairs, [['x', 1]])[0]!).sql,
      'DELETE FROM "public"."pairs" WHERE ("a", "b") IN (($1, $2))',
    );
  });

  it('splits at 65535 parameters, numbering each statement from $1', () => {
    const rows = Array.from({ length: 25_000 }, (_, i) => [i, `t${i}`, null]);
    const statements = compiler.upsert(docs, ['id', 'title', 'body'], rows).map(single);
    assert.equal(statements.length, 2);
    for (const { sql, params } of statements) {
      assert.ok(params.length <= 65_535);
      const numbers = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
      assert.equal(Math.min(...numbers), 1);
      assert.equal(Math.max(...numbers), params.length);
    }
    assert.deepEqual(
      statements.flatMap((s) => s.params),
      rows.flat(),
    );
    const keys = Array.from({ length: 70_000 }, (_, i) => [i]);
    const selects = compiler.selectByKeys(docs, keys).map(single);
    assert.equal(selects.length, 2);
    assert.equal(
      selects.reduce((n, s) => n + s.params.length, 0),
      70_000,
    );
  });

  it('collapses rows with equal keys to the last one (PostgreSQL refuses to touch a row twice)', () => {
    const [statement] = compiler.upsert(
      pairs,
      ['a', 'b'],
      [
        ['x', 1],
        ['x', 1],
      ],
    );
    assert.deepEqual(single(statement!).params, ['x', 1]);
  });
});
